#include "tokenizer/gpt_neox_bpe.h"

#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/text.h"

namespace dclm::tokenizer {
namespace {

// ---------------------------------------------------------------------------------------------
// Character classes of the GPT-2 pre-tokenizer regex: \s (Unicode White_Space, which is what
// Oniguruma's and Rust regex's Unicode \s match), \p{L}, \p{N}, everything else.
enum CharClass : uint8_t { kSpace = 0, kLetter = 1, kNumber = 2, kOther = 3 };

// HF tokenizers 0.13 runs the regex with Oniguruma 6.9.8, whose tables are Unicode 14.0: code points
// assigned later (e.g. U+11F04 Kawi, U+31350 CJK Ext. H, U+1E030 Cyrillic modifier letters) are
// unassigned there, so not \p{L}/\p{N}. tiktoken's Rust regex knows Unicode 15 (checked against the npm
// build: U+11F04 is \p{L} there). ICU may know a newer Unicode than either; cap it per format.
constexpr int kHfUnicodeMajor = 14;
constexpr int kTiktokenUnicodeMajor = 15;

uint8_t classify_icu(UChar32 cp, int unicode_major) {
  if (u_isUWhiteSpace(cp)) return kSpace;
  UVersionInfo age;
  u_charAge(cp, age);
  if (age[0] > unicode_major) return kOther;
  switch (u_charType(cp)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return kLetter;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return kNumber;
    default:
      return kOther;
  }
}

// Classes for one Unicode version: BMP precomputed (64 KiB); supplementary planes ask ICU.
struct CharClasses {
  int unicode_major;
  std::vector<uint8_t> bmp;
  explicit CharClasses(int major) : unicode_major(major), bmp(0x10000) {
    for (UChar32 c = 0; c < 0x10000; ++c) bmp[c] = classify_icu(c, major);
  }
};
const CharClasses& char_classes(int major) {
  static const CharClasses hf(kHfUnicodeMajor), tiktoken(kTiktokenUnicodeMajor);
  return major == kHfUnicodeMajor ? hf : tiktoken;
}

// Decodes one code point at s[i] of valid UTF-8 (callers repair invalid input first, so the
// continuation bytes exist); returns its class and sets len.
inline uint8_t char_at(const unsigned char* s, size_t i, size_t& len, const CharClasses& cc) {
  const uint8_t* bmp = cc.bmp.data();
  unsigned char b = s[i];
  if (b < 0x80) { len = 1; return bmp[b]; }
  UChar32 cp;
  if (b < 0xE0) { len = 2; cp = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F); }
  else if (b < 0xF0) { len = 3; cp = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F); }
  else {
    len = 4;
    cp = ((b & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
    return classify_icu(cp, cc.unicode_major);
  }
  return bmp[cp];
}

// The GPT-2 regex, as a scanner: calls emit(begin, end) for each match, in order, covering the piece.
template <class Emit>
void regex_split(std::string_view piece, const CharClasses& cc, Emit&& emit) {
  const auto* s = reinterpret_cast<const unsigned char*>(piece.data());
  const size_t n = piece.size();
  size_t i = 0;
  while (i < n) {
    const size_t start = i;
    // 's|'t|'re|'ve|'m|'ll|'d  (case-sensitive)
    if (s[i] == '\'' && i + 1 < n) {
      unsigned char c1 = s[i + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { emit(start, i + 2); i += 2; continue; }
      if (i + 2 < n) {
        unsigned char c2 = s[i + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          emit(start, i + 3); i += 3; continue;
        }
      }
    }
    size_t len0;
    uint8_t c0 = char_at(s, i, len0, cc);
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
    uint8_t cls = kSpace;
    size_t j = i;
    if (c0 != kSpace) {
      cls = c0;
    } else if (s[i] == ' ' && i + 1 < n) {
      size_t len1;
      uint8_t c1 = char_at(s, i + 1, len1, cc);
      if (c1 != kSpace) { cls = c1; j = i + 1; }
    }
    if (cls != kSpace) {
      size_t len;
      while (j < n && char_at(s, j, len, cc) == cls) j += len;
      emit(start, j);
      i = j;
      continue;
    }
    // \s+(?!\S) | \s+
    size_t k = i, last = i, len;
    while (k < n && char_at(s, k, len, cc) == kSpace) { last = k; k += len; }
    size_t end;
    if (k == n) end = n;              // the run reaches the end: (?!\S) holds
    else if (last > i) end = last;    // back off one char so the next one is whitespace
    else end = k;                     // single whitespace char before \S: plain \s+
    emit(start, end);
    i = end;
  }
}

// GPT-2 bytes_to_unicode.
std::vector<char32_t> bytes_to_unicode() {
  std::vector<int> bs;
  for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
  std::vector<char32_t> map(256, 0);
  std::vector<bool> have(256, false);
  for (int b : bs) { map[b] = static_cast<char32_t>(b); have[b] = true; }
  int extra = 0;
  for (int b = 0; b < 256; ++b)
    if (!have[b]) map[b] = static_cast<char32_t>(256 + extra++);
  return map;
}

// Open-addressing map (a<<32|b) → (rank, new id).
class PairMap {
 public:
  struct Val { int32_t rank, id; };
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    keys_.assign(cap, kEmpty);
    vals_.assign(cap, Val{INT32_MAX, -1});
    mask_ = cap - 1;
  }
  // Keeps the first value inserted for a key; returns false if the key was present.
  bool insert(int32_t a, int32_t b, Val v) {
    uint64_t key = make_key(a, b);
    for (size_t p = mix(key) & mask_;; p = (p + 1) & mask_) {
      if (keys_[p] == key) return false;
      if (keys_[p] == kEmpty) { keys_[p] = key; vals_[p] = v; ++size_; return true; }
    }
  }
  inline Val find(int32_t a, int32_t b) const {
    uint64_t key = make_key(a, b);
    for (size_t p = mix(key) & mask_;; p = (p + 1) & mask_) {
      if (keys_[p] == key) return vals_[p];
      if (keys_[p] == kEmpty) return Val{INT32_MAX, -1};
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  static uint64_t make_key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
  }
  std::vector<uint64_t> keys_;
  std::vector<Val> vals_;
  size_t mask_ = 0, size_ = 0;
};

// Per-thread pre-token → ids cache: flat table with keys and values in arenas; cleared when full.
class PieceCache {
 public:
  static constexpr size_t kSlots = 1 << 17;      // power of two
  static constexpr size_t kMaxEntries = kSlots / 2;
  static constexpr size_t kMaxKey = 64;          // longer pre-tokens are not cached
  PieceCache() : slots_(kSlots) {}
  // Returns true and appends the cached ids on a hit.
  bool lookup(std::string_view key, uint64_t h, std::vector<int32_t>& out) const {
    for (size_t p = h & (kSlots - 1);; p = (p + 1) & (kSlots - 1)) {
      const Slot& s = slots_[p];
      if (s.key_len == 0) return false;
      if (s.hash == h && s.key_len == key.size() && std::memcmp(keys_.data() + s.key_off, key.data(), key.size()) == 0) {
        out.insert(out.end(), vals_.begin() + s.val_off, vals_.begin() + s.val_off + s.val_len);
        return true;
      }
    }
  }
  void insert(std::string_view key, uint64_t h, const int32_t* ids, size_t n) {
    if (entries_ >= kMaxEntries) clear();
    size_t p = h & (kSlots - 1);
    while (slots_[p].key_len != 0) p = (p + 1) & (kSlots - 1);
    Slot& s = slots_[p];
    s.hash = h;
    s.key_off = static_cast<uint32_t>(keys_.size());
    s.key_len = static_cast<uint16_t>(key.size());
    s.val_off = static_cast<uint32_t>(vals_.size());
    s.val_len = static_cast<uint16_t>(n);
    keys_.append(key.data(), key.size());
    vals_.insert(vals_.end(), ids, ids + n);
    ++entries_;
  }

 private:
  struct Slot { uint64_t hash = 0; uint32_t key_off = 0, val_off = 0; uint16_t key_len = 0, val_len = 0; };
  void clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    vals_.clear();
    entries_ = 0;
  }
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> vals_;
  size_t entries_ = 0;
};

std::atomic<uint64_t> g_instance_counter{1};

// Each thread keeps caches for the few tokenizer instances it used most recently.
PieceCache& thread_cache(uint64_t instance) {
  thread_local std::vector<std::pair<uint64_t, std::unique_ptr<PieceCache>>> caches;
  for (auto& c : caches)
    if (c.first == instance) return *c.second;
  if (caches.size() >= 4) caches.erase(caches.begin());
  caches.emplace_back(instance, std::make_unique<PieceCache>());
  return *caches.back().second;
}

std::string base64_decode(std::string_view in, const std::string& path, int64_t line) {
  static const auto table = [] {
    std::vector<int> t(256, -1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = i;
    return t;
  }();
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    int v = table[static_cast<unsigned char>(ch)];
    if (v < 0) throw Error("invalid base64 in tiktoken ranks file", {path, line});
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) { bits -= 8; out.push_back(static_cast<char>((acc >> bits) & 0xFF)); }
  }
  return out;
}

bool all_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

struct AddedToken {
  std::string content;
  int32_t id;
};

// Leftmost-longest matcher over a few literal strings (the added tokens), the semantics of HF's
// aho-corasick MatchKind::LeftmostLongest. Candidates are bucketed by first byte, with a filter on the
// second byte so that e.g. a single space followed by a letter costs one table lookup.
class LiteralMatcher {
 public:
  void add(const std::string& s, int32_t id) {
    if (s.empty()) return;
    Bucket& bk = by_first_[static_cast<unsigned char>(s[0])];
    bk.tokens.push_back({s, id});
    std::stable_sort(bk.tokens.begin(), bk.tokens.end(), [](const AddedToken& a, const AddedToken& b) {
      return a.content.size() > b.content.size();
    });
    if (s.size() == 1) bk.has_len1 = true;
    else bk.second[static_cast<unsigned char>(s[1])] = true;
    any_ = true;
  }
  bool empty() const { return !any_; }
  // Finds the leftmost (then longest) match at or after `from`; returns false if none.
  bool find(std::string_view s, size_t from, size_t& pos, size_t& len, int32_t& id) const {
    const size_t n = s.size();
    for (size_t i = from; i < n; ++i) {
      const Bucket& bk = by_first_[static_cast<unsigned char>(s[i])];
      if (bk.tokens.empty()) continue;
      if (!bk.has_len1 && (i + 1 >= n || !bk.second[static_cast<unsigned char>(s[i + 1])])) continue;
      for (const auto& t : bk.tokens) {
        if (t.content.size() <= n - i && std::memcmp(s.data() + i, t.content.data(), t.content.size()) == 0) {
          pos = i; len = t.content.size(); id = t.id;
          return true;
        }
      }
    }
    return false;
  }

 private:
  struct Bucket {
    std::vector<AddedToken> tokens;  // longest first
    bool has_len1 = false;
    bool second[256] = {};
  };
  Bucket by_first_[256];
  bool any_ = false;
};

}  // namespace

// -----------------------------------------------------------------------------------------------
struct GptNeoxBpe::Impl {
  Format format = Format::HfJson;
  std::string path, identity;
  uint64_t instance = 0;
  std::vector<std::string> id_bytes;  // index = id
  int64_t vocab_size = 0;
  int32_t byte_id[256];
  PairMap pairs;
  std::unordered_map<std::string, int32_t> ranks;  // tiktoken: whole-piece shortcut
  LiteralMatcher raw_added, normalized_added;      // HF: normalized=false / normalized=true tokens
  const icu::Normalizer2* nfc = nullptr;
  const CharClasses* classes = nullptr;

  // Byte-level BPE of one pre-token (bytes), appending ids.
  void bpe(std::string_view piece, std::vector<int32_t>& out) const {
    const size_t n = piece.size();
    const auto* b = reinterpret_cast<const unsigned char*>(piece.data());
    if (n == 1) { out.push_back(byte_id[b[0]]); return; }
    if (format == Format::Tiktoken) {
      auto it = ranks.find(std::string(piece));
      if (it != ranks.end()) { out.push_back(it->second); return; }
    }
    if (n <= 64) {
      int32_t sym[64], rank[64];
      int32_t newid[64];
      size_t m = n;
      for (size_t i = 0; i < n; ++i) sym[i] = byte_id[b[i]];
      for (size_t i = 0; i + 1 < m; ++i) {
        auto v = pairs.find(sym[i], sym[i + 1]);
        rank[i] = v.rank; newid[i] = v.id;
      }
      while (m > 1) {
        size_t best = 0;
        int32_t br = rank[0];
        for (size_t i = 1; i + 1 < m; ++i)
          if (rank[i] < br) { br = rank[i]; best = i; }
        if (br == INT32_MAX) break;
        sym[best] = newid[best];
        // remove sym[best+1] and rank[best]
        for (size_t i = best + 1; i + 1 < m; ++i) sym[i] = sym[i + 1];
        for (size_t i = best; i + 2 < m; ++i) { rank[i] = rank[i + 1]; newid[i] = newid[i + 1]; }
        --m;
        if (best > 0) {
          auto v = pairs.find(sym[best - 1], sym[best]);
          rank[best - 1] = v.rank; newid[best - 1] = v.id;
        }
        if (best + 1 < m) {
          auto v = pairs.find(sym[best], sym[best + 1]);
          rank[best] = v.rank; newid[best] = v.id;
        }
      }
      out.insert(out.end(), sym, sym + m);
      return;
    }
    // Long pre-tokens: linked list + min-heap of (rank, position), stale entries skipped.
    std::vector<int32_t> sym(n), prev(n), next(n);
    std::vector<char> alive(n, 1);
    for (size_t i = 0; i < n; ++i) {
      sym[i] = byte_id[b[i]];
      prev[i] = static_cast<int32_t>(i) - 1;
      next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    }
    using Entry = std::pair<int32_t, int32_t>;  // (rank, pos): smallest rank, then leftmost
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (size_t i = 0; i + 1 < n; ++i) {
      auto v = pairs.find(sym[i], sym[i + 1]);
      if (v.rank != INT32_MAX) heap.push({v.rank, static_cast<int32_t>(i)});
    }
    while (!heap.empty()) {
      auto [r, pos] = heap.top();
      heap.pop();
      if (!alive[pos] || next[pos] < 0) continue;
      int32_t q = next[pos];
      auto v = pairs.find(sym[pos], sym[q]);
      if (v.rank != r) continue;  // stale
      sym[pos] = v.id;
      alive[q] = 0;
      next[pos] = next[q];
      if (next[q] >= 0) prev[next[q]] = pos;
      if (prev[pos] >= 0) {
        auto w = pairs.find(sym[prev[pos]], sym[pos]);
        if (w.rank != INT32_MAX) heap.push({w.rank, prev[pos]});
      }
      if (next[pos] >= 0) {
        auto w = pairs.find(sym[pos], sym[next[pos]]);
        if (w.rank != INT32_MAX) heap.push({w.rank, pos});
      }
    }
    for (int32_t i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
  }

  void encode_piece_cached(std::string_view piece, std::vector<int32_t>& out, PieceCache& cache) const {
    if (piece.size() == 1) { out.push_back(byte_id[static_cast<unsigned char>(piece[0])]); return; }
    if (piece.size() > PieceCache::kMaxKey) { bpe(piece, out); return; }
    uint64_t h = hash64(piece) | 1;
    if (cache.lookup(piece, h, out)) return;
    size_t before = out.size();
    bpe(piece, out);
    cache.insert(piece, h, out.data() + before, out.size() - before);
  }

  // Pre-tokenize + BPE one normalized piece that holds no added token.
  void encode_plain(std::string_view piece, std::vector<int32_t>& out, PieceCache& cache) const {
    regex_split(piece, *classes, [&](size_t a, size_t e) { encode_piece_cached(piece.substr(a, e - a), out, cache); });
  }

  // One piece between raw-matched added tokens: NFC, then split out the normalized added tokens.
  void encode_normalizable(std::string_view piece, std::vector<int32_t>& out, PieceCache& cache) const {
    std::string normalized;
    std::string_view s = piece;
    if (!all_ascii(piece)) {
      UErrorCode st = U_ZERO_ERROR;
      icu::StringPiece sp(piece.data(), static_cast<int32_t>(piece.size()));
      if (!nfc->isNormalizedUTF8(sp, st) || U_FAILURE(st)) {
        st = U_ZERO_ERROR;
        icu::StringByteSink<std::string> sink(&normalized, static_cast<int32_t>(piece.size()));
        nfc->normalizeUTF8(0, sp, sink, nullptr, st);
        if (U_FAILURE(st)) throw Error(std::string("NFC normalization failed: ") + u_errorName(st), {path});
        s = normalized;
      }
    }
    if (normalized_added.empty()) { encode_plain(s, out, cache); return; }
    size_t from = 0, pos, len;
    int32_t id;
    while (normalized_added.find(s, from, pos, len, id)) {
      if (pos > from) encode_plain(s.substr(from, pos - from), out, cache);
      out.push_back(id);
      from = pos + len;
    }
    if (from < s.size()) encode_plain(s.substr(from), out, cache);
  }

  void encode(std::string_view text, std::vector<int32_t>& out) const {
    std::string repaired;
    if (!text::is_valid_utf8(text)) {
      repaired = text::u32_to_utf8(text::utf8_to_u32(text));
      text = repaired;
    }
    PieceCache& cache = thread_cache(instance);
    if (format == Format::Tiktoken) { encode_plain(text, out, cache); return; }
    size_t from = 0, pos, len;
    int32_t id;
    while (!raw_added.empty() && raw_added.find(text, from, pos, len, id)) {
      if (pos > from) encode_normalizable(text.substr(from, pos - from), out, cache);
      out.push_back(id);
      from = pos + len;
    }
    if (from < text.size()) encode_normalizable(text.substr(from), out, cache);
  }

  void check_bytes_complete() {
    // Bytes that never occur in valid UTF-8 (0xC0, 0xC1, 0xF5–0xFF; input is made valid first) may
    // be missing, as they are from GPT-NeoX's vocab.
    for (int b = 0; b < 256; ++b)
      if (byte_id[b] < 0 && !(b == 0xC0 || b == 0xC1 || b >= 0xF5)) throw Error("BPE vocabulary lacks the single byte " + std::to_string(b), {path});
  }
};

GptNeoxBpe::GptNeoxBpe() : impl_(std::make_unique<Impl>()) {
  impl_->instance = g_instance_counter.fetch_add(1);
  for (int b = 0; b < 256; ++b) impl_->byte_id[b] = -1;
  UErrorCode st = U_ZERO_ERROR;
  impl_->nfc = icu::Normalizer2::getNFCInstance(st);
  if (U_FAILURE(st)) throw Error(std::string("ICU NFC normalizer unavailable: ") + u_errorName(st));
  impl_->classes = &char_classes(kHfUnicodeMajor);
}
GptNeoxBpe::~GptNeoxBpe() = default;

std::unique_ptr<GptNeoxBpe> GptNeoxBpe::load(const std::string& path) {
  if (text::ends_with(path, ".tiktoken")) return load_tiktoken(path);
  return load_hf_json(path);
}

std::unique_ptr<GptNeoxBpe> GptNeoxBpe::load_hf_json(const std::string& path) {
  using nlohmann::json;
  std::unique_ptr<GptNeoxBpe> t(new GptNeoxBpe());
  Impl& I = *t->impl_;
  I.format = Format::HfJson;
  I.path = path;
  std::string bytes = read_file(path);
  I.identity = sha256_hex(bytes);
  json j;
  try {
    j = json::parse(bytes);
  } catch (const std::exception& e) {
    throw Error(std::string("corrupt tokenizer.json: ") + e.what(), {path});
  }
  bytes.clear();
  bytes.shrink_to_fit();
  try {
    // Only the GPT-NeoX configuration is implemented; refuse anything else rather than mis-tokenize.
    const json& model = j.at("model");
    if (model.value("type", std::string("BPE")) != "BPE") throw Error("tokenizer.json model is not BPE", {path});
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix", "dropout"})
      if (model.contains(k) && !model[k].is_null() && !(model[k].is_string() && model[k].get<std::string>().empty()))
        throw Error(std::string("unsupported BPE option '") + k + "' in tokenizer.json", {path});
    const json& norm = j.contains("normalizer") ? j["normalizer"] : json();
    if (!norm.is_null() && norm.value("type", std::string()) != "NFC")
      throw Error("unsupported normalizer (only NFC) in tokenizer.json", {path});
    if (norm.is_null()) throw Error("tokenizer.json without the NFC normalizer is not supported", {path});
    const json& pre = j.at("pre_tokenizer");
    if (pre.value("type", std::string()) != "ByteLevel" || pre.value("add_prefix_space", false) ||
        !pre.value("use_regex", true))
      throw Error("unsupported pre_tokenizer (only ByteLevel, add_prefix_space=false, use_regex=true)", {path});

    auto b2u = bytes_to_unicode();
    std::unordered_map<char32_t, unsigned char> u2b;
    for (int b = 0; b < 256; ++b) u2b[b2u[b]] = static_cast<unsigned char>(b);
    auto to_bytes = [&](const std::string& tok) {
      std::string out;
      for (char32_t c : text::utf8_to_u32(tok)) {
        auto it = u2b.find(c);
        if (it == u2b.end()) return tok;  // not a byte-level token: keep its text
        out.push_back(static_cast<char>(it->second));
      }
      return out;
    };
    const json& vocab = model.at("vocab");
    std::unordered_map<std::string, int32_t> tok_id;
    tok_id.reserve(vocab.size() * 2);
    int32_t max_id = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      int32_t id = it.value().get<int32_t>();
      if (id < 0) throw Error("negative id in tokenizer.json vocab", {path});
      tok_id[it.key()] = id;
      max_id = std::max(max_id, id);
    }
    I.id_bytes.assign(static_cast<size_t>(max_id) + 1, std::string());
    for (auto& [tok, id] : tok_id) I.id_bytes[id] = to_bytes(tok);
    for (int b = 0; b < 256; ++b) {
      std::string ch;
      text::append_utf8(ch, b2u[b]);
      auto it = tok_id.find(ch);
      if (it != tok_id.end()) I.byte_id[b] = it->second;
    }
    I.check_bytes_complete();
    const json& merges = model.at("merges");
    I.pairs.reserve(merges.size());
    int32_t rank = 0;
    for (const auto& m : merges) {
      std::string a, b;
      if (m.is_string()) {
        const std::string& s = m.get_ref<const std::string&>();
        size_t sp = s.find(' ', 1);
        if (sp == std::string::npos) throw Error("malformed merge '" + s + "' in tokenizer.json", {path});
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else {
        a = m.at(0).get<std::string>();
        b = m.at(1).get<std::string>();
      }
      auto ia = tok_id.find(a), ib = tok_id.find(b), iab = tok_id.find(a + b);
      if (ia == tok_id.end() || ib == tok_id.end() || iab == tok_id.end())
        throw Error("merge '" + a + " " + b + "' uses a token missing from the vocab", {path});
      I.pairs.insert(ia->second, ib->second, {rank, iab->second});  // first (lowest rank) wins
      ++rank;
    }
    int64_t n_ids = max_id + 1;
    if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
      for (const auto& a : j["added_tokens"]) {
        int32_t id = a.at("id").get<int32_t>();
        std::string content = a.at("content").get<std::string>();
        if (a.value("single_word", false) || a.value("lstrip", false) || a.value("rstrip", false))
          throw Error("added token '" + content + "' uses single_word/lstrip/rstrip (not supported)", {path});
        if (id < 0) throw Error("negative added-token id", {path});
        if (static_cast<size_t>(id) >= I.id_bytes.size()) I.id_bytes.resize(static_cast<size_t>(id) + 1);
        I.id_bytes[id] = content;
        n_ids = std::max<int64_t>(n_ids, int64_t(id) + 1);
        if (a.value("normalized", !a.value("special", false))) {
          // The trie holds the normalized content.
          UErrorCode st = U_ZERO_ERROR;
          std::string nc;
          icu::StringByteSink<std::string> sink(&nc);
          I.nfc->normalizeUTF8(0, icu::StringPiece(content.data(), static_cast<int32_t>(content.size())), sink, nullptr, st);
          if (U_FAILURE(st)) throw Error("cannot normalize added token", {path});
          I.normalized_added.add(nc, id);
        } else {
          I.raw_added.add(content, id);
        }
      }
    }
    I.vocab_size = n_ids;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("invalid tokenizer.json: ") + e.what(), {path});
  }
  return t;
}

std::unique_ptr<GptNeoxBpe> GptNeoxBpe::load_tiktoken(const std::string& path) {
  std::unique_ptr<GptNeoxBpe> t(new GptNeoxBpe());
  Impl& I = *t->impl_;
  I.format = Format::Tiktoken;
  I.classes = &char_classes(kTiktokenUnicodeMajor);
  I.path = path;
  std::string bytes = read_file(path);
  I.identity = sha256_hex(bytes);
  int64_t line_no = 0;
  int32_t max_rank = -1;
  for (const std::string& raw_line : text::split(bytes, "\n")) {
    ++line_no;
    std::string line = text::strip(raw_line);
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    if (sp == std::string::npos) throw Error("malformed tiktoken line (expected 'base64 rank')", {path, line_no});
    std::string tok = base64_decode(line.substr(0, sp), path, line_no);
    int64_t rank;
    try {
      size_t used = 0;
      rank = std::stoll(line.substr(sp + 1), &used);
      if (used != line.size() - sp - 1 || rank < 0 || rank > INT32_MAX) throw std::invalid_argument("rank");
    } catch (const std::exception&) {
      throw Error("malformed tiktoken rank", {path, line_no});
    }
    if (tok.empty() || !I.ranks.emplace(tok, static_cast<int32_t>(rank)).second)
      throw Error("empty or duplicate token in tiktoken ranks file", {path, line_no});
    max_rank = std::max(max_rank, static_cast<int32_t>(rank));
  }
  if (I.ranks.empty()) throw Error("empty tiktoken ranks file", {path});
  I.id_bytes.assign(static_cast<size_t>(max_rank) + 1, std::string());
  for (auto& [tok, r] : I.ranks) {
    I.id_bytes[r] = tok;
    if (tok.size() == 1) I.byte_id[static_cast<unsigned char>(tok[0])] = r;
  }
  I.check_bytes_complete();
  // tiktoken merges the adjacent pair whose concatenation has the lowest rank: every split of every
  // token into two tokens is a pair with that token's rank.
  size_t n_pairs = 0;
  for (auto& [tok, r] : I.ranks) n_pairs += tok.size() - 1;
  I.pairs.reserve(n_pairs);
  for (auto& [tok, r] : I.ranks) {
    for (size_t k = 1; k < tok.size(); ++k) {
      auto ia = I.ranks.find(tok.substr(0, k));
      if (ia == I.ranks.end()) continue;
      auto ib = I.ranks.find(tok.substr(k));
      if (ib == I.ranks.end()) continue;
      I.pairs.insert(ia->second, ib->second, {r, r});
    }
  }
  I.vocab_size = max_rank + 1;
  return t;
}

std::vector<int32_t> GptNeoxBpe::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 8);
  impl_->encode(text, out);
  return out;
}

void GptNeoxBpe::encode_append(std::string_view text, std::vector<int32_t>& out) const { impl_->encode(text, out); }

const std::string& GptNeoxBpe::id_bytes(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_bytes.size())
    throw Error("token id " + std::to_string(id) + " out of range for " + impl_->path);
  return impl_->id_bytes[id];
}

std::string GptNeoxBpe::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  out.reserve(ids.size() * 4);
  for (int32_t id : ids) out += id_bytes(id);
  return out;
}

int64_t GptNeoxBpe::vocab_size() const { return impl_->vocab_size; }
std::string GptNeoxBpe::identity() const { return impl_->identity; }
GptNeoxBpe::Format GptNeoxBpe::format() const { return impl_->format; }

std::vector<std::string> GptNeoxBpe::pre_tokenize(std::string_view piece, Format format) {
  std::string repaired;
  if (!text::is_valid_utf8(piece)) {
    repaired = text::u32_to_utf8(text::utf8_to_u32(piece));
    piece = repaired;
  }
  std::vector<std::string> out;
  regex_split(piece, char_classes(format == Format::HfJson ? kHfUnicodeMajor : kTiktokenUnicodeMajor), [&](size_t a, size_t e) { out.emplace_back(piece.substr(a, e - a)); });
  return out;
}

std::unique_ptr<Tokenizer> make_gpt_neox_bpe(const std::string& path) { return GptNeoxBpe::load(path); }

}  // namespace dclm::tokenizer
