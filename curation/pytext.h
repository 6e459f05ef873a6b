// Python str predicates and DCLM's word tokenizers (dclm:baselines/mappers/core_utils.py), curation.md §0, §5.0.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dclm::curation::py {

// Python str.isX on one code point (Unicode general categories / numeric types via ICU).
bool isalpha(char32_t c);    // Lu Ll Lt Lm Lo
bool isupper(char32_t c);    // Uppercase property
bool isdecimal(char32_t c);  // Numeric_Type = Decimal
bool isdigit(char32_t c);    // Numeric_Type ∈ {Decimal, Digit}
bool isnumeric(char32_t c);  // Numeric_Type ≠ None
bool isalnum(char32_t c);    // isalpha || isnumeric (covers isdecimal/isdigit)
bool is_word_char(char32_t c);  // Python re \w (Unicode): isalnum or '_'

// First code point of a UTF-8 string (U+FFFD for invalid bytes, 0 for empty).
char32_t first_codepoint(std::string_view s);

// fastText Dictionary::readWord tokenization as exposed by `fasttext.tokenize`: separators are
// ' ' '\n' '\r' '\t' '\v' '\f' '\0'; every '\n' yields the EOS token "</s>".
std::vector<std::string> fasttext_tokenize(std::string_view text);
// UAX#29 word segmentation (uniseg.wordbreak.words) via ICU's word BreakIterator: every segment,
// whitespace and punctuation included.
std::vector<std::string> uax29_words(std::string_view text);

// split_words(text, model, ignore_punctuation=True): tokens whose first char isalnum().
std::vector<std::string> split_words_fasttext(std::string_view text);
std::vector<std::string> split_words_uniseg(std::string_view text);
size_t count_words_fasttext(std::string_view text);
// split_words(text, model, ignore_punctuation, ignore_whitespace=True) for model "fasttext", "uniseg", "split".
std::vector<std::string> split_words(std::string_view text, const std::string& model, bool ignore_punctuation);

// split_paragraphs(text, sep): re.split(sep, text), each part str.strip()ped, empty parts removed.
std::vector<std::string> split_paragraphs(std::string_view text, std::string_view sep);

// Python str.count(sub): non-overlapping occurrences (sub non-empty).
size_t count_substr(std::string_view s, std::string_view sub);

}  // namespace dclm::curation::py
