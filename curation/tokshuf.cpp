#include "curation/tokshuf.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "curation/mixing.h"
#include "curation/shard.h"

namespace dclm::curation {

nlohmann::json TokshufResult::to_json() const {
  nlohmann::json j = {{"documents", documents}, {"skipped_documents", skipped_documents}, {"sequences", sequences},
                      {"tokens", tokens},       {"pad_tokens", pad_tokens},               {"shards", shards.size()}};
  if (mixing) {
    nlohmann::json s = nlohmann::json::object();
    for (const auto& [name, st] : sources)
      s[name.empty() ? "(no source)" : name] = {{"frequency", st.frequency}, {"files", st.files},
                                                {"contexts_in", st.contexts_in}, {"contexts_out", st.contexts_out}};
    j["mixing"] = {{"sources", s}};
  }
  return j;
}

std::vector<std::vector<int32_t>> pack_contexts(const std::vector<std::vector<int32_t>>& docs, int32_t eot,
                                                int32_t pad, int64_t seq_len, int64_t* pad_tokens) {
  std::vector<std::vector<int32_t>> out;
  ContextPacker p(seq_len, pad);
  auto emit = [&](const std::vector<int32_t>& c) { out.push_back(c); };
  for (const auto& d : docs) {
    for (int32_t id : d) p.push(id, emit);
    p.push(eot, emit);
  }
  int64_t pads = p.finish(emit);
  if (pad_tokens) *pad_tokens = pads;
  return out;
}

namespace {

// Thrown in workers waiting for their turn after another worker failed (never escapes run_tokshuf).
struct Aborted {};

// The on-disk local cells of stage 1. Only the worker whose file holds the turn appends, and files take
// the turn in input order, so each cell file is (file order, context order).
class CellStore {
 public:
  CellStore(std::string dir, int64_t num_cells, size_t ctx_bytes)
      : dir_(std::move(dir)), ctx_bytes_(ctx_bytes), count_(num_cells, 0) {}
  std::string cell_path(int64_t c) const {
    char b[32];
    std::snprintf(b, sizeof b, "/cell_%06lld.bin", static_cast<long long>(c));
    return dir_ + b;
  }
  std::string spill_path(size_t fi) const { return dir_ + "/spill_" + std::to_string(fi) + ".bin"; }
  void append(int64_t c, const char* p, size_t n) {
    std::string path = cell_path(c);
    std::FILE* f = std::fopen(path.c_str(), "ab");
    if (!f) throw Error("cannot open local cell file", {path});
    size_t w = std::fwrite(p, 1, n, f);
    if (std::fclose(f) != 0 || w != n) throw Error("write failed (disk full?)", {path});
    count_[c] += static_cast<int64_t>(n / ctx_bytes_);
  }
  bool is_turn(size_t fi) {
    std::lock_guard<std::mutex> lk(mu_);
    return turn_ == fi;
  }
  void wait_turn(size_t fi) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return turn_ == fi || aborted_; });
    if (aborted_) throw Aborted{};
  }
  void done(size_t fi) {
    { std::lock_guard<std::mutex> lk(mu_); turn_ = fi + 1; }
    cv_.notify_all();
  }
  void abort() {
    { std::lock_guard<std::mutex> lk(mu_); aborted_ = true; }
    cv_.notify_all();
  }
  const std::vector<int64_t>& counts() const { return count_; }

 private:
  std::string dir_;
  size_t ctx_bytes_;
  std::vector<int64_t> count_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t turn_ = 0;
  bool aborted_ = false;
};

// One input file's contexts, buffered per cell; flushed to the cells at the file's turn, or spilled to a
// private file (records: cell, bytes) when the buffer is full before then.
class FileCells {
 public:
  FileCells(CellStore& store, size_t fi, int64_t num_cells, size_t budget)
      : store_(store), fi_(fi), bufs_(num_cells), budget_(budget) {}
  ~FileCells() {
    if (spill_) { std::fclose(spill_); std::remove(store_.spill_path(fi_).c_str()); }
  }
  void add(int64_t cell, const char* p, size_t n) {
    bufs_[cell].append(p, n);
    bytes_ += n;
    if (bytes_ >= budget_) flush(false);
  }
  void finish() { flush(true); }

 private:
  void flush(bool final) {
    if (final) store_.wait_turn(fi_);
    if (final || store_.is_turn(fi_)) {
      replay_spill();
      for (size_t c = 0; c < bufs_.size(); ++c)
        if (!bufs_[c].empty()) { store_.append(static_cast<int64_t>(c), bufs_[c].data(), bufs_[c].size()); std::string().swap(bufs_[c]); }
    } else {
      std::string path = store_.spill_path(fi_);
      if (!spill_ && !(spill_ = std::fopen(path.c_str(), "w+b"))) throw Error("cannot create spill file", {path});
      for (size_t c = 0; c < bufs_.size(); ++c) {
        if (bufs_[c].empty()) continue;
        if (std::fwrite(bufs_[c].data(), 1, bufs_[c].size(), spill_) != bufs_[c].size())
          throw Error("write failed (disk full?)", {path});
        records_.push_back({static_cast<int64_t>(c), bufs_[c].size()});
        std::string().swap(bufs_[c]);
      }
    }
    bytes_ = 0;
  }
  void replay_spill() {
    if (!spill_) return;
    std::string path = store_.spill_path(fi_);
    if (std::fflush(spill_) != 0 || std::fseek(spill_, 0, SEEK_SET) != 0) throw Error("spill file error", {path});
    std::string chunk;
    for (const auto& [cell, n] : records_) {
      chunk.resize(n);
      if (std::fread(&chunk[0], 1, n, spill_) != n) throw Error("spill file is short", {path});
      store_.append(cell, chunk.data(), n);
    }
    std::fclose(spill_);
    spill_ = nullptr;
    std::remove(path.c_str());
    records_.clear();
  }

  CellStore& store_;
  size_t fi_;
  std::vector<std::string> bufs_;
  size_t budget_, bytes_ = 0;
  std::FILE* spill_ = nullptr;
  std::vector<std::pair<int64_t, size_t>> records_;
};

struct FileStats {
  int64_t docs = 0, skipped = 0, tokens = 0, pads = 0, ctx_in = 0, ctx_out = 0;
};

struct TempDirGuard {
  std::string path;
  ~TempDirGuard() { std::error_code ec; std::filesystem::remove_all(path, ec); }
};

}  // namespace

TokshufResult run_tokshuf(const TokshufOptions& o, const tokenizer::Tokenizer& tok) {
  if (o.seq_len <= 1 || o.chunk_size <= 0 || o.num_cells <= 0) throw Error("tokshuf: bad seq_len/chunk_size/num_cells");
  const int64_t vocab = o.vocab_size > 0 ? o.vocab_size : tok.vocab_size();
  if (tok.vocab_size() > vocab)
    throw Error("tokenizer vocabulary (" + std::to_string(tok.vocab_size()) + ") is larger than the model's (" +
                std::to_string(vocab) + ")");
  std::optional<MixingConfig> mix;
  if (!o.mixing_yaml.empty()) mix = load_mixing_config(o.mixing_yaml);
  const size_t n_files = o.inputs.size();
  std::vector<std::string> bases(n_files);
  std::vector<double> freqs(n_files, 1.0);
  for (size_t i = 0; i < n_files; ++i) {
    bases[i] = std::filesystem::path(o.inputs[i]).filename().string();
    if (mix) freqs[i] = mix->frequency_for(bases[i]);
  }

  make_dirs(o.out_dir);
  TempDirGuard tmp{o.out_dir + "/.tokshuf_cells"};
  std::filesystem::remove_all(tmp.path);
  make_dirs(tmp.path);
  const int bpi = bytes_per_id_for_vocab(vocab);
  const size_t ctx_bytes = static_cast<size_t>(o.seq_len) * bpi;
  CellStore store(tmp.path, o.num_cells, ctx_bytes);
  std::vector<FileStats> stats(n_files);
  Progress prog("tokshuf", static_cast<int64_t>(n_files), "files");
  const int threads = o.threads > 0 ? o.threads : default_threads();
  const size_t budget = static_cast<size_t>(std::max<int64_t>(o.buffer_bytes, 1));

  // Stage 1: tokenize + pack per input file; each (copy of a) context goes to a local cell file.
  std::mutex err_mu;
  std::exception_ptr first_err;
  auto stage1 = [&](size_t fi) {
    const std::string& in = o.inputs[fi];
    FileStats& f = stats[fi];
    FileCells cells(store, fi, o.num_cells, budget);
    // Seeded by hashing (input_file, seed, input_idx) as tokshuf-rs does; the file's base name, not its
    // path, so the same inputs shuffle the same way wherever they are stored.
    std::mt19937_64 rng(derive_seed(hash64(bases[fi]), o.seed, fi));
    const uint64_t mix_file = hash64(bases[fi]);
    std::string enc(ctx_bytes, '\0');
    auto on_context = [&](const std::vector<int32_t>& ctx) {
      for (int64_t i = 0; i < o.seq_len; ++i) {
        int32_t id = ctx[i];
        if (id < 0 || id >= vocab) throw Error("token id " + std::to_string(id) + " outside the vocabulary", {in});
        if (bpi == 2) { uint16_t x = static_cast<uint16_t>(id); std::memcpy(&enc[i * 2], &x, 2); }
        else { uint32_t x = static_cast<uint32_t>(id); std::memcpy(&enc[i * 4], &x, 4); }
      }
      int64_t copies = mix ? mixing_copies(freqs[fi], derive_seed(o.seed, mix_file, static_cast<uint64_t>(f.ctx_in))) : 1;
      ++f.ctx_in;
      for (int64_t k = 0; k < copies; ++k)
        cells.add(static_cast<int64_t>(rng() % static_cast<uint64_t>(o.num_cells)), enc.data(), ctx_bytes);
      f.ctx_out += copies;
    };
    ContextPacker packer(o.seq_len, tok.pad_id());
    const int32_t eot = tok.eot_id();
    JsonlReader reader(in);
    json rec;
    while (reader.next(rec)) {
      auto it = rec.find("text");
      if (it == rec.end() || !it->is_string()) { ++f.skipped; continue; }
      std::vector<int32_t> ids = tok.encode(it->get_ref<const std::string&>());
      for (int32_t id : ids) packer.push(id, on_context);
      packer.push(eot, on_context);
      f.tokens += static_cast<int64_t>(ids.size()) + 1;
      ++f.docs;
    }
    f.skipped += reader.malformed();
    f.pads = packer.finish(on_context);
    cells.finish();
    store.done(fi);
    prog.add(1);
  };
  try {
    parallel_for(n_files, threads, [&](size_t fi) {
      try {
        stage1(fi);
      } catch (const Aborted&) {
        throw;
      } catch (...) {
        { std::lock_guard<std::mutex> lk(err_mu); if (!first_err) first_err = std::current_exception(); }
        store.abort();
        throw;
      }
    });
  } catch (...) {
    if (first_err) std::rethrow_exception(first_err);
    throw;
  }
  prog.finish();

  TokshufResult r;
  r.mixing = mix.has_value();
  for (size_t i = 0; i < n_files; ++i) {
    const FileStats& f = stats[i];
    r.documents += f.docs; r.skipped_documents += f.skipped; r.tokens += f.tokens; r.pad_tokens += f.pads;
    r.sequences += f.ctx_out;
    if (mix) {
      auto src = mix->source_for(bases[i]);
      TokshufSourceStats& s = r.sources[src ? *src : ""];
      s.frequency = freqs[i];
      ++s.files;
      s.contexts_in += f.ctx_in;
      s.contexts_out += f.ctx_out;
    }
  }

  // Stage 2: one cell at a time, in index order: load, shuffle with the cell's own seed, stream into
  // shards of chunk_size contexts (shards run across cell boundaries).
  const int64_t total = r.sequences;
  std::vector<ShardEntry> entries;
  std::unique_ptr<ShardWriter> w;
  std::string w_name;
  int64_t k = 0;
  std::vector<size_t> idx;
  for (int64_t c = 0; c < o.num_cells; ++c) {
    std::mt19937_64 rng(derive_seed(o.seed, 0x5eedce11ULL, static_cast<uint64_t>(c)));
    const int64_t n = store.counts()[c];
    if (n == 0) continue;
    std::string path = store.cell_path(c);
    std::string data = read_file(path);
    std::remove(path.c_str());
    if (data.size() != static_cast<size_t>(n) * ctx_bytes) throw Error("local cell file has the wrong size", {path});
    idx.resize(n);
    for (int64_t i = 0; i < n; ++i) idx[i] = static_cast<size_t>(i);
    // Fisher–Yates with an explicit RNG draw (std::shuffle's algorithm is implementation-defined).
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng() % i]);
    for (size_t i : idx) {
      if (!w) {
        w_name = shard_name(k);
        w = std::make_unique<ShardWriter>(o.out_dir + "/" + w_name + ".bin", o.seq_len, vocab,
                                          std::min<int64_t>(o.chunk_size, total - k * o.chunk_size));
      }
      w->add_encoded(data.data() + i * ctx_bytes);
      if (w->added() == o.chunk_size || k * o.chunk_size + w->added() == total) {
        int64_t added = w->added();
        entries.push_back({w_name, added, w->commit()});
        r.shards.push_back(w_name + ".bin");
        w.reset();
        ++k;
      }
    }
  }
  if (w) throw Error("tokshuf: internal error: unfinished shard", {o.out_dir});
  write_dataset_manifest(o.out_dir, entries, o.seq_len, vocab);
  write_json_file(o.out_dir + "/tokshuf_stats.json", r.to_json());
  return r;
}

}  // namespace dclm::curation
