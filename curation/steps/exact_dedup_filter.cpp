// exact_dedup_filter(key='text' | 'url') — exact content / URL dedup as a recipe step (in the spirit of
// dclm:ray_processing/dedup_jsonl.py, which DCLM-Baseline did not use; curation.md §11.6).
//
// A document is dropped when the 128-bit hash of its text (or URL) was already seen by this step instance;
// the FIRST occurrence in input order is kept. That makes the result depend on the order documents reach the
// step, so it only makes sense with deterministic ordering: run_curation builds one step chain per input file
// and feeds it that file's documents in order, so this dedups within each input file, reproducibly and
// independently of the thread count. For dedup across files use `dclm dedup --mode exact` (one ordered pass
// over all inputs). Documents without a URL are kept by key: url. Memory: 16 bytes per distinct document.
#include <unordered_set>

#include "common/hash.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct Key128 {
  uint64_t a, b;
  bool operator==(const Key128& o) const { return a == o.a && b == o.b; }
};
struct Key128Hash {
  size_t operator()(const Key128& k) const { return static_cast<size_t>(k.a ^ (k.b * 0x9e3779b97f4a7c15ULL)); }
};
struct ExactDedup : Step {
  bool by_url = false;
  std::unordered_set<Key128, Key128Hash> seen;
  Verdict apply(Document& d) override {
    if (by_url && !d.has_url) return Verdict::ok();
    const std::string& s = by_url ? d.url : d.text;
    Key128 k{hash64(s, 0x6578616374ULL), hash64(s, 0x6465647570ULL)};
    if (!seen.insert(k).second) return Verdict::drop(by_url ? "duplicate_url" : "duplicate_text");
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_exact_dedup_filter(ConfigNode& cfg) {
  auto s = std::make_unique<ExactDedup>();
  std::string key = cfg.get_or<std::string>("key", "text");
  require(key == "text" || key == "url", cfg, "exact_dedup_filter key must be 'text' or 'url'");
  s->by_url = key == "url";
  return s;
}
}  // namespace dclm::curation::steps
