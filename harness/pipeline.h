// `dclm run`: curate → tokenizer → tokens → train → eval → leaderboard in one run folder, each stage
// skipped when its outputs are complete and its inputs and config are unchanged (harness/stage.h).
#pragma once
#include <string>
#include <vector>

#include "scales/scale.h"

namespace dclm::harness {

struct PipelineOptions {
  std::string scale = "micro";
  std::string run_dir;                 // default runs/<scale>
  std::vector<std::string> pool;       // input files; default: the scale's sample pool
  std::string recipe;                  // default: the scale's recipe
  std::string suite;                   // default: the scale's eval suite
  int64_t eval_limit = -1;             // -1 = the scale's default; 0 = all examples
  int threads = 0;
  std::string to_stage;                // stop after this stage ("" = all)
};

extern const std::vector<std::string> kStages;  // in order

// Runs (or skips) each stage; returns the path of the result JSON (or of the last stage's folder).
std::string run_pipeline(const PipelineOptions& opts);

}  // namespace dclm::harness
