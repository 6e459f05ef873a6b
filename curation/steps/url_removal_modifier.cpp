// url_removal_modifier (dclm:baselines/mappers/modifiers.py; curation.md §3 step 6).
// Quirk kept: the TLD-based URL regex runs only when the text *starts with* a TLD (retrie Blacklist,
// match_substrings=True, IGNORECASE, re.match); the IPv4 regex always runs. Drops the page if the text
// becomes ''. Python's Unicode \s is spelled out for RE2; RE2's \b is ASCII-only.
#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "common/io.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
const char* kPyWs = R"([\t\n\x0b\f\r\x1c-\x1f\x{85}\p{Z}])";

// Every IPv4 match contains digits '.' digits '.' digits '.' digit (its four octets), so a text without
// such a run has none and skips the regex (a cheap scan; false positives only cost the regex). The full
// scan runs only when some '.' has a digit on both sides (found by memchr), which every such run has.
bool may_hold_ipv4(const std::string& t) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool digit_dot_digit = false;
  for (size_t p = t.find('.', 1); p != std::string::npos && p + 1 < t.size(); p = t.find('.', p + 1))
    if (digit(t[p - 1]) && digit(t[p + 1])) { digit_dot_digit = true; break; }
  if (!digit_dot_digit) return false;
  int groups = 0;  // consecutive "digits." groups just before the current position
  bool in_digits = false;
  char prev = 0;
  for (char c : t) {
    if (c >= '0' && c <= '9') {
      if (!in_digits && prev != '.') groups = 0;  // a run that does not continue the chain
      if (groups >= 3) return true;
      in_digits = true;
    } else if (c == '.') {
      groups = in_digits ? groups + 1 : 0;
      in_digits = false;
    } else {
      groups = 0;
      in_digits = false;
    }
    prev = c;
  }
  return false;
}

// The ASCII bytes that no match of the URL regex can contain: everything but Python's ASCII whitespace
// (\t..\r, \x1c..\x1f, ' '), letters, digits and -@:%._+~#=()?&/ . Non-ASCII bytes never stop a piece
// (the regex's whitespace includes \x85 and \p{Z}).
struct UrlStops {
  bool stop[256] = {};
  UrlStops() {
    for (int c = 0; c < 128; ++c) {
      const bool ws = (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
      const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
      stop[c] = !ws && !alnum && !std::strchr("-@:%._+~#=()?&/", c);
    }
    stop[0] = true;  // strchr would find the terminator
  }
};
const UrlStops kUrlStops;

struct UrlRemoval : Step {
  std::unique_ptr<RE2> tld_prefix, url_re, ipv4_re;
  // url_re with the host part [..]{1,256} written [..]+: the same matches, in the same order of preference,
  // in a piece whose runs of host characters are all at most 256 long (every host part is such a run), and
  // RE2's DFA needs no state per count. Pieces with a longer run use url_re.
  std::unique_ptr<RE2> url_re_unbounded;
  bool tld_first[256] = {};  // first bytes of the TLDs
  bool segmented = true;     // false: one GlobalReplace over the whole text (the reference, for tests)
  std::string out, piece;    // reused across documents
  // Every URL match has a character of [-a-zA-Z0-9@:%._+~#=], then '.', then a TLD.
  static bool host_char(unsigned char c) {
    return ((c | 0x20u) - 'a') < 26u || static_cast<unsigned>(c - '0') < 10u || (c != 0 && std::strchr("-@:%._+~#=", c) != nullptr);
  }
  bool candidate(const std::string& t, size_t p) const {
    return host_char(static_cast<unsigned char>(t[p - 1])) && tld_first[static_cast<unsigned char>(t[p + 1])];
  }
  bool may_hold_url(const std::string& t) const {
    for (size_t p = t.find('.', 1); p != std::string::npos && p + 1 < t.size(); p = t.find('.', p + 1))
      if (candidate(t, p)) return true;
    return false;
  }
  // re.sub(url_regex, '', text), exactly, running the regex only on the pieces of the text that hold a
  // candidate '.': a match cannot contain a stop byte, so every match lies inside one piece between stop
  // bytes; RE2's \b (ASCII) sees a non-word character or the end on both sides of a piece alike; and
  // successive leftmost-first matches in the text are successive matches in its pieces.
  void remove_urls(std::string& t) {
    if (!segmented) {
      RE2::GlobalReplace(&t, *url_re, "");
      return;
    }
    const bool* stop = kUrlStops.stop;
    const size_t n = t.size();
    size_t copied = 0;  // t[0, copied) is in `out` (or unchanged when nothing was replaced yet)
    bool changed = false;
    for (size_t p = t.find('.', 1); p != std::string::npos && p + 1 < n; p = t.find('.', p + 1)) {
      if (!candidate(t, p)) continue;
      size_t b = p, e = p + 1;
      while (b > 0 && !stop[static_cast<unsigned char>(t[b - 1])]) --b;
      while (e < n && !stop[static_cast<unsigned char>(t[e])]) ++e;
      piece.assign(t, b, e - b);
      size_t run = 0, longest = 0;
      for (char c : piece) {
        run = host_char(static_cast<unsigned char>(c)) ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      if (RE2::GlobalReplace(&piece, longest <= 256 ? *url_re_unbounded : *url_re, "") > 0) {
        if (!changed) out.clear();
        out.append(t, copied, b - copied);
        out += piece;
        copied = e;
        changed = true;
      }
      p = e;  // the next piece starts after the stop byte at e
      if (p >= n) break;
    }
    if (!changed) return;
    out.append(t, copied, std::string::npos);
    t.swap(out);
  }
  Verdict apply(Document& d) override {
    re2::StringPiece sp(d.text);
    if (RE2::Consume(&sp, *tld_prefix) && may_hold_url(d.text)) remove_urls(d.text);
    if (may_hold_ipv4(d.text)) RE2::GlobalReplace(&d.text, *ipv4_re, "");
    return d.text.empty() ? Verdict::drop("empty_after_url_removal") : Verdict::ok();
  }
};
}  // namespace

// Exposed for tests: the step with one GlobalReplace over the whole text instead of the pieces.
std::unique_ptr<Step> make_url_removal_modifier_unsegmented(ConfigNode& cfg);

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
  for (const auto& t : tlds) s->tld_first[static_cast<unsigned char>(t[0])] = true;
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
  s->url_re_unbounded = std::make_unique<RE2>(ws + R"({0,10}(?:((https?|ftp)://))?[-a-zA-Z0-9@:%._\+~#=]+\.()" + alt +
                                                  R"()\b([-a-zA-Z0-9()@:%_\+.~#?&//=]*))",
                                              o);
  s->ipv4_re = std::make_unique<RE2>(
      ws + R"({0,10}\b((https?|ftp)://)?(?:[0-2]?[0-9]{1,2}\.){3}[0-2]?[0-9]{1,2}[-a-zA-Z0-9()@:%_\+.~#?&//=]*)", o);
  require(s->tld_prefix->ok() && s->url_re->ok() && s->url_re_unbounded->ok() && s->ipv4_re->ok(), cfg, "URL regex failed to compile");
  return s;
}
std::unique_ptr<Step> make_url_removal_modifier_unsegmented(ConfigNode& cfg) {
  auto s = make_url_removal_modifier(cfg);
  static_cast<UrlRemoval&>(*s).segmented = false;
  return s;
}
}  // namespace dclm::curation::steps
