// Aggregation against DCLM's 156 published eval JSONs and the spec's reference values.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/jsonl.h"
#include "evaluator/aggregate.h"
#include "evaluator/suite.h"
#include "test_util.h"

using namespace dclm::evaluator;
using json = nlohmann::json;

namespace {
void expect_same(const json& got, const json& want, const std::string& what) {
  if (want.is_number()) {
    ASSERT_TRUE(got.is_number()) << what << ": got " << got.dump();
    EXPECT_NEAR(got.get<double>(), want.get<double>(), 1e-12) << what;
  } else {
    EXPECT_EQ(got, want) << what;
  }
}
}  // namespace

TEST(Aggregate, PublishedResultsRecomputed) {
  DCLM_REQUIRE_DATA("eval/dclm/results");
  int files = 0, with_na = 0;
  for (const auto& e : std::filesystem::directory_iterator(dclm::testing::data_path("eval/dclm/results"))) {
    if (e.path().extension() != ".json") continue;
    const json pub = dclm::read_json_file(e.path().string());
    const json got = aggregate_icl(pub["eval_metrics"]["icl"]);
    const std::string f = e.path().filename().string();
    for (const char* k : {"Core_v1", "Core_v2", "Extended_v1", "Extended_v2", "Core", "Extended",
                          "aggregated_centered_results", "aggregated_results", "missing tasks", "eval_version",
                          "rw_small", "rw_small_centered", "95%_CI_above", "95%_CI_above_centered", "99%_CI_above",
                          "99%_CI_above_centered", "low_variance_datasets", "low_variance_datasets_centered"})
      expect_same(got[k], pub[k], f + " " + k);
    for (auto it = pub["aggregated_task_categories_centered"].begin(); it != pub["aggregated_task_categories_centered"].end(); ++it)
      expect_same(got["aggregated_task_categories_centered"][it.key()], it.value(), f + " category " + it.key());
    if (pub["Extended"].is_string()) ++with_na;
    ++files;
  }
  EXPECT_EQ(files, 156);
  EXPECT_EQ(with_na, 7);
}

TEST(Aggregate, Dclm7bReferenceValues) {
  const char* rel = "eval/dclm/results/evaluation_open_lm_dclm_7b_8k.json";
  if (!dclm::testing::have_data(rel)) {
    // the file name differs between copies; search for the reference by its Core_v2
    DCLM_REQUIRE_DATA("eval/dclm/results");
  }
  bool found = false;
  for (const auto& e : std::filesystem::directory_iterator(dclm::testing::data_path("eval/dclm/results"))) {
    const json pub = dclm::read_json_file(e.path().string());
    if (!pub["Core_v2"].is_number() || std::fabs(pub["Core_v2"].get<double>() - 0.5596126827249299) > 1e-15) continue;
    found = true;
    const json got = aggregate_icl(pub["eval_metrics"]["icl"]);
    EXPECT_NEAR(got["Core_v2"].get<double>(), 0.5596126827249299, 1e-15);
    EXPECT_NEAR(got["Extended_v2"].get<double>(), 0.4425599551383186, 1e-15);
    EXPECT_NEAR(got["Core_v1"].get<double>(), 0.5713606422986358, 1e-15);
    EXPECT_NEAR(got["Extended_v1"].get<double>(), 0.4538447428718087, 1e-15);
    const json& c = got["aggregated_task_categories_centered"];
    EXPECT_NEAR(c["commonsense reasoning"].get<double>(), 0.5473, 5e-5);
    EXPECT_NEAR(c["language understanding"].get<double>(), 0.5642, 5e-5);
    EXPECT_NEAR(c["reading comprehension"].get<double>(), 0.5949, 5e-5);
    EXPECT_NEAR(c["safety"].get<double>(), 0.3339, 5e-5);
    EXPECT_NEAR(c["symbolic problem solving"].get<double>(), 0.2752, 5e-5);
    EXPECT_NEAR(c["world knowledge"].get<double>(), 0.4341, 5e-5);
  }
  EXPECT_TRUE(found);
}

TEST(Aggregate, MissingTasksMakeCoreAndExtendedNA) {
  // all 53 tasks at accuracy 0.5 except squad and bbq missing
  json icl = json::object();
  for (const auto& t : dclm_aggregation_meta().tasks)
    if (t.label != "squad" && t.label != "bbq") icl[t.label] = 0.5;
  json r = aggregate_icl(icl);
  EXPECT_EQ(r["missing tasks"], "['squad', 'bbq']");
  EXPECT_EQ(r["Core"], "N/A due to missing tasks: ['squad']");
  EXPECT_EQ(r["Core_v1"], "N/A due to missing tasks: ['squad']");
  EXPECT_EQ(r["Extended_v2"], "N/A due to missing tasks: ['squad', 'bbq']");
  EXPECT_EQ(r["Core_partial"]["tasks_present"], 21);
  EXPECT_EQ(r["Core_partial"]["tasks_total"], 22);
  EXPECT_EQ(r["Core_partial"]["tasks_missing"], json({"squad"}));
  EXPECT_EQ(r["Extended_partial"]["tasks_present"], 51);
  EXPECT_TRUE(r["aggregated_centered_results"].is_number());  // computed over the present tasks, as DCLM
  // centered(0.5) with RB 0 = 0.5, RB 50 = 0, RB 25 = 1/3: check one category by hand
  // safety: winogender_mc_female (50), winogender_mc_male (50), enterprise_pii (50) present; bbq missing
  EXPECT_NEAR(r["aggregated_task_categories_centered"]["safety"].get<double>(), 0.0, 1e-15);
  EXPECT_NEAR(r["rw_small"].get<double>(), 0.5, 1e-15);
}

TEST(Aggregate, NoTasks) {
  json r = aggregate_icl(json::object());
  EXPECT_TRUE(r["aggregated_centered_results"].is_null());
  EXPECT_TRUE(r["Core"].get<std::string>().rfind("N/A due to missing tasks: ['hellaswag_zeroshot', ", 0) == 0);
  EXPECT_TRUE(r["Core_partial"]["v2"].is_null());
}

TEST(Aggregate, CenteredAndRepr) {
  EXPECT_DOUBLE_EQ(centered_accuracy(0.75, 50), 0.5);
  EXPECT_DOUBLE_EQ(centered_accuracy(0.3, 0), 0.3);
  EXPECT_EQ(py_list_repr({}), "[]");
  EXPECT_EQ(py_list_repr({"a", "b_c"}), "['a', 'b_c']");
  EXPECT_EQ(py_list_repr({"it's"}), "[\"it's\"]");
}

TEST(Aggregate, LoggerKeyExtractionLikeDclmDriver) {
  // spec §1: category tasks macro-averaged by substring match of their label in the logger key
  std::vector<std::pair<std::string, double>> kv = {
      {"metrics/jeopardy/10-shot/american_history/InContextLearningLMAccuracy", 0.1},
      {"metrics/jeopardy/10-shot/literature/InContextLearningLMAccuracy", 0.2},
      {"metrics/arc_easy/10-shot/InContextLearningMultipleChoiceAccuracy", 0.7},
      {"metrics/jeopardy/10-shot/science/InContextLearningLMAccuracy", 0.6},
      // quirk: a non-category task whose key contains a category label joins that label's list
      {"metrics/jeopardy_small/10-shot/InContextLearningLMAccuracy", 0.9}};
  json icl = icl_from_logger_keys(kv, {"jeopardy"});
  EXPECT_EQ(icl.size(), 2u);
  EXPECT_DOUBLE_EQ(icl["jeopardy"].get<double>(), (0.1 + 0.2 + 0.6 + 0.9) / 4);
  EXPECT_DOUBLE_EQ(icl["arc_easy"].get<double>(), 0.7);
  EXPECT_FALSE(icl.contains("jeopardy_small"));
}
