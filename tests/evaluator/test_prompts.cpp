// Prompt assembly, tokenization and truncation per spec icl-eval §3 and §5, on the fixture tasks of
// tests/fixtures/evaluator (expected strings written from the spec rules; few-shot indices from
// CPython 3.11 random.Random(1234)) and on spec examples from the real data.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/text.h"
#include "evaluator/icl_tasks.h"
#include "evaluator/suite.h"
#include "fakes.h"
#include "test_util.h"

using namespace dclm::evaluator;
using dclm::testing::fixture;

namespace {

TaskSpec fixture_spec(const std::string& label) {
  Suite s = load_suite(fixture("evaluator/suite.yaml"));
  for (auto& t : s.tasks)
    if (t.label == label) return t;
  throw std::runtime_error("no fixture task " + label);
}

std::vector<PromptExample> all_prompts(const TaskSpec& spec, const TaskDataset& ds) {
  PyRandom rng(spec.fewshot_random_seed);
  std::vector<PromptExample> v;
  for (size_t i = 0; i < ds.rows.size(); ++i) v.push_back(build_prompt(spec, ds, static_cast<int64_t>(i), rng));
  return v;
}

}  // namespace

TEST(Prompts, MultipleChoiceFewShot) {
  const TaskSpec spec = fixture_spec("copa");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(fixture("evaluator/mc.jsonl"), spec, &tok);
  ASSERT_EQ(ds.size(), 1u);
  auto p = all_prompts(spec, ds[0]);
  // few-shot indices (CPython): [[2,3],[0,2],[1,3],[0,1]]
  EXPECT_EQ(p[0].fewshot_idxs, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(p[0].preamble, "Q2\nAnswer: wrong b2\nQ3\nAnswer: RIGHT b3");
  EXPECT_EQ(p[0].contexts, (std::vector<std::string>{"\nQ0\nAnswer:"}));  // query stripped, context rstripped
  EXPECT_EQ(p[0].continuations, (std::vector<std::string>{"RIGHT a0", "wrong b0"}));
  EXPECT_EQ(p[1].preamble, "Q0\nAnswer: RIGHT a0\nQ2\nAnswer: wrong b2");
  EXPECT_EQ(p[1].contexts[0], "\nQ1\nAnswer:");
  EXPECT_EQ(p[2].preamble, "Q1\nAnswer: RIGHT b1\nQ3\nAnswer: RIGHT b3");
  EXPECT_EQ(p[3].preamble, "Q0\nAnswer: RIGHT a0\nQ1\nAnswer: RIGHT b1");
  EXPECT_EQ(p[3].contexts[0], "\nQ3\nAnswer:");  // "Q3\n" stripped
  EXPECT_EQ(p[3].gold, 1);

  // tokenization: one row per choice, context = preamble ids + context ids, continuation " " + choice
  auto reqs = make_score_requests(spec, p[0], tok, 2048);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(tok.decode(reqs[0].context), "Q2\nAnswer: wrong b2\nQ3\nAnswer: RIGHT b3\nQ0\nAnswer:");
  EXPECT_EQ(tok.decode(reqs[0].continuation), " RIGHT a0");
  EXPECT_EQ(reqs[0].continuation, tok.encode(" RIGHT a0"));
  EXPECT_EQ(tok.decode(reqs[1].continuation), " wrong b0");
  // separate tokenization: preamble and context are tokenized on their own and concatenated
  std::vector<int32_t> want = tok.encode(p[0].preamble);
  auto c = tok.encode("\nQ0\nAnswer:");
  want.insert(want.end(), c.begin(), c.end());
  EXPECT_EQ(reqs[0].context, want);
}

TEST(Prompts, ZeroShotHasNoDelimiterAndNoPrefixSpaceForByteTokenizer) {
  TaskSpec spec = fixture_spec("copa");
  spec.num_fewshot = 0;
  spec.continuation_delimiter = " ";
  dclm::testing::ByteTokenizer tok;
  EXPECT_FALSE(tokenizer_needs_prefix_space(tok));
  auto ds = load_task_datasets(fixture("evaluator/mc.jsonl"), spec, &tok);
  auto p = all_prompts(spec, ds[0]);
  EXPECT_EQ(p[0].preamble, "");
  EXPECT_TRUE(p[0].fewshot_idxs.empty());
  EXPECT_EQ(p[0].contexts[0], "Q0");  // "Q0 " rstripped
  auto reqs = make_score_requests(spec, p[0], tok, 2048);
  EXPECT_EQ(tok.decode(reqs[0].context), "Q0");
  EXPECT_EQ(tok.decode(reqs[0].continuation), "RIGHT a0");  // no prefix space added
}

TEST(Prompts, LeftTruncation) {
  const TaskSpec spec = fixture_spec("copa");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(fixture("evaluator/mc.jsonl"), spec, &tok);
  auto p = all_prompts(spec, ds[0]);
  auto reqs = make_score_requests(spec, p[0], tok, 5);  // continuation " RIGHT a0" = 2 tokens
  ASSERT_EQ(reqs[0].context.size(), 3u);
  EXPECT_EQ(tok.decode(reqs[0].context), "Q0\nAnswer:");
  EXPECT_EQ(trim_context({1, 2, 3, 4}, 2, 6), (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(trim_context({1, 2, 3, 4}, 3, 6), (std::vector<int32_t>{2, 3, 4}));
  EXPECT_THROW(trim_context({1, 2}, 6, 6), dclm::Error);
}

TEST(Prompts, SchemaFewShotAndZeroShot) {
  TaskSpec spec = fixture_spec("winograd");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(fixture("evaluator/schema.jsonl"), spec, &tok);
  auto p = all_prompts(spec, ds[0]);  // few-shot [[1],[0],[0]]
  EXPECT_EQ(p[0].preamble, "S1 GOOD end1.");
  // with preceding text: prelimiter + example_delimiter + option + continuation_delimiter.rstrip()
  EXPECT_EQ(p[0].contexts, (std::vector<std::string>{"\nS0 GOOD", "\nS0 bad"}));
  EXPECT_EQ(p[0].continuations, (std::vector<std::string>{"end0."}));
  EXPECT_EQ(p[2].preamble, "S0 GOOD end0.");
  auto reqs = make_score_requests(spec, p[0], tok, 2048);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(tok.decode(reqs[1].context), "S1 GOOD end1.\nS0 bad");
  EXPECT_EQ(tok.decode(reqs[0].continuation), " end0.");
  EXPECT_EQ(reqs[0].continuation, reqs[1].continuation);

  spec.num_fewshot = 0;
  spec.question_prelimiter = "P: ";
  auto z = all_prompts(spec, ds[0]);
  EXPECT_EQ(z[1].contexts, (std::vector<std::string>{"P: S1 bad", "P: S1 GOOD"}));  // no delimiter at all
  EXPECT_EQ(z[1].preamble, "");
}

TEST(Prompts, LanguageModelingWithCategories) {
  const TaskSpec spec = fixture_spec("jeopardy");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(fixture("evaluator/lm_cat.jsonl"), spec, &tok);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].category, "alpha");  // sorted categories, rows in file order
  EXPECT_EQ(ds[0].rows.size(), 3u);
  EXPECT_EQ(ds[1].category, "beta");
  EXPECT_EQ(ds[1].rows.size(), 4u);
  auto a = all_prompts(spec, ds[0]);  // [[1],[0],[0]]
  EXPECT_EQ(a[0].preamble, "A1 ctx\nAnswer: yes a1");
  EXPECT_EQ(a[0].contexts[0], "\nA0 ctx\nAnswer:");
  EXPECT_EQ(a[0].continuations[0], "yes a0");
  auto b = all_prompts(spec, ds[1]);  // [[3],[0],[0],[0]]: a fresh Random(1234) per category
  EXPECT_EQ(b[0].preamble, "B3 ctx\nAnswer: no b3");
  EXPECT_EQ(b[1].preamble, "B0 ctx\nAnswer: yes b0");
  auto reqs = make_score_requests(spec, a[0], tok, 2048);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(tok.decode(reqs[0].context), "A1 ctx\nAnswer: yes a1\nA0 ctx\nAnswer:");
  EXPECT_EQ(tok.decode(reqs[0].continuation), " yes a0");
}

TEST(Prompts, GenerationWithChainOfThought) {
  TaskSpec spec;
  spec.label = "gen";
  spec.type = TaskType::GenerationWithAnswers;
  spec.num_fewshot = 1;
  spec.continuation_delimiter = "\nA: Let's think step by step. ";
  spec.question_prelimiter = "Q: ";
  spec.cot_delimiter = " #### ";
  spec.early_stopping_criteria = {"\n\n", "Q:", "Q: "};
  dclm::testing::WordTokenizer tok;
  std::vector<nlohmann::json> rows = {
      {{"context", "What is 1+1? "}, {"chain_of_thought", "One plus one."}, {"answer", "2"}},
      {{"context", "What is 2+2?"}, {"chain_of_thought", "Two plus two."}, {"answer", " 4"}}};
  auto ds = make_task_datasets(rows, spec, &tok);
  ASSERT_TRUE(ds[0].has_cot);
  // longest response "Two plus two. ####  4" (before stripping) = 6 word tokens, + 10 for the cot delimiter
  EXPECT_EQ(ds[0].max_answer_length, static_cast<int64_t>(tok.encode("Two plus two. ####  4").size()) + 10);
  PyRandom rng(1234);
  PromptExample p0 = build_prompt(spec, ds[0], 0, rng);  // N=2: few-shot = [1]
  EXPECT_EQ(p0.preamble, "Q: What is 2+2?\nA: Let's think step by step. Two plus two. #### 4");
  EXPECT_EQ(p0.contexts[0], "\nQ: What is 1+1?\nA: Let's think step by step.");
  GenerateRequest g = make_generate_request(spec, ds[0], p0, tok, 2048);
  EXPECT_EQ(g.max_new_tokens, ds[0].max_answer_length);
  EXPECT_EQ(tok.decode(g.context), p0.preamble + p0.contexts[0]);
}

// --- spec examples on the real data ------------------------------------------------------------
namespace {
TaskSpec heavy_spec(const std::string& label) {
  for (auto& t : load_suite("heavy").tasks)
    if (t.label == label) return t;
  throw std::runtime_error("no heavy task " + label);
}
}  // namespace

TEST(PromptsRealData, ArcEasyExample0) {
  DCLM_REQUIRE_DATA("eval/local_data/world_knowledge/arc_easy.jsonl");
  const TaskSpec spec = heavy_spec("arc_easy");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(dclm::testing::data_path("eval/" + spec.dataset), spec, &tok);
  PyRandom rng(1234);
  PromptExample p = build_prompt(spec, ds[0], 0, rng);
  EXPECT_TRUE(dclm::text::starts_with(p.preamble, "Question: Most plants begin their life cycle as ___.\nAnswer: seeds\nQuestion: "));
  EXPECT_TRUE(dclm::text::ends_with(p.preamble, "\nAnswer: sunlight, water, and carbon dioxide"));
  EXPECT_EQ(p.contexts[0], "\nQuestion: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:");
  EXPECT_EQ(p.continuations[0], "Sunlight is the source of energy for nearly all ecosystems.");
  auto reqs = make_score_requests(spec, p, tok, 2048);
  EXPECT_EQ(tok.decode(reqs[0].continuation), " Sunlight is the source of energy for nearly all ecosystems.");
}

TEST(PromptsRealData, WinograndeRow0) {
  DCLM_REQUIRE_DATA("eval/local_data/language_understanding/winogrande.jsonl");
  const TaskSpec spec = heavy_spec("winogrande");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(dclm::testing::data_path("eval/" + spec.dataset), spec, &tok);
  PyRandom rng(1234);
  PromptExample p = build_prompt(spec, ds[0], 0, rng);
  EXPECT_EQ(p.contexts, (std::vector<std::string>{"Sarah was a much better surgeon than Maria so Sarah",
                                                  "Sarah was a much better surgeon than Maria so Maria"}));
  EXPECT_EQ(p.continuations[0], "always got the easier cases.");
  EXPECT_EQ(p.gold, 1);
}

TEST(PromptsRealData, JeopardyWorldHistoryRow0) {
  DCLM_REQUIRE_DATA("eval/local_data/world_knowledge/jeopardy_all.jsonl");
  const TaskSpec spec = heavy_spec("jeopardy");
  dclm::testing::WordTokenizer tok;
  auto ds = load_task_datasets(dclm::testing::data_path("eval/" + spec.dataset), spec, &tok);
  ASSERT_EQ(ds.size(), 5u);
  EXPECT_EQ(ds[4].category, "world_history");
  EXPECT_EQ(ds[4].rows.size(), 373u);
  PyRandom rng(1234);
  PromptExample p = build_prompt(spec, ds[4], 0, rng);
  EXPECT_EQ(p.contexts[0], "\nWORLD HISTORY: This Navy commander flew from a base at Little America to the South Pole & back "
                           "Nov. 28-29, 1929\nAnswer:");
  EXPECT_EQ(p.continuations[0], "Admiral Richard Byrd");
}

TEST(PromptsRealData, Gsm8kAndMmlu) {
  DCLM_REQUIRE_DATA("eval/local_data/symbolic_problem_solving/gsm8k.jsonl");
  DCLM_REQUIRE_DATA("eval/local_data/world_knowledge/mmlu.jsonl");
  dclm::testing::WordTokenizer tok;
  {
    const TaskSpec spec = heavy_spec("gsm8k_cot");
    auto ds = load_task_datasets(dclm::testing::data_path("eval/" + spec.dataset), spec, &tok);
    PyRandom rng(1234);
    PromptExample p = build_prompt(spec, ds[0], 0, rng);
    EXPECT_TRUE(dclm::text::starts_with(p.preamble, "Q: "));
    EXPECT_NE(p.preamble.find("\nA: Let's think step by step. "), std::string::npos);
    EXPECT_NE(p.preamble.find(" #### "), std::string::npos);
    EXPECT_TRUE(dclm::text::starts_with(p.contexts[0], "\nQ: Janet\xE2\x80\x99s ducks lay 16 eggs per day."));
    EXPECT_TRUE(dclm::text::ends_with(p.contexts[0], "market?\nA: Let's think step by step."));
    EXPECT_EQ(p.answers.size(), 1u);
  }
  for (const char* label : {"mmlu_zeroshot", "mmlu_fewshot"}) {
    const TaskSpec spec = heavy_spec(label);
    auto ds = load_task_datasets(dclm::testing::data_path("eval/" + spec.dataset), spec, &tok);
    ASSERT_EQ(ds.size(), 57u);
    EXPECT_EQ(ds[0].category, "abstract_algebra");
    PyRandom rng(1234);
    PromptExample p = build_prompt(spec, ds[0], 0, rng);
    if (std::string(label) == "mmlu_zeroshot") {
      EXPECT_TRUE(dclm::text::ends_with(p.contexts[0], "Answer:"));
      EXPECT_FALSE(dclm::text::ends_with(p.contexts[0], "\nAnswer:"));  // glued after the stripped query
    } else {
      EXPECT_TRUE(dclm::text::ends_with(p.contexts[0], "\nAnswer:"));
      EXPECT_EQ(p.fewshot_idxs, (std::vector<int64_t>{99, 74, 11, 14, 56}));
    }
    EXPECT_EQ(p.continuations, (std::vector<std::string>{"A", "B", "C", "D"}));
  }
}
