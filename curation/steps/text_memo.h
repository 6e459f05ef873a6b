// A per-thread memo of what several steps derive from the same document text.
//
// In DCLM's chain the filters between page_length_filter and word_counter_enricher do not change the text,
// and four of them split it with str.split() (word_length, symbol_ratio, alphabetic_word_ratio,
// stop_word) while two count its fastText words (page_length, word_counter). Each asks the memo, and the
// text is split or counted once. The memo keeps its own copy of the text it was computed from and compares
// it byte for byte with the text it is asked about (a memcmp, far cheaper than a split), so a modifier
// that changed the text in between, in place or not, is always seen: the answers are those of computing
// afresh, never stale. One memo per thread; a reference it returns is valid until the next call on the
// same thread.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace dclm::curation::steps {

// str.split() of a text: the words (views into the memo's copy of the text) and Σ len(word) in code points.
struct SplitWords {
  std::vector<std::string_view> words;
  size_t word_codepoints = 0;
};
const SplitWords& split_words_memo(std::string_view text);

// len(split_words(text, model='fasttext', ignore_punctuation=True)): py::count_words_fasttext, memoised.
size_t fasttext_word_count_memo(std::string_view text);

}  // namespace dclm::curation::steps
