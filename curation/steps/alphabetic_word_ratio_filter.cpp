// alphabetic_word_ratio_filter(max_ratio=0.2): words = text.split(); drop if the fraction of words with no
// isalpha() character is > max_ratio; 0 words → drop (curation.md §3 step 15).
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct AlphaRatio : Step {
  double max_ratio = 0.2;
  Verdict apply(Document& d) override {
    const std::vector<std::string_view>& all = split_words_memo(d.text).words;
    const size_t words = all.size();
    size_t non_alpha = 0;
    auto check = [&](std::string_view w) {
      for (size_t i = 0; i < w.size();) {
        const unsigned char b = static_cast<unsigned char>(w[i]);
        if (b < 0x80) {  // ASCII: only A-Z a-z are letters
          if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') return;
          ++i;
          continue;
        }
        char32_t c;
        i += text::decode_utf8(w, i, c);
        if (py::isalpha(c)) return;
      }
      ++non_alpha;
    };
    for (std::string_view w : all) check(w);
    if (words == 0) return Verdict::drop("no_words");
    return static_cast<double>(non_alpha) / static_cast<double>(words) > max_ratio
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
