// The evaluator entry point: runs every task of a suite through a LanguageModel and writes the
// DCLM-shaped eval JSON (dclm-reference §5.3) plus our own "dclm_*" bookkeeping fields.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "evaluator/language_model.h"
#include "tokenizer/tokenizer.h"

namespace dclm::evaluator {

struct EvalOptions {
  std::string suite;         // embedded suite name ("heavy", "core", "cpu_smoke") or a YAML path
  int64_t limit = 0;         // max examples per task (0 = all); noted in the result JSON
  std::string data_dir;      // folder containing local_data/; empty = dclm::find_data("eval")
  int64_t batch_size = 8;
  int64_t max_seq_len = 2048;
  std::string model_name;    // written to the result JSON ("model")
  std::string out_path;      // result JSON, written atomically
  // Task labels to run (empty = all of the suite). An unknown label is a dclm::Error listing the
  // suite's labels. Tasks not run are absent from eval_metrics.icl and dclm_tasks; aggregates treat
  // them as missing tasks ("N/A due to missing tasks: [...]"); listed in "dclm_tasks_not_selected".
  std::vector<std::string> tasks;
  // jsonl path (written atomically, compressed by extension), one line per evaluated example:
  // task, category (category tasks), example_index (within its category partition), fewshot_indices,
  // sequences [{context_tokens, continuation_tokens, continuation_span [start, end)}] (MC: one per
  // choice, schema: one per context option, LM: one, generation: the prompt), then
  // MC/schema: cross_entropy (mean per-token NLL per sequence), prediction (argmin index), gold;
  // LM: greedy_match, prediction (decoded greedy tokens), gold (continuation text);
  // generation: generation (post-processed text), prediction (same), gold (answers);
  // and correct. Empty = no sample log.
  std::string log_samples;
};

// Runs every task of the suite, writes and returns the DCLM-shaped eval JSON
// (name, uuid, model, creation_date, eval_metrics.icl, aggregated_* fields, Core, Extended, MMLU,
// Core_v1/v2, Extended_v1/v2, "missing tasks", eval_version) plus "dclm_limit_per_task" etc.
// Tasks whose data file is absent are listed in "dclm_tasks_missing_data" and left out of
// eval_metrics.icl (so Core/Extended become "N/A due to missing tasks: [...]" as in DCLM).
// dclm_tasks.<label> of each run task has "seconds" (wall) and "examples_per_second".
nlohmann::json run_eval(const EvalOptions& opts, LanguageModel& lm, const tokenizer::Tokenizer& tok);

// DCLM's creation_date format, in US/Pacific time: "%Y_%m_%d-%H_%M_%S".
std::string pacific_creation_date(int64_t unix_seconds);

}  // namespace dclm::evaluator
