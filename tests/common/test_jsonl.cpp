#include <gtest/gtest.h>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "test_util.h"

using namespace dclm;
using dclm::testing::TempDir;

TEST(Jsonl, LenientSkipsAndCountsMalformedLines) {
  TempDir t;
  write_file_atomic(t / "d.jsonl.gz", "{\"text\": \"a\"}\n{broken\n\n{\"text\": \"b\"}\nnot json at all\n{\"text\": \"c\"}");
  JsonlReader r(t / "d.jsonl.gz");
  json j;
  std::vector<std::string> texts;
  while (r.next(j)) texts.push_back(j["text"]);
  EXPECT_EQ(texts, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.malformed(), 2);
}

TEST(Jsonl, StrictModeNamesFileAndLine) {
  TempDir t;
  write_file_atomic(t / "d.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{oops\n");
  JsonlReader r(t / "d.jsonl", /*strict=*/true);
  json j;
  EXPECT_TRUE(r.next(j));
  EXPECT_TRUE(r.next(j));
  try {
    r.next(j);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().record, 3);
    EXPECT_NE(std::string(e.what()).find("d.jsonl:3"), std::string::npos) << e.what();
  }
}

TEST(Jsonl, JsonFileRoundTrip) {
  TempDir t;
  json j = {{"x", 1}, {"y", {1, 2, 3}}, {"s", "ünïcode"}};
  write_json_file(t / "f.json", j);
  EXPECT_EQ(read_json_file(t / "f.json"), j);
  write_file_atomic(t / "bad.json", "{\"x\": ");
  EXPECT_THROW(read_json_file(t / "bad.json"), Error);
}
