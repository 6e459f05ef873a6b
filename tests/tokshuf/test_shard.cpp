#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/hash.h"
#include "curation/shard.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::curation;
using dclm::testing::TempDir;

static void make_dataset(const std::string& dir, int64_t vocab, int64_t seq_len, std::vector<int64_t> per_shard) {
  std::vector<ShardEntry> entries;
  int32_t next = 0;
  for (size_t s = 0; s < per_shard.size(); ++s) {
    std::vector<int32_t> ids;
    for (int64_t i = 0; i < per_shard[s] * seq_len; ++i) ids.push_back((next++) % vocab);
    std::string name = shard_name(s);
    write_shard(dir + "/" + name + ".bin", ids, seq_len, vocab);
    entries.push_back({name, per_shard[s], sha256_file(dir + "/" + name + ".bin")});
  }
  write_dataset_manifest(dir, entries, seq_len, vocab);
}

TEST(Shard, RoundTripUint16AndUint32) {
  for (int64_t vocab : {50432, 70000}) {
    TempDir t;
    make_dataset(t.path(), vocab, 5, {3, 2, 4});
    TokenDataset ds(t.path(), /*verify=*/true);
    EXPECT_EQ(ds.size(), 9);
    EXPECT_EQ(ds.seq_len(), 5);
    std::vector<int64_t> seq(5);
    for (int64_t i = 0; i < 9; ++i) {
      ds.get(i, seq.data());
      for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(seq[k], (i * 5 + k) % vocab);
    }
    EXPECT_THROW(ds.get(9, seq.data()), Error);
  }
  EXPECT_EQ(bytes_per_id_for_vocab(50432), 2);
  EXPECT_EQ(bytes_per_id_for_vocab(70000), 4);
}

TEST(Shard, ChecksumMismatchNamesTheShard) {
  TempDir t;
  make_dataset(t.path(), 100, 4, {2, 2});
  {
    std::fstream f(t / "shard_00000001.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(70);
    f.put('\x7f');
  }
  try {
    TokenDataset ds(t.path(), true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard_00000001.bin"), std::string::npos) << e.what();
  }
}

TEST(Shard, TruncatedShardIsAnError) {
  TempDir t;
  make_dataset(t.path(), 100, 4, {3});
  std::filesystem::resize_file(t / "shard_00000000.bin", 64 + 10);
  EXPECT_THROW(TokenDataset ds(t.path()), Error);
}

TEST(Shard, IdOutsideVocabularyIsRejected) {
  TempDir t;
  EXPECT_THROW(write_shard(t / "x.bin", {1, 2, 300, 4}, 4, 256), Error);
}
