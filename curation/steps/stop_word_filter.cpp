// stop_word_filter(count_unique=False, min_stop_word=2): keep if at least min_stop_word tokens of
// text.split() have lower() in {the, be, to, of, and, that, have, with}; count_unique counts distinct
// stop words (curation.md §3 step 16).
#include <set>
#include <unicode/uchar.h>

#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct StopWords : Step {
  bool count_unique = false;
  int min_stop = 2;
  Verdict apply(Document& d) override {
    static const std::set<std::string> kStop = {"the", "be", "to", "of", "and", "that", "have", "with"};
    std::set<std::string> seen;
    int n = 0;
    for (const auto& w : text::split_whitespace(d.text)) {
      if (w.size() > 4 * 4) continue;  // longer than any stop word even after lowering
      std::u32string u = text::utf8_to_u32(w);
      if (u.size() > 4) continue;
      std::string low;
      for (char32_t c : u) text::append_utf8(low, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
      if (kStop.count(low)) {
        if (count_unique) seen.insert(low);
        else ++n;
      }
    }
    int count = count_unique ? static_cast<int>(seen.size()) : n;
    return count >= min_stop ? Verdict::ok() : Verdict::drop("too_few_stop_words");
  }
};
}  // namespace
std::unique_ptr<Step> make_stop_word_filter(ConfigNode& cfg) {
  auto s = std::make_unique<StopWords>();
  s->count_unique = cfg.get_or<bool>("count_unique", false);
  s->min_stop = cfg.get_or<int>("min_stop_word", 2);
  return s;
}
}  // namespace dclm::curation::steps
