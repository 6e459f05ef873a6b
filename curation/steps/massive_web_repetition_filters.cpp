// massive_web_repetition_filters (DCLM repetition_filter semantics, curation.md §4.1–§4.2):
//   lines (split_paragraphs '\n') and paragraphs (split_paragraphs '\n\n'): 0 segments → drop, 1 → pass;
//     duplicate fraction by count (first occurrence included) > 0.3 → drop;
//     duplicate character fraction Σ len·count over repeated / Σ len over all > 0.2 → drop;
//   words = UAX#29 words with alnum first char, total_chars = Σ len(w);
//     top n-gram n=2,3,4 (0.20, 0.18, 0.16): max count c (c == 1 passes), longest char length L among the
//     n-grams with count c, drop if L·c / total_chars > threshold;
//     duplicate n-grams n=5..10 (0.15 … 0.10): characters of words covered by any occurrence of an n-gram
//     occurring more than once / total_chars > threshold → drop.
// Check order as DCLM: line count, paragraph count, line chars, paragraph chars, n-grams (the first failure
// names the reason). skip_paragraph: DCLM's parameter. All comparisons strict.
//
// Implementation: segments and words are views into the text, counted in flat hash tables (no string
// copies). Every n-gram gets an exact class id, built level by level: the class of words[i..i+n) is the
// interned pair (class of words[i..i+n-1), id of words[i+n-1]), so equal n-grams, and only those, share a
// class, and each level is one pass of 64-bit-key lookups instead of hashing n words per position.
// An n-gram that occurs once makes every longer n-gram starting at the same position occur once too, so
// such positions are dropped from the list of live positions that each level walks; after the first
// levels only the repeated stretches of a document are still counted.
// Character counts come from one UTF-8 validity check per text: in valid UTF-8 a view that starts and
// ends at code point boundaries holds one code point per byte that is not a continuation byte, counted 8
// bytes at a time (invalid text takes text::codepoint_count, whose U+FFFD per bad byte counts otherwise);
// words are counted once per distinct word. A text with at most one line or paragraph is decided by
// that count alone, without interning.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

// Exposed for tests: the reason a text fails (empty string = passes).
std::string repetition_failure(const std::string& text, bool skip_paragraph = false);
// The same with the words from ICU's BreakIterator alone (uax29::alnum_words' reference).
std::string repetition_failure_icu_words(const std::string& text, bool skip_paragraph = false);

namespace {

constexpr uint32_t kNone = 0xFFFFFFFFu;

// A quick 64-bit hash of a short string (words, lines): 8 bytes at a time, multiply-xorshift mixing.
// For strings of equal size up to 8 bytes it is injective (one zero-padded 64-bit word through xor with a
// constant, multiplication by odd constants and xor-shifts, all bijections), so ViewInterner needs to
// compare the bytes of longer strings only.
// limit: the end of the buffer v lies in; the last partial word is read as one 8-byte load and masked
// when the buffer extends that far (a variable-size copy into the word stalls store forwarding).
inline uint64_t view_hash(std::string_view v, const char* limit) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ v.size();
  const char* p = v.data();
  size_t n = v.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t k;
    std::memcpy(&k, p, 8);
    h = (h ^ k) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  uint64_t k = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (n && limit - p >= 8) {
    std::memcpy(&k, p, 8);
    k &= ~0ull >> (64 - 8 * n);  // the n bytes of v, zero-padded as the copy below gives them
  } else
#endif
  if (n) {
    std::memcpy(&k, p, n);
  }
  h = (h ^ k) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

inline size_t table_capacity(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 16) cap <<= 1;
  return cap;
}

// Interns string views into one buffer ending at limit (exact: equal hashes are confirmed by comparing
// the bytes): id = order of first appearance. Sized for `expected` keys at most between resets.
class ViewInterner {
 public:
  void reset(size_t expected, const char* limit) {
    limit_ = limit;
    const size_t cap = table_capacity(expected);
    if (slots_.size() < cap) slots_.resize(cap);
    std::fill(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(cap), kNone);
    mask_ = cap - 1;
    if (keys_.size() < expected) { keys_.resize(expected); hashes_.resize(expected); }
    size_ = 0;
  }
  uint32_t intern(std::string_view v) {
    const uint64_t h = view_hash(v, limit_);
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      const uint32_t id = slots_[s];
      if (id == kNone) {
        keys_[size_] = v;
        hashes_[size_] = h;
        return slots_[s] = size_++;
      }
      if (hashes_[id] == h && keys_[id].size() == v.size() &&
          (v.size() <= 8 || std::memcmp(keys_[id].data(), v.data(), v.size()) == 0))
        return id;
    }
  }
  size_t size() const { return size_; }

 private:
  std::vector<uint32_t> slots_;
  std::vector<std::string_view> keys_;
  std::vector<uint64_t> hashes_;
  size_t mask_ = 0;
  uint32_t size_ = 0;
  const char* limit_ = nullptr;
};

// Interns 64-bit keys (a pair of 32-bit ids): id = order of first appearance.
class PairInterner {
 public:
  void reset(size_t expected) {
    const size_t cap = table_capacity(expected);
    if (keys_.size() < cap) { keys_.resize(cap); vals_.resize(cap); }
    std::fill(vals_.begin(), vals_.begin() + static_cast<std::ptrdiff_t>(cap), kNone);
    bits_ = 0;
    while ((size_t{1} << bits_) < cap) ++bits_;
    mask_ = cap - 1;
    next_ = 0;
  }
  // Capacity is >= 2 × expected, and at most `expected` keys are interned between resets.
  uint32_t intern(uint64_t k) {
    for (size_t s = static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> (64 - bits_));; s = (s + 1) & mask_) {
      if (vals_[s] == kNone) { keys_[s] = k; vals_[s] = next_; return next_++; }
      if (keys_[s] == k) return vals_[s];
    }
  }
  uint32_t size() const { return next_; }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  unsigned bits_ = 4;
  size_t mask_ = 0;
  uint32_t next_ = 0;
};

struct Segments {
  size_t n = 0;
  int64_t total_chars = 0, dup_count = 0, dup_chars = 0;
};

// Buffers reused from one document to the next.
struct Scratch {
  ViewInterner views;
  PairInterner pairs;
  std::vector<std::string_view> segs, words;
  std::vector<uint32_t> ids, cls, counts, live, id_chars;
  std::vector<int64_t> prefix;
};

// True when s is valid UTF-8 (text::decode_utf8 never falls back to U+FFFD for a single bad byte).
bool valid_utf8(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) { i += 8; continue; }
    }
    if (p[i] < 0x80) { ++i; continue; }
    char32_t cp;
    const size_t k = text::decode_utf8(s, i, cp);
    if (k == 1) return false;  // a non-ASCII byte decoded alone: invalid
    i += k;
  }
  return true;
}

// Code points of v (a view of the text between code point boundaries): text::codepoint_count, counted
// as the bytes that are not continuation bytes when the text is valid UTF-8.
inline int64_t chars_of(std::string_view v, bool valid) {
  if (!valid) return static_cast<int64_t>(text::codepoint_count(v));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(v.data());
  const size_t n = v.size();
  uint64_t cont = 0;
  size_t i = 0;
  // 8 bytes at a time: bit 7 of each byte set exactly for the bytes 10xxxxxx, then summed bytewise.
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t m = (w & ~(w << 1)) & 0x8080808080808080ull;
    cont += ((m >> 7) * 0x0101010101010101ull) >> 56;
  }
  for (; i < n; ++i) cont += (p[i] & 0xC0) == 0x80;
  return static_cast<int64_t>(n - cont);
}

// Σ over segments: count, characters; duplicate count and characters over segments whose text occurs
// more than once (first occurrence included).
// Only n is set when n <= 1: segment_check decides those by n alone.
Segments segment_stats(std::string_view text, std::string_view sep, bool valid, Scratch& sc) {
  Segments r;
  sc.segs.clear();
  py::for_each_paragraph(text, sep, [&](std::string_view s) { sc.segs.push_back(s); });
  r.n = sc.segs.size();
  if (r.n <= 1) return r;
  sc.views.reset(r.n, text.data() + text.size());
  sc.ids.clear();
  for (std::string_view s : sc.segs) sc.ids.push_back(sc.views.intern(s));
  sc.counts.assign(sc.views.size(), 0);
  for (uint32_t id : sc.ids) ++sc.counts[id];
  for (size_t i = 0; i < r.n; ++i) {
    const int64_t len = chars_of(sc.segs[i], valid);
    r.total_chars += len;
    if (sc.counts[sc.ids[i]] > 1) {
      r.dup_count += 1;
      r.dup_chars += len;
    }
  }
  return r;
}
// repetition_filter(granularity line/paragraph): "" = passes. 1 segment passes, 0 segments drop.
std::string segment_check(const Segments& s, const char* what, bool count_characters, double thr) {
  if (s.n == 1) return "";
  if (s.n == 0) return std::string("no_") + what;
  double frac = count_characters ? static_cast<double>(s.dup_chars) / static_cast<double>(s.total_chars)
                                 : static_cast<double>(s.dup_count) / static_cast<double>(s.n);
  if (frac > thr) return std::string("dup_") + what + (count_characters ? "_chars" : "");
  return "";
}

std::string ngram_failure(std::string_view text, bool icu_words, bool valid, Scratch& sc) {
  if (icu_words) py::uniseg_word_views_icu(text, sc.words);
  else py::uniseg_word_views(text, sc.words);
  const size_t n_words = sc.words.size();
  sc.views.reset(n_words, text.data() + text.size());
  sc.ids.resize(n_words);
  if (sc.id_chars.size() < n_words) sc.id_chars.resize(n_words);
  sc.prefix.resize(n_words + 1);
  sc.prefix[0] = 0;
  uint32_t distinct = 0;
  for (size_t i = 0; i < n_words; ++i) {
    const uint32_t id = sc.views.intern(sc.words[i]);
    // Ids are given in order of first appearance: characters are counted once per distinct word.
    if (id == distinct) sc.id_chars[distinct++] = static_cast<uint32_t>(chars_of(sc.words[i], valid));
    sc.ids[i] = id;
    sc.prefix[i + 1] = sc.prefix[i] + sc.id_chars[id];
  }
  const int64_t total_chars = sc.prefix[n_words];
  if (total_chars == 0) return "";
  static const double top_thr[] = {0.20, 0.18, 0.16};
  static const double dup_thr[] = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10};
  // The live positions (increasing) are those whose n-gram occurs more than once; cls[i] is its class,
  // read at live positions only. 1-grams: the word ids.
  sc.counts.assign(sc.views.size(), 0);
  for (uint32_t id : sc.ids) ++sc.counts[id];
  // (Branch-free list building: whether a position stays live is unpredictable.)
  sc.cls.assign(sc.ids.begin(), sc.ids.end());
  sc.live.resize(n_words);
  size_t n_live = 0;
  for (size_t i = 0; i < n_words; ++i) {
    sc.live[n_live] = static_cast<uint32_t>(i);
    n_live += sc.counts[sc.ids[i]] > 1;
  }
  sc.live.resize(n_live);
  for (size_t n = 2; n <= 10 && n <= n_words; ++n) {
    const size_t positions = n_words - n + 1;
    while (!sc.live.empty() && sc.live.back() >= positions) sc.live.pop_back();
    // Nothing repeats any more: no longer n-gram repeats either, and every remaining check passes.
    if (sc.live.empty()) return "";
    sc.pairs.reset(sc.live.size());
    for (uint32_t i : sc.live) sc.cls[i] = sc.pairs.intern((static_cast<uint64_t>(sc.cls[i]) << 32) | sc.ids[i + n - 1]);
    sc.counts.assign(sc.pairs.size(), 0);
    for (uint32_t i : sc.live) ++sc.counts[sc.cls[i]];
    size_t kept = 0;
    for (uint32_t i : sc.live) {
      sc.live[kept] = i;
      kept += sc.counts[sc.cls[i]] > 1;
    }
    sc.live.resize(kept);
    // Every n-gram occurs once (the highest count is 1): this and every later check pass.
    if (sc.live.empty()) return "";
    if (n <= 4) {
      // Top n-gram: the highest count c; among n-grams with that count the longest.
      uint32_t best = 0;
      for (uint32_t i : sc.live) best = std::max(best, sc.counts[sc.cls[i]]);
      int64_t best_len = 0;
      for (uint32_t i : sc.live)
        if (sc.counts[sc.cls[i]] == best) best_len = std::max(best_len, sc.prefix[i + n] - sc.prefix[i]);
      if (static_cast<double>(best_len * static_cast<int64_t>(best)) / static_cast<double>(total_chars) > top_thr[n - 2])
        return "top_" + std::to_string(n) + "gram";
    } else {
      // Characters of the words covered by any occurrence of a repeated n-gram (overlaps merged).
      int64_t c = 0;
      size_t covered_to = 0;  // words [0, covered_to) already counted
      for (uint32_t i : sc.live) {
        const size_t from = std::max<size_t>(i, covered_to), to = i + n;
        if (from < to) c += sc.prefix[to] - sc.prefix[from];
        covered_to = std::max(covered_to, to);
      }
      if (static_cast<double>(c) / static_cast<double>(total_chars) > dup_thr[n - 5])
        return "dup_" + std::to_string(n) + "gram";
    }
  }
  return "";
}

std::string failure_of(const std::string& text, bool skip_paragraph, bool icu_words) {
  // DCLM order: line count 0.3, paragraph count 0.3, line chars 0.2, paragraph chars 0.2, then n-grams.
  if (text.empty()) return "empty";
  thread_local Scratch sc;
  const bool valid = valid_utf8(text);
  Segments lines = segment_stats(text, "\n", valid, sc);
  Segments paras;
  if (!skip_paragraph) paras = segment_stats(text, "\n\n", valid, sc);
  if (auto r = segment_check(lines, "lines", false, 0.3); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = segment_check(paras, "paragraphs", false, 0.3); !r.empty()) return r;
  if (auto r = segment_check(lines, "lines", true, 0.2); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = segment_check(paras, "paragraphs", true, 0.2); !r.empty()) return r;
  return ngram_failure(text, icu_words, valid, sc);
}

}  // namespace

std::string repetition_failure(const std::string& text, bool skip_paragraph) {
  return failure_of(text, skip_paragraph, false);
}
std::string repetition_failure_icu_words(const std::string& text, bool skip_paragraph) {
  return failure_of(text, skip_paragraph, true);
}

namespace {
struct Repetition : Step {
  bool skip_paragraph = false;
  Verdict apply(Document& d) override {
    std::string r = repetition_failure(d.text, skip_paragraph);
    return r.empty() ? Verdict::ok() : Verdict::drop(r);
  }
};
}  // namespace

std::unique_ptr<Step> make_massive_web_repetition_filters(ConfigNode& cfg) {
  auto s = std::make_unique<Repetition>();
  s->skip_paragraph = cfg.get_or<bool>("skip_paragraph", false);
  return s;
}

}  // namespace dclm::curation::steps
