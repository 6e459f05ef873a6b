// line_length_modifier(min_length=0, max_length=inf) (modifiers.py; curation.md §3 step 22): keep a line
// if min <= len(line.split()) <= max or the line is empty; '\n'.join (no strip); drop if ''.
#include <limits>

#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct LineLength : Step {
  double min_len = 0, max_len = std::numeric_limits<double>::infinity();
  Verdict apply(Document& d) override {
    std::vector<std::string> kept;
    for (auto& line : split_nl(d.text)) {
      double n = static_cast<double>(text::split_whitespace(line).size());
      if ((min_len <= n && n <= max_len) || line.empty()) kept.push_back(std::move(line));
    }
    d.text = join_nl(kept);
    return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_line_length_modifier(ConfigNode& cfg) {
  auto s = std::make_unique<LineLength>();
  s->min_len = cfg.get_or<double>("min_length", 0);
  s->max_len = cfg.get_or<double>("max_length", std::numeric_limits<double>::infinity());
  return s;
}
}  // namespace dclm::curation::steps
