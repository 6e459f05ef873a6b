// alphabetic_word_ratio_filter(max_ratio=0.2): words = text.split(); drop if the fraction of words with no
// isalpha() character is > max_ratio; 0 words → drop (curation.md §3 step 15).
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct AlphaRatio : Step {
  double max_ratio = 0.2;
  Verdict apply(Document& d) override {
    auto words = text::split_whitespace(d.text);
    if (words.empty()) return Verdict::drop("no_words");
    size_t non_alpha = 0;
    for (const auto& w : words) {
      bool any = false;
      for (char32_t c : text::utf8_to_u32(w))
        if (py::isalpha(c)) { any = true; break; }
      if (!any) ++non_alpha;
    }
    return static_cast<double>(non_alpha) / static_cast<double>(words.size()) > max_ratio
               ? Verdict::drop("non_alphabetic_words")
               : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_alphabetic_word_ratio_filter(ConfigNode& cfg) {
  auto s = std::make_unique<AlphaRatio>();
  s->max_ratio = cfg.get_or<double>("max_ratio", 0.2);
  return s;
}
}  // namespace dclm::curation::steps
