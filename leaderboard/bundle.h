// Submission bundles: everything a leaderboard needs to check and show one run, copied out of a run
// folder (harness/stage.h layout) into one self-describing folder.
//
//   BUNDLE/
//     bundle.json                 {"format": "dclm-bundle-v1", "created_by", "run": <results.dclm_run>,
//                                  "files": [{"path", "sha256", "bytes"}, ...]}  (every other file, sorted)
//     results.json                eval/results.json (DCLM-shaped result JSON + dclm_run)
//     manifests/<stage>.json      <run>/<stage>/manifest.json for curate, tokenizer, tokens, train, eval
//     curate/stats.json           curation funnel (documents in/out per step)
//     curate/recipe.yaml          the curation recipe text (when the caller supplies it)
//     tokens/tokshuf_stats.json   when the run has it
//     train/metrics.jsonl         loss curve (one line per step: step, loss, lr, ...)
//     train/summary.json          when the run has it
//     train/model.json            model config of the trained model (when present)
//     model_card.md               a short model card (Markdown)
//
// The bundle is built in "<out>.tmp-<pid>" and renamed to <out>; <out> must not exist.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dclm::leaderboard {

extern const char* const kBundleFormat;            // "dclm-bundle-v1"
extern const std::vector<std::string> kBundleStages;  // curate, tokenizer, tokens, train, eval

struct BundleOptions {
  std::string run_dir;
  std::string out_dir;
  std::string recipe_yaml;  // curation recipe text to include as curate/recipe.yaml ("" = none)
};

// Builds the bundle; returns bundle.json. Error (one line) when the run folder lacks a finished
// stage or the result JSON has no dclm_run.
nlohmann::json create_bundle(const BundleOptions& opts);

// The Markdown model card written into a bundle (exposed for tests).
std::string model_card_markdown(const nlohmann::json& results, const nlohmann::json& train_manifest);

}  // namespace dclm::leaderboard
