// word_counter_enricher(key='word_count', model='fasttext', ignore_punctuation=True): page[key] =
// len(split_words(text, ...)) (curation.md §3 step 18).
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct WordCounter : Step {
  std::string key, model;
  bool ignore_punct = true;
  Verdict apply(Document& d) override {
    int64_t n = (model == "fasttext" && ignore_punct) ? static_cast<int64_t>(fasttext_word_count_memo(d.text))
                                                      : static_cast<int64_t>(py::split_words(d.text, model, ignore_punct).size());
    d.record[key] = n;
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_word_counter_enricher(ConfigNode& cfg) {
  auto s = std::make_unique<WordCounter>();
  s->key = cfg.get_or<std::string>("key", "word_count");
  cfg.get_or<bool>("overwrite", false);  // DCLM asserts on an existing key; here the value is replaced
  s->model = cfg.get_or<std::string>("model", "fasttext");
  require(s->model == "fasttext" || s->model == "uniseg" || s->model == "split", cfg, "model: fasttext|uniseg|split");
  s->ignore_punct = cfg.get_or<bool>("ignore_punctuation", true);
  return s;
}
}  // namespace dclm::curation::steps
