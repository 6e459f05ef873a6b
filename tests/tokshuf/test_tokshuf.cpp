#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/io.h"
#include "common/jsonl.h"
#include "curation/shard.h"
#include "curation/tokshuf.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::curation;
using dclm::testing::TempDir;

// A deterministic toy tokenizer: one id per byte (id = byte + 2), EOT 0, PAD 1.
class ByteTok : public tokenizer::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view t) const override {
    std::vector<int32_t> v;
    for (unsigned char c : t) v.push_back(c + 2);
    return v;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string s;
    for (auto i : ids) if (i >= 2) s += char(i - 2);
    return s;
  }
  int64_t vocab_size() const override { return 258; }
  int32_t eot_id() const override { return 0; }
  int32_t pad_id() const override { return 1; }
  std::string kind() const override { return "byte"; }
  std::string identity() const override { return "byte"; }
};

TEST(Tokshuf, PackingAppendsEotAndPadsTheTail) {
  // docs: [5,6,7] [8] [9,10] → stream 5 6 7 0 8 0 9 10 0 ; seq_len 4 → [5 6 7 0] [8 0 9 10] [0 P P P]
  int64_t pads = -1;
  auto ctx = pack_contexts({{5, 6, 7}, {8}, {9, 10}}, 0, 1, 4, &pads);
  ASSERT_EQ(ctx.size(), 3u);
  EXPECT_EQ(ctx[0], (std::vector<int32_t>{5, 6, 7, 0}));
  EXPECT_EQ(ctx[1], (std::vector<int32_t>{8, 0, 9, 10}));
  EXPECT_EQ(ctx[2], (std::vector<int32_t>{0, 1, 1, 1}));
  EXPECT_EQ(pads, 3);
  // An exact fit leaves no padded context.
  auto exact = pack_contexts({{5, 6, 7}}, 0, 1, 4, &pads);
  EXPECT_EQ(exact.size(), 1u);
  EXPECT_EQ(pads, 0);
}

static std::vector<std::string> write_inputs(const TempDir& t) {
  std::vector<std::string> files;
  for (int f = 0; f < 4; ++f) {
    std::string p = t / ("in_" + std::to_string(f) + ".jsonl.zst");
    AtomicWriter w(p);
    for (int d = 0; d < 30 + f * 5; ++d)
      w.write_line(json({{"text", "file " + std::to_string(f) + " doc " + std::to_string(d) + std::string(d % 7, 'x')}}).dump());
    w.write_line("{malformed");
    w.write_line(json({{"no_text", 1}}).dump());
    w.commit();
    files.push_back(p);
  }
  return files;
}

static std::vector<std::vector<int64_t>> read_all(const std::string& dir) {
  TokenDataset ds(dir, true);
  std::vector<std::vector<int64_t>> out(ds.size(), std::vector<int64_t>(ds.seq_len()));
  for (int64_t i = 0; i < ds.size(); ++i) ds.get(i, out[i].data());
  return out;
}

TEST(Tokshuf, DeterministicAcrossThreadCountsAndAPermutationOfThePackedContexts) {
  TempDir t;
  auto inputs = write_inputs(t);
  ByteTok tok;
  TokshufOptions o;
  o.inputs = inputs;
  o.seq_len = 17;
  o.chunk_size = 10;
  o.num_cells = 3;
  o.seed = 42;
  o.vocab_size = 512;
  o.threads = 1;
  o.out_dir = t / "a";
  auto r1 = run_tokshuf(o, tok);
  o.threads = 4;
  o.out_dir = t / "b";
  auto r2 = run_tokshuf(o, tok);
  auto a = read_all(t / "a"), b = read_all(t / "b");
  EXPECT_EQ(a, b);
  EXPECT_EQ(r1.sequences, static_cast<int64_t>(a.size()));
  EXPECT_EQ(r1.skipped_documents, 8);  // a malformed line and a record without text per file
  EXPECT_EQ(r1.documents, 30 + 35 + 40 + 45);
  EXPECT_EQ(r1.shards.size(), (a.size() + 9) / 10);

  // The shards hold exactly the multiset of contexts that packing each file gives.
  std::map<std::vector<int64_t>, int> expected, got;
  for (const auto& f : inputs) {
    std::vector<std::vector<int32_t>> docs;
    JsonlReader r(f);
    json j;
    while (r.next(j))
      if (j.contains("text")) docs.push_back(tok.encode(j["text"].get<std::string>()));
    for (auto& c : pack_contexts(docs, 0, 1, 17)) expected[std::vector<int64_t>(c.begin(), c.end())]++;
  }
  for (auto& s : a) got[s]++;
  EXPECT_EQ(got, expected);

  // A different seed gives a different order.
  o.seed = 43;
  o.out_dir = t / "c";
  run_tokshuf(o, tok);
  EXPECT_NE(read_all(t / "c"), a);
}

TEST(Tokshuf, OutputDoesNotDependOnWhereTheInputsAre) {
  TempDir t;
  auto inputs = write_inputs(t);
  std::vector<std::string> moved;
  std::filesystem::create_directories(t / "elsewhere/deeper");
  for (const auto& p : inputs) {
    std::string dst = t / ("elsewhere/deeper/" + std::filesystem::path(p).filename().string());
    std::filesystem::copy_file(p, dst);
    moved.push_back(dst);
  }
  ByteTok tok;
  TokshufOptions o;
  o.seq_len = 9;
  o.chunk_size = 7;
  o.num_cells = 4;
  o.vocab_size = 512;
  o.inputs = inputs;
  o.out_dir = t / "a";
  run_tokshuf(o, tok);
  o.inputs = moved;
  o.out_dir = t / "b";
  run_tokshuf(o, tok);
  EXPECT_EQ(read_all(t / "a"), read_all(t / "b"));
}
