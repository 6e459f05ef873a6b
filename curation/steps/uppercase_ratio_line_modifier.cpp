// uppercase_ratio_line_modifier(max_ratio=0.5) (modifiers.py; curation.md §3 step 19): lines =
// text.split('\n'); keep a line if empty or sum(c.isupper())/len(line) <= max_ratio; '\n'.join(...).strip();
// drop if ''.
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct UppercaseRatio : Step {
  double max_ratio = 0.5;
  Verdict apply(Document& d) override {
    std::vector<std::string> kept;
    for (auto& line : split_nl(d.text)) {
      if (!line.empty()) {
        std::u32string u = text::utf8_to_u32(line);
        size_t up = 0;
        for (char32_t c : u) up += py::isupper(c) ? 1 : 0;
        if (static_cast<double>(up) / static_cast<double>(u.size()) > max_ratio) continue;
      }
      kept.push_back(std::move(line));
    }
    d.text = text::strip(join_nl(kept));
    return d.text.empty() ? Verdict::drop("empty") : Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_uppercase_ratio_line_modifier(ConfigNode& cfg) {
  auto s = std::make_unique<UppercaseRatio>();
  s->max_ratio = cfg.get_or<double>("max_ratio", 0.5);
  return s;
}
}  // namespace dclm::curation::steps
