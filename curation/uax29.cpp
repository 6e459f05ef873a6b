#include "curation/uax29.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/text.h"
#include "curation/pytext.h"

namespace dclm::curation::uax29 {

namespace {

// ---- The reference: ICU's root word BreakIterator ----

struct BreakIterHolder {
  std::unique_ptr<icu::BreakIterator> it;
  BreakIterHolder() {
    UErrorCode status = U_ZERO_ERROR;
    it.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !it) throw Error(std::string("ICU word break iterator: ") + u_errorName(status));
  }
};

// Calls f(segment) for every segment of text, in order.
template <typename F>
void for_each_icu_segment(std::string_view text, F&& f) {
  if (text.empty()) return;
  thread_local BreakIterHolder holder;
  UErrorCode status = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;  // on the stack: no allocation per call
  utext_openUTF8(&ut, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) throw Error(std::string("ICU utext_openUTF8: ") + u_errorName(status));
  holder.it->setText(&ut, status);
  if (U_FAILURE(status)) { utext_close(&ut); throw Error(std::string("ICU setText: ") + u_errorName(status)); }
  int32_t start = holder.it->first();
  for (int32_t end = holder.it->next(); end != icu::BreakIterator::DONE; start = end, end = holder.it->next())
    f(text.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
  // Detach before closing the UText.
  holder.it->setText(icu::UnicodeString());
  utext_close(&ut);
}

inline bool ascii_alnum(unsigned c) { return (c - '0') < 10u || ((c | 0x20u) - 'a') < 26u; }

inline bool starts_alnum(std::string_view w) {
  const unsigned char b = static_cast<unsigned char>(w[0]);
  return b < 0x80 ? ascii_alnum(b) : py::isalnum(py::first_codepoint(w));
}

// ---- The fast path ----
//
// Only the segments that start with an alnum code point are kept, so the segmenter needs the exact extent
// of those and of the segments that could swallow an alnum code point, nothing more. Without the
// characters marked kHard below, ICU's rules (icu4c data/brkitr/rules/word.txt, UAX#29) reduce to:
//   * WB5–WB13b: runs of ALetter, Numeric and ExtendNumLet are one segment ("_x" included, which starts
//     with '_' and is not kept), and a MidLetter / MidNumLet / Single_Quote between two ALetters, or a
//     MidNum / MidNumLet / Single_Quote between two Numerics, joins them;
//   * everything else is a segment of one character (CR LF and WB3d runs of WSegSpace are longer, but
//     hold no alnum code point; the WB4 tails of Extend/Format/ZWJ do not occur: those are kHard).
// Characters whose rules are not implemented here send their whole line to ICU: Extend, Format and ZWJ
// (WB4, WB3c), Regional_Indicator, Hebrew_Letter (WB7a–c), Katakana, the dictionary characters (Han,
// Hiragana, Katakana, Hangul syllables, Line_Break=Complex_Context: ICU's dictionary break engines),
// everything outside the BMP and invalid UTF-8.
enum Cls : uint8_t {
  kOther = 0,
  kLetter,       // ALetter without the dictionary characters (ICU's $ALetterPlus minus those)
  kNumeric,
  kExtendNumLet,
  kMidLetter,    // joins ALetters only
  kMidNum,       // joins Numerics only
  kMidNumLetQ,   // MidNumLet and Single_Quote: join either
  kHard,
};
constexpr uint8_t kAlnum = 0x80;  // flag: Python str.isalnum
constexpr uint8_t kClassMask = 0x0F;

// The ASCII classes as ICU 72's root rules apply them (checked against ICU by the tests). Two differ from
// the Unicode Word_Break property: ':' is excluded from MidLetter (CLDR root), and '@' joins letters like
// an ALetter (CLDR-15767, ICU 72: e-mail addresses stay one word). '"' is Double_Quote, which only acts
// next to Hebrew letters; ' ' (WSegSpace), \n \v \f \r and the rest are single segments here.
constexpr std::array<uint8_t, 128> make_ascii_table() {
  std::array<uint8_t, 128> t{};
  for (unsigned c = 0; c < 128; ++c) {
    uint8_t k = kOther;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = kLetter | kAlnum;
    else if (c >= '0' && c <= '9') k = kNumeric | kAlnum;
    else if (c == '@') k = kLetter;
    else if (c == '_') k = kExtendNumLet;
    else if (c == '.' || c == '\'') k = kMidNumLetQ;
    else if (c == ',' || c == ';') k = kMidNum;
    t[c] = k;
  }
  return t;
}
constexpr std::array<uint8_t, 128> kAscii = make_ascii_table();

// The class of a BMP code point from ICU's properties, before the alnum flag.
uint8_t classify_bmp(UChar32 c) {
  if (c < 0x80) return kAscii[static_cast<size_t>(c)] & kClassMask;
  if (c >= 0xD800 && c <= 0xDFFF) return kHard;  // never decoded from valid UTF-8
  // Dictionary characters (ICU's $dictionary, and Katakana/Ideographic with their own rules).
  if (c >= 0xAC00 && c <= 0xD7A3) return kHard;
  if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) return kHard;
  if (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC)) return kHard;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  if (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA) return kHard;
  switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
    case U_WB_ALETTER: return kLetter;
    case U_WB_NUMERIC: return kNumeric;
    case U_WB_EXTENDNUMLET: return kExtendNumLet;
    // ICU's root rules take ':' and its compatibility forms U+FE55, U+FF1A out of MidLetter; left to ICU.
    case U_WB_MIDLETTER: return c == 0xFE55 || c == 0xFF1A ? kHard : kMidLetter;
    case U_WB_MIDNUM: return kMidNum;
    case U_WB_MIDNUMLET: case U_WB_SINGLE_QUOTE: return kMidNumLetQ;
    case U_WB_OTHER: case U_WB_CR: case U_WB_LF: case U_WB_NEWLINE: case U_WB_WSEGSPACE: return kOther;
    default: return kHard;  // Extend, Format, ZWJ, Regional_Indicator, Hebrew_Letter, Katakana, Double_Quote, ...
  }
}

// Class and alnum flag of every BMP code point, built once.
struct BmpTable {
  std::array<uint8_t, 0x10000> t{};
  BmpTable() {
    for (UChar32 c = 0; c < 0x10000; ++c) {
      uint8_t k = classify_bmp(c);
      if (c < 0x80) k = kAscii[static_cast<size_t>(c)];
      else if (k != kHard && py::isalnum(static_cast<char32_t>(c))) k |= kAlnum;
      t[static_cast<size_t>(c)] = k;
    }
  }
};
const BmpTable& bmp_table() {
  static const BmpTable table;
  return table;
}

// Class (with the alnum flag) of the code point at p[i] (i < end); n = its length in bytes.
inline uint8_t class_at(const unsigned char* p, size_t i, size_t end, const uint8_t* bmp, size_t& n) {
  const unsigned b = p[i];
  if (b < 0x80) { n = 1; return kAscii[b]; }
  // Valid 2- and 3-byte sequences only (the BMP); 4-byte sequences and invalid bytes go to ICU.
  if (b >= 0xC2 && b <= 0xDF && i + 1 < end && (p[i + 1] & 0xC0) == 0x80) {
    n = 2;
    return bmp[((b & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu)];
  }
  if ((b & 0xF0) == 0xE0 && i + 2 < end && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
    const unsigned cp = ((b & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
    if (cp < 0x800) return kHard;  // overlong
    n = 3;
    return bmp[cp];  // surrogates are kHard in the table
  }
  return kHard;
}

// How many of the 8 bytes of w (in memory order) from the first on are ASCII word characters: letters,
// digits, '@' and '_' (kLetter, kNumeric, kExtendNumLet in kAscii). Per byte, with no carry between bytes:
// for x < 0x80, x + (0x80 - lo) has bit 7 set iff x >= lo.
inline size_t ascii_word_bytes(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t ascii = ~w & kHigh;       // bit 7 set for the ASCII bytes
  const uint64_t x = w & ~kHigh;           // the low 7 bits of every byte
  auto in = [&](uint64_t v, unsigned lo, unsigned hi) {  // lo <= v <= hi, per byte (bit 7)
    return (v + kOnes * (0x80 - lo)) & ~(v + kOnes * (0x7F - hi)) & kHigh;
  };
  const uint64_t word = (in(x | kOnes * 0x20, 'a', 'z') | in(x, '0', '9') | in(x, '@', '@') | in(x, '_', '_')) & ascii;
  const uint64_t stop = ~word & kHigh;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return stop ? static_cast<size_t>(__builtin_ctzll(stop)) / 8 : 8;
#else
  return stop ? static_cast<size_t>(__builtin_clzll(stop)) / 8 : 8;
#endif
}

// Appends the kept segments of the line text[begin, end) (no '\n' inside) to out; false (out possibly
// extended, the caller truncates) when the line holds a kHard character.
bool segment_fast(const unsigned char* p, size_t begin, size_t end, const uint8_t* bmp, const char* base,
                  std::vector<std::string_view>& out) {
  auto is_word = [](uint8_t k) { return static_cast<uint8_t>(k - kLetter) < 3; };  // ALetter Numeric ExtendNumLet
  size_t i = begin;
  while (i < end) {
    size_t n;
    const uint8_t k0 = class_at(p, i, end, bmp, n);
    uint8_t last = k0 & kClassMask;
    if (last == kHard) return false;
    const size_t start = i;
    i += n;
    if (is_word(last)) {
      while (i < end) {
        // The common case first: a run of ASCII word characters, 8 bytes at a time.
        if (i + 8 <= end) {
          uint64_t w;
          std::memcpy(&w, p + i, 8);
          const size_t run = ascii_word_bytes(w);
          if (run) {
            i += run;
            last = kAscii[p[i - 1]] & kClassMask;
            if (run == 8) continue;
          }
        }
        uint8_t k;
        if (p[i] < 0x80 && is_word(k = kAscii[p[i]] & kClassMask)) { ++i; last = k; continue; }
        size_t m;
        k = class_at(p, i, end, bmp, m) & kClassMask;
        if (is_word(k)) { i += m; last = k; continue; }
        if (k == kHard) return false;
        // WB6/7 (letters), WB11/12 (numbers): Mid character between two of the same kind.
        const bool mid_ok = (last == kLetter && (k == kMidLetter || k == kMidNumLetQ)) ||
                            (last == kNumeric && (k == kMidNum || k == kMidNumLetQ));
        if (mid_ok && i + m < end) {
          size_t m2;
          const uint8_t k2 = class_at(p, i + m, end, bmp, m2) & kClassMask;
          if (k2 == kHard) return false;
          if (k2 == last) { i += m + m2; continue; }
        }
        break;
      }
    }
    if (k0 & kAlnum) out.emplace_back(base + start, i - start);
  }
  return true;
}

}  // namespace

void icu_segments(std::string_view text, std::vector<std::string_view>& out) {
  for_each_icu_segment(text, [&](std::string_view w) { out.push_back(w); });
}

void icu_alnum_words(std::string_view text, std::vector<std::string_view>& out) {
  for_each_icu_segment(text, [&](std::string_view w) {
    if (starts_alnum(w)) out.push_back(w);
  });
}

void alnum_words(std::string_view text, std::vector<std::string_view>& out, Coverage* coverage) {
  // Lines are segmented independently: UAX#29 breaks before and after every LF (WB3a/b), and ICU's
  // segments after a boundary depend only on the text that follows it. A line with a kHard character
  // joins a run of such lines that ICU segments in one pass (LFs included: they are single segments).
  const uint8_t* bmp = bmp_table().t.data();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  thread_local std::vector<std::string_view> line_words;
  size_t icu_begin = std::string_view::npos, icu_end = 0;  // the pending ICU run
  auto flush_icu = [&]() {
    if (icu_begin == std::string_view::npos) return;
    icu_alnum_words(text.substr(icu_begin, icu_end - icu_begin), out);
    icu_begin = std::string_view::npos;
  };
  for (size_t pos = 0; pos <= size;) {
    const void* nl = pos < size ? std::memchr(p + pos, '\n', size - pos) : nullptr;
    const size_t end = nl ? static_cast<size_t>(static_cast<const unsigned char*>(nl) - p) : size;
    const size_t mark = out.size();
    bool fast;
    if (icu_begin == std::string_view::npos) {
      fast = segment_fast(p, pos, end, bmp, text.data(), out);
      if (!fast) out.resize(mark);
    } else {
      // Words of this line must follow those of the pending ICU run: segment aside, then flush.
      line_words.clear();
      fast = segment_fast(p, pos, end, bmp, text.data(), line_words);
      if (fast) {
        flush_icu();
        out.insert(out.end(), line_words.begin(), line_words.end());
      }
    }
    if (coverage) {
      (fast ? coverage->fast_lines : coverage->icu_lines) += 1;
      (fast ? coverage->fast_bytes : coverage->icu_bytes) += end - pos + (nl ? 1 : 0);
    }
    if (!fast) {
      if (icu_begin == std::string_view::npos) icu_begin = pos;
      icu_end = end;
    }
    if (!nl) break;
    pos = end + 1;
  }
  flush_icu();
}

}  // namespace dclm::curation::uax29
