// llm-foundry 0.9 ICL task semantics (spec icl-eval §3–§5): dataset loading and stripping, category
// partitions, few-shot prompt assembly, separate tokenization of preamble / context / continuation,
// left truncation, and the scoring rule of each task type.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "evaluator/language_model.h"
#include "evaluator/py_random.h"
#include "evaluator/suite.h"
#include "tokenizer/tokenizer.h"

namespace dclm::evaluator {

using json = nlohmann::json;

// One dataset (a whole file, or one category partition of it) as llm-foundry sees it.
struct TaskDataset {
  std::string category;    // "" without categories
  std::vector<json> rows;  // file order, top-level strings stripped (strip_dataset)
  bool has_cot = false;    // generation: 'chain_of_thought' in features
  int64_t max_answer_length = 0;  // generation only (computed on the raw rows, before stripping)
};

// Reads a jsonl task file. With has_categories, returns one dataset per category in sorted order;
// otherwise one dataset. For generation tasks pass the tokenizer to compute max_answer_length.
std::vector<TaskDataset> load_task_datasets(const std::string& path, const TaskSpec& spec,
                                            const tokenizer::Tokenizer* tok);
// Same from already-parsed raw rows (tests).
std::vector<TaskDataset> make_task_datasets(const std::vector<json>& raw_rows, const TaskSpec& spec,
                                            const tokenizer::Tokenizer* tok);

// The strings of one prepared example (before tokenization).
struct PromptExample {
  std::string preamble;                    // prompt_string + few-shot examples (prompt_and_fewshot)
  std::vector<std::string> contexts;       // MC/LM/generation: 1 (rstripped); schema: one per option
  std::vector<std::string> continuations;  // MC: the choices; schema/LM: the continuation (raw text)
  int64_t gold = 0;                        // MC/schema
  std::vector<std::string> answers;        // generation: aliases incl. answer
  std::vector<int64_t> fewshot_idxs;       // prompt order
};

// Prepares example `idx`, consuming `rng` exactly like llm-foundry (call for idx = 0, 1, ... in order).
PromptExample build_prompt(const TaskSpec& spec, const TaskDataset& ds, int64_t idx, PyRandom& rng);

// `len(tok(' a')) == 1`: continuations get a leading space.
bool tokenizer_needs_prefix_space(const tokenizer::Tokenizer& tok);

// Tokenized, trimmed scoring rows of an example: MC → one per choice; schema → one per context
// option; LM → one.
std::vector<ScoreRequest> make_score_requests(const TaskSpec& spec, const PromptExample& ex,
                                              const tokenizer::Tokenizer& tok, int64_t max_seq_len);
// llm-foundry trim_context: keep the last (max_seq_len - |cont|) context tokens when too long.
std::vector<int32_t> trim_context(const std::vector<int32_t>& ctx, size_t cont_len, int64_t max_seq_len);

// MC/schema: index of the minimum mean per-token NLL (= min perplexity), first on ties.
int64_t mc_prediction(const std::vector<ScoreResult>& per_choice);
// LM: every continuation token is the greedy argmax.
bool lm_correct(const ScoreRequest& req, const ScoreResult& res);

// Generation (generation_task_with_answers).
GenerateRequest make_generate_request(const TaskSpec& spec, const TaskDataset& ds, const PromptExample& ex,
                                      const tokenizer::Tokenizer& tok, int64_t max_seq_len);
// Applies EOS, the string stopping criteria (MultiTokenEOSCriteria, one row per batch) and decoding.
std::string postprocess_generation(const TaskSpec& spec, const GenerateRequest& req,
                                   const std::vector<int32_t>& generated, const tokenizer::Tokenizer& tok);
// transformers' clean_up_tokenization (" ." → ".", " n't" → "n't", ...). llm-foundry decodes with the
// tokenizer's default, which is on for GPT-NeoX-20B (transformers 4.40); applied for kind()
// "gpt-neox-bpe" only.
std::string clean_up_tokenization(const std::string& s);
// InContextLearningGenerationExactMatchAccuracy for one sample.
bool generation_correct(const TaskSpec& spec, const std::string& output, const std::vector<std::string>& answers);
std::string normalize_answer(const std::string& s);

}  // namespace dclm::evaluator
