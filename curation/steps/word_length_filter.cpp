// word_length_filter(min_length=0, max_length=inf): mean len(word) over text.split() must lie in
// [min, max]; no words → drop (curation.md §3 step 11).
#include <limits>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct WordLength : Step {
  double min_len = 0, max_len = std::numeric_limits<double>::infinity();
  Verdict apply(Document& d) override {
    const SplitWords& sw = split_words_memo(d.text);
    const size_t total = sw.word_codepoints, words = sw.words.size();
    if (words == 0) return Verdict::drop("no_words");
    double mean = static_cast<double>(total) / static_cast<double>(words);
    if (mean < min_len) return Verdict::drop("mean_word_too_short");
    if (mean > max_len) return Verdict::drop("mean_word_too_long");
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_word_length_filter(ConfigNode& cfg) {
  auto s = std::make_unique<WordLength>();
  s->min_len = cfg.get_or<double>("min_length", 0);
  s->max_len = cfg.get_or<double>("max_length", std::numeric_limits<double>::infinity());
  return s;
}
}  // namespace dclm::curation::steps
