// Scoring rules with a hand-built LanguageModel (spec icl-eval §5) and run_eval end to end on the
// fixture suite.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/io.h"
#include "common/jsonl.h"
#include "evaluator/eval.h"
#include "evaluator/icl_tasks.h"
#include "fakes.h"
#include "test_util.h"

using namespace dclm::evaluator;
using json = nlohmann::json;

namespace {
ScoreResult lp(std::vector<double> v) {
  ScoreResult r;
  r.logprobs = std::move(v);
  return r;
}
}  // namespace

TEST(Scoring, MultipleChoiceUsesMeanPerTokenNll) {
  // choice 0: mean NLL 1.0 (sum 3.0); choice 1: mean NLL 2.5 (sum 2.5) → mean picks 0 (a sum would pick 1)
  EXPECT_EQ(mc_prediction({lp({-1, -1, -1}), lp({-2.5})}), 0);
  EXPECT_EQ(mc_prediction({lp({-2.5}), lp({-1, -1, -1})}), 1);
  // four choices, lowest mean NLL wins
  EXPECT_EQ(mc_prediction({lp({-3, -1}), lp({-0.5, -0.7}), lp({-0.1, -5}), lp({-2})}), 1);
  // ties → the first index
  EXPECT_EQ(mc_prediction({lp({-1, -3}), lp({-2}), lp({-2, -2})}), 0);
  EXPECT_EQ(mc_prediction({lp({-4}), lp({-2}), lp({-2, -2})}), 1);
}

TEST(Scoring, LanguageModelingNeedsEveryTokenGreedy) {
  ScoreRequest req;
  req.continuation = {5, 6, 7};
  ScoreResult res;
  res.greedy = {5, 6, 7};
  EXPECT_TRUE(lm_correct(req, res));
  res.greedy = {5, 6, 8};
  EXPECT_FALSE(lm_correct(req, res));
  res.greedy = {4, 6, 7};
  EXPECT_FALSE(lm_correct(req, res));
}

TEST(Scoring, NormalizeAnswer) {
  EXPECT_EQ(normalize_answer("The  Onion!"), "onion");
  EXPECT_EQ(normalize_answer("1,000"), "1 000");
  EXPECT_EQ(normalize_answer("an_apple a day"), "apple day");
  EXPECT_EQ(normalize_answer("(a"), "");
  EXPECT_EQ(normalize_answer("$a$"), "");
  EXPECT_EQ(normalize_answer("Theater"), "theater");
  EXPECT_EQ(normalize_answer("\xE2\x80\x98quoted\xE2\x80\x99 `x`"), "quoted x");
}

TEST(Scoring, GenerationExactMatchQuirks) {
  TaskSpec spec;
  spec.type = TaskType::GenerationWithAnswers;
  EXPECT_TRUE(generation_correct(spec, " 12", {"1"}));   // prefix match
  EXPECT_TRUE(generation_correct(spec, " anything", {"(a"}));  // label normalizing to '' always matches
  EXPECT_FALSE(generation_correct(spec, " Paris", {"London", "UK"}));
  EXPECT_TRUE(generation_correct(spec, " The onion skins", {"Onion"}));
  spec.cot_delimiter = " #### ";
  spec.early_stopping_criteria = {"\n\n", "Q:", "Q: "};
  EXPECT_TRUE(generation_correct(spec, " 5 apples. #### 42\n\nQ: next #### 7", {"42"}));
  EXPECT_FALSE(generation_correct(spec, " 5 apples. #### 41\n\nQ: next #### 42", {"42"}));
}

TEST(Scoring, GenerationStoppingCriteria) {
  TaskSpec spec;
  spec.type = TaskType::GenerationWithAnswers;
  spec.early_stopping_criteria = {"\n\n"};
  dclm::testing::WordTokenizer tok;
  GenerateRequest req;
  req.context = tok.encode("Q: x\nA:");
  req.max_new_tokens = 20;
  // the string criterion cuts right after the token completing "\n\n"
  EXPECT_EQ(postprocess_generation(spec, req, tok.encode(" 4\n\nQ: y"), tok), " 4\n\n");
  // EOS ends the generation and is not decoded
  std::vector<int32_t> g = tok.encode(" 7 apples");
  g.insert(g.begin() + 1, tok.eot_id());
  EXPECT_EQ(postprocess_generation(spec, req, g, tok), " 7");
  // max_new_tokens caps
  req.max_new_tokens = 1;
  EXPECT_EQ(postprocess_generation(spec, req, tok.encode(" 4 5 6"), tok), " 4");
}

TEST(RunEval, FixtureSuiteEndToEnd) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  dclm::testing::TempDir tmp;
  EvalOptions o;
  o.suite = dclm::testing::fixture("evaluator/suite.yaml");
  o.data_dir = dclm::testing::fixture("evaluator");
  o.batch_size = 3;
  o.model_name = "rule-model";
  o.out_path = tmp / "eval.json";
  json r = run_eval(o, lm, tok);

  // accuracies known from the fixture rows and the model's rules
  const json& icl = r["eval_metrics"]["icl"];
  EXPECT_DOUBLE_EQ(icl["copa"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(icl["winograd"].get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(icl["jeopardy"].get<double>(), (2.0 / 3.0 + 1.0 / 4.0) / 2.0);  // macro over categories
  EXPECT_FALSE(icl.contains("squad"));
  EXPECT_EQ(r["dclm_tasks_missing_data"], json({"squad"}));
  EXPECT_EQ(r["dclm_tasks"]["squad"]["status"], "missing_data");
  EXPECT_EQ(r["dclm_tasks"]["jeopardy"]["categories"]["beta"]["examples"], 4);

  // batches never exceed batch_size rows; an example's choices stay in one batch
  EXPECT_EQ(lm.requests.size(), 4u * 2 + 3u * 2 + 7u);
  EXPECT_GE(lm.score_calls, static_cast<int>((lm.requests.size() + 2) / 3));

  // DCLM fields
  EXPECT_EQ(r["name"], dclm::testing::fixture("evaluator/suite"));  // DCLM: the eval YAML path without .yaml
  EXPECT_EQ(r["dclm_suite"], "fixture");
  EXPECT_EQ(r["model"], "rule-model");
  EXPECT_EQ(r["eval_version"], "v2");
  EXPECT_EQ(r["Core"], "N/A due to missing tasks: ['hellaswag_zeroshot', 'bigbench_qa_wikidata', 'arc_easy', "
                       "'arc_challenge', 'commonsense_qa', 'piqa', 'openbook_qa', 'lambada_openai', 'hellaswag', "
                       "'winogrande', 'bigbench_dyck_languages', 'agi_eval_lsat_ar', 'bigbench_cs_algorithms', "
                       "'bigbench_operators', 'bigbench_repeat_copy_logic', 'squad', 'coqa', 'boolq', "
                       "'bigbench_language_identification']");
  EXPECT_EQ(r["Core_v1"], r["Core"]);
  EXPECT_TRUE(r["Extended"].get<std::string>().rfind("N/A due to missing tasks: ['mmlu_zeroshot', ", 0) == 0);
  EXPECT_TRUE(r["MMLU"].is_string());
  EXPECT_TRUE(r["MMLU"].get<std::string>().rfind("N/A", 0) == 0);
  const double partial = (0.5 + 1.0 / 3.0 + (2.0 / 3.0 + 0.25) / 2.0) / 3.0;  // centered: copa, winograd, jeopardy
  EXPECT_NEAR(r["Core_partial"]["v2"].get<double>(), partial, 1e-15);
  EXPECT_EQ(r["Core_partial"]["tasks_present"], 3);
  EXPECT_EQ(r["Core_partial"]["tasks_total"], 22);
  EXPECT_EQ(r["Extended_partial"]["tasks_total"], 53);
  EXPECT_NEAR(r["aggregated_centered_results"].get<double>(), partial, 1e-15);
  EXPECT_EQ(r["dclm_limit_per_task"], 0);

  // written atomically and identical
  json back = dclm::read_json_file(o.out_path);
  EXPECT_EQ(back, r);
}

TEST(RunEval, LimitTakesTheFirstExamplesWithFullRunPrompts) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  EvalOptions o;
  o.suite = dclm::testing::fixture("evaluator/suite.yaml");
  o.data_dir = dclm::testing::fixture("evaluator");
  o.limit = 2;
  json r = run_eval(o, lm, tok);
  EXPECT_EQ(r["dclm_limit_per_task"], 2);
  EXPECT_EQ(r["dclm_tasks"]["copa"]["examples"], 2);
  EXPECT_DOUBLE_EQ(r["eval_metrics"]["icl"]["copa"].get<double>(), 1.0);
  // categories: ceil(2 / 2) = 1 example per category → alpha yes (1), beta yes (1)
  EXPECT_EQ(r["dclm_tasks"]["jeopardy"]["examples"], 2);
  EXPECT_DOUBLE_EQ(r["eval_metrics"]["icl"]["jeopardy"].get<double>(), 1.0);
  // the first copa request is the full run's first request
  EXPECT_EQ(tok.decode(lm.requests[0].context), "Q2\nAnswer: wrong b2\nQ3\nAnswer: RIGHT b3\nQ0\nAnswer:");
}

TEST(RunEval, ModelMaxSeqLenCapsTruncation) {
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok, /*max_len=*/6);
  EvalOptions o;
  o.suite = dclm::testing::fixture("evaluator/suite.yaml");
  o.data_dir = dclm::testing::fixture("evaluator");
  json r = run_eval(o, lm, tok);
  EXPECT_EQ(r["dclm_max_seq_len"], 6);
  for (const auto& q : lm.requests) EXPECT_LE(q.context.size() + q.continuation.size(), 6u);
}

TEST(RunEval, HeavySuiteOnSharedDataWithLimit) {
  DCLM_REQUIRE_DATA("eval/local_data");
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  lm.canned_generation = " 42\n\nQ: more";
  EvalOptions o;
  o.suite = "heavy";
  o.data_dir = dclm::testing::data_path("eval");
  o.limit = 3;
  json r = run_eval(o, lm, tok);
  // spec §10.2: without the five unavailable files and the approximate HellaSwag, 47 of 53 tasks run
  EXPECT_EQ(r["dclm_tasks_missing_data"],
            json({"hellaswag_zeroshot", "hellaswag", "bigbench_elementary_math_qa", "squad", "coqa", "bbq"}));
  EXPECT_EQ(r["eval_metrics"]["icl"].size(), 47u);
  EXPECT_EQ(r["Core"], "N/A due to missing tasks: ['hellaswag_zeroshot', 'hellaswag', 'squad', 'coqa']");
  EXPECT_EQ(r["Extended_v1"], "N/A due to missing tasks: ['hellaswag_zeroshot', 'hellaswag', "
                              "'bigbench_elementary_math_qa', 'squad', 'coqa', 'bbq']");
  EXPECT_EQ(r["missing tasks"], "['hellaswag_zeroshot', 'hellaswag', 'bigbench_elementary_math_qa', 'squad', 'coqa', 'bbq']");
  EXPECT_EQ(r["Core_partial"]["tasks_present"], 18);
  EXPECT_TRUE(r["MMLU"].is_number());
  EXPECT_EQ(r["MMLU"], r["eval_metrics"]["icl"]["mmlu_fewshot"]);
  EXPECT_EQ(r["dclm_tasks"]["mmlu_fewshot"]["categories"].size(), 57u);
  EXPECT_EQ(r["dclm_tasks"]["gpqa_main"]["status"], "ok");
  EXPECT_EQ(r["dclm_tasks"]["gsm8k_cot"]["examples"], 3);
  EXPECT_FALSE(lm.generate_requests.empty());
}

TEST(RunEval, CpuSmokeSuiteOnSharedData) {
  DCLM_REQUIRE_DATA("eval/local_data");
  dclm::testing::WordTokenizer tok;
  dclm::testing::RuleModel lm(tok);
  dclm::testing::TempDir tmp;
  EvalOptions o;
  o.suite = "cpu_smoke";
  o.limit = 5;
  o.data_dir = dclm::testing::data_path("eval");
  o.out_path = tmp / "smoke.json";
  o.model_name = "rule";
  json r = run_eval(o, lm, tok);
  EXPECT_EQ(r["eval_metrics"]["icl"].size(), 3u);
  for (const char* t : {"copa", "winograd", "lambada_openai"}) {
    EXPECT_EQ(r["dclm_tasks"][t]["status"], "ok") << t;
    EXPECT_EQ(r["dclm_tasks"][t]["examples"], 5) << t;
  }
  EXPECT_EQ(r["name"], "cpu_smoke");
  EXPECT_TRUE(r["Core"].get<std::string>().rfind("N/A due to missing tasks: ['hellaswag_zeroshot', 'jeopardy', ", 0) == 0);
  EXPECT_EQ(r["Core_partial"]["tasks_present"], 3);
  EXPECT_TRUE(r["Core_partial"]["v2"].is_number());
  EXPECT_TRUE(dclm::file_exists(o.out_path));
  if (std::getenv("DCLM_TEST_VERBOSE")) std::cout << r.dump(2) << "\n";
}

TEST(Scoring, PerplexitiesEqualInFloat32Tie) {
  // mean NLLs 1.0 and 1.0 + 1e-9 give the same fp32 perplexity → the first choice wins, as in the
  // reference (cross_entropy and exp in fp32); a float64 comparison would pick index 1 below.
  EXPECT_EQ(mc_prediction({lp({-1.0 - 1e-9}), lp({-1.0})}), 0);
  // overflowing perplexities (mean NLL > 88.7) are all +inf in fp32 → first index
  EXPECT_EQ(mc_prediction({lp({-95.0}), lp({-90.0})}), 0);
}

TEST(RunEval, PacificCreationDate) {
  EXPECT_EQ(pacific_creation_date(1768478400), "2026_01_15-04_00_00");  // 2026-01-15 12:00:00 UTC, PST
  EXPECT_EQ(pacific_creation_date(1772963999), "2026_03_08-01_59_59");  // 09:59:59 UTC, last PST second
  EXPECT_EQ(pacific_creation_date(1772964000), "2026_03_08-03_00_00");  // 10:00:00 UTC, PDT starts
  EXPECT_EQ(pacific_creation_date(1793523599), "2026_11_01-01_59_59");  // 08:59:59 UTC, PDT
  EXPECT_EQ(pacific_creation_date(1793523600), "2026_11_01-01_00_00");  // 09:00:00 UTC, PST again
}

TEST(Scoring, CleanUpTokenizationLikeTransformers) {
  EXPECT_EQ(clean_up_tokenization("I do n't know , he said ."), "I don't know, he said.");
  EXPECT_EQ(clean_up_tokenization("it 's we 're I 'm they 've ' x ? !"), "it's we're I'm they've'x?!");
  EXPECT_EQ(clean_up_tokenization(" 42 .  5"), " 42.  5");
}

TEST(Scoring, NormalizeAnswerUnicode) {
  // Python: normalize_answer("Édith Piaf") == "édith piaf"; "ΑΘΗΝΑ" → "αθηνα"; "the—end" → "end"
  EXPECT_EQ(normalize_answer("\xC3\x89" "dith Piaf"), "\xC3\xA9" "dith piaf");
  EXPECT_EQ(normalize_answer("\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91"), "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1");
  EXPECT_EQ(normalize_answer("the\xE2\x80\x94" "end"), "\xE2\x80\x94" "end");
  EXPECT_EQ(normalize_answer("a\xC2\xA0" "b"), "b");  // NBSP is whitespace
  EXPECT_EQ(normalize_answer("\xC3\xA9" "a"), "\xC3\xA9" "a");  // é is a word character: no boundary
}
