#include <gtest/gtest.h>

#include "common/io.h"
#include "common/jsonl.h"
#include "curation/dedup/minhash.h"
#include "test_util.h"

using namespace dclm::dedup;

namespace {
std::string words(int from, int count, int replace_at = -1) {
  std::string s;
  for (int i = 0; i < count; ++i)
    s += (i ? " " : "") + (i == replace_at ? std::string("CHANGED") : "word" + std::string(1, 'a' + (from + i) % 26) +
                                                                            std::string(1, 'a' + (from + i) / 26 % 26));
  return s;
}
}  // namespace

TEST(Minhash, SimplifyText) {
  EXPECT_EQ(simplify_text("  H\u00e9llo, World!  123\tfoo-bar "), "hello world 000 foo bar");
  EXPECT_EQ(simplify_text("..."), "");
}

TEST(Minhash, SignatureSemantics) {
  MinhashParams p;
  auto a = minhash_signature(words(0, 200), p);
  ASSERT_EQ(a.size(), 112u);
  EXPECT_EQ(a, minhash_signature(words(0, 200), p));
  // case and punctuation are simplified away
  std::string upper = words(0, 200);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(a, minhash_signature(upper + " !!!", p));
  // one word replaced: 196 shingles each, 5 differ → J = 191/201 = 0.950; estimate over 112 slots (sd ≈ 0.02)
  auto b = minhash_signature(words(0, 200, 100), p);
  int eq = 0;
  for (size_t i = 0; i < a.size(); ++i) eq += a[i] == b[i];
  EXPECT_NEAR(eq / 112.0, 0.950, 0.08);
  EXPECT_TRUE(minhash_signature(" .. ", p).empty());
  EXPECT_EQ(minhash_signature("one two", p).size(), 112u);  // < 5 words: one shingle
}

TEST(Minhash, RunRemovesNearDuplicatesKeepsFirstAndIsThreadIndependent) {
  dclm::testing::TempDir tmp;
  std::string f1, f2;
  auto line = [](const std::string& t, int id) { return nlohmann::json{{"text", t}, {"id", id}}.dump() + "\n"; };
  f1 += line(words(0, 200), 0);         // A
  f1 += line(words(300, 150), 1);       // C (unrelated)
  f1 += line("", 2);                    // empty: kept, never matched
  f2 += line(words(0, 200, 100), 3);    // near-duplicate of A (J 0.95) → removed
  f2 += line(words(300, 150), 4);       // exact duplicate of C → removed
  f2 += line("", 5);                    // empty again: kept
  f2 += line(words(600, 120), 6);       // unrelated → kept
  dclm::write_file_atomic(tmp / "a.jsonl", f1);
  dclm::write_file_atomic(tmp / "b.jsonl", f2);
  MinhashOptions o;
  o.inputs = {tmp / "a.jsonl", tmp / "b.jsonl"};
  o.out_dir = tmp / "o1";
  o.threads = 1;
  auto r = run_minhash(o);
  EXPECT_EQ(r.docs_in, 7);
  EXPECT_EQ(r.docs_out, 5);
  EXPECT_EQ(r.clusters, 2);
  std::vector<int> ids;
  for (const char* f : {"o1/a.jsonl.zst", "o1/b.jsonl.zst"}) {
    dclm::JsonlReader rd(tmp / f, true);
    nlohmann::json j;
    while (rd.next(j)) ids.push_back(j["id"].get<int>());
  }
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 2, 5, 6}));
  o.out_dir = tmp / "o3";
  o.threads = 3;
  run_minhash(o);
  for (const char* f : {"a.jsonl.zst", "b.jsonl.zst"})
    EXPECT_EQ(dclm::read_file_decompressed(tmp / (std::string("o1/") + f)),
              dclm::read_file_decompressed(tmp / (std::string("o3/") + f)));
}
