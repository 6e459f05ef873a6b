// word_removal_ratio_filter(prev_word_count_key, max_removed_ratio=0.05): new = len(split_words(text,
// ignore_punctuation=True)) (fastText tokenizer); drop if prev == 0 or (prev − new)/prev > max
// (curation.md §3 step 26). A page without the key is dropped ("missing_word_count"). The count is the
// text memo's: when no line modifier changed the text, word_counter_enricher's count is reused.
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct WordRemovalRatio : Step {
  std::string key, new_key, model = "fasttext";
  bool ignore_punct = true;
  double max_ratio = 0.05;
  Verdict apply(Document& d) override {
    auto it = d.record.find(key);
    if (it == d.record.end() || !it->is_number()) return Verdict::drop("missing_word_count");
    double prev = it->get<double>();
    if (prev == 0) return Verdict::drop("no_previous_words");
    double now;
    auto nk = new_key.empty() ? d.record.end() : d.record.find(new_key);
    if (nk != d.record.end() && nk->is_number()) now = nk->get<double>();
    else if (model == "fasttext" && ignore_punct) now = static_cast<double>(fasttext_word_count_memo(d.text));
    else now = static_cast<double>(py::split_words(d.text, model, ignore_punct).size());
    return (prev - now) / prev > max_ratio ? Verdict::drop("too_many_words_removed") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_word_removal_ratio_filter(ConfigNode& cfg) {
  auto s = std::make_unique<WordRemovalRatio>();
  s->key = cfg.get<std::string>("prev_word_count_key");
  s->new_key = cfg.get_or<std::string>("new_word_count_key", "");
  s->max_ratio = cfg.get_or<double>("max_removed_ratio", 0.05);
  s->ignore_punct = cfg.get_or<bool>("ignore_punctuation", true);
  s->model = cfg.get_or<std::string>("model", "fasttext");
  require(s->model == "fasttext" || s->model == "uniseg" || s->model == "split", cfg, "model: fasttext|uniseg|split");
  return s;
}
}  // namespace dclm::curation::steps
