// newline_removal_modifier(max_consecutive=2): re.sub(r'\n{k+1,}', '\n'*k, text) (curation.md §3 step 7).
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct NewlineRemoval : Step {
  int max_consecutive = 2;
  Verdict apply(Document& d) override {
    std::string out;
    out.reserve(d.text.size());
    size_t i = 0, n = d.text.size();
    while (i < n) {
      if (d.text[i] != '\n') { out.push_back(d.text[i++]); continue; }
      size_t j = i;
      while (j < n && d.text[j] == '\n') ++j;
      size_t run = j - i;
      out.append(run > static_cast<size_t>(max_consecutive) ? static_cast<size_t>(max_consecutive) : run, '\n');
      i = j;
    }
    d.text.swap(out);
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_newline_removal_modifier(ConfigNode& cfg) {
  auto s = std::make_unique<NewlineRemoval>();
  s->max_consecutive = cfg.get_or<int>("max_consecutive", 2);
  require(s->max_consecutive >= 0, cfg, "max_consecutive must be >= 0");
  return s;
}
}  // namespace dclm::curation::steps
