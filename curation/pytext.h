// Python str predicates and DCLM's word tokenizers (dclm:baselines/mappers/core_utils.py), curation.md §0, §5.0.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"

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

// Allocation-free forms of the above, for the hot steps: the pieces are views into the argument.
// The alnum-first UAX#29 words of split_words_uniseg (out is cleared first): uax29::alnum_words, exact and
// mostly without ICU.
void uniseg_word_views(std::string_view text, std::vector<std::string_view>& out);
// The same through ICU's BreakIterator alone (the reference the tests compare with).
void uniseg_word_views_icu(std::string_view text, std::vector<std::string_view>& out);

// str.split() (Python whitespace): f(word) for every word, in order.
template <typename F>
void for_each_split_word(std::string_view s, F&& f) {
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    bool space;
    size_t n = 1;
    if (b < 0x80) {
      space = text::py_isspace_ascii(b);
    } else {
      char32_t cp;
      n = text::decode_utf8(s, i, cp);
      space = text::py_isspace(cp);
    }
    if (space) {
      if (start != std::string_view::npos) { f(s.substr(start, i - start)); start = std::string_view::npos; }
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += n;
  }
  if (start != std::string_view::npos) f(s.substr(start));
}
// len(s.split())
inline size_t count_split_words(std::string_view s) {
  size_t n = 0;
  for_each_split_word(s, [&](std::string_view) { ++n; });
  return n;
}
// min(len(s.split()), limit), reading s only up to the first byte of the limit-th word.
inline size_t count_split_words_upto(std::string_view s, size_t limit) {
  size_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size() && n < limit;) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    bool space;
    size_t k = 1;
    if (b < 0x80) {
      space = text::py_isspace_ascii(b);
    } else {
      char32_t cp;
      k = text::decode_utf8(s, i, cp);
      space = text::py_isspace(cp);
    }
    if (!space && !in_word) ++n;
    in_word = !space;
    i += k;
  }
  return n;
}
// split_paragraphs(text, sep) (sep non-empty): f(part) for every stripped, non-empty part.
template <typename F>
void for_each_paragraph(std::string_view text, std::string_view sep, F&& f) {
  size_t pos = 0;
  for (;;) {
    size_t k = text.find(sep, pos);
    std::string_view part = text.substr(pos, k == std::string_view::npos ? std::string_view::npos : k - pos);
    std::string_view s = text::strip_view(part);
    if (!s.empty()) f(s);
    if (k == std::string_view::npos) break;
    pos = k + sep.size();
  }
}
// text.split('\n'): f(line) for every line, empty ones included.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  for (;;) {
    size_t k = text.find('\n', pos);
    if (k == std::string_view::npos) { f(text.substr(pos)); break; }
    f(text.substr(pos, k - pos));
    pos = k + 1;
  }
}

}  // namespace dclm::curation::py
