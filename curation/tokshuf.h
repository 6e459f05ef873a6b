// Tokenize–shuffle (DCLM's tokshuf-rs semantics, ../shared/spec/curation.md §13):
//   per input file: tokenize each document, append EOT, concatenate, cut every full window of
//   seq_len tokens into a context, pad the file's leftover with PAD into one last context;
//   each context goes to a local cell chosen by an RNG seeded from (seed, input file, input index);
//   each cell is shuffled with its own seeded RNG and emitted in chunks of chunk_size contexts per shard.
// Same seed and inputs → same shards, whatever the thread count.
//
// Bounded memory: stage 1 streams each file's contexts into per-(file, cell) buffers that are appended to
// one on-disk file per cell (out_dir/.tokshuf_cells/, removed at the end) strictly in input-file order; a
// worker whose buffers exceed buffer_bytes before its file's turn spills them to a private temp file that
// is replayed at its turn. Stage 2 loads one cell at a time, shuffles it and streams shards out. Peak
// memory ≈ threads·(buffer_bytes + one document) + one cell + a 1 MiB shard buffer; temporary disk ≈ the
// output's size (each cell file is deleted once consumed). Within a cell, contexts are in
// (input file, context) order before the shuffle, so output equals the all-in-memory algorithm's.
//
// Mixing (§13.4, optional mixing_yaml, curation/mixing.h): context i of input F (i = 0-based index among
// F's packed contexts) is emitted copies = mixing_copies(frequency_for(basename F),
// derive_seed(seed, hash64(basename F), i)) times, consecutively; every emitted copy takes its own cell
// draw. Without mixing every context is emitted once.
#pragma once
#include <cstdint>
#include <map>
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
  std::string mixing_yaml;           // optional source-mixing YAML (--mixing); empty = no mixing
  int64_t buffer_bytes = 64 << 20;   // per-worker context buffer before flushing/spilling to disk
};

struct TokshufSourceStats {
  double frequency = 1.0;
  int64_t files = 0, contexts_in = 0, contexts_out = 0;  // contexts before / after copies
};

struct TokshufResult {
  // tokens / pad_tokens count the packed stream before mixing copies; sequences = contexts written.
  int64_t documents = 0, skipped_documents = 0, sequences = 0, tokens = 0, pad_tokens = 0;
  std::vector<std::string> shards;
  bool mixing = false;
  std::map<std::string, TokshufSourceStats> sources;  // by mixing source ("" = matched no source)
  nlohmann::json to_json() const;
};

// Streaming packer: push ids; every full window of seq_len is handed to on_context; finish() pads the
// leftover (if any) with pad, emits it and returns the number of PAD tokens added.
class ContextPacker {
 public:
  ContextPacker(int64_t seq_len, int32_t pad) : seq_len_(seq_len), pad_(pad) { cur_.reserve(seq_len); }
  template <class F>
  void push(int32_t id, F&& on_context) {
    cur_.push_back(id);
    if (static_cast<int64_t>(cur_.size()) == seq_len_) { on_context(cur_); cur_.clear(); }
  }
  template <class F>
  int64_t finish(F&& on_context) {
    if (cur_.empty()) return 0;
    int64_t pads = seq_len_ - static_cast<int64_t>(cur_.size());
    cur_.resize(seq_len_, pad_);
    on_context(cur_);
    cur_.clear();
    return pads;
  }

 private:
  int64_t seq_len_;
  int32_t pad_;
  std::vector<int32_t> cur_;
};

// Packs one file's token stream into contexts (exposed for tests). Each document's ids are followed
// by eot; the final partial context is padded with pad.
std::vector<std::vector<int32_t>> pack_contexts(const std::vector<std::vector<int32_t>>& docs, int32_t eot,
                                                int32_t pad, int64_t seq_len, int64_t* pad_tokens = nullptr);

TokshufResult run_tokshuf(const TokshufOptions& opts, const tokenizer::Tokenizer& tok);

}  // namespace dclm::curation
