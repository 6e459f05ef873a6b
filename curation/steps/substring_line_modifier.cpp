// substring_line_modifier(banlist, case_sensitive=False, location='any', max_length=None,
// remove_substring_only=False) (modifiers.py; curation.md §3 steps 23–25). The pattern is built exactly as
// DCLM does: (?:b1|b2…) lowercased unless case_sensitive, NOT regex-escaped (so '.' in "Read more..." is a
// wildcard), prefix ^…\s?, suffix \s?…$, any \s?…; re.I unless case_sensitive. Lines with <= max_length
// split() words: with remove_substring_only the matches are removed and a non-empty line that becomes
// empty/whitespace-only is dropped; otherwise a matching line is dropped. '\n'.join(...).strip(); drop if ''.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include <cstring>
#include <limits>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/ascii_scan.h"
#include "curation/steps/line_join.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
bool py_isspace_str(std::string_view s) {
  if (s.empty()) return false;
  return text::strip_view(s).empty();
}
struct SubstringLine : Step {
  std::unique_ptr<RE2> re;
  // The banlist alternation without anchors or \s?, searched once in the whole text: a line can only
  // match where the text does (a line is a substring of the text and, with no context assertions in the
  // banlist, a match inside it is a match in the text). Null when the banlist has ^, $ or escapes.
  std::unique_ptr<RE2> anywhere;
  double max_length = std::numeric_limits<double>::infinity();
  bool remove_only = false;
  std::string out, modified;  // reused across documents
  // Banlist items that are plain ASCII literals (no regex syntax), lower-cased, for a case-insensitive
  // `anywhere` search without RE2; empty when that does not apply.
  std::vector<std::string> literals;
  // Whether the banlist can match anywhere in the text (a superset test: false only when no line can match).
  bool may_match(const std::string& t) const {
    if (!anywhere) return true;
    if (!literals.empty()) {
      // RE2's case folding pairs an ASCII letter only with its other case, except k with U+212A (KELVIN
      // SIGN) and s with U+017F (LONG S): texts holding either go to RE2, and so, to be safe, do texts with
      // the Turkish dotted/dotless I (U+0130, U+0131), which Unicode folds to i only in Turkic rules.
      if (t.find("\xE2\x84\xAA") == std::string::npos && t.find("\xC5\xBF") == std::string::npos &&
          t.find("\xC4\xB0") == std::string::npos && t.find("\xC4\xB1") == std::string::npos) {
        for (const auto& l : literals)
          if (contains_ascii_nocase(t, l)) return true;
        return false;
      }
    }
    return RE2::PartialMatch(t, *anywhere);
  }
  Verdict apply(Document& d) override {
    LineJoin join(d.text, out);
    if (!may_match(d.text)) {
      // No line can match: a line is dropped only when it is non-empty whitespace (remove_only: its
      // "substitution" leaves whitespace), and such a line has 0 words, within max_length iff
      // max_length >= 0. So the words of the lines need not be counted at all.
      if (remove_only && 0 <= max_length) {
        py::for_each_line(d.text, [&](std::string_view line) {
          if (!line.empty() && py_isspace_str(line)) join.drop();
          else join.keep(line);
        });
      }
      join.finish(d.text, /*strip=*/true);
      return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
    }
    py::for_each_line(d.text, [&](std::string_view line) {
      if (static_cast<double>(py::count_split_words_upto(line, word_count_limit(0, max_length))) <= max_length) {
        if (remove_only) {
          modified.assign(line);
          if (RE2::GlobalReplace(&modified, *re, "") == 0) {  // unchanged
            if (!line.empty() && py_isspace_str(line)) join.drop();
            else join.keep(line);
            return;
          }
          if (!line.empty() && (modified.empty() || py_isspace_str(modified))) join.drop();
          else join.keep_changed(modified);
          return;
        } else if (RE2::PartialMatch(line, *re)) {
          join.drop();
          return;
        }
      }
      join.keep(line);
    });
    join.finish(d.text, /*strip=*/true);
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
  if (alt.find_first_of("^$\\") == std::string::npos) {
    s->anywhere = std::make_unique<RE2>("(?:" + alt + ")", o);
    if (!s->anywhere->ok()) s->anywhere.reset();
  }
  if (s->anywhere && !case_sensitive) {
    bool plain = true;
    for (const auto& b : banlist)
      for (unsigned char c : b) plain = plain && c >= 0x20 && c < 0x7F && !std::strchr("\\.+*?()|[]{}^$", c);
    if (plain)
      for (const auto& b : banlist) s->literals.push_back(b);  // already lower-cased above
  }
  return s;
}
}  // namespace dclm::curation::steps
