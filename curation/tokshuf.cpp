#include "curation/tokshuf.h"

#include <algorithm>
#include <random>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "curation/shard.h"

namespace dclm::curation {

nlohmann::json TokshufResult::to_json() const {
  return {{"documents", documents}, {"skipped_documents", skipped_documents}, {"sequences", sequences},
          {"tokens", tokens},       {"pad_tokens", pad_tokens},               {"shards", shards.size()}};
}

std::vector<std::vector<int32_t>> pack_contexts(const std::vector<std::vector<int32_t>>& docs, int32_t eot,
                                                int32_t pad, int64_t seq_len, int64_t* pad_tokens) {
  std::vector<std::vector<int32_t>> out;
  std::vector<int32_t> cur;
  cur.reserve(seq_len);
  auto push = [&](int32_t id) {
    cur.push_back(id);
    if (static_cast<int64_t>(cur.size()) == seq_len) {
      out.push_back(std::move(cur));
      cur.clear();
      cur.reserve(seq_len);
    }
  };
  for (const auto& d : docs) {
    for (int32_t id : d) push(id);
    push(eot);
  }
  int64_t pads = 0;
  if (!cur.empty()) {
    pads = seq_len - static_cast<int64_t>(cur.size());
    cur.resize(seq_len, pad);
    out.push_back(std::move(cur));
  }
  if (pad_tokens) *pad_tokens = pads;
  return out;
}

namespace {
struct FileOutput {
  std::vector<std::vector<int32_t>> contexts;
  std::vector<int64_t> cells;  // cell of each context
  int64_t docs = 0, skipped = 0, tokens = 0, pads = 0;
};
}  // namespace

TokshufResult run_tokshuf(const TokshufOptions& o, const tokenizer::Tokenizer& tok) {
  if (o.seq_len <= 1 || o.chunk_size <= 0 || o.num_cells <= 0) throw Error("tokshuf: bad seq_len/chunk_size/num_cells");
  const int64_t vocab = o.vocab_size > 0 ? o.vocab_size : tok.vocab_size();
  if (tok.vocab_size() > vocab)
    throw Error("tokenizer vocabulary (" + std::to_string(tok.vocab_size()) + ") is larger than the model's (" +
                std::to_string(vocab) + ")");
  make_dirs(o.out_dir);
  std::vector<FileOutput> files(o.inputs.size());
  Progress prog("tokshuf", static_cast<int64_t>(o.inputs.size()), "files");
  int threads = o.threads > 0 ? o.threads : default_threads();

  // Stage 1: tokenize + pack per input file; assign contexts to local cells.
  parallel_for(o.inputs.size(), threads, [&](size_t fi) {
    FileOutput& f = files[fi];
    std::vector<std::vector<int32_t>> docs;
    JsonlReader reader(o.inputs[fi]);
    json rec;
    while (reader.next(rec)) {
      auto it = rec.find("text");
      if (it == rec.end() || !it->is_string()) { ++f.skipped; continue; }
      const std::string& text = it->get_ref<const std::string&>();
      docs.push_back(tok.encode(text));
      f.tokens += static_cast<int64_t>(docs.back().size()) + 1;
      ++f.docs;
    }
    f.skipped += reader.malformed();
    f.contexts = pack_contexts(docs, tok.eot_id(), tok.pad_id(), o.seq_len, &f.pads);
    // Seeded by hashing (input_file, seed, input_idx) as tokshuf-rs does.
    std::mt19937_64 rng(derive_seed(hash64(o.inputs[fi]), o.seed, fi));
    f.cells.resize(f.contexts.size());
    for (auto& c : f.cells) c = static_cast<int64_t>(rng() % static_cast<uint64_t>(o.num_cells));
    prog.add(1);
  });
  prog.finish();

  // Stage 2: gather cells in input order, shuffle each cell with its own seed, emit shards.
  std::vector<std::vector<const std::vector<int32_t>*>> cells(o.num_cells);
  for (const auto& f : files)
    for (size_t i = 0; i < f.contexts.size(); ++i) cells[f.cells[i]].push_back(&f.contexts[i]);
  std::vector<const std::vector<int32_t>*> order;
  for (int64_t c = 0; c < o.num_cells; ++c) {
    std::mt19937_64 rng(derive_seed(o.seed, 0x5eedce11ULL, static_cast<uint64_t>(c)));
    auto& cell = cells[c];
    // Fisher–Yates with an explicit RNG draw (std::shuffle's algorithm is implementation-defined).
    for (size_t i = cell.size(); i > 1; --i) std::swap(cell[i - 1], cell[rng() % i]);
    order.insert(order.end(), cell.begin(), cell.end());
  }

  TokshufResult r;
  for (const auto& f : files) { r.documents += f.docs; r.skipped_documents += f.skipped; r.tokens += f.tokens; r.pad_tokens += f.pads; }
  r.sequences = static_cast<int64_t>(order.size());
  std::vector<ShardEntry> entries;
  for (size_t start = 0, k = 0; start < order.size(); start += o.chunk_size, ++k) {
    size_t end = std::min(order.size(), start + static_cast<size_t>(o.chunk_size));
    std::vector<int32_t> ids;
    ids.reserve((end - start) * o.seq_len);
    for (size_t i = start; i < end; ++i) ids.insert(ids.end(), order[i]->begin(), order[i]->end());
    std::string name = shard_name(static_cast<int64_t>(k));
    std::string path = o.out_dir + "/" + name + ".bin";
    write_shard(path, ids, o.seq_len, vocab);
    entries.push_back({name, static_cast<int64_t>(end - start), sha256_file(path)});
    r.shards.push_back(name + ".bin");
  }
  write_dataset_manifest(o.out_dir, entries, o.seq_len, vocab);
  write_json_file(o.out_dir + "/tokshuf_stats.json", r.to_json());
  return r;
}

}  // namespace dclm::curation
