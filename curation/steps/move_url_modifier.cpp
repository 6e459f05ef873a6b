// move_url_modifier: page['url'] = page['metadata']['WARC-Target-URI'] (curation.md §3 step 1).
// Records without it (dolma/cc_net jsonl) fall back to metadata.url or keep an existing url; a record with
// no url at all is dropped ("no_url") where DCLM would raise KeyError.
#include "curation/readers.h"
#include "curation/step.h"

namespace dclm::curation::steps {
namespace {
struct MoveUrl : Step {
  Verdict apply(Document& d) override { return move_url(d) ? Verdict::ok() : Verdict::drop("no_url"); }
};
}  // namespace
std::unique_ptr<Step> make_move_url_modifier(ConfigNode&) { return std::make_unique<MoveUrl>(); }
}  // namespace dclm::curation::steps
