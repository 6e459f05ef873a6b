// EvalOptions::tasks, per-task timing and the per-example sample log (log_samples), checked against
// the hand-built RuleModel of fakes.h on the fixture suite.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/io.h"
#include "evaluator/eval.h"
#include "evaluator/icl_tasks.h"
#include "evaluator/py_random.h"
#include "evaluator/suite.h"
#include "fakes.h"
#include "test_util.h"

using namespace dclm::evaluator;
using json = nlohmann::json;

namespace {

EvalOptions fixture_options() {
  EvalOptions o;
  o.suite = dclm::testing::fixture("evaluator/suite.yaml");
  o.data_dir = dclm::testing::fixture("evaluator");
  o.batch_size = 3;
  return o;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const TaskSpec& spec_of(const Suite& s, const std::string& label) {
  for (const auto& t : s.tasks)
    if (t.label == label) return t;
  throw std::runtime_error("no task " + label);
}

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// RuleModel: every continuation token has log-prob -0.1 when the continuation contains "RIGHT" or
// the context ends with "GOOD", else -1 → mean cross-entropy 0.1 or 1.0.
double rule_ce(bool good) { return good ? 0.1 : 1.0; }

int64_t argmin_first(const std::vector<double>& v) {
  int64_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] < v[static_cast<size_t>(best)]) best = static_cast<int64_t>(i);
  return best;
}

}  // namespace

TEST(EvalTasks, OnlySelectedTasksRunAndOthersAreMissing) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  EvalOptions o = fixture_options();
  o.tasks = {"jeopardy", "copa"};
  json r = run_eval(o, lm, tok);
  const json& icl = r["eval_metrics"]["icl"];
  EXPECT_EQ(icl.size(), 2u);
  EXPECT_DOUBLE_EQ(icl["copa"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(icl["jeopardy"].get<double>(), (2.0 / 3.0 + 1.0 / 4.0) / 2.0);
  EXPECT_FALSE(icl.contains("winograd"));
  EXPECT_FALSE(r["dclm_tasks"].contains("winograd"));
  EXPECT_FALSE(r["dclm_tasks"].contains("squad"));  // not selected: not even tried
  EXPECT_EQ(r["dclm_tasks_missing_data"], json::array());
  EXPECT_EQ(r["dclm_tasks_not_selected"], json({"winograd", "squad"}));
  EXPECT_EQ(lm.requests.size(), 4u * 2 + 7u);  // no winograd requests
  EXPECT_NE(r["Core"].get<std::string>().find("'winograd'"), std::string::npos);
  EXPECT_EQ(r["Core_partial"]["tasks_present"], 2);
}

TEST(EvalTasks, UnknownLabelListsTheSuiteLabels) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  EvalOptions o = fixture_options();
  o.tasks = {"copa", "nope"};
  try {
    run_eval(o, lm, tok);
    FAIL() << "expected dclm::Error";
  } catch (const dclm::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("nope"), std::string::npos) << m;
    EXPECT_NE(m.find("copa, winograd, jeopardy, squad"), std::string::npos) << m;
  }
  EXPECT_TRUE(lm.requests.empty());
}

TEST(EvalTiming, PerTaskSecondsAndRate) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  EvalOptions o = fixture_options();
  json r = run_eval(o, lm, tok);
  for (const char* t : {"copa", "winograd", "jeopardy"}) {
    const json& d = r["dclm_tasks"][t];
    ASSERT_TRUE(d["seconds"].is_number()) << t;
    ASSERT_TRUE(d["examples_per_second"].is_number()) << t;
    EXPECT_GE(d["seconds"].get<double>(), 0.0) << t;
    EXPECT_GE(d["examples_per_second"].get<double>(), 0.0) << t;
    if (d["seconds"].get<double>() > 0) {
      EXPECT_NEAR(d["examples_per_second"].get<double>(),
                  d["examples"].get<double>() / d["seconds"].get<double>(), 1e-6 * d["examples_per_second"].get<double>());
    }
  }
  EXPECT_FALSE(r["dclm_tasks"]["squad"].contains("seconds"));  // missing data: not run
}

TEST(EvalSampleLog, LinesMatchTheHandBuiltModelAndTheSampler) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  dclm::testing::TempDir tmp;
  EvalOptions o = fixture_options();
  o.log_samples = tmp / "sub/samples.jsonl";
  json r = run_eval(o, lm, tok);
  const auto lines = read_jsonl(o.log_samples);
  // one line per evaluated example: copa 4 + winograd 3 + jeopardy 7 (squad has no data)
  EXPECT_EQ(lines.size(), 4u + 3u + 7u);
  EXPECT_EQ(static_cast<int64_t>(lines.size()), r["dclm_tasks"]["copa"]["examples"].get<int64_t>() +
                                                    r["dclm_tasks"]["winograd"]["examples"].get<int64_t>() +
                                                    r["dclm_tasks"]["jeopardy"]["examples"].get<int64_t>());

  const Suite suite = load_suite(o.suite);
  // expected few-shot indices: the sampler replayed per dataset (partition) in example order
  auto expected_fewshot = [&](const TaskSpec& spec, const TaskDataset& ds) {
    PyRandom rng(spec.fewshot_random_seed);
    std::vector<std::vector<int64_t>> out;
    for (int64_t i = 0; i < static_cast<int64_t>(ds.rows.size()); ++i)
      out.push_back(fewshot_sample_idxs(static_cast<int64_t>(ds.rows.size()), spec.num_fewshot, i, rng));
    return out;
  };

  size_t li = 0;
  // copa (MC): CE per choice from the choice text, prediction = argmin, gold from the row
  {
    const TaskSpec& spec = spec_of(suite, "copa");
    auto dss = load_task_datasets(o.data_dir + "/mc.jsonl", spec, &tok);
    ASSERT_EQ(dss.size(), 1u);
    auto fs = expected_fewshot(spec, dss[0]);
    for (size_t i = 0; i < dss[0].rows.size(); ++i, ++li) {
      ASSERT_LT(li, lines.size());
      const json& l = lines[li];
      const json& row = dss[0].rows[i];
      EXPECT_EQ(l["task"], "copa");
      EXPECT_FALSE(l.contains("category"));
      EXPECT_EQ(l["example_index"], static_cast<int64_t>(i));
      EXPECT_EQ(l["fewshot_indices"].get<std::vector<int64_t>>(), fs[i]);
      std::vector<double> want;
      for (const auto& c : row["choices"]) want.push_back(rule_ce(c.get<std::string>().find("RIGHT") != std::string::npos));
      const auto got = l["cross_entropy"].get<std::vector<double>>();
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-12) << i << "/" << k;
      EXPECT_EQ(l["prediction"], argmin_first(want));
      EXPECT_EQ(l["gold"], row["gold"]);
      ASSERT_EQ(l["sequences"].size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) {
        const json& s = l["sequences"][k];
        const auto ctx = s["context_tokens"].get<std::vector<int32_t>>();
        const auto cont = s["continuation_tokens"].get<std::vector<int32_t>>();
        EXPECT_EQ(tok.decode(cont), " " + row["choices"][k].get<std::string>());
        EXPECT_TRUE(ends_with(tok.decode(ctx), "Answer:"));
        EXPECT_EQ(s["continuation_span"], json({ctx.size(), ctx.size() + cont.size()}));
      }
    }
  }
  // winograd (schema): CE per context option (ends with "GOOD" → 0.1)
  {
    const TaskSpec& spec = spec_of(suite, "winograd");
    auto dss = load_task_datasets(o.data_dir + "/schema.jsonl", spec, &tok);
    auto fs = expected_fewshot(spec, dss[0]);
    for (size_t i = 0; i < dss[0].rows.size(); ++i, ++li) {
      ASSERT_LT(li, lines.size());
      const json& l = lines[li];
      const json& row = dss[0].rows[i];
      EXPECT_EQ(l["task"], "winograd");
      EXPECT_EQ(l["example_index"], static_cast<int64_t>(i));
      EXPECT_EQ(l["fewshot_indices"].get<std::vector<int64_t>>(), fs[i]);
      std::vector<double> want;
      for (const auto& c : row["context_options"]) want.push_back(rule_ce(ends_with(c.get<std::string>(), "GOOD")));
      const auto got = l["cross_entropy"].get<std::vector<double>>();
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-12) << i << "/" << k;
      EXPECT_EQ(l["prediction"], argmin_first(want));
      EXPECT_EQ(l["gold"], row["gold"]);
      EXPECT_EQ(l["sequences"].size(), want.size());
    }
  }
  // jeopardy (LM, categories alpha then beta): greedy match iff the continuation contains "yes"
  {
    const TaskSpec& spec = spec_of(suite, "jeopardy");
    auto dss = load_task_datasets(o.data_dir + "/lm_cat.jsonl", spec, &tok);
    ASSERT_EQ(dss.size(), 2u);
    for (const auto& ds : dss) {
      auto fs = expected_fewshot(spec, ds);
      for (size_t i = 0; i < ds.rows.size(); ++i, ++li) {
        ASSERT_LT(li, lines.size());
        const json& l = lines[li];
        const std::string cont = ds.rows[i]["continuation"].get<std::string>();
        EXPECT_EQ(l["task"], "jeopardy");
        EXPECT_EQ(l["category"], ds.category);
        EXPECT_EQ(l["example_index"], static_cast<int64_t>(i));
        EXPECT_EQ(l["fewshot_indices"].get<std::vector<int64_t>>(), fs[i]);
        EXPECT_EQ(l["greedy_match"], cont.find("yes") != std::string::npos);
        EXPECT_EQ(l["correct"], l["greedy_match"]);
        EXPECT_EQ(l["gold"], " " + cont);
        ASSERT_EQ(l["sequences"].size(), 1u);
        EXPECT_EQ(tok.decode(l["sequences"][0]["continuation_tokens"].get<std::vector<int32_t>>()), " " + cont);
      }
    }
  }
  EXPECT_EQ(li, lines.size());
  EXPECT_EQ(r["dclm_log_samples"], o.log_samples);
}

TEST(EvalSampleLog, NoFileLeftWhenTheRunFails) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  dclm::testing::TempDir tmp;
  EvalOptions o = fixture_options();
  o.tasks = {"bogus"};
  o.log_samples = tmp / "samples.jsonl";
  EXPECT_THROW(run_eval(o, lm, tok), dclm::Error);
  EXPECT_FALSE(dclm::file_exists(o.log_samples));
}

TEST(EvalSampleLog, GenerationTaskOnSharedData) {
  DCLM_REQUIRE_DATA("eval/local_data");
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  lm.canned_generation = " 42\n\nQ: more";
  dclm::testing::TempDir tmp;
  EvalOptions o;
  o.suite = "heavy";
  o.data_dir = dclm::testing::data_path("eval");
  o.limit = 3;
  o.tasks = {"gsm8k_cot"};
  o.log_samples = tmp / "gen.jsonl";
  json r = run_eval(o, lm, tok);
  EXPECT_EQ(r["eval_metrics"]["icl"].size(), 1u);
  EXPECT_EQ(lm.generate_requests.size(), 3u);
  const auto lines = read_jsonl(o.log_samples);
  ASSERT_EQ(lines.size(), 3u);
  const TaskSpec& spec = spec_of(load_suite("heavy"), "gsm8k_cot");
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& l = lines[i];
    EXPECT_EQ(l["task"], "gsm8k_cot");
    EXPECT_EQ(l["example_index"], static_cast<int64_t>(i));
    EXPECT_EQ(l["fewshot_indices"].size(), static_cast<size_t>(spec.num_fewshot));
    const std::string g = l["generation"].get<std::string>();
    EXPECT_FALSE(g.empty());
    EXPECT_EQ(lm.canned_generation.compare(0, g.size(), g), 0) << g;  // a prefix of what the model produced
    EXPECT_EQ(l["prediction"], l["generation"]);
    EXPECT_TRUE(l["gold"].is_array());
    ASSERT_EQ(l["sequences"].size(), 1u);
    EXPECT_EQ(l["sequences"][0]["context_tokens"].get<std::vector<int32_t>>(), lm.generate_requests[i].context);
  }
}
