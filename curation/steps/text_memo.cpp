#include "curation/steps/text_memo.h"

#include <cstring>
#include <string>

#include "curation/pytext.h"

namespace dclm::curation::steps {
namespace {

// The text a memo entry was computed from.
struct Key {
  std::string text;
  bool valid = false;
  bool same(std::string_view t) const {
    return valid && text.size() == t.size() && std::memcmp(text.data(), t.data(), t.size()) == 0;
  }
  void set(std::string_view t) {
    text.assign(t.data(), t.size());
    valid = true;
  }
};

struct SplitMemo {
  Key key;
  SplitWords value;
};
struct CountMemo {
  Key key;
  size_t value = 0;
};

}  // namespace

const SplitWords& split_words_memo(std::string_view text) {
  thread_local SplitMemo m;
  if (m.key.same(text)) return m.value;
  m.key.set(text);
  const std::string_view own = m.key.text;
  // py::for_each_split_word with the code points counted on the way: every code point that is not
  // whitespace belongs to exactly one word. ASCII bytes are classified by a table.
  static const struct AsciiSpace {
    bool v[128];
    AsciiSpace() { for (int b = 0; b < 128; ++b) v[b] = text::py_isspace_ascii(static_cast<unsigned char>(b)); }
  } kSpace;
  std::vector<std::string_view>& words = m.value.words;
  words.clear();
  size_t cps = 0;
  const char* p = own.data();
  const size_t n = own.size();
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < n;) {
    const unsigned char b = static_cast<unsigned char>(p[i]);
    bool space;
    size_t k = 1;
    if (b < 0x80) {
      space = kSpace.v[b];
    } else {
      char32_t cp;
      k = text::decode_utf8(own, i, cp);
      space = text::py_isspace(cp);
    }
    if (space) {
      if (start != std::string_view::npos) { words.emplace_back(p + start, i - start); start = std::string_view::npos; }
    } else {
      ++cps;
      if (start == std::string_view::npos) start = i;
    }
    i += k;
  }
  if (start != std::string_view::npos) words.emplace_back(p + start, n - start);
  m.value.word_codepoints = cps;
  return m.value;
}

size_t fasttext_word_count_memo(std::string_view text) {
  thread_local CountMemo m;
  if (m.key.same(text)) return m.value;
  m.key.set(text);
  m.value = py::count_words_fasttext(text);
  return m.value;
}

}  // namespace dclm::curation::steps
