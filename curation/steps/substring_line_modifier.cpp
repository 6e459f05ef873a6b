// substring_line_modifier(banlist, case_sensitive=False, location='any', max_length=None,
// remove_substring_only=False) (modifiers.py; curation.md §3 steps 23–25). The pattern is built exactly as
// DCLM does: (?:b1|b2…) lowercased unless case_sensitive, NOT regex-escaped (so '.' in "Read more..." is a
// wildcard), prefix ^…\s?, suffix \s?…$, any \s?…; re.I unless case_sensitive. Lines with <= max_length
// split() words: with remove_substring_only the matches are removed and a non-empty line that becomes
// empty/whitespace-only is dropped; otherwise a matching line is dropped. '\n'.join(...).strip(); drop if ''.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include <limits>

#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
bool py_isspace_str(const std::string& s) {
  if (s.empty()) return false;
  for (char32_t c : text::utf8_to_u32(s))
    if (!text::py_isspace(c)) return false;
  return true;
}
struct SubstringLine : Step {
  std::unique_ptr<RE2> re;
  double max_length = std::numeric_limits<double>::infinity();
  bool remove_only = false;
  Verdict apply(Document& d) override {
    std::vector<std::string> kept;
    for (auto& line : split_nl(d.text)) {
      if (static_cast<double>(text::split_whitespace(line).size()) <= max_length) {
        if (remove_only) {
          std::string modified = line;
          RE2::GlobalReplace(&modified, *re, "");
          if (!line.empty() && (modified.empty() || py_isspace_str(modified))) continue;
          line = std::move(modified);
        } else if (RE2::PartialMatch(line, *re)) {
          continue;
        }
      }
      kept.push_back(std::move(line));
    }
    d.text = text::strip(join_nl(kept));
    return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_substring_line_modifier(ConfigNode& cfg) {
  auto s = std::make_unique<SubstringLine>();
  std::vector<std::string> banlist = string_list(cfg, "banlist");
  require(!banlist.empty(), cfg, "substring_line_modifier needs a banlist");
  bool case_sensitive = cfg.get_or<bool>("case_sensitive", false);
  std::string location = cfg.get_or<std::string>("location", "any");
  require(location == "prefix" || location == "suffix" || location == "any", cfg, "location: prefix|suffix|any");
  YAML::Node ml = cfg.raw("max_length");
  if (ml && !ml.IsNull()) s->max_length = ml.as<double>();
  s->remove_only = cfg.get_or<bool>("remove_substring_only", false);
  std::string alt;
  for (auto& b : banlist) {
    if (!case_sensitive) {
      std::string low;
      for (char32_t c : text::utf8_to_u32(b)) text::append_utf8(low, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
      b = low;
    }
    alt += (alt.empty() ? "" : "|") + b;
  }
  const std::string S = R"([\t\n\x0b\f\r\x1c-\x1f\x{85}\p{Z}])";
  std::string pat = "(?:" + alt + ")";
  if (location == "prefix") pat = "^" + pat + S + "?";
  else if (location == "suffix") pat = S + "?" + pat + "$";
  else pat = S + "?" + pat;
  RE2::Options o;
  o.set_case_sensitive(case_sensitive);
  o.set_log_errors(false);
  s->re = std::make_unique<RE2>(pat, o);
  require(s->re->ok(), cfg, "banlist regex: " + s->re->error());
  return s;
}
}  // namespace dclm::curation::steps
