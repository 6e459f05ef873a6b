// line_length_modifier(min_length=0, max_length=inf) (modifiers.py; curation.md §3 step 22): keep a line
// if min <= len(line.split()) <= max or the line is empty; '\n'.join (no strip); drop if ''.
#include <limits>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/line_join.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct LineLength : Step {
  double min_len = 0, max_len = std::numeric_limits<double>::infinity();
  std::string out;  // reused across documents
  Verdict apply(Document& d) override {
    LineJoin join(d.text, out);
    py::for_each_line(d.text, [&](std::string_view line) {
      double n = static_cast<double>(py::count_split_words_upto(line, word_count_limit(min_len, max_len)));
      if ((min_len <= n && n <= max_len) || line.empty()) join.keep(line);
      else join.drop();
    });
    join.finish(d.text, /*strip=*/false);
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
