// url_substring_filter (dclm:baselines/mappers/filters/metadata_filters.py; curation.md §3 steps 2–5).
// exact_domain_match: urlparse(url).netloc (lowercased unless case_sensitive), ignore_chars removed anywhere,
// dropped if in the banlist set. Otherwise ignore_chars are removed from the (lowercased) URL and the page is
// dropped when the number of distinct banlist matches (retrie Blacklist regex: alternation, whole words with
// \b unless match_substrings) is >= num_banned_substrs. RE2's \b is ASCII-only where Python's is Unicode.
#include <re2/re2.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "common/io.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

std::string url_netloc(const std::string& url);

namespace {
std::string lower_ascii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string lower_unicode(const std::string& s);

struct UrlSubstringFilter : Step {
  std::vector<std::string> ignore_chars;
  int num_banned = 1;
  bool exact_domain = false, case_sensitive = false;
  std::unordered_set<std::string> domains;
  std::unique_ptr<RE2> re;

  Verdict apply(Document& d) override {
    std::string url = exact_domain ? url_netloc(d.url) : d.url;
    if (!case_sensitive) url = lower_unicode(url);
    for (const auto& c : ignore_chars) {
      if (c.empty()) continue;
      std::string out;
      size_t pos = 0, hit;
      while ((hit = url.find(c, pos)) != std::string::npos) { out.append(url, pos, hit - pos); pos = hit + c.size(); }
      out.append(url, pos, std::string::npos);
      url.swap(out);
    }
    if (exact_domain) return domains.count(url) ? Verdict::drop("banned_domain") : Verdict::ok();
    if (!re) return Verdict::ok();
    std::set<std::string> found;
    re2::StringPiece input(url), m;
    while (RE2::FindAndConsume(&input, *re, &m)) {
      found.insert(std::string(m));
      if (m.empty()) {  // never loop on an empty match
        if (input.empty()) break;
        input.remove_prefix(1);
      }
    }
    return static_cast<int>(found.size()) >= num_banned ? Verdict::drop("banned_url_substring") : Verdict::ok();
  }
};

std::string lower_unicode(const std::string& s) {
  // URLs are nearly always ASCII; non-ASCII code points are lowercased with the simple mapping.
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return lower_ascii(s);
  std::u32string u = text::utf8_to_u32(s);
  for (auto& c : u) c = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
  return text::u32_to_utf8(u);
}
}  // namespace

std::string url_netloc(const std::string& url) {
  // urllib.parse.urlparse: scheme = leading [A-Za-z][A-Za-z0-9+.-]* before ':'; netloc follows "//" up to / ? #.
  size_t i = 0;
  std::string rest = url;
  size_t colon = url.find(':');
  if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(url[0]))) {
    bool ok = true;
    for (size_t k = 0; k < colon; ++k) {
      char c = url[k];
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) { ok = false; break; }
    }
    if (ok) i = colon + 1;
  }
  if (url.compare(i, 2, "//") != 0) return "";
  size_t start = i + 2;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::unique_ptr<Step> make_url_substring_filter(ConfigNode& cfg) {
  auto s = std::make_unique<UrlSubstringFilter>();
  std::vector<std::string> banlist = string_list(cfg, "banlist");
  std::string fname = cfg.get_or<std::string>("banlist_from_fname", "");
  s->ignore_chars = string_list(cfg, "ignore_chars");
  s->num_banned = cfg.get_or<int>("num_banned_substrs", 1);
  s->exact_domain = cfg.get_or<bool>("exact_domain_match", false);
  bool match_substrings = cfg.get_or<bool>("match_substrings", true);
  s->case_sensitive = cfg.get_or<bool>("case_sensitive", false);
  if (!fname.empty()) banlist = text::splitlines(read_file(resolve_data_file(fname, cfg)));
  require(!banlist.empty(), cfg, "url_substring_filter needs 'banlist' or 'banlist_from_fname'");
  if (!s->case_sensitive)
    for (auto& b : banlist) b = lower_unicode(b);
  if (s->exact_domain) {
    s->domains.insert(banlist.begin(), banlist.end());
  } else {
    std::vector<std::string> words;
    for (const auto& b : banlist)
      if (!b.empty()) words.push_back(b);
    // Longest first: at each position the longest banlist word wins, as in retrie's trie regex.
    std::sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    std::string alt;
    for (const auto& w : words) alt += (alt.empty() ? "" : "|") + RE2::QuoteMeta(w);
    std::string pat = match_substrings ? "(" + alt + ")" : "\\b(" + alt + ")\\b";
    RE2::Options o;
    o.set_case_sensitive(s->case_sensitive);
    o.set_max_mem(256 << 20);
    o.set_log_errors(false);
    s->re = std::make_unique<RE2>(pat, o);
    require(s->re->ok(), cfg, "banlist regex: " + s->re->error());
  }
  return s;
}

}  // namespace dclm::curation::steps
