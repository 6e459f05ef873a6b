// counter_line_modifier (modifiers.py; curation.md §3 step 21): removes lines whose lower() matches
// ^\W*\d(?:,|\.|\d)*(?:K|k|M|m|B|b)?\s+(?:likes|shares|…|followers)\W*$ ; then strip; drop if ''.
// Python's Unicode \W, \d and \s are spelled out for RE2.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/line_join.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct CounterLine : Step {
  std::unique_ptr<RE2> re;
  std::string out, low;  // reused across documents
  // Whether the lowercased line matches. The pattern starts ^\W*\d: the line's first word character
  // (letter, number or '_') must be a decimal digit. ASCII characters lowercase to ASCII of the same
  // class, and there the word characters are [A-Za-z0-9_] and the decimal digits 0-9; so a line whose
  // first word character is an ASCII letter or '_', with only ASCII before it, cannot match: it is
  // neither lowercased nor given to the regex, and is read only up to that character.
  bool matches(std::string_view line) {
    bool ascii = true, digit = false;
    for (char c : line) {
      const unsigned char b = static_cast<unsigned char>(c);
      if (b >= 0x80) { ascii = false; break; }
      if (((b | 0x20u) - 'a') < 26u || b == '_') return false;
      if (static_cast<unsigned>(b - '0') < 10u) { digit = true; break; }
    }
    if (ascii && !digit) return false;  // ASCII without any word character
    if (ascii)
      for (char c : line) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    low.clear();
    if (ascii) {
      for (char c : line) low += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    } else {
      for (size_t i = 0; i < line.size();) {
        char32_t c;
        i += text::decode_utf8(line, i, c);
        text::append_utf8(low, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
      }
    }
    return RE2::PartialMatch(low, *re);
  }
  Verdict apply(Document& d) override {
    LineJoin join(d.text, out);
    py::for_each_line(d.text, [&](std::string_view line) {
      if (matches(line)) join.drop();
      else join.keep(line);
    });
    join.finish(d.text, /*strip=*/true);
    return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_counter_line_modifier(ConfigNode&) {
  auto s = std::make_unique<CounterLine>();
  // \W = not (alnum or _) in Unicode: approximated by [^\pL\pN_] (Python's alnum = letters + numerics).
  const std::string W = R"([^\pL\pN_])", D = R"(\p{Nd})", S = R"([\t\n\x0b\f\r\x1c-\x1f\x{85}\p{Z}])";
  s->re = std::make_unique<RE2>("^" + W + "*" + D + "(?:,|\\.|" + D + ")*(?:K|k|M|m|B|b)?" + S +
                                "+(?:likes|shares|comments|retweets|reposts|quotes|bookmarks|upvotes|downvotes|"
                                "downloads|views|followers)" + W + "*$");
  return s;
}
}  // namespace dclm::curation::steps
