// line_counter_enricher(paragraph_end='\n', remove_empty=True, key='num_lines', overwrite=False)
// (dclm:baselines/mappers/enrichers/enrichers.py): page[key] = len(split_paragraphs(text, paragraph_end,
// remove_empty)).
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct LineCounter : Step {
  std::string key, sep;
  bool remove_empty = true;
  Verdict apply(Document& d) override {
    d.record[key] = static_cast<int64_t>(remove_empty ? py::split_paragraphs(d.text, sep).size()
                                                      : text::split(d.text, sep).size());
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_line_counter_enricher(ConfigNode& cfg) {
  auto s = std::make_unique<LineCounter>();
  s->sep = cfg.get_or<std::string>("paragraph_end", "\n");
  require(!s->sep.empty(), cfg, "paragraph_end must not be empty");
  s->remove_empty = cfg.get_or<bool>("remove_empty", true);
  s->key = cfg.get_or<std::string>("key", "num_lines");
  cfg.get_or<bool>("overwrite", false);
  return s;
}
}  // namespace dclm::curation::steps
