// uppercase_ratio_line_modifier(max_ratio=0.5) (modifiers.py; curation.md §3 step 19): lines =
// text.split('\n'); keep a line if empty or sum(c.isupper())/len(line) <= max_ratio; '\n'.join(...).strip();
// drop if ''.
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/ascii_scan.h"
#include "curation/steps/line_join.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct UppercaseRatio : Step {
  double max_ratio = 0.5;
  std::string out;  // reused across documents
  Verdict apply(Document& d) override {
    LineJoin join(d.text, out);
    py::for_each_line(d.text, [&](std::string_view line) {
      if (!line.empty()) {
        size_t n = 0, up = 0;
        const int64_t ascii = ascii_count_in_range(line, 'A', 'Z');  // ASCII: code points are bytes
        if (ascii >= 0) {
          n = line.size();
          up = static_cast<size_t>(ascii);
        }
        for (size_t i = 0; ascii < 0 && i < line.size(); ++n) {
          const unsigned char b = static_cast<unsigned char>(line[i]);
          if (b < 0x80) {  // ASCII: only A-Z have the Uppercase property
            up += (b >= 'A' && b <= 'Z') ? 1 : 0;
            ++i;
            continue;
          }
          char32_t c;
          i += text::decode_utf8(line, i, c);
          up += py::isupper(c) ? 1 : 0;
        }
        if (static_cast<double>(up) / static_cast<double>(n) > max_ratio) return join.drop();
      }
      join.keep(line);
    });
    join.finish(d.text, /*strip=*/true);
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
