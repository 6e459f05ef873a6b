// counter_line_modifier (modifiers.py; curation.md §3 step 21): removes lines whose lower() matches
// ^\W*\d(?:,|\.|\d)*(?:K|k|M|m|B|b)?\s+(?:likes|shares|…|followers)\W*$ ; then strip; drop if ''.
// Python's Unicode \W, \d and \s are spelled out for RE2.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct CounterLine : Step {
  std::unique_ptr<RE2> re;
  Verdict apply(Document& d) override {
    std::vector<std::string> kept;
    for (auto& line : split_nl(d.text)) {
      std::string low;
      for (char32_t c : text::utf8_to_u32(line)) text::append_utf8(low, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
      if (RE2::PartialMatch(low, *re)) continue;
      kept.push_back(std::move(line));
    }
    d.text = text::strip(join_nl(kept));
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
