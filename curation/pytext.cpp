#include "curation/pytext.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "common/text.h"
#include "curation/uax29.h"

namespace dclm::curation::py {

bool isalpha(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}
bool isupper(char32_t c) { return u_isUUppercase(static_cast<UChar32>(c)); }
static int numeric_type(char32_t c) {
  return u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE);
}
bool isdecimal(char32_t c) { return numeric_type(c) == U_NT_DECIMAL; }
bool isdigit(char32_t c) {
  int t = numeric_type(c);
  return t == U_NT_DECIMAL || t == U_NT_DIGIT;
}
bool isnumeric(char32_t c) { return numeric_type(c) != U_NT_NONE; }
namespace {
// ASCII isalnum (the "C" locale's, which this program never changes): 0-9 A-Z a-z.
inline bool ascii_alnum(unsigned c) { return (c - '0') < 10u || ((c | 0x20u) - 'a') < 26u; }
}  // namespace
bool isalnum(char32_t c) { return c < 128 ? ascii_alnum(c) : (isalpha(c) || isnumeric(c)); }
bool is_word_char(char32_t c) { return c == U'_' || isalnum(c); }

char32_t first_codepoint(std::string_view s) {
  if (s.empty()) return 0;
  unsigned char b = static_cast<unsigned char>(s[0]);
  if (b < 0x80) return b;
  char32_t cp;
  text::decode_utf8(s, 0, cp);  // reads at most the sequence its lead byte announces
  return cp;
}

std::vector<std::string> fasttext_tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0') {
      if (!word.empty()) { out.push_back(std::move(word)); word.clear(); }
      if (c == '\n') out.emplace_back("</s>");
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

namespace {
// fastText's separators ' ' '\n' '\r' '\t' '\v' '\f' '\0' as a byte table.
struct FtSeparators {
  bool sep[256] = {};
  FtSeparators() {
    for (unsigned char c : {' ', '\n', '\r', '\t', '\v', '\f', '\0'}) sep[c] = true;
  }
};
const FtSeparators kFtSep;
}  // namespace

size_t count_words_fasttext(std::string_view text) {
  size_t n = 0;
  size_t i = 0, len = text.size();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  while (i < len) {
    const char c = text[i];
    if (kFtSep.sep[p[i]]) { ++i; continue; }
    size_t j = i + 1;
    while (j < len && !kFtSep.sep[p[j]]) ++j;
    const unsigned char b = static_cast<unsigned char>(c);
    if (b < 0x80 ? ascii_alnum(b) : isalnum(first_codepoint(text.substr(i, j - i)))) ++n;
    i = j;
  }
  return n;
}

std::vector<std::string> split_words_fasttext(std::string_view text) {
  std::vector<std::string> out;
  for (auto& w : fasttext_tokenize(text))
    if (isalnum(first_codepoint(w))) out.push_back(std::move(w));
  return out;
}

std::vector<std::string> uax29_words(std::string_view text) {
  std::vector<std::string_view> views;
  uax29::icu_segments(text, views);
  return std::vector<std::string>(views.begin(), views.end());
}

std::vector<std::string> split_words_uniseg(std::string_view text) {
  // Only the kept segments are copied (whitespace and punctuation segments are the majority).
  thread_local std::vector<std::string_view> views;
  uniseg_word_views(text, views);
  return std::vector<std::string>(views.begin(), views.end());
}

void uniseg_word_views(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  uax29::alnum_words(text, out);
}

void uniseg_word_views_icu(std::string_view text, std::vector<std::string_view>& out) {
  out.clear();
  uax29::icu_alnum_words(text, out);
}

std::vector<std::string> split_words(std::string_view text, const std::string& model, bool ignore_punctuation) {
  // The alnum-first UAX#29 words without ICU's other segments (the same words: tests/curation/test_uax29_fast.cpp).
  if (model == "uniseg" && ignore_punctuation) return split_words_uniseg(text);
  std::vector<std::string> tokens;
  if (model == "fasttext") tokens = fasttext_tokenize(text);
  else if (model == "uniseg") tokens = uax29_words(text);
  else if (model == "split") tokens = text::split_whitespace(text);
  else throw Error("unknown word tokenizer model '" + model + "' (fasttext, uniseg, split)");
  std::vector<std::string> out;
  for (auto& w : tokens) {
    bool keep = ignore_punctuation ? isalnum(first_codepoint(w)) : !text::strip(w).empty();
    if (keep) out.push_back(std::move(w));
  }
  return out;
}

std::vector<std::string> split_paragraphs(std::string_view text, std::string_view sep) {
  std::vector<std::string> out;
  for (const auto& part : text::split(text, sep)) {
    std::string s = text::strip(part);
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

size_t count_substr(std::string_view s, std::string_view sub) {
  if (sub.empty()) return 0;
  size_t n = 0, pos = 0;
  while ((pos = s.find(sub, pos)) != std::string_view::npos) { ++n; pos += sub.size(); }
  return n;
}

}  // namespace dclm::curation::py
