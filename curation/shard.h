// The token shard format written by tokshuf and read by the trainer's loader.
//
// A dataset is a folder with shard_NNNNNNNN.bin files and a dataset.json:
//   {"format": "dclm-tokens-v1", "seq_len": 2049, "vocab_size": V, "bytes_per_id": 2|4,
//    "num_sequences": N, "shards": [{"shard": "shard_00000000", "num_sequences": n, "sha256": "…"}]}
// plus a DCLM-style manifest.jsonl ({"shard", "num_sequences"} per line). (manifest.json is left to the
// run folder's stage manifest.)
// A shard file: a 64-byte header (magic "DCLMTOK1", u32 bytes_per_id, u32 seq_len, u64 num_sequences,
// u64 vocab_size, zero padding), then num_sequences·seq_len little-endian ids (uint16 when the
// vocabulary fits, else uint32). Shards are memory-mapped for reading.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dclm::curation {

constexpr char kShardMagic[8] = {'D', 'C', 'L', 'M', 'T', 'O', 'K', '1'};
constexpr size_t kShardHeaderBytes = 64;

int bytes_per_id_for_vocab(int64_t vocab_size);  // 2 if vocab_size <= 65536 else 4
std::string shard_name(int64_t index);             // "shard_00000000"

// Writes one shard file atomically (temp + rename).
void write_shard(const std::string& path, const std::vector<int32_t>& ids, int64_t seq_len, int64_t vocab_size);

// Streams one shard of a known number of sequences to disk (temp + rename on commit), so a shard never
// has to be held in memory whole. Produces the same bytes as write_shard.
class ShardWriter {
 public:
  ShardWriter(const std::string& path, int64_t seq_len, int64_t vocab_size, int64_t num_sequences);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;
  // One sequence of seq_len ids; each must be in [0, vocab_size) (Error naming the shard).
  void add(const int32_t* ids);
  // One sequence already encoded as seq_len little-endian ids of bytes_per_id() bytes (not re-validated).
  void add_encoded(const char* bytes);
  int bytes_per_id() const { return bpi_; }
  int64_t added() const { return added_; }
  // Checks that num_sequences were added, renames into place; returns the file's sha256 (hex).
  std::string commit();

 private:
  void flush();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, buf_;
  int64_t seq_len_, vocab_size_, expected_, added_ = 0;
  int bpi_;
};

struct ShardEntry {
  std::string shard;
  int64_t num_sequences = 0;
  std::string sha256;
};

// Writes dataset.json and manifest.jsonl for the shards in `dir`.
void write_dataset_manifest(const std::string& dir, const std::vector<ShardEntry>& shards, int64_t seq_len,
                            int64_t vocab_size);

// Random access over all sequences of a dataset folder, by global index.
class TokenDataset {
 public:
  // verify_checksums: recompute each shard's sha256 against the manifest (Error naming the shard).
  explicit TokenDataset(const std::string& dir, bool verify_checksums = false);
  ~TokenDataset();
  TokenDataset(const TokenDataset&) = delete;
  TokenDataset& operator=(const TokenDataset&) = delete;
  int64_t size() const { return total_; }
  int64_t seq_len() const { return seq_len_; }
  int64_t vocab_size() const { return vocab_size_; }
  // Copies sequence `index` (0 ≤ index < size()) into out[0 .. seq_len).
  void get(int64_t index, int64_t* out) const;
  void get(int64_t index, int32_t* out) const;
  const std::string& dir() const { return dir_; }

 private:
  struct Mapped;
  std::string dir_;
  int64_t seq_len_ = 0, vocab_size_ = 0, total_ = 0;
  std::vector<std::unique_ptr<Mapped>> shards_;
  std::vector<int64_t> starts_;  // cumulative sequence offsets
};

}  // namespace dclm::curation
