#include "curation/steps/spacy_approx.h"

#include <unicode/uchar.h>

#include <set>
#include <vector>

#include "common/text.h"

namespace dclm::curation::steps {

namespace {

bool is_punct(char32_t c) { return u_ispunct(static_cast<UChar32>(c)) != 0; }

// spaCy Sentencizer.default_punct_chars (the Basic Latin, general and CJK members; the rest of the list
// are Sentence_Terminal characters of other scripts, taken from ICU's STerm property).
bool is_sentence_punct(char32_t c) {
  switch (c) {
    case U'!': case U'.': case U'?': case U'\u0589': case U'\u061F': case U'\u06D4': case U'\u0964':
    case U'\u0965': case U'\u203C': case U'\u203D': case U'\u2047': case U'\u2048': case U'\u2049':
    case U'\u3002': case U'\uFF01': case U'\uFF0E': case U'\uFF1F': case U'\uFF61': case U'\uFE52':
    case U'\uFE56': case U'\uFE57':
      return true;
    default:
      return c > 0x7F && u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_S_TERM);
  }
}
bool is_closing(char32_t c) {
  const auto t = u_charType(static_cast<UChar32>(c));
  return t == U_END_PUNCTUATION || t == U_FINAL_PUNCTUATION || c == U'"' || c == U'\'';
}

std::vector<std::u32string> chunks(std::string_view s) {
  std::vector<std::u32string> out;
  for (const auto& w : text::split_whitespace(s)) out.push_back(text::utf8_to_u32(w));
  return out;
}

bool is_abbreviation(const std::u32string& core) {
  // core ends with '.'; "e.g." / "U.S." (another '.' inside) or a short titlecase/lowercase abbreviation.
  static const std::set<std::u32string> kAbbrev = {U"mr.", U"mrs.", U"ms.", U"dr.", U"prof.", U"st.", U"jr.", U"sr.",
                                                   U"vs.", U"etc.", U"inc.", U"ltd.", U"co.", U"corp.", U"no.", U"jan.",
                                                   U"feb.", U"mar.", U"apr.", U"jun.", U"jul.", U"aug.", U"sep.",
                                                   U"sept.", U"oct.", U"nov.", U"dec.", U"mt.", U"ft.", U"gen."};
  if (core.size() < 2 || core.back() != U'.') return false;
  if (core.find(U'.') < core.size() - 1 && core[core.size() - 2] != U'.') return true;
  std::u32string low;
  for (char32_t c : core) low.push_back(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
  return kAbbrev.count(low) > 0;
}

}  // namespace

std::string py_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s)
    if (c >= 0x80) {
      out.clear();
      for (char32_t cp : text::utf8_to_u32(s)) text::append_utf8(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp))));
      return out;
    } else {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
  return out;
}

size_t spacy_token_count(std::string_view text) {
  size_t n = 0;
  for (const auto& w : chunks(text)) {
    size_t i = 0, j = w.size();
    auto mark = [&](size_t& k, int dir) {  // consume one punctuation mark at k (a run of '.' is one)
      if (w[dir > 0 ? k : k - 1] == U'.')
        while (dir > 0 ? (k < j && w[k] == U'.') : (k > i && w[k - 1] == U'.')) k += dir;
      else
        k += dir;
      ++n;
    };
    while (i < j && is_punct(w[i])) mark(i, +1);
    if (i == j) continue;
    while (j > i && is_punct(w[j - 1])) mark(j, -1);
    if (j == i) continue;
    ++n;  // the core
    const std::u32string core = w.substr(i, j - i);
    auto ends = [&](const std::u32string& suf) { return core.size() > suf.size() && core.compare(core.size() - suf.size(), suf.size(), suf) == 0; };
    if (ends(U"'s") || ends(U"\u2019s") || ends(U"n't") || ends(U"n\u2019t")) ++n;
  }
  return n;
}

size_t spacy_sentence_count(std::string_view line) {
  const auto ws = chunks(line);
  if (ws.empty()) return 0;
  size_t sentences = 1;
  bool seen_end = false;
  for (const auto& w : ws) {
    bool has_content = false;
    for (char32_t c : w)
      if (!is_punct(c)) { has_content = true; break; }
    if (seen_end && has_content) {
      ++sentences;
      seen_end = false;
    }
    // infix sentence ends: lowercase '.' Uppercase inside the chunk
    for (size_t k = 1; k + 1 < w.size(); ++k)
      if (w[k] == U'.' && u_islower(static_cast<UChar32>(w[k - 1])) && u_isupper(static_cast<UChar32>(w[k + 1])))
        ++sentences;
    size_t e = w.size();
    while (e > 0 && is_closing(w[e - 1])) --e;
    if (e == 0 || !is_sentence_punct(w[e - 1])) {
      if (has_content) seen_end = false;
      continue;
    }
    // "..." (and longer runs of '.') is not a Sentencizer punct char.
    if (w[e - 1] == U'.' && e >= 2 && w[e - 2] == U'.') continue;
    size_t s = e;
    while (s > 0 && is_punct(w[s - 1])) --s;
    const std::u32string core = w.substr(0, e);
    if (s > 0 && is_abbreviation(core)) continue;
    seen_end = true;
  }
  return sentences;
}

}  // namespace dclm::curation::steps
