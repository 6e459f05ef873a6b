#include <gtest/gtest.h>

#include "common/error.h"
#include "common/hash.h"
#include <algorithm>

#include "curation/mixing.h"

using namespace dclm::curation;

TEST(Mixing, IntegerFrequenciesAreExact) {
  for (uint64_t s = 0; s < 50; ++s) {
    EXPECT_EQ(mixing_copies(0.0, s), 0);
    EXPECT_EQ(mixing_copies(1.0, s), 1);
    EXPECT_EQ(mixing_copies(3.0, s), 3);
  }
}

TEST(Mixing, FractionalPartIsASeededBernoulli) {
  // f = 2.25: always 2 or 3; mean over 40000 draws ≈ 2.25 (sd of the mean ≈ 0.0022).
  int64_t total = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    int64_t c = mixing_copies(2.25, dclm::derive_seed(1, 2, i));
    ASSERT_TRUE(c == 2 || c == 3);
    total += c;
  }
  EXPECT_NEAR(static_cast<double>(total) / n, 2.25, 0.012);
  // deterministic in the seed
  EXPECT_EQ(mixing_copies(0.5, 12345), mixing_copies(0.5, 12345));
  EXPECT_THROW(mixing_copies(-1.0, 1), dclm::Error);
}

TEST(Mixing, YamlSourcesMarkersAndFrequencies) {
  auto cfg = parse_mixing_config(
      "sources:\n"
      "  - source: web\n"
      "    markers: [cc_, refinedweb]\n"
      "  - source: wiki\n"
      "    markers: [wikipedia]\n"
      "sampling_frequencies:\n"
      "  web: 0.5\n"
      "  wiki: 2\n",
      "<mix>");
  EXPECT_EQ(cfg.source_for("s3://x/cc_shard_01.jsonl").value(), "web");
  EXPECT_EQ(cfg.source_for("wikipedia_en.jsonl").value(), "wiki");
  EXPECT_FALSE(cfg.source_for("books.jsonl").has_value());
  EXPECT_DOUBLE_EQ(cfg.frequency_for("books.jsonl"), 1.0);
  EXPECT_EQ(cfg.copies("wikipedia_en.jsonl", 17, 9), 2);
  EXPECT_EQ(cfg.copies("books.jsonl", 17, 9), 1);
  // web at 0.5: about half of 10000 documents kept once, the rest dropped
  int64_t kept = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    int64_t c = cfg.copies("cc_shard_01.jsonl", i, 9);
    ASSERT_TRUE(c == 0 || c == 1);
    kept += c;
  }
  EXPECT_NEAR(kept, 5000, 200);
  EXPECT_EQ(cfg.copies("cc_shard_01.jsonl", 5, 9), mixing_copies(0.5, dclm::derive_seed(9, dclm::hash64("cc_shard_01.jsonl"), 5)));
}

TEST(Mixing, BadConfigsAreErrors) {
  EXPECT_THROW(parse_mixing_config("sources: []\nsampling_frequencies: {}\n", "<m>"), dclm::Error);
  EXPECT_THROW(parse_mixing_config("sources: [{source: a, markers: [x]}]\nsampling_frequencies: {b: 1}\n", "<m>"),
               dclm::Error);
  EXPECT_THROW(parse_mixing_config("sources: [{source: a, markers: [x]}]\nsampling_frequencies: {}\n", "<m>"),
               dclm::Error);
  EXPECT_THROW(parse_mixing_config("sources: [{source: a, markers: [x]}]\nsampling_frequencies: {a: -1}\n", "<m>"),
               dclm::Error);
  EXPECT_THROW(parse_mixing_config("sources: [{source: a, markers: [x], extra: 1}]\nsampling_frequencies: {a: 1}\n", "<m>"),
               dclm::Error);
}

#include "common/io.h"
#include "test_util.h"

TEST(Mixing, MixDocumentsRepeatsAndSamplesPerFile) {
  dclm::testing::TempDir tmp;
  std::string a, b;
  for (int i = 0; i < 1000; ++i) a += "{\"text\":\"w" + std::to_string(i) + "\"}\n";
  for (int i = 0; i < 10; ++i) b += "{\"text\":\"b" + std::to_string(i) + "\"}\n";
  dclm::write_file_atomic(tmp / "cc_part.jsonl", a);
  dclm::write_file_atomic(tmp / "wiki_part.jsonl", b);
  auto cfg = parse_mixing_config(
      "sources: [{source: cc, markers: [cc_]}, {source: wiki, markers: [wiki_]}]\n"
      "sampling_frequencies: {cc: 0.3, wiki: 3}\n", "<m>");
  auto r = mix_documents(cfg, {tmp / "cc_part.jsonl", tmp / "wiki_part.jsonl"}, tmp / "out", 5);
  EXPECT_EQ(r.docs_in, 1010);
  // wiki: exactly 3 × 10; cc: 0.3 × 1000 ≈ 300 (sd ≈ 14.5)
  std::string wiki = dclm::read_file_decompressed(tmp / "out/wiki_part.jsonl.zst");
  EXPECT_EQ(std::count(wiki.begin(), wiki.end(), '\n'), 30);
  EXPECT_EQ(wiki.substr(0, 3 * 14), "{\"text\":\"b0\"}\n{\"text\":\"b0\"}\n{\"text\":\"b0\"}\n");
  std::string cc = dclm::read_file_decompressed(tmp / "out/cc_part.jsonl.zst");
  int64_t n = std::count(cc.begin(), cc.end(), '\n');
  EXPECT_NEAR(static_cast<double>(n), 300.0, 60.0);
  EXPECT_EQ(r.docs_out, 30 + n);
  // reproducible
  auto r2 = mix_documents(cfg, {tmp / "cc_part.jsonl", tmp / "wiki_part.jsonl"}, tmp / "out2", 5);
  EXPECT_EQ(dclm::read_file_decompressed(tmp / "out2/cc_part.jsonl.zst"), cc);
  EXPECT_EQ(r2.docs_out, r.docs_out);
}
