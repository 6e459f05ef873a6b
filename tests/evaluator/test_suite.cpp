// Embedded suites: heavy = DCLM's 53 tasks (settings of spec icl-eval §8), core = 22 + mmlu_fewshot,
// cpu_smoke = one task per scored type; consistency with the aggregation tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.h"

#include "evaluator/suite.h"
#include "test_util.h"

using namespace dclm::evaluator;

TEST(Suites, HeavyMatchesAggregationTables) {
  const Suite heavy = load_suite("heavy");
  const AggregationMeta& m = dclm_aggregation_meta();
  ASSERT_EQ(heavy.tasks.size(), 53u);
  ASSERT_EQ(m.tasks.size(), 53u);
  int core = 0;
  const auto& core_list = m.core_tasks();
  for (size_t i = 0; i < 53; ++i) {
    const TaskSpec& t = heavy.tasks[i];
    EXPECT_EQ(t.label, m.tasks[i].label);  // heavy.yaml order = CSV order
    EXPECT_EQ(t.category, m.tasks[i].category);
    EXPECT_EQ(t.random_baseline_v1, m.tasks[i].random_baseline_v1);
    EXPECT_EQ(t.random_baseline_v2, m.tasks[i].random_baseline_v2);
    EXPECT_EQ(t.core, std::find(core_list.begin(), core_list.end(), t.label) != core_list.end()) << t.label;
    core += t.core;
    EXPECT_EQ(t.example_delimiter, "\n");
    EXPECT_EQ(t.prompt_string, "");
    EXPECT_EQ(t.fewshot_random_seed, 1234u);
  }
  EXPECT_EQ(core, 22);
}

TEST(Suites, HeavySpotChecks) {
  const Suite heavy = load_suite("heavy");
  auto get = [&](const std::string& l) {
    for (const auto& t : heavy.tasks)
      if (t.label == l) return t;
    throw std::runtime_error(l);
  };
  TaskSpec g = get("gsm8k_cot");
  EXPECT_EQ(g.type, TaskType::GenerationWithAnswers);
  EXPECT_EQ(g.num_fewshot, 3);
  EXPECT_EQ(g.continuation_delimiter, "\nA: Let's think step by step. ");
  EXPECT_EQ(g.cot_delimiter, " #### ");
  EXPECT_EQ(g.question_prelimiter, "Q: ");
  EXPECT_EQ(g.early_stopping_criteria, (std::vector<std::string>{"\n\n", "Q:", "Q: "}));
  EXPECT_EQ(get("svamp_cot").continuation_delimiter, "\nUsing the formula below:\n");
  EXPECT_EQ(get("mmlu_zeroshot").continuation_delimiter, "Answer: ");
  EXPECT_TRUE(get("mmlu_zeroshot").has_categories);
  EXPECT_TRUE(get("bbq").has_categories);
  EXPECT_EQ(get("winograd").type, TaskType::Schema);
  EXPECT_EQ(get("winograd").dataset, "local_data/language_understanding/winograd_wsc.jsonl");
  EXPECT_EQ(get("jeopardy").dataset, "local_data/world_knowledge/jeopardy_all.jsonl");
  EXPECT_EQ(get("siqa").random_baseline_v1, 33.3);
  EXPECT_EQ(get("siqa").random_baseline_v2, 50);
  EXPECT_EQ(get("commonsense_qa").random_baseline_v2, 40.3);
  EXPECT_EQ(get("bigbench_language_identification").random_baseline_v1, 9.1);
  EXPECT_EQ(get("boolq").random_baseline_v2, 62);
  EXPECT_EQ(get("gpqa_main").num_fewshot, 5);
  EXPECT_EQ(get("coqa").num_fewshot, 0);
}

TEST(Suites, CoreAndSmoke) {
  const Suite core = load_suite("core");
  ASSERT_EQ(core.tasks.size(), 23u);
  int n_core = 0;
  for (const auto& t : core.tasks) n_core += t.core;
  EXPECT_EQ(n_core, 22);
  const Suite smoke = load_suite("cpu_smoke");
  std::set<TaskType> types;
  for (const auto& t : smoke.tasks) types.insert(t.type);
  EXPECT_EQ(types, (std::set<TaskType>{TaskType::MultipleChoice, TaskType::Schema, TaskType::LanguageModeling}));
  // same settings as heavy for the same label
  const Suite heavy = load_suite("heavy");
  for (const auto& s : smoke.tasks)
    for (const auto& h : heavy.tasks)
      if (h.label == s.label) {
        EXPECT_EQ(h.dataset, s.dataset);
        EXPECT_EQ(h.num_fewshot, s.num_fewshot);
        EXPECT_EQ(h.continuation_delimiter, s.continuation_delimiter);
      }
}

TEST(Suites, UserYamlAndErrors) {
  Suite s = load_suite(dclm::testing::fixture("evaluator/suite.yaml"));
  EXPECT_EQ(s.name, "fixture");
  EXPECT_EQ(s.tasks.size(), 4u);
  EXPECT_THROW(load_suite("no-such-suite"), dclm::Error);
  EXPECT_THROW(parse_suite_yaml("name: x\ntasks:\n  - {label: a, dataset: a.jsonl, type: schema, num_fewshot: 0, bogus: 1}\n", "t"),
               dclm::Error);
  EXPECT_THROW(parse_suite_yaml("name: x\ntasks:\n  - {label: a, dataset: a.jsonl, type: nope, num_fewshot: 0}\n", "t"),
               dclm::Error);
}
