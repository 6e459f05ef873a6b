// GPQA conversion (spec icl-eval §10.4) from the password-protected archive, in memory. The
// fingerprints were computed with Python's zipfile + csv + random.Random(42) running DCLM's
// convert_gpqa (rows themselves are never stored).
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/hash.h"
#include "evaluator/gpqa.h"
#include "test_util.h"

using namespace dclm::evaluator;

namespace {
const char* kZip = "eval/gpqa/dataset.zip";

std::string fingerprint(const std::vector<nlohmann::json>& rows, std::vector<int64_t>& hist, std::vector<int64_t>& first) {
  std::string all;
  for (const auto& r : rows) {
    all += r["query"].get<std::string>() + "\x1f";
    for (size_t i = 0; i < 4; ++i) all += r["choices"][i].get<std::string>() + (i < 3 ? "\x1f" : "");
    const int64_t g = r["gold"].get<int64_t>();
    all += "\x1e" + std::to_string(g) + "\n";
    ++hist[static_cast<size_t>(g)];
    if (first.size() < 20) first.push_back(g);
  }
  return dclm::sha256_hex(all);
}
}  // namespace

TEST(Gpqa, MainAndDiamondConversion) {
  DCLM_REQUIRE_DATA(kZip);
  const std::vector<int64_t> first20 = {3, 2, 3, 2, 3, 3, 2, 2, 0, 2, 3, 3, 2, 3, 0, 1, 3, 2, 3, 0};
  {
    auto rows = load_gpqa_rows(dclm::testing::data_path(kZip), "gpqa_data/gpqa_main.jsonl");
    ASSERT_EQ(rows.size(), 448u);
    std::vector<int64_t> hist(4), first;
    EXPECT_EQ(fingerprint(rows, hist, first), "aa0e8136b71b10f46bdf1ecbdf58957790ac41d62b2a5be86c6735f11dc5d05d");
    EXPECT_EQ(hist, (std::vector<int64_t>{115, 96, 116, 121}));
    EXPECT_EQ(first, first20);
  }
  {
    auto rows = load_gpqa_rows(dclm::testing::data_path(kZip), "gpqa_data/gpqa_diamond.jsonl");
    ASSERT_EQ(rows.size(), 198u);
    std::vector<int64_t> hist(4), first;
    EXPECT_EQ(fingerprint(rows, hist, first), "9c550cf9f10a067d768f598a8a209de5fb270951d0413b43c878aedf2e9e0be2");
    EXPECT_EQ(hist, (std::vector<int64_t>{45, 49, 49, 55}));
    EXPECT_EQ(first, first20);
  }
  EXPECT_THROW(read_zip_member(dclm::testing::data_path(kZip), "dataset/gpqa_main.csv", "wrong-password"), dclm::Error);
}

TEST(Gpqa, CsvParser) {
  auto rows = parse_csv("a,b,c\n\"x, y\",\"he said \"\"hi\"\"\",\"multi\nline\"\r\n1,,3\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"x, y", "he said \"hi\"", "multi\nline"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"1", "", "3"}));
}
