// symbol_ratio_filter(max_symbol_to_word_ratio=0.1): (count('#') + count('...') + count('. . .') +
// count('…')) / len(text.split()) must be <= max; 0 words → drop (curation.md §3 step 12).
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct SymbolRatio : Step {
  double max_ratio = 0.1;
  Verdict apply(Document& d) override {
    const size_t words = split_words_memo(d.text).words.size();
    if (words == 0) return Verdict::drop("no_words");
    size_t sym = py::count_substr(d.text, "#") + py::count_substr(d.text, "...") + py::count_substr(d.text, ". . .") +
                 py::count_substr(d.text, "\xE2\x80\xA6");
    return static_cast<double>(sym) / static_cast<double>(words) > max_ratio ? Verdict::drop("symbol_ratio")
                                                                             : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_symbol_ratio_filter(ConfigNode& cfg) {
  auto s = std::make_unique<SymbolRatio>();
  s->max_ratio = cfg.get_or<double>("max_symbol_to_word_ratio", 0.1);
  return s;
}
}  // namespace dclm::curation::steps
