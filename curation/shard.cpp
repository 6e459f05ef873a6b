#include "curation/shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"

namespace dclm::curation {

int bytes_per_id_for_vocab(int64_t v) { return v <= 65536 ? 2 : 4; }

std::string shard_name(int64_t index) {
  char b[32];
  std::snprintf(b, sizeof b, "shard_%08lld", static_cast<long long>(index));
  return b;
}

struct ShardWriter::Impl {
  explicit Impl(const std::string& path) : w(path) {}
  AtomicWriter w;
  Sha256 sha;
};

ShardWriter::ShardWriter(const std::string& path, int64_t seq_len, int64_t vocab_size, int64_t num_sequences)
    : path_(path), seq_len_(seq_len), vocab_size_(vocab_size), expected_(num_sequences),
      bpi_(bytes_per_id_for_vocab(vocab_size)) {
  if (seq_len <= 0 || num_sequences < 0 || vocab_size <= 0) throw Error("bad shard geometry", {path});
  impl_ = std::make_unique<Impl>(path);
  std::string header(kShardHeaderBytes, '\0');
  std::memcpy(&header[0], kShardMagic, 8);
  uint32_t b32 = bpi_, s32 = static_cast<uint32_t>(seq_len);
  uint64_t n = static_cast<uint64_t>(num_sequences), v = static_cast<uint64_t>(vocab_size);
  std::memcpy(&header[8], &b32, 4);
  std::memcpy(&header[12], &s32, 4);
  std::memcpy(&header[16], &n, 8);
  std::memcpy(&header[24], &v, 8);
  buf_ = header;
}

ShardWriter::~ShardWriter() = default;

void ShardWriter::flush() {
  impl_->w.write(buf_);
  impl_->sha.update(buf_);
  buf_.clear();
}

void ShardWriter::add(const int32_t* ids) {
  if (added_ >= expected_) throw Error("more sequences than declared in the shard header", {path_});
  size_t at = buf_.size();
  buf_.resize(at + static_cast<size_t>(seq_len_) * bpi_);
  char* p = &buf_[at];
  for (int64_t i = 0; i < seq_len_; ++i) {
    int32_t id = ids[i];
    if (id < 0 || id >= vocab_size_) throw Error("token id " + std::to_string(id) + " outside the vocabulary", {path_});
    if (bpi_ == 2) { uint16_t x = static_cast<uint16_t>(id); std::memcpy(p + i * 2, &x, 2); }
    else { uint32_t x = static_cast<uint32_t>(id); std::memcpy(p + i * 4, &x, 4); }
  }
  ++added_;
  if (buf_.size() >= (1u << 20)) flush();
}

void ShardWriter::add_encoded(const char* bytes) {
  if (added_ >= expected_) throw Error("more sequences than declared in the shard header", {path_});
  buf_.append(bytes, static_cast<size_t>(seq_len_) * bpi_);
  ++added_;
  if (buf_.size() >= (1u << 20)) flush();
}

std::string ShardWriter::commit() {
  if (added_ != expected_)
    throw Error("shard got " + std::to_string(added_) + " sequences, header says " + std::to_string(expected_), {path_});
  flush();
  impl_->w.commit();
  return impl_->sha.hex();
}

void write_shard(const std::string& path, const std::vector<int32_t>& ids, int64_t seq_len, int64_t vocab_size) {
  if (seq_len <= 0 || ids.size() % seq_len != 0) throw Error("shard size is not a multiple of seq_len", {path});
  ShardWriter w(path, seq_len, vocab_size, static_cast<int64_t>(ids.size() / seq_len));
  for (size_t i = 0; i < ids.size(); i += seq_len) w.add(ids.data() + i);
  w.commit();
}

void write_dataset_manifest(const std::string& dir, const std::vector<ShardEntry>& shards, int64_t seq_len,
                            int64_t vocab_size) {
  json m = {{"format", "dclm-tokens-v1"}, {"seq_len", seq_len}, {"vocab_size", vocab_size},
            {"bytes_per_id", bytes_per_id_for_vocab(vocab_size)}};
  json arr = json::array();
  int64_t total = 0;
  std::string jsonl;
  for (const auto& s : shards) {
    arr.push_back({{"shard", s.shard}, {"num_sequences", s.num_sequences}, {"sha256", s.sha256}});
    jsonl += json({{"shard", s.shard}, {"num_sequences", s.num_sequences}}).dump() + "\n";
    total += s.num_sequences;
  }
  m["num_sequences"] = total;
  m["shards"] = arr;
  write_file_atomic(dir + "/manifest.jsonl", jsonl);
  write_json_file(dir + "/dataset.json", m);
}

struct TokenDataset::Mapped {
  std::string path;
  const unsigned char* base = nullptr;
  size_t len = 0;
  int bpi = 2;
  int64_t n = 0;
  ~Mapped() { if (base) munmap(const_cast<unsigned char*>(base), len); }
};

TokenDataset::TokenDataset(const std::string& dir, bool verify) : dir_(dir) {
  std::string mpath = dir + "/dataset.json";
  json m = read_json_file(mpath);
  try {
    seq_len_ = m.at("seq_len").get<int64_t>();
    vocab_size_ = m.at("vocab_size").get<int64_t>();
    for (const auto& s : m.at("shards")) {
      auto mp = std::make_unique<Mapped>();
      std::string name = s.at("shard").get<std::string>();
      mp->path = dir + "/" + name + ".bin";
      int64_t expect = s.at("num_sequences").get<int64_t>();
      if (verify && sha256_file(mp->path) != s.at("sha256").get<std::string>())
        throw Error("checksum mismatch: shard is corrupt or was modified", {mp->path});
      int fd = ::open(mp->path.c_str(), O_RDONLY);
      if (fd < 0) throw Error("cannot open shard", {mp->path});
      struct stat st;
      fstat(fd, &st);
      mp->len = st.st_size;
      if (mp->len < kShardHeaderBytes) { ::close(fd); throw Error("shard is truncated (no header)", {mp->path}); }
      void* p = mmap(nullptr, mp->len, PROT_READ, MAP_PRIVATE, fd, 0);
      ::close(fd);
      if (p == MAP_FAILED) throw Error("cannot mmap shard", {mp->path});
      mp->base = static_cast<const unsigned char*>(p);
      if (std::memcmp(mp->base, kShardMagic, 8) != 0) throw Error("not a dclm token shard (bad magic)", {mp->path});
      uint32_t bpi, sl;
      uint64_t n;
      std::memcpy(&bpi, mp->base + 8, 4);
      std::memcpy(&sl, mp->base + 12, 4);
      std::memcpy(&n, mp->base + 16, 8);
      mp->bpi = static_cast<int>(bpi);
      mp->n = static_cast<int64_t>(n);
      if (sl != seq_len_ || (bpi != 2 && bpi != 4)) throw Error("shard header disagrees with manifest", {mp->path});
      if (mp->n != expect) throw Error("shard holds " + std::to_string(n) + " sequences, manifest says " +
                                       std::to_string(expect), {mp->path});
      if (mp->len != kShardHeaderBytes + size_t(n) * sl * bpi) throw Error("shard is truncated", {mp->path});
      starts_.push_back(total_);
      total_ += mp->n;
      shards_.push_back(std::move(mp));
    }
  } catch (const json::exception& e) {
    throw Error(std::string("malformed dataset manifest: ") + e.what(), {mpath});
  }
}

TokenDataset::~TokenDataset() = default;


void TokenDataset::get(int64_t index, int64_t* out) const {
  if (index < 0 || index >= total_) throw Error("sequence index " + std::to_string(index) + " out of range", {dir_});
  size_t s = std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin() - 1;
  const Mapped& m = *shards_[s];
  const unsigned char* p = m.base + kShardHeaderBytes + size_t(index - starts_[s]) * seq_len_ * m.bpi;
  for (int64_t i = 0; i < seq_len_; ++i) {
    if (m.bpi == 2) { uint16_t x; std::memcpy(&x, p + 2 * i, 2); out[i] = x; }
    else { uint32_t x; std::memcpy(&x, p + 4 * i, 4); out[i] = x; }
  }
}

void TokenDataset::get(int64_t index, int32_t* out) const {
  std::vector<int64_t> tmp(seq_len_);
  get(index, tmp.data());
  for (int64_t i = 0; i < seq_len_; ++i) out[i] = static_cast<int32_t>(tmp[i]);
}

}  // namespace dclm::curation
