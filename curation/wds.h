// DCLM webdataset shard compatibility (../shared/spec/dclm-reference.md §3.4): export a token dataset
// folder (curation/shard.h) to tokshuf-rs's tar shards, and import such tars back.
//
// DCLM layout: shard_{:08}.tar, each member "<uuid4>.json.gz" = a gzipped JSON array of exactly seq_len
// integer ids (one sequence), plus manifest.jsonl with lines {"shard": "shard_00000000", "num_sequences": N}.
// Tars are ustar (libarchive), members mode 0644, mtime 0, owner 0/0, so export is byte-deterministic:
// member uuids come from an mt19937_64 seeded with derive_seed(seed, hash64("wds-uuid"), shard index),
// two draws per member, formatted as RFC 4122 version-4 uuids.
#pragma once
#include <cstdint>
#include <string>

namespace dclm::curation {

struct WdsResult {
  int64_t shards = 0, sequences = 0;
};

// dataset_dir (dataset.json + shard_*.bin, checksums verified) → out_dir/shard_K.tar (one tar per shard,
// same names and sequence counts, sequences in order) + out_dir/manifest.jsonl.
WdsResult export_wds(const std::string& dataset_dir, const std::string& out_dir, uint64_t seed = 1234);

// wds_dir with DCLM tars → a dataset folder in our format (one shard per tar, in manifest.jsonl order when
// present — its counts are checked — else the *.tar files sorted by name). Members are read in tar order;
// each must be a "*.json.gz" holding a JSON array of exactly seq_len integers in [0, vocab_size): anything
// else is an Error naming the tar and the member.
WdsResult import_wds(const std::string& wds_dir, const std::string& out_dir, int64_t seq_len = 2049,
                     int64_t vocab_size = 50432);

// The uuid4 text for 128 random bits (version and variant bits forced), e.g. for member names.
std::string format_uuid4(uint64_t hi, uint64_t lo);

}  // namespace dclm::curation
