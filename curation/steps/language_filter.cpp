// language_filter(keep_languages, key='language_id_whole_page_langdetect', threshold=0.0)
// (metadata_filters.py): keep if any lang in keep_languages has page[key][lang] > threshold (strict).
// A page without `key` is dropped ("missing_lang_id") where DCLM asserts.
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct LanguageFilter : Step {
  std::vector<std::string> keep;
  std::string key;
  double threshold = 0.0;
  Verdict apply(Document& d) override {
    auto it = d.record.find(key);
    if (it == d.record.end() || !it->is_object()) return Verdict::drop("missing_lang_id");
    for (const auto& lang : keep) {
      auto l = it->find(lang);
      if (l != it->end() && l->is_number() && l->get<double>() > threshold) return Verdict::ok();
    }
    return Verdict::drop("language");
  }
};
}  // namespace
std::unique_ptr<Step> make_language_filter(ConfigNode& cfg) {
  auto s = std::make_unique<LanguageFilter>();
  YAML::Node kl = cfg.node()["keep_languages"];
  require(kl && kl.IsSequence(), cfg, "keep_languages must be a list");
  s->keep = string_list(cfg, "keep_languages");
  s->key = cfg.get_or<std::string>("key", "language_id_whole_page_langdetect");
  s->threshold = cfg.get_or<double>("threshold", 0.0);
  return s;
}
}  // namespace dclm::curation::steps
