// The per-thread text memo (curation/steps/text_memo.h) answers what computing afresh answers, including
// after the text changed in place with the same size, and the filters that share it decide as before.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "curation/pytext.h"
#include "curation/steps/text_memo.h"

using namespace dclm::curation;

namespace {

std::vector<std::string> fresh_split(const std::string& t) {
  std::vector<std::string> out;
  py::for_each_split_word(t, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}
size_t fresh_codepoints(const std::string& t) {
  size_t n = 0;
  py::for_each_split_word(t, [&](std::string_view w) { n += dclm::text::codepoint_count(w); });
  return n;
}
void expect_memo_matches(const std::string& t) {
  const steps::SplitWords& m = steps::split_words_memo(t);
  std::vector<std::string> got(m.words.begin(), m.words.end());
  EXPECT_EQ(got, fresh_split(t)) << t;
  EXPECT_EQ(m.word_codepoints, fresh_codepoints(t)) << t;
  EXPECT_EQ(steps::fasttext_word_count_memo(t), py::count_words_fasttext(t)) << t;
}

}  // namespace

TEST(TextMemo, SplitAndCountEqualFreshComputation) {
  const std::vector<std::string> texts = {
      "",
      "   ",
      "one",
      "  the quick\tbrown\n\nfox  ",
      "a\xC2\xA0" "b\xE2\x80\x83" "c\xE3\x80\x80" "d\x1c" "e\x0b" "f\x85g",  // Unicode whitespace; \x85 alone is invalid
      "caf\xC3\xA9 na\xC3\xAFve \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80!",
      "bad \xE2\x80 utf8 \xFF\xFE here \xE2\x80\xA8next",  // truncated sequence, invalid bytes, U+2028
      "... # -- 123 4.5 , ;",
  };
  for (const auto& t : texts) expect_memo_matches(t);
  // Asked again (a hit) and interleaved with other texts.
  for (int round = 0; round < 2; ++round)
    for (const auto& t : texts) expect_memo_matches(t);
}

// Long random texts: the memo scans 16 bytes at a time where they are ASCII, so words and tokens cross
// block edges, blocks mix ASCII and multi-byte characters, and sequences are cut by block edges.
TEST(TextMemo, RandomTextsAcrossBlockEdges) {
  const std::vector<std::string> pieces = {
      "a", "Z", "q", "0", "7", "_", "-", ".", "#", " ", " ", " ", "\n", "\t", "\r", "\x0b", "\x0c", std::string(1, '\0'),
      "\x1c", "\x1f", "\x1b", "\x7f", "\xC2\xA0", "\xC2\x85", "\xE2\x80\x83", "\xE3\x80\x80", "\xE2\x80\xA8",
      "\xC3\xA9", "\xC3\x89", "\xE4\xB8\xAD", "\xD9\xA3", "\xF0\x9F\x98\x80", "\xE2\x80", "\xFF", "\x80", "\xC2"};
  uint64_t state = 12345;
  auto rnd = [&]() { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  for (int round = 0; round < 3000; ++round) {
    std::string t;
    const size_t len = rnd() % 90;
    const bool mostly_ascii = round % 3 != 0;
    for (size_t k = 0; k < len; ++k) {
      const size_t pick = rnd() % pieces.size();
      t += mostly_ascii && pick > 21 && rnd() % 4 ? std::string(1, static_cast<char>('a' + rnd() % 26)) : pieces[pick];
    }
    expect_memo_matches(t);
    if (HasFailure()) break;
  }
}

TEST(TextMemo, SeesInPlaceChangesOfTheSameSize) {
  std::string t = "alpha beta gamma delta";
  EXPECT_EQ(steps::split_words_memo(t).words.size(), 4u);
  EXPECT_EQ(steps::fasttext_word_count_memo(t), 4u);
  t[5] = '_';  // "alpha_beta gamma delta": same buffer, same size
  EXPECT_EQ(steps::split_words_memo(t).words.size(), 3u);
  EXPECT_EQ(steps::fasttext_word_count_memo(t), 3u);
  t[0] = '.';  // first character no longer alphanumeric: fastText count drops it
  EXPECT_EQ(steps::fasttext_word_count_memo(t), 2u);
  EXPECT_EQ(steps::split_words_memo(t).words.front(), ".lpha_beta");
}

TEST(TextMemo, ViewsStayValidAfterTheCallersTextIsGone) {
  const steps::SplitWords* m;
  {
    std::string t = "words that live in a temporary";
    m = &steps::split_words_memo(t);
    t.assign(t.size(), 'x');
  }
  // The views point into the memo's own copy of the text, not into the caller's string.
  ASSERT_EQ(m->words.size(), 6u);
  EXPECT_EQ(m->words[5], "temporary");
}
