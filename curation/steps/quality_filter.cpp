// quality_filter(key='fasttext_hq_prob', threshold=0.0, lower_better=False, key_must_exist=True)
// (metadata_filters.py; curation.md §10): keep if score >= threshold (score <= threshold when lower_better).
// A missing key drops the page ("missing_score") where DCLM asserts, or scores ∓inf when key_must_exist
// is false.
#include <limits>

#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct QualityFilter : Step {
  std::string key;
  double threshold = 0.0;
  bool lower_better = false, must_exist = true;
  Verdict apply(Document& d) override {
    auto it = d.record.find(key);
    double score;
    if (it == d.record.end() || !it->is_number()) {
      if (must_exist) return Verdict::drop("missing_score");
      score = lower_better ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    } else {
      score = it->get<double>();
    }
    bool keep = lower_better ? score <= threshold : score >= threshold;
    return keep ? Verdict::ok() : Verdict::drop("low_quality");
  }
};
}  // namespace
std::unique_ptr<Step> make_quality_filter(ConfigNode& cfg) {
  auto s = std::make_unique<QualityFilter>();
  s->key = cfg.get_or<std::string>("key", "fasttext_hq_prob");
  s->threshold = cfg.get_or<double>("threshold", 0.0);
  s->lower_better = cfg.get_or<bool>("lower_better", false);
  s->must_exist = cfg.get_or<bool>("key_must_exist", true);
  return s;
}
}  // namespace dclm::curation::steps
