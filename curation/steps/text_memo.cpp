#include "curation/steps/text_memo.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The scans below read 16 bytes at a time: a word boundary is a change in a bit mask instead of a
// mispredicted branch per word. Blocks with non-ASCII bytes take the byte-by-byte path (the split needs
// decoded code points for Unicode whitespace); both paths give what the reference loops in pytext give.
#if defined(__SSE2__)
namespace {
// Bit j set where byte j of v lies in [lo, hi] (unsigned).
inline unsigned in_range(__m128i v, uint8_t lo, uint8_t hi) {
  const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo)));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(static_cast<char>(hi - lo))), t)));
}
inline unsigned equal(__m128i v, uint8_t c) {
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(c)))));
}
}  // namespace
#endif

const SplitWords& split_words_memo(std::string_view text) {
  thread_local SplitMemo m;
  if (m.key.same(text)) return m.value;
  m.key.set(text);
  const std::string_view own = m.key.text;
  // py::for_each_split_word with the code points counted on the way: every code point that is not
  // whitespace belongs to exactly one word.
  std::vector<std::string_view>& words = m.value.words;
  words.clear();
  size_t cps = 0;
  const char* p = own.data();
  const size_t n = own.size();
  bool in_word = false;
  size_t start = 0;
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    if (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (_mm_movemask_epi8(v) == 0) {  // all ASCII: whitespace is \t..\r and \x1c..' '
        const unsigned word = ~(in_range(v, 0x09, 0x0D) | in_range(v, 0x1C, 0x20)) & 0xFFFFu;
        cps += static_cast<size_t>(__builtin_popcount(word));
        for (unsigned changes = (word ^ ((word << 1) | (in_word ? 1u : 0u))) & 0xFFFFu; changes;
             changes &= changes - 1) {
          const unsigned j = static_cast<unsigned>(__builtin_ctz(changes));
          if ((word >> j) & 1u) {
            start = i + j;
          } else {
            words.emplace_back(p + start, i + j - start);
          }
        }
        in_word = (word >> 15) & 1u;
        i += 16;
        continue;
      }
    }
    const size_t block_end = std::min(n, i + 16);
#else
    const size_t block_end = n;
#endif
    while (i < block_end) {
      const unsigned char b = static_cast<unsigned char>(p[i]);
      bool space;
      size_t k = 1;
      if (b < 0x80) {
        space = text::py_isspace_ascii(b);
      } else {
        char32_t cp;
        k = text::decode_utf8(own, i, cp);
        space = text::py_isspace(cp);
      }
      if (space) {
        if (in_word) words.emplace_back(p + start, i - start);
        in_word = false;
      } else {
        ++cps;
        if (!in_word) start = i;
        in_word = true;
      }
      i += k;
    }
  }
  if (in_word) words.emplace_back(p + start, n - start);
  m.value.word_codepoints = cps;
  return m.value;
}

namespace {
// py::count_words_fasttext: tokens are runs of bytes other than ' ' \n \r \t \v \f \0 (fastText splits
// bytes, never code points), counted when their first code point isalnum().
inline bool ft_separator(unsigned char b) { return b == ' ' || (b >= 0x09 && b <= 0x0D) || b == 0; }
bool token_counts(std::string_view text, size_t i) {
  const unsigned char b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) return (static_cast<unsigned>(b) - '0') < 10u || ((b | 0x20u) - 'a') < 26u;
  char32_t cp;
  text::decode_utf8(text, i, cp);  // a token's first code point: separators are ASCII, never inside one
  return py::isalnum(cp);
}
size_t count_fasttext_words(std::string_view text) {
  const char* p = text.data();
  const size_t n = text.size();
  size_t count = 0, i = 0;
  bool in_tok = false;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const unsigned tok = ~(in_range(v, 0x09, 0x0D) | equal(v, ' ') | equal(v, 0)) & 0xFFFFu;
    const unsigned starts = tok & ~((tok << 1) | (in_tok ? 1u : 0u)) & 0xFFFFu;
    const unsigned ascii_alnum = in_range(v, '0', '9') | in_range(v, 'a', 'z') | in_range(v, 'A', 'Z');
    count += static_cast<size_t>(__builtin_popcount(starts & ascii_alnum));
    // Tokens that start with a non-ASCII byte: their first code point decides.
    for (unsigned high = starts & static_cast<unsigned>(_mm_movemask_epi8(v)); high; high &= high - 1)
      count += token_counts(text, i + static_cast<unsigned>(__builtin_ctz(high)));
    in_tok = (tok >> 15) & 1u;
  }
#endif
  for (; i < n; ++i) {
    const unsigned char b = static_cast<unsigned char>(p[i]);
    if (ft_separator(b)) {
      in_tok = false;
    } else {
      if (!in_tok) count += token_counts(text, i);
      in_tok = true;
    }
  }
  return count;
}
}  // namespace

size_t fasttext_word_count_memo(std::string_view text) {
  thread_local CountMemo m;
  if (m.key.same(text)) return m.value;
  m.key.set(text);
  m.value = count_fasttext_words(text);
  return m.value;
}

}  // namespace dclm::curation::steps
