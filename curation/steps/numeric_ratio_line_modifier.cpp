// numeric_ratio_line_modifier(max_ratio=1.0) (modifiers.py; curation.md §3 step 20): keep a line if empty
// or sum(c.isdigit())/len(line) <= max_ratio; '\n'.join(...).strip(); drop if ''.
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct NumericRatio : Step {
  double max_ratio = 1.0;
  Verdict apply(Document& d) override {
    std::vector<std::string> kept;
    for (auto& line : split_nl(d.text)) {
      if (!line.empty()) {
        std::u32string u = text::utf8_to_u32(line);
        size_t dig = 0;
        for (char32_t c : u) dig += py::isdigit(c) ? 1 : 0;
        if (static_cast<double>(dig) / static_cast<double>(u.size()) > max_ratio) continue;
      }
      kept.push_back(std::move(line));
    }
    d.text = text::strip(join_nl(kept));
    return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_numeric_ratio_line_modifier(ConfigNode& cfg) {
  auto s = std::make_unique<NumericRatio>();
  s->max_ratio = cfg.get_or<double>("max_ratio", 1.0);
  return s;
}
}  // namespace dclm::curation::steps
