// Reproduces ../shared/data/eval/golden/fewshot_indices_heavy_seed1234.json: for every heavy task,
// the few-shot index lists of every example (and, where the data is present, the dataset sizes and
// category partitions our loader builds, through build_prompt).
#include <gtest/gtest.h>

#include "common/jsonl.h"
#include "evaluator/gpqa.h"
#include "evaluator/icl_tasks.h"
#include "evaluator/suite.h"
#include "fakes.h"
#include "test_util.h"

using namespace dclm::evaluator;
using json = nlohmann::json;

namespace {
const char* kGolden = "eval/golden/fewshot_indices_heavy_seed1234.json";

void check_entry(const std::string& label, int64_t k, const json& e) {
  const int64_t n = e["n"].get<int64_t>();
  const json& want = e["fewshot_idxs"];
  ASSERT_EQ(static_cast<int64_t>(want.size()), n) << label;
  PyRandom rng(1234);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> got = k > 0 ? fewshot_sample_idxs(n, k, i, rng) : std::vector<int64_t>{};
    ASSERT_EQ(json(got), want[i]) << label << " example " << i;
  }
}
}  // namespace

TEST(GoldenFewshot, AllHeavyTasksSampling) {
  DCLM_REQUIRE_DATA(kGolden);
  const json g = dclm::read_json_file(dclm::testing::data_path(kGolden));
  int checked = 0;
  for (auto it = g["tasks"].begin(); it != g["tasks"].end(); ++it) {
    const json& e = it.value();
    if (e.contains("missing_data")) continue;
    const int64_t k = e["num_fewshot"].get<int64_t>();
    if (e.contains("categories")) {
      for (auto c = e["categories"].begin(); c != e["categories"].end(); ++c) check_entry(it.key() + "/" + c.key(), k, c.value());
    } else {
      check_entry(it.key(), k, e);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 47);
}

TEST(GoldenFewshot, LoaderPartitionsAndBuildPrompt) {
  DCLM_REQUIRE_DATA(kGolden);
  const json g = dclm::read_json_file(dclm::testing::data_path(kGolden));
  const Suite heavy = load_suite("heavy");
  dclm::testing::WordTokenizer tok;
  int present = 0;
  for (const auto& spec : heavy.tasks) {
    const json& e = g["tasks"][spec.label];
    const std::string path = dclm::testing::data_path("eval/" + spec.dataset);
    std::vector<TaskDataset> datasets;
    if (dclm::testing::have_data("eval/" + spec.dataset)) {
      datasets = load_task_datasets(path, spec, &tok);
    } else if (spec.dataset.rfind("gpqa_data/", 0) == 0 && dclm::testing::have_data("eval/gpqa/dataset.zip")) {
      datasets = make_task_datasets(load_gpqa_rows(dclm::testing::data_path("eval/gpqa/dataset.zip"), spec.dataset), spec, &tok);
    } else {
      continue;  // data file absent
    }
    ASSERT_FALSE(e.contains("missing_data")) << spec.label;
    ++present;
    std::vector<std::pair<std::string, const json*>> parts;
    if (spec.has_categories) {
      ASSERT_EQ(datasets.size(), e["categories"].size()) << spec.label;
      for (auto& ds : datasets) parts.emplace_back(ds.category, &e["categories"][ds.category]);
    } else {
      ASSERT_EQ(datasets.size(), 1u);
      parts.emplace_back("", &e);
    }
    for (size_t p = 0; p < datasets.size(); ++p) {
      const json& want = *parts[p].second;
      ASSERT_EQ(static_cast<int64_t>(datasets[p].rows.size()), want["n"].get<int64_t>()) << spec.label << " " << parts[p].first;
      // build_prompt on the first 50 examples (string assembly is the slow part; sampling is covered above)
      PyRandom rng(spec.fewshot_random_seed);
      const int64_t m = std::min<int64_t>(50, static_cast<int64_t>(datasets[p].rows.size()));
      for (int64_t i = 0; i < m; ++i) {
        PromptExample ex = build_prompt(spec, datasets[p], i, rng);
        ASSERT_EQ(json(ex.fewshot_idxs), want["fewshot_idxs"][i]) << spec.label << " " << parts[p].first << " #" << i;
      }
    }
  }
  EXPECT_EQ(present, 47);  // 53 − 6 absent files (GPQA converted from the zip)
}
