// url_removal_modifier (dclm:baselines/mappers/modifiers.py; curation.md §3 step 6).
// Quirk kept: the TLD-based URL regex runs only when the text *starts with* a TLD (retrie Blacklist,
// match_substrings=True, IGNORECASE, re.match); the IPv4 regex always runs. Drops the page if the text
// becomes ''. Python's Unicode \s is spelled out for RE2; RE2's \b is ASCII-only.
#include <re2/re2.h>

#include <algorithm>

#include "common/io.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
const char* kPyWs = R"([\t\n\x0b\f\r\x1c-\x1f\x{85}\p{Z}])";

struct UrlRemoval : Step {
  std::unique_ptr<RE2> tld_prefix, url_re, ipv4_re;
  Verdict apply(Document& d) override {
    re2::StringPiece sp(d.text);
    if (RE2::Consume(&sp, *tld_prefix)) RE2::GlobalReplace(&d.text, *url_re, "");
    RE2::GlobalReplace(&d.text, *ipv4_re, "");
    return d.text.empty() ? Verdict::drop("empty_after_url_removal") : Verdict::ok();
  }
};
}  // namespace

std::unique_ptr<Step> make_url_removal_modifier(ConfigNode& cfg) {
  std::string path = cfg.get_or<std::string>("tlds_filepath", "baselines/mappers/iana_tlds.txt");
  std::vector<std::string> tlds = text::splitlines(read_file(resolve_data_file(path, cfg)));
  tlds.erase(std::remove(tlds.begin(), tlds.end(), std::string()), tlds.end());
  require(!tlds.empty(), cfg, "empty TLD list " + path);
  std::sort(tlds.begin(), tlds.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  std::string alt;
  for (const auto& t : tlds) alt += (alt.empty() ? "" : "|") + RE2::QuoteMeta(t);
  auto s = std::make_unique<UrlRemoval>();
  RE2::Options o;
  o.set_max_mem(512 << 20);
  o.set_log_errors(false);
  RE2::Options oi = o;
  oi.set_case_sensitive(false);
  s->tld_prefix = std::make_unique<RE2>("(?:" + alt + ")", oi);
  std::string ws = kPyWs;
  s->url_re = std::make_unique<RE2>(ws + R"({0,10}(?:((https?|ftp)://))?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.()" + alt +
                                        R"()\b([-a-zA-Z0-9()@:%_\+.~#?&//=]*))",
                                    o);
  s->ipv4_re = std::make_unique<RE2>(
      ws + R"({0,10}\b((https?|ftp)://)?(?:[0-2]?[0-9]{1,2}\.){3}[0-2]?[0-9]{1,2}[-a-zA-Z0-9()@:%_\+.~#?&//=]*)", o);
  require(s->tld_prefix->ok() && s->url_re->ok() && s->ipv4_re->ok(), cfg, "URL regex failed to compile");
  return s;
}
}  // namespace dclm::curation::steps
