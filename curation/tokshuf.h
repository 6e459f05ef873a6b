// Tokenize–shuffle (DCLM's tokshuf-rs semantics, ../shared/spec/curation.md §13):
//   per input file: tokenize each document, append EOT, concatenate, cut every full window of
//   seq_len tokens into a context, pad the file's leftover with PAD into one last context;
//   each context goes to a local cell chosen by an RNG seeded from (seed, input file, input index);
//   each cell is shuffled with its own seeded RNG and emitted in chunks of chunk_size contexts per shard.
// Same seed and inputs → same shards, whatever the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"

namespace dclm::curation {

struct TokshufOptions {
  std::vector<std::string> inputs;  // jsonl(.gz/.zst) files with a "text" field, in order
  std::string out_dir;              // shard_*.bin + manifest.json + manifest.jsonl + tokshuf_stats.json
  int64_t seq_len = 2049;           // tokens per context (model seq_len + 1)
  int64_t chunk_size = 8192;        // contexts per shard (--wds-chunk-size)
  int64_t num_cells = 128;          // --num-local-cells
  uint64_t seed = 1234;
  int64_t vocab_size = 0;           // model vocabulary (ids must be below it); 0 = tokenizer's
  int threads = 0;
};

struct TokshufResult {
  int64_t documents = 0, skipped_documents = 0, sequences = 0, tokens = 0, pad_tokens = 0;
  std::vector<std::string> shards;
  nlohmann::json to_json() const;
};

// Packs one file's token stream into contexts (exposed for tests). Each document's ids are followed
// by eot; the final partial context is padded with pad.
std::vector<std::vector<int32_t>> pack_contexts(const std::vector<std::vector<int32_t>>& docs, int32_t eot,
                                                int32_t pad, int64_t seq_len, int64_t* pad_tokens = nullptr);

TokshufResult run_tokshuf(const TokshufOptions& opts, const tokenizer::Tokenizer& tok);

}  // namespace dclm::curation
