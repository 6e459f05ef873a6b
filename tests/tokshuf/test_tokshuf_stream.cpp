// Bounded-memory tokshuf (on-disk cells) against the all-in-memory reference algorithm, and mixing per
// context (curation.md §13.4).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/shard.h"
#include "curation/tokshuf.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::curation;
using dclm::testing::TempDir;

namespace {

class ByteTok : public tokenizer::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view t) const override {
    std::vector<int32_t> v;
    for (unsigned char c : t) v.push_back(c + 2);
    return v;
  }
  std::string decode(const std::vector<int32_t>&) const override { return ""; }
  int64_t vocab_size() const override { return 258; }
  int32_t eot_id() const override { return 0; }
  int32_t pad_id() const override { return 1; }
  std::string kind() const override { return "byte"; }
  std::string identity() const override { return "byte"; }
};

std::string write_input(const TempDir& t, const std::string& name, int docs, int salt) {
  std::string p = t / name;
  AtomicWriter w(p);
  for (int d = 0; d < docs; ++d) {
    w.write_line(json({{"text", name + " doc " + std::to_string(d) + std::string((d * 7 + salt) % 23, 'a' + d % 26)}}).dump());
    if (d % 9 == 4) w.write_line("{broken");
  }
  w.commit();
  return p;
}

std::vector<std::vector<int32_t>> file_contexts(const std::string& path, const tokenizer::Tokenizer& tok, int64_t seq_len) {
  std::vector<std::vector<int32_t>> docs;
  JsonlReader r(path);
  json j;
  while (r.next(j))
    if (j.contains("text") && j["text"].is_string()) docs.push_back(tok.encode(j["text"].get<std::string>()));
  return pack_contexts(docs, tok.eot_id(), tok.pad_id(), seq_len);
}

// The documented copy count: int(f) + (u < frac(f)), u = top 53 bits of the first mt19937_64 draw seeded
// with derive_seed(seed, hash64(basename), context index), scaled to [0, 1).
int64_t expected_copies(double f, uint64_t seed, const std::string& base, uint64_t i) {
  int64_t n = static_cast<int64_t>(f);
  double frac = f - static_cast<double>(n);
  std::mt19937_64 g(derive_seed(seed, hash64(base), i));
  double u = static_cast<double>(g() >> 11) / 9007199254740992.0;
  return n + (u < frac ? 1 : 0);
}

// The original all-in-memory algorithm: every file's contexts (each repeated copies() times) get a cell
// from rng(derive_seed(hash64(file), seed, file index)); cells are gathered in index order in (file,
// context) order, each shuffled by Fisher–Yates with rng(derive_seed(seed, 0x5eedce11, cell)), concatenated
// and cut into shards of chunk_size.
void reference(const TokshufOptions& o, const tokenizer::Tokenizer& tok, int64_t vocab, const std::string& out,
               const std::function<int64_t(size_t, const std::string&, uint64_t)>& copies) {
  make_dirs(out);
  std::vector<std::vector<std::vector<int32_t>>> cells(o.num_cells);
  for (size_t fi = 0; fi < o.inputs.size(); ++fi) {
    auto ctx = file_contexts(o.inputs[fi], tok, o.seq_len);
    std::mt19937_64 rng(derive_seed(hash64(std::filesystem::path(o.inputs[fi]).filename().string()), o.seed, fi));
    std::string base = std::filesystem::path(o.inputs[fi]).filename().string();
    for (size_t i = 0; i < ctx.size(); ++i)
      for (int64_t k = copies(fi, base, i); k > 0; --k) cells[rng() % static_cast<uint64_t>(o.num_cells)].push_back(ctx[i]);
  }
  std::vector<std::vector<int32_t>> order;
  for (int64_t c = 0; c < o.num_cells; ++c) {
    std::mt19937_64 rng(derive_seed(o.seed, 0x5eedce11ULL, static_cast<uint64_t>(c)));
    auto& cell = cells[c];
    for (size_t i = cell.size(); i > 1; --i) std::swap(cell[i - 1], cell[rng() % i]);
    order.insert(order.end(), cell.begin(), cell.end());
  }
  std::vector<ShardEntry> entries;
  for (size_t start = 0, k = 0; start < order.size(); start += o.chunk_size, ++k) {
    size_t end = std::min(order.size(), start + static_cast<size_t>(o.chunk_size));
    std::vector<int32_t> ids;
    for (size_t i = start; i < end; ++i) ids.insert(ids.end(), order[i].begin(), order[i].end());
    std::string name = shard_name(static_cast<int64_t>(k));
    write_shard(out + "/" + name + ".bin", ids, o.seq_len, vocab);
    entries.push_back({name, static_cast<int64_t>(end - start), sha256_file(out + "/" + name + ".bin")});
  }
  write_dataset_manifest(out, entries, o.seq_len, vocab);
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(dir)) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

void expect_same_dataset(const std::string& a, const std::string& b) {
  json m = read_json_file(b + "/dataset.json");
  EXPECT_EQ(read_file(a + "/dataset.json"), read_file(b + "/dataset.json"));
  EXPECT_EQ(read_file(a + "/manifest.jsonl"), read_file(b + "/manifest.jsonl"));
  for (const auto& s : m["shards"]) {
    std::string f = s["shard"].get<std::string>() + ".bin";
    EXPECT_EQ(read_file(a + "/" + f), read_file(b + "/" + f)) << f;
  }
}

std::vector<std::string> make_inputs(const TempDir& t) {
  return {write_input(t, "in_0.jsonl", 40, 1), write_input(t, "in_1.jsonl.gz", 3, 2),
          write_input(t, "in_2.jsonl.zst", 0, 3),  // empty: no contexts
          write_input(t, "in_3.jsonl", 75, 4), write_input(t, "in_4.jsonl", 12, 5), write_input(t, "in_5.jsonl", 1, 6)};
}

}  // namespace

TEST(TokshufStream, MatchesTheInMemoryReferenceByteForByte) {
  TempDir t;
  ByteTok tok;
  TokshufOptions o;
  o.inputs = make_inputs(t);
  o.seq_len = 13;
  o.chunk_size = 11;  // shards cut across cell boundaries
  o.num_cells = 5;
  o.seed = 77;
  o.vocab_size = 300;
  reference(o, tok, 300, t / "ref", [](size_t, const std::string&, uint64_t) { return 1; });
  ASSERT_GT(read_json_file(t / "ref/dataset.json")["shards"].size(), 3u);
  int run = 0;
  for (int threads : {1, 2, 4})
    for (int64_t buffer : {int64_t(1), int64_t(100), int64_t(64) << 20}) {  // 1 byte: flush/spill every context
      o.threads = threads;
      o.buffer_bytes = buffer;
      o.out_dir = t / ("run" + std::to_string(run++));
      auto r = run_tokshuf(o, tok);
      expect_same_dataset(o.out_dir, t / "ref");
      EXPECT_FALSE(r.mixing);
      EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/.tokshuf_cells"));  // temp cells removed
      auto files = listing(o.out_dir);
      EXPECT_EQ(files.front(), "dataset.json");
    }
  // Many more cells than contexts of a file, 4-byte ids.
  o.num_cells = 64;
  o.vocab_size = 70000;
  o.threads = 2;
  o.buffer_bytes = 1;
  o.out_dir = t / "wide";
  reference(o, tok, 70000, t / "ref_wide", [](size_t, const std::string&, uint64_t) { return 1; });
  run_tokshuf(o, tok);
  expect_same_dataset(o.out_dir, t / "ref_wide");
}

static const char* kMixYaml = R"(sources:
  - source: twice
    markers: [twice_]
  - source: never
    markers: [never_]
  - source: half
    markers: [half_]
sampling_frequencies:
  twice: 2.0
  never: 0.0
  half: 1.5
)";

TEST(TokshufStream, MixingEmitsEachContextCopiesTimes) {
  TempDir t;
  ByteTok tok;
  write_file_atomic(t / "mix.yaml", kMixYaml);
  TokshufOptions o;
  o.inputs = {write_input(t, "twice_a.jsonl", 30, 1), write_input(t, "never_a.jsonl", 20, 2),
              write_input(t, "half_a.jsonl", 90, 3), write_input(t, "other.jsonl", 10, 4)};
  o.mixing_yaml = t / "mix.yaml";
  o.seq_len = 11;
  o.chunk_size = 16;
  o.num_cells = 4;
  o.seed = 2024;
  o.vocab_size = 258;
  const std::vector<double> freq = {2.0, 0.0, 1.5, 1.0};

  // Expected multiset and per-source counts, computed from the packing and the documented Bernoulli draws.
  std::map<std::vector<int32_t>, int64_t> expected;
  std::vector<int64_t> in(4), out(4);
  int64_t half_extra = 0;
  for (size_t fi = 0; fi < 4; ++fi) {
    auto ctx = file_contexts(o.inputs[fi], tok, o.seq_len);
    std::string base = std::filesystem::path(o.inputs[fi]).filename().string();
    in[fi] = static_cast<int64_t>(ctx.size());
    for (size_t i = 0; i < ctx.size(); ++i) {
      int64_t c = expected_copies(freq[fi], o.seed, base, i);
      if (fi == 2) half_extra += c - 1;
      if (c) expected[ctx[i]] += c;
      out[fi] += c;
    }
  }
  EXPECT_EQ(out[0], 2 * in[0]);
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[3], in[3]);
  EXPECT_GT(half_extra, 0);           // the 1.5 source really draws both ways
  EXPECT_LT(half_extra, in[2]);
  EXPECT_GT(in[2], 40);

  for (int threads : {1, 3}) {
    o.threads = threads;
    o.buffer_bytes = threads == 1 ? (64 << 20) : 1;
    o.out_dir = t / ("mix" + std::to_string(threads));
    auto r = run_tokshuf(o, tok);
    EXPECT_TRUE(r.mixing);
    EXPECT_EQ(r.sequences, out[0] + out[1] + out[2] + out[3]);
    ASSERT_EQ(r.sources.size(), 4u);
    EXPECT_EQ(r.sources["twice"].contexts_in, in[0]);
    EXPECT_EQ(r.sources["twice"].contexts_out, out[0]);
    EXPECT_EQ(r.sources["never"].contexts_in, in[1]);
    EXPECT_EQ(r.sources["never"].contexts_out, 0);
    EXPECT_EQ(r.sources["half"].contexts_in, in[2]);
    EXPECT_EQ(r.sources["half"].contexts_out, out[2]);
    EXPECT_DOUBLE_EQ(r.sources["half"].frequency, 1.5);
    EXPECT_EQ(r.sources[""].contexts_out, out[3]);
    EXPECT_EQ(r.sources[""].files, 1);
    json st = read_json_file(o.out_dir + "/tokshuf_stats.json");
    EXPECT_EQ(st["mixing"]["sources"]["half"]["contexts_out"].get<int64_t>(), out[2]);

    TokenDataset ds(o.out_dir, true);
    ASSERT_EQ(ds.size(), r.sequences);
    std::map<std::vector<int32_t>, int64_t> got;
    std::vector<int32_t> seq(o.seq_len);
    for (int64_t i = 0; i < ds.size(); ++i) { ds.get(i, seq.data()); got[seq]++; }
    EXPECT_EQ(got, expected);
  }
  EXPECT_EQ(read_file(t / "mix1/shard_00000000.bin"), read_file(t / "mix3/shard_00000000.bin"));

  // Order: copies take consecutive cell draws, exactly as the in-memory reference does.
  reference(o, tok, 258, t / "ref", [&](size_t fi, const std::string& base, uint64_t i) {
    return expected_copies(freq[fi], o.seed, base, i);
  });
  expect_same_dataset(t / "mix3", t / "ref");
}

TEST(TokshufStream, ErrorsInOneWorkerDoNotHangTheOthers) {
  TempDir t;
  ByteTok tok;
  TokshufOptions o;
  for (int f = 0; f < 6; ++f) o.inputs.push_back(write_input(t, "f" + std::to_string(f) + ".jsonl", 20, f));
  o.inputs[3] = t / "missing.jsonl";
  o.seq_len = 8;
  o.num_cells = 3;
  o.threads = 3;
  o.buffer_bytes = 1;
  o.out_dir = t / "out";
  try {
    run_tokshuf(o, tok);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/.tokshuf_cells"));
  // An id outside the model vocabulary names the input file.
  o.inputs = {write_input(t, "g.jsonl", 3, 0)};
  struct Wide : ByteTok {
    int32_t pad_id() const override { return 257; }
    int64_t vocab_size() const override { return 200; }
  } wide;
  o.vocab_size = 200;
  try {
    run_tokshuf(o, wide);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("g.jsonl"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("257"), std::string::npos) << e.what();
  }
}

TEST(TokshufStream, UnknownMixingSourceFrequencyIsAnError) {
  TempDir t;
  ByteTok tok;
  write_file_atomic(t / "mix.yaml", "sources:\n  - source: a\n    markers: [x]\nsampling_frequencies:\n  b: 1.0\n");
  TokshufOptions o;
  o.inputs = {write_input(t, "x.jsonl", 3, 0)};
  o.mixing_yaml = t / "mix.yaml";
  o.out_dir = t / "out";
  o.seq_len = 8;
  EXPECT_THROW(run_tokshuf(o, tok), Error);
}
