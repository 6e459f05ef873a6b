// The curation stage: readers → recipe steps → documents_NNNNN.jsonl.zst (one per input file) + stats.json.
// Parallel by input file; the output does not depend on the thread count, the shard count or on being
// killed and resumed.
//
// Inputs are taken in sorted (byte-wise path) order; input k of that order writes documents_<k>.jsonl.zst
// (and removed_<k>.jsonl.zst with keep_removed), then its done-marker stats/file-<k>.json (counts, input
// identity), each written to a temp name and renamed. A rerun skips every input whose marker matches (same
// recipe text, options, input path, size and mtime, outputs present with their recorded sizes) and
// redoes the rest, so a killed run resumes and ends with the same bytes.
//
// Sharding (Slurm / mpirun array tasks): shard I of N processes the inputs k with k % N == I and ends by
// writing stats/shard-I-of-N.json (written last: its presence means the shard is complete). All shards
// write into the same folder; names never collide. merge_curation() then checks that all N shards are
// complete and from the same run and writes stats.json and manifest.json; those equal what one unsharded
// run writes. run_curation() is shard 0 of 1 followed by the merge.
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
  std::string out_dir;               // documents_00000.jsonl.zst ... (one per input, sorted input order) + stats.json
  int threads = 0;                   // 0 = dclm::default_threads(); output must not depend on it
  int64_t max_docs_per_file = 0;     // 0 = all
  bool keep_removed = false;         // also write removed docs with their reason (removed_00000.jsonl.zst)
  int shard = 0, num_shards = 1;     // run_curation_shard: process sorted inputs k with k % num_shards == shard
};

struct CurateResult {
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
  int64_t files_resumed = 0;              // inputs skipped because their done-marker matched (this process)
  std::vector<std::string> output_files;  // file names relative to out_dir, in order
  nlohmann::json stats;                   // per step: docs/bytes in/out, removal reasons; per reader: skipped by reason
};

// One whole run: shard 0 of 1, then merge_curation(). Writes stats.json and manifest.json.
CurateResult run_curation(const CurateOptions& opts);
// One shard (opts.shard of opts.num_shards): per-input outputs and markers + stats/shard-I-of-N.json.
// Does not write stats.json (it removes a stale one). The result covers this shard's inputs only; its
// `stats` is the shard file's content.
CurateResult run_curation_shard(const CurateOptions& opts);
// Checks that every shard of the run in out_dir is complete (Error naming the missing or stale ones),
// writes stats.json + manifest.json, removes outputs left over from earlier runs with more inputs.
CurateResult merge_curation(const std::string& out_dir);

// The sorted input order used for numbering outputs and sharding; Error on a file given twice.
std::vector<std::string> sorted_inputs(const std::vector<std::string>& inputs);
// "I/N" → {I, N}; throws std::invalid_argument unless 0 <= I < N.
std::pair<int, int> parse_shard_spec(const std::string& spec);

// Calls f(text) for every curated document in out_dir, in output order.
void for_each_curated_text(const std::string& out_dir, const std::function<void(const std::string&)>& f);

// stats.json as a readable table (one row per step, then reader skips).
std::string stats_table(const nlohmann::json& stats);

}  // namespace dclm::curation
