// UAX#29 word segmentation as ICU's root word BreakIterator does it (uniseg.wordbreak.words in DCLM),
// curation.md §0. ICU is the reference; alnum_words is an exact faster path to the segments the filters
// keep (those whose first code point is alnum).
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace dclm::curation::uax29 {

// Every segment of text by ICU's root word BreakIterator, whitespace and punctuation included; appends
// views into text to out.
void icu_segments(std::string_view text, std::vector<std::string_view>& out);
// The segments of icu_segments whose first code point is alnum (Python str.isalnum); appends to out.
void icu_alnum_words(std::string_view text, std::vector<std::string_view>& out);

// How much of the text the fast path segmented (the rest went through ICU), for measurements and tests.
struct Coverage {
  size_t fast_lines = 0, icu_lines = 0, fast_bytes = 0, icu_bytes = 0;
};
// Exactly icu_alnum_words (the same views, in order), mostly without ICU: lines ('\n' always ends a
// segment, UAX#29 WB3a/b) made only of characters whose word-break rules are implemented here (ASCII,
// Latin and other alphabetic letters, digits, the usual punctuation and spaces: see uax29.cpp) are
// segmented directly, the others go to ICU in runs of consecutive lines. Appends to out.
void alnum_words(std::string_view text, std::vector<std::string_view>& out, Coverage* coverage = nullptr);

}  // namespace dclm::curation::uax29
