// The curation stage: readers → recipe steps → documents_NNNNN.jsonl.zst (one per input file, input order)
// + stats.json. Parallel by input file; the output does not depend on the thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dclm::curation {

struct CurateOptions {
  std::vector<std::string> inputs;   // WARC / WET / jsonl(.gz/.zst) files; type sniffed from content/name
  std::string recipe;                // embedded recipe name or path to a YAML file
  std::string out_dir;               // writes documents_00000.jsonl.zst ... (one per input file, input order) + stats.json
  int threads = 0;                   // 0 = dclm::default_threads(); output must not depend on it
  int64_t max_docs_per_file = 0;     // 0 = all
  bool keep_removed = false;         // also write removed docs with their reason (removed_00000.jsonl.zst)
};

struct CurateResult {
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
  std::vector<std::string> output_files;  // file names relative to out_dir, in order
  nlohmann::json stats;                   // per step: docs/bytes in/out, removal reasons; per reader: skipped by reason
};

CurateResult run_curation(const CurateOptions& opts);

// Calls f(text) for every curated document in out_dir, in output order.
void for_each_curated_text(const std::string& out_dir, const std::function<void(const std::string&)>& f);

// stats.json as a readable table (one row per step, then reader skips).
std::string stats_table(const nlohmann::json& stats);

}  // namespace dclm::curation
