#include "curation/steps/ascii_scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dclm::curation::steps {

int64_t ascii_count_in_range(std::string_view s, unsigned char lo, unsigned char hi) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  int64_t count = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i vlo = _mm_set1_epi8(static_cast<char>(lo)), vspan = _mm_set1_epi8(static_cast<char>(hi - lo));
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (_mm_movemask_epi8(v)) return -1;
    const __m128i t = _mm_sub_epi8(v, vlo);  // in range iff t <= hi - lo, unsigned
    count += __builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, vspan), t))));
  }
#endif
  for (; i < n; ++i) {
    if (p[i] >= 0x80) return -1;
    count += static_cast<unsigned>(p[i] - lo) <= static_cast<unsigned>(hi - lo);
  }
  return count;
}

namespace {
inline unsigned char lower_ascii(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }
bool equal_nocase_at(const unsigned char* h, std::string_view needle) {
  for (size_t k = 0; k < needle.size(); ++k)
    if (lower_ascii(h[k]) != static_cast<unsigned char>(needle[k])) return false;
  return true;
}
}  // namespace

bool contains_ascii_nocase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (hay.size() < needle.size()) return false;
  const unsigned char* h = reinterpret_cast<const unsigned char*>(hay.data());
  const size_t last = hay.size() - needle.size();  // the last start position
  size_t i = 0;
#if defined(__SSE2__)
  if (needle.size() >= 2) {
    // Candidates: the first two bytes equal the needle's after OR-ing 0x20 (which lower-cases letters and
    // conflates a few other bytes: every candidate is then compared in full).
    const __m128i bit = _mm_set1_epi8(0x20);
    const __m128i c0 = _mm_set1_epi8(static_cast<char>(needle[0] | 0x20)), c1 = _mm_set1_epi8(static_cast<char>(needle[1] | 0x20));
    for (; i + 16 <= last + 1 && i + 17 <= hay.size(); i += 16) {
      const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)), bit);
      const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + 1)), bit);
      for (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, c0), _mm_cmpeq_epi8(b, c1))));
           m; m &= m - 1)
        if (equal_nocase_at(h + i + static_cast<unsigned>(__builtin_ctz(m)), needle)) return true;
    }
  }
#endif
  for (; i <= last; ++i)
    if (equal_nocase_at(h + i, needle)) return true;
  return false;
}

}  // namespace dclm::curation::steps
