// Bloom filter sizing math (curation.md §11.8) against hand-computed values, and filter save/load.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.h"
#include "common/io.h"
#include "curation/dedup/bloom.h"
#include "test_util.h"

using namespace dclm::dedup;

TEST(BloomMath, OptimalNumberOfHashers) {
  // ceil(m/n · ln2): 8000 bits / 1000 → 5.545 → 6; 1,199,120 bytes for 1e6 → 9.593·0.693 = 6.649 → 7.
  EXPECT_EQ(optimal_number_of_hashers(1000, 1000), 6u);
  EXPECT_EQ(optimal_number_of_hashers(1199120, 1000000), 7u);
  // exactly 1 bit per element: ln2 = 0.693 → 1
  EXPECT_EQ(optimal_number_of_hashers(125, 1000), 1u);
}

TEST(BloomMath, ProbOfFalsePositive) {
  // (1 − (1 − 1/8000)^6000)^6 = (1 − 0.472335)^6 = 0.0215826 (hand / calculator).
  EXPECT_NEAR(prob_of_false_positive(1000, 1000, 6), 0.0215826, 1e-6);
  // one hasher, m = n: 1 − (1 − 1/m)^m ≈ 1 − 1/e = 0.632 (m = 8000 bits, n = 8000).
  EXPECT_NEAR(prob_of_false_positive(1000, 8000, 1), 1.0 - std::exp(-1.0), 1e-4);
}

TEST(BloomMath, ComputeBloomSizeMatchesSpecTable) {
  // Spec table: p = 1e-2 → 9.59 bits/n-gram, k 7; 1e-3 → 14.38, k 10; 1e-4 → 19.19 (with the ceil'd k), k 14.
  const uint64_t n = 1000000;
  struct Row { double p, bits; uint32_t k; } rows[] = {{1e-2, 9.59, 7}, {1e-3, 14.38, 10}, {1e-4, 19.19, 14}};
  for (const auto& r : rows) {
    uint64_t b = compute_bloom_size(r.p, n, uint64_t{1} << 40);
    EXPECT_NEAR(8.0 * b / n, r.bits, 0.006) << r.p;
    EXPECT_EQ(optimal_number_of_hashers(b, n), r.k) << r.p;
    EXPECT_LE(prob_of_false_positive(b, n, optimal_number_of_hashers(b, n)), r.p);
    // smallest: one byte less misses the target
    EXPECT_GT(prob_of_false_positive(b - 1, n, optimal_number_of_hashers(b - 1, n)), r.p);
  }
  // Brute force by hand-run scan: 1,199,120 bytes is the smallest for n = 1e6, p = 0.01; 1200 bytes for n = 1000.
  EXPECT_EQ(compute_bloom_size(0.01, 1000000, uint64_t{1} << 40), 1199120u);
  EXPECT_EQ(compute_bloom_size(0.01, 1000, uint64_t{1} << 40), 1200u);
  // RAM table: 1e9 n-grams at 1 % ≈ 1.2 GB
  EXPECT_NEAR(static_cast<double>(compute_bloom_size(0.01, 1000000000ULL, uint64_t{1} << 40)), 1.2e9, 0.01e9);
  // does not fit → 0
  EXPECT_EQ(compute_bloom_size(0.01, 1000000, 1000000), 0u);
}

TEST(BloomFilter, InsertContainsAndFalsePositives) {
  BloomFilter f(1200, 7, 1234);  // sized for 1000 elements at 1 %
  std::vector<Hash128> in;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "key" + std::to_string(i);
    in.push_back(f.hash(k.data(), k.size()));
    f.insert(in.back());
  }
  for (const auto& h : in) EXPECT_TRUE(f.contains(h));
  int fp = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string k = "other" + std::to_string(i);
    fp += f.contains(f.hash(k.data(), k.size()));
  }
  // expected 1 % of 20000 = 200 (binomial sd ≈ 14)
  EXPECT_GT(fp, 100);
  EXPECT_LT(fp, 320);
}

TEST(BloomFilter, SeededHashIsDeterministic) {
  BloomFilter a(1024, 3, 7), b(1024, 3, 7), c(1024, 3, 8);
  EXPECT_EQ(a.hash("abc", 3), b.hash("abc", 3));
  EXPECT_FALSE(a.hash("abc", 3) == c.hash("abc", 3));
}

TEST(BloomFilter, SaveLoadRoundTripAndCorruption) {
  dclm::testing::TempDir tmp;
  BloomFilter f(4096, 5, 99);
  for (int i = 0; i < 300; ++i) {
    std::string k = std::to_string(i);
    f.insert(f.hash(k.data(), k.size()));
  }
  std::string path = tmp / "f.bloom";
  f.save(path);
  BloomFilter g = BloomFilter::load(path);
  EXPECT_TRUE(f == g);
  EXPECT_EQ(g.num_hashers(), 5u);
  EXPECT_EQ(g.seed(), 99u);
  // flip one bit in the body → checksum mismatch, naming the file
  std::string bytes = dclm::read_file(path);
  bytes[100] ^= 0x10;
  std::string bad = tmp / "bad.bloom";
  dclm::write_file_atomic(bad, bytes);
  try {
    BloomFilter::load(bad);
    FAIL() << "corrupt filter loaded";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.bloom"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  // truncated
  dclm::write_file_atomic(bad, bytes.substr(0, bytes.size() - 20));
  EXPECT_THROW(BloomFilter::load(bad), dclm::Error);
  // not a filter
  dclm::write_file_atomic(bad, "hello world, definitely not a filter file");
  EXPECT_THROW(BloomFilter::load(bad), dclm::Error);
  EXPECT_THROW(BloomFilter::load(tmp / "missing.bloom"), dclm::Error);
}

TEST(BloomFilter, VersionOneFilesAreRejected) {
  dclm::testing::TempDir tmp;
  BloomFilter f(4096, 5, 99);
  f.save(tmp / "f.bloom");
  std::string bytes = dclm::read_file(tmp / "f.bloom");
  bytes[8] = 1;  // u32 version, little-endian, after the 8-byte magic
  dclm::write_file_atomic(tmp / "v1.bloom", bytes);
  try {
    BloomFilter::load(tmp / "v1.bloom");
    FAIL() << "a version-1 filter loaded";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("version 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("v1.bloom"), std::string::npos) << e.what();
  }
}
