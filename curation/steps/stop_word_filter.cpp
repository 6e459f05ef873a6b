// stop_word_filter(count_unique=False, min_stop_word=2): keep if at least min_stop_word tokens of
// text.split() have lower() in {the, be, to, of, and, that, have, with}; count_unique counts distinct
// stop words (curation.md §3 step 16).
#include <set>
#include <unicode/uchar.h>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
// {the, be, to, of, and, that, have, with}
bool is_stop(std::string_view w) {
  switch (w.size()) {
    case 2: return w == "be" || w == "to" || w == "of";
    case 3: return w == "the" || w == "and";
    case 4: return w == "that" || w == "have" || w == "with";
    default: return false;
  }
}

struct StopWords : Step {
  bool count_unique = false;
  int min_stop = 2;
  Verdict apply(Document& d) override {
    std::set<std::string> seen;
    int n = 0;
    std::string low;
    // Whether w.lower() is a stop word.
    auto is_stop_lower = [&](std::string_view w) {
      if (w.size() < 2 || w.size() > 4 * 4) return false;  // 2–4 letters, at most 4 bytes each
      bool ascii = true;
      for (char c : w) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
      if (ascii) {  // ASCII lowercases byte by byte (a non-ASCII letter may lower to ASCII: not here)
        if (w.size() > 4) return false;
        char buf[4];
        for (size_t i = 0; i < w.size(); ++i) buf[i] = (w[i] >= 'A' && w[i] <= 'Z') ? static_cast<char>(w[i] + 32) : w[i];
        low.assign(buf, w.size());
        return is_stop(low);
      }
      std::u32string u = text::utf8_to_u32(w);
      if (u.size() > 4) return false;
      low.clear();
      for (char32_t c : u) text::append_utf8(low, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
      return is_stop(low);
    };
    // The count only grows, so the verdict is known once it reaches min_stop_word.
    for (std::string_view w : split_words_memo(d.text).words) {
      if (!is_stop_lower(w)) continue;
      if (count_unique) seen.insert(low);
      else ++n;
      if ((count_unique ? static_cast<int>(seen.size()) : n) >= min_stop) return Verdict::ok();
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
