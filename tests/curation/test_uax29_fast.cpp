// The fast UAX#29 word path (curation/uax29.h alnum_words) keeps exactly the segments ICU's root word
// BreakIterator keeps (same byte offsets, same order): every short string over one representative of each
// ASCII class plus common non-ASCII characters, every BMP code point in letter/number/mid contexts, random
// mixtures with the characters the fast path leaves to ICU, and the real pool texts with perturbed copies.
// The repetition filter decides the same with either word source.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "common/progress.h"
#include "common/text.h"
#include "curation/pytext.h"
#include "curation/readers.h"
#include "curation/uax29.h"
#include "test_util.h"

using namespace dclm::curation;
namespace dclm::curation::steps {
std::string repetition_failure(const std::string& text, bool skip_paragraph);
std::string repetition_failure_icu_words(const std::string& text, bool skip_paragraph);
}  // namespace dclm::curation::steps

namespace {

using Spans = std::vector<std::pair<size_t, size_t>>;  // (offset, length) of every kept segment

Spans spans_of(std::string_view text, const std::vector<std::string_view>& words) {
  Spans s;
  for (std::string_view w : words) s.emplace_back(static_cast<size_t>(w.data() - text.data()), w.size());
  return s;
}
Spans icu_spans(std::string_view text) {
  std::vector<std::string_view> w;
  uax29::icu_alnum_words(text, w);
  return spans_of(text, w);
}
Spans fast_spans(std::string_view text, uax29::Coverage* cov = nullptr) {
  std::vector<std::string_view> w;
  uax29::alnum_words(text, w, cov);
  return spans_of(text, w);
}
std::string show(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else { char b[8]; std::snprintf(b, sizeof b, "\\x%02X", c); out += b; }
  }
  return out;
}
// Compares and reports the first difference readably: the words from there on, and the text around it.
::testing::AssertionResult same_words(std::string_view text) {
  const Spans want = icu_spans(text), got = fast_spans(text);
  if (want == got) return ::testing::AssertionSuccess();
  size_t k = 0;
  while (k < want.size() && k < got.size() && want[k] == got[k]) ++k;
  auto list = [&](const Spans& s) {
    std::string r;
    for (size_t j = k; j < s.size() && j < k + 4; ++j)
      r += "[" + show(text.substr(s[j].first, s[j].second)) + "@" + std::to_string(s[j].first) + "]";
    return r;
  };
  const size_t at = k < want.size() ? want[k].first : k < got.size() ? got[k].first : 0;
  const size_t from = at > 40 ? at - 40 : 0;
  return ::testing::AssertionFailure() << "text (" << text.size() << " bytes) from byte " << from << ": \""
                                       << show(text.substr(from, 120)) << "\"\n  icu:  " << list(want)
                                       << "\n  fast: " << list(got);
}

std::string utf8(char32_t c) {
  std::string s;
  dclm::text::append_utf8(s, c);
  return s;
}

// Every string of length 1..max_len over the alphabet (tokens may be several bytes).
template <typename F>
void for_each_string(const std::vector<std::string>& alphabet, size_t max_len, F&& f) {
  std::vector<size_t> idx;
  for (size_t len = 1; len <= max_len; ++len) {
    idx.assign(len, 0);
    for (;;) {
      std::string s;
      for (size_t i : idx) s += alphabet[i];
      f(s);
      size_t k = 0;
      while (k < len && ++idx[k] == alphabet.size()) idx[k++] = 0;
      if (k == len) break;
    }
  }
}

struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint32_t operator()(uint32_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>((state >> 33) % n);
  }
};

// ASCII of every class ICU's rules distinguish, and the non-ASCII characters web text is full of (the
// fast path covers most; the combining mark, ZWJ, CJK, Thai, emoji, U+FF1A and invalid bytes go to ICU).
const std::vector<std::string> kAsciiReps = {"a", "Z", "0", "_", ".", "'", ",", ";", ":", " ", "\n", "\r",
                                             "\v", "\f", "\t", "\"", "-", "#", "@", "\x01", "/"};
const std::vector<std::string> kNonAscii = {
    "\xC3\xA9",          // é ALetter
    "\xCC\x81",          // U+0301 combining acute (Extend)
    "\xE2\x80\x99",      // ’ MidNumLet
    "\xE2\x80\x98",      // ‘ MidNumLet
    "\xC2\xA0",          // NBSP (Other)
    "\xC2\xB7",          // · MidLetter
    "\xE2\x80\x9C",      // “
    "\xE2\x80\x94",      // —
    "\xE2\x80\xA6",      // …
    "\xC2\xB2",          // ² (Other, isalnum)
    "\xC2\xBD",          // ½
    "\xE4\xB8\xAD\xE6\x96\x87",  // 中文
    "\xE0\xB8\xA0\xE0\xB8\xB2\xE0\xB8\xA9\xE0\xB8\xB2",  // Thai
    "\xE3\x81\x8B\xE3\x82\xAB",  // Hiragana, Katakana
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",  // emoji ZWJ sequence
    "\xF0\x9F\x98\x80",  // emoji
    "\xE2\x9D\xA4\xEF\xB8\x8F",  // ❤ + VS16 (Extend)
    "\xC2\xA9",          // © Extended_Pictographic
    "\xE3\x80\x80",      // U+3000 WSegSpace
    "\xE2\x80\x83",      // U+2003 WSegSpace
    "\xC2\x85",          // U+0085 Newline
    "\xE2\x80\xA8",      // U+2028 Newline
    "\xC2\xAD",          // soft hyphen (Format)
    "\xEF\xBB\xBF",      // BOM (Format)
    "\xEF\xBC\x9A",      // U+FF1A fullwidth colon
    "\xD9\xA3",          // ٣ Arabic-Indic digit (Numeric)
    "\xD7\x90",          // א Hebrew letter
    "\xD7\xB4",          // ״ Hebrew gershayim
    "\xED\x95\x9C",      // 한 Hangul syllable
    "\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8",  // regional indicators
    "\xEF\xBF\xBD",      // U+FFFD itself
    "\xE2\x80",          // truncated sequence
    "\xFF",              // invalid byte
    "\xC0\xAE",          // overlong '.'
    "\xED\xA0\x80",      // encoded surrogate
};

}  // namespace

TEST(Uax29Fast, EveryShortStringOverTheClassRepresentatives) {
  std::vector<std::string> alphabet = kAsciiReps;
  for (const char* s : {"\xC3\xA9", "\xCC\x81", "\xE2\x80\x99", "\xC2\xA0", "\xC2\xB7", "\xC2\xB2", "\xE4\xB8\xAD",
                        "\xE2\x80"})
    alphabet.push_back(s);
  size_t n = 0;
  bool failed = false;  // report the first difference only
  auto check = [&](const std::string& s) {
    if (failed) return;
    EXPECT_TRUE(same_words(s));
    failed = ::testing::Test::HasFailure();
    ++n;
  };
  for_each_string(alphabet, 4, check);
  // Length 5 over the classes that interact across two characters.
  const std::vector<std::string> small = {"a", "0", "_", ".", "'", ",", ":", " ", "\n", "\r", "@", "\xE2\x80\x99"};
  for_each_string(small, 5, check);
  EXPECT_GT(n, 900000u);
}

TEST(Uax29Fast, EveryAsciiByteAtEveryPositionOfLongWords) {
  // Runs of ASCII word characters are scanned 8 bytes at a time: any byte anywhere in a long run, and
  // a multi-byte character or a Mid character pair there, must end or continue it as ICU does.
  for (const std::string base : {"abcdefghijklmnopqrstuvwxyzABCDEF", "01234567890123456789012345678901",
                                 "a1_b2@c3d4e5f6g7h8i9j0kLmNoPqRsT"}) {
    for (size_t pos = 0; pos < base.size(); ++pos) {
      for (int c = 1; c < 128; ++c) {
        std::string s = base;
        s[pos] = static_cast<char>(c);
        ASSERT_TRUE(same_words(s));
        ASSERT_TRUE(same_words(" " + s.substr(0, pos + 1) + "." + s.substr(pos)));
      }
      for (const char* ins : {"\xC3\xA9", "\xE2\x80\x99", "\xCC\x81", "\xC2\xA0", "..", ",,", "'a", ".1", "\xFF"})
        ASSERT_TRUE(same_words(base.substr(0, pos) + ins + base.substr(pos)));
    }
  }
}

TEST(Uax29Fast, EveryBmpCodePointInContext) {
  // Each code point between and next to letters, digits, '_' and the Mid characters: whatever class the
  // fast path gives it must segment as ICU does (the characters it leaves to ICU pass trivially).
  const std::vector<std::pair<std::string, std::string>> contexts = {
      {"a", "a"}, {"1", "1"}, {"", ""}, {"_", "_"}, {"a", "1"}, {"1", "a"}, {"a.", ""}, {"1.", ""}, {"", ".a"},
      {"", ".1"}, {"a,", ""}, {"1,", ""}, {"", ",1"}, {"a\xC2\xB7", ""}, {"", "\xC2\xB7" "a"}, {"a'", ""},
      {"", "'1"}, {" ", " "}, {"\r", "\n"}};
  for (char32_t c = 1; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const std::string x = utf8(c);
    for (const auto& [l, r] : contexts) {
      ASSERT_TRUE(same_words(l + x + r)) << "U+" << std::hex << static_cast<uint32_t>(c);
      ASSERT_TRUE(same_words(l + x + x + r)) << "U+" << std::hex << static_cast<uint32_t>(c);
    }
  }
}

TEST(Uax29Fast, RandomMixtures) {
  std::vector<std::string> tokens = kAsciiReps;
  tokens.insert(tokens.end(), kNonAscii.begin(), kNonAscii.end());
  for (const char* w : {"word", "Don't", "3.14", "1,000", "e.g.", "a_b", "user@example.com", "x1y2", "l\xC2\xB7l"})
    tokens.push_back(w);
  Rng rng(29);
  for (int k = 0; k < 20000; ++k) {
    std::string s;
    const uint32_t len = 1 + rng(k % 10 == 0 ? 400 : 40);
    // Mostly ASCII word characters, as in real text, with the other tokens mixed in.
    for (uint32_t i = 0; i < len; ++i) s += rng(3) == 0 ? tokens[rng(static_cast<uint32_t>(tokens.size()))] : kAsciiReps[rng(10)];
    ASSERT_TRUE(same_words(s));
  }
}

namespace {

// A deterministic perturbation of t (variant v): the characters the fast path must get right or leave to
// ICU, put where words meet.
std::string perturb(const std::string& t, int v) {
  static const std::vector<std::string> kInsert = {
      "\xCC\x81", "\xE2\x80\x99", "\xC2\xA0", "\xC2\xAD", "\xE2\x80\x8D", "\xE4\xB8\xAD", "\r", "\r\n", ":", "@",
      "_", "\xE2\x80", "\xFF", "\xC2\xB7", "\xF0\x9F\x98\x80", "'", ".", ",", "\xE2\x80\xA8", "\xEF\xBC\x9A"};
  Rng rng(static_cast<uint64_t>(v) * 7919 + t.size());
  std::string out;
  for (char c : t) {
    if (rng(1000) < 15) out += kInsert[(static_cast<size_t>(v) + rng(4) * 5) % kInsert.size()];
    out += c;
  }
  return out;
}

// Every pool jsonl text, each also with perturbed copies.
std::vector<std::string> pool_texts() {
  std::vector<std::string> texts;
  dclm::Progress::set_enabled(false);
  for (const char* f : {"pool/jsonl/dclm_agreement_data.jsonl", "pool/jsonl/dclm_majority_data.jsonl",
                        "pool/jsonl/dolma_cc_en_head-0091.jsonl.gz", "pool/jsonl/dolma_cc_en_head-0174.jsonl.gz",
                        "pool/jsonl/dolma_documents_000.json.gz"}) {
    if (!dclm::testing::have_data(f)) continue;
    ReaderStats st;
    read_documents(dclm::testing::data_path(f), ReaderOptions{}, [&](Document&& d) { texts.push_back(d.text); }, st);
  }
  return texts;
}

}  // namespace

TEST(Uax29Fast, PoolTextsAndPerturbedCopies) {
  DCLM_REQUIRE_DATA("pool/jsonl/dclm_agreement_data.jsonl");
  const auto texts = pool_texts();
  ASSERT_GT(texts.size(), 500u);
  uax29::Coverage cov;
  for (const auto& t : texts) {
    fast_spans(t, &cov);
    ASSERT_TRUE(same_words(t));
    for (int v = 0; v < 4; ++v) ASSERT_TRUE(same_words(perturb(t, v)));
  }
  // What the fast path takes of real text (not asserted: a measurement).
  std::cout << "fast path: " << cov.fast_lines << " of " << cov.fast_lines + cov.icu_lines << " lines, "
            << cov.fast_bytes << " of " << cov.fast_bytes + cov.icu_bytes << " bytes ("
            << 100.0 * static_cast<double>(cov.fast_bytes) / static_cast<double>(cov.fast_bytes + cov.icu_bytes)
            << "%)\n";
}

TEST(Uax29Fast, PytextWordFunctionsAgreeWithIcu) {
  std::vector<std::string> texts = {"", "a", "Don't stop: 3.14 apples!", "x\r\ny", "\n\n", "caf\xC3\xA9 na\xC3\xAFve",
                                    "mixed \xE4\xB8\xAD\xE6\x96\x87 and words\nplain line\n\xCC\x81" "a b"};
  for (const auto& t : pool_texts()) texts.push_back(t);
  std::vector<std::string_view> fast, icu;
  for (const auto& t : texts) {
    py::uniseg_word_views(t, fast);
    py::uniseg_word_views_icu(t, icu);
    ASSERT_EQ(spans_of(t, fast), spans_of(t, icu)) << show(t.substr(0, 200));
    const std::vector<std::string> want(icu.begin(), icu.end());
    ASSERT_EQ(py::split_words_uniseg(t), want);
    ASSERT_EQ(py::split_words(t, "uniseg", true), want);
  }
}

TEST(Uax29Fast, RepetitionFilterSameWithIcuWords) {
  std::vector<std::string> texts = {"", "a", "a b a b a b a b", "x y z x y z x y z x y z w", "!!! ??? ...",
                                    "l\xC2\xB7l l\xC2\xB7l l\xC2\xB7l l\xC2\xB7l l\xC2\xB7l x"};
  for (const auto& t : pool_texts()) {
    texts.push_back(t);
    texts.push_back(perturb(t, 1));
    // Repeated stretches reach the n-gram checks.
    texts.push_back(t + " " + t.substr(t.size() / 2, t.size() / 4));
  }
  for (const auto& t : texts)
    for (bool skip : {false, true})
      ASSERT_EQ(steps::repetition_failure(t, skip), steps::repetition_failure_icu_words(t, skip)) << show(t.substr(0, 200));
}
