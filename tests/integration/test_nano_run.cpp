// `dclm run --scale nano`: raw WARC → curated text → SentencePiece → token shards → trained model →
// eval result JSON → leaderboard Markdown; then a second run skips every stage, and a run killed
// during training finishes with the same outputs.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

#include "common/io.h"
#include "common/jsonl.h"
#include "common/manifest.h"
#include "test_util.h"

using namespace dclm;
namespace fs = std::filesystem;

struct Result { int code; std::string out; };

static Result run(const std::string& args) {
  std::string cmd = "DCLM_DATA='" + dclm::testing::data_dir() + "' " + dclm::testing::dclm_binary() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Integration, NanoScaleEndToEnd) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  DCLM_REQUIRE_DATA("eval/local_data/commonsense_reasoning/copa.jsonl");
  dclm::testing::TempDir t;
  std::string rd = t / "run";
  Result r = run("run --scale nano --threads 2 --run-dir " + rd);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* stage : {"curate", "tokenizer", "tokens", "train", "eval", "leaderboard"}) {
    EXPECT_TRUE(Manifest::is_complete(rd + "/" + stage)) << stage;
    EXPECT_EQ(Manifest::read(rd + "/" + stage).verify(rd + "/" + stage), "") << stage;
  }
  // The progress lines carry rate and ETA.
  EXPECT_NE(r.out.find("/s"), std::string::npos);
  EXPECT_NE(r.out.find("ETA"), std::string::npos);

  json res = read_json_file(rd + "/eval/results.json");
  ASSERT_TRUE(res.contains("eval_metrics"));
  const json& icl = res["eval_metrics"]["icl"];
  EXPECT_GE(icl.size(), 3u) << res.dump(1);  // MC, schema and LM tasks
  for (auto& [task, v] : icl.items()) {
    ASSERT_TRUE(v.is_number()) << task;
    EXPECT_GE(v.get<double>(), 0.0);
    EXPECT_LE(v.get<double>(), 1.0);
  }
  for (const char* f : {"Core", "Extended", "MMLU"}) {
    ASSERT_TRUE(res.contains(f)) << f;
    // Not computable from the 3-task smoke suite: it must say so rather than carry a number.
    ASSERT_TRUE(res[f].is_string()) << f << " = " << res[f].dump();
    EXPECT_NE(res[f].get<std::string>().find("N/A"), std::string::npos);
  }
  EXPECT_EQ(res["dclm_run"]["scale"], "nano");
  EXPECT_EQ(res["dclm_run"]["params"], 90272);

  std::string md = read_file(rd + "/leaderboard/leaderboard.md");
  EXPECT_NE(md.find("CORE"), std::string::npos);
  EXPECT_NE(md.find(res["model"].get<std::string>()), std::string::npos) << md;

  Result st = run("status " + rd);
  ASSERT_EQ(st.code, 0) << st.out;
  size_t done = 0;
  for (size_t p = 0; (p = st.out.find(" done ", p)) != std::string::npos; ++p) ++done;
  EXPECT_EQ(done, 6u) << st.out;

  // Second run: every stage is skipped and nothing changes.
  std::string before = read_file(rd + "/eval/results.json");
  Result again = run("run --scale nano --threads 2 --run-dir " + rd);
  ASSERT_EQ(again.code, 0) << again.out;
  size_t skipped = 0;
  for (size_t p = 0; (p = again.out.find("up to date, skipped", p)) != std::string::npos; ++p) ++skipped;
  EXPECT_EQ(skipped, 6u) << again.out;
  EXPECT_EQ(read_file(rd + "/eval/results.json"), before);
}
