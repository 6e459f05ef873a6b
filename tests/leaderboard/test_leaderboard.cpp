// Leaderboard markdown from DCLM's published eval JSONs and from our own result shape.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/io.h"
#include "common/jsonl.h"
#include "leaderboard/leaderboard.h"
#include "test_util.h"

using namespace dclm::leaderboard;
using json = nlohmann::json;

TEST(Leaderboard, Formatting) {
  EXPECT_EQ(format_percent(0.5713606422986358), "57.14");
  EXPECT_EQ(format_percent(0.5596126827249299), "55.96");
  EXPECT_EQ(format_percent(0.0), "0.00");
  EXPECT_EQ(format_count(json(7e9)), "7B");
  EXPECT_EQ(format_count(json(1.4e9)), "1.4B");
  EXPECT_EQ(format_count(json(2.6e12)), "2.6T");
  EXPECT_EQ(format_count(json(411e6)), "411M");
  EXPECT_EQ(format_count(json(28795904000.0)), "28.8B");
  EXPECT_EQ(format_count(json("1B-1x")), "1B-1x");
}

TEST(Leaderboard, PublishedDclm7b) {
  DCLM_REQUIRE_DATA("eval/dclm/results");
  json pub;
  for (const auto& e : std::filesystem::directory_iterator(dclm::testing::data_path("eval/dclm/results"))) {
    json j = dclm::read_json_file(e.path().string());
    if (j["Core_v2"].is_number() && std::abs(j["Core_v2"].get<double>() - 0.5596126827249299) < 1e-15) pub = j;
  }
  ASSERT_FALSE(pub.is_null());
  const std::string md = render_markdown({pub});
  EXPECT_NE(md.find("| Model | Params | Tokens | CORE (v1) | CORE (v2) | MMLU | EXTENDED (v1) | EXTENDED (v2) |"),
            std::string::npos);
  EXPECT_EQ(md.find("Scale"), std::string::npos);  // no dclm_run → no scale/track columns
  // spec §9 reference: Core_v1 0.57136, Core_v2 0.55961, Extended_v1 0.45384, Extended_v2 0.44256; MMLU from
  // eval_metrics.icl.mmlu_fewshot (no top-level MMLU field in DCLM's JSONs)
  char mmlu[32];
  std::snprintf(mmlu, sizeof mmlu, "%.2f", pub["eval_metrics"]["icl"]["mmlu_fewshot"].get<double>() * 100);
  EXPECT_NE(md.find("| 57.14 | 55.96 | " + std::string(mmlu) + " | 45.38 | 44.26 |"), std::string::npos) << md;
  EXPECT_EQ(std::string(mmlu).substr(0, 4), "63.6");
  // model from _filename (open_lm config stems are not names), params from the config stem
  EXPECT_NE(md.find("| open_lm_dclm_7b_8k | 7B | — | 57.14 |"), std::string::npos) << md;  // README "63.7" rounds 0.6369 to one decimal
}

TEST(Leaderboard, NotAvailableValuesGetFootnotesAndRunColumns) {
  json ours = {{"model", "ours-1B"},
               {"Core_v1", "N/A due to missing tasks: ['squad', 'coqa']"},
               {"Core_v2", "N/A due to missing tasks: ['squad', 'coqa']"},
               {"Extended_v1", "N/A due to missing tasks: ['bbq']"},
               {"Extended_v2", "N/A due to missing tasks: ['bbq']"},
               {"MMLU", 0.2512},
               {"dclm_run", {{"scale", "1B-1x"}, {"params", 1.4e9}, {"tokens", 28.8e9}, {"track", "filtering"}}}};
  json other = {{"model_name", "baseline"}, {"Core_v1", 0.2}, {"Core_v2", 0.1}, {"Extended_v1", 0.3}, {"Extended_v2", 0.25},
                {"eval_metrics", {{"icl", {{"mmlu_fewshot", 0.26}}}}}};
  const std::string md = render_markdown({ours, other});
  EXPECT_NE(md.find("| Model | Scale | Track | Params | Tokens | CORE (v1) | CORE (v2) | MMLU | EXTENDED (v1) | EXTENDED (v2) |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| ours-1B | 1B-1x | filtering | 1.4B | 28.8B | N/A[^1] | N/A[^2] | 25.12 | N/A[^3] | N/A[^4] |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| baseline | — | — | — | — | 20.00 | 10.00 | 26.00 | 30.00 | 25.00 |"), std::string::npos) << md;
  EXPECT_NE(md.find("[^1]: Core_v1: N/A due to missing tasks: ['squad', 'coqa']"), std::string::npos) << md;
  EXPECT_NE(md.find("[^4]: Extended_v2: N/A due to missing tasks: ['bbq']"), std::string::npos) << md;
  // an MMLU that was not computed renders N/A too
  json no_mmlu = {{"model", "m"}, {"MMLU", "N/A due to missing tasks: ['mmlu_fewshot'] (not in suite cpu_smoke)"}};
  EXPECT_NE(render_markdown({no_mmlu}).find("| m | — | — | — | — | N/A[^1] | — | — |"), std::string::npos);
}

TEST(Leaderboard, PublishedNamesParamsTokens) {
  json r = {{"model", "open_lm_1b"}, {"_filename", "exp_data/evals/evaluation_x-tokens=28795904000_heavy.json"},
            {"Core_v2", 0.25}};
  EXPECT_NE(render_markdown({r}).find("| x-tokens=28795904000_heavy | 1B | 28.8B | — | 25.00 |"), std::string::npos)
      << render_markdown({r});
  json hf = {{"model", "mistralai/Mistral-7B-v0.1"}, {"_filename", "exp_data/evals/evaluation_mistral_7b_heavy.json"}};
  EXPECT_NE(render_markdown({hf}).find("| mistralai/Mistral-7B-v0.1 | — | — |"), std::string::npos);
}

TEST(Leaderboard, WriteFromFiles) {
  dclm::testing::TempDir tmp;
  dclm::write_json_file(tmp / "a.json", json{{"model", "a"}, {"Core_v2", 0.5}});
  write_leaderboard_markdown({tmp / "a.json"}, tmp / "lb.md");
  const std::string md = dclm::read_file(tmp / "lb.md");
  EXPECT_NE(md.find("| a | — | — | — | 50.00 | — | — | — |"), std::string::npos) << md;
}
