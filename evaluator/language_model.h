// What the evaluator needs from a model. Implemented by the OpenLM/LibTorch adaptor
// (evaluator/openlm_model.*) and by hand-built models with known log-probabilities in tests.
#pragma once
#include <cstdint>
#include <vector>

namespace dclm::evaluator {

struct ScoreRequest {
  std::vector<int32_t> context;       // tokens before the continuation (already left-truncated)
  std::vector<int32_t> continuation;  // tokens whose log-probabilities are wanted
};

struct ScoreResult {
  std::vector<double> logprobs;  // log P(continuation[i] | context, continuation[<i]), natural log
  std::vector<int32_t> greedy;   // argmax token at each continuation position
};

struct GenerateRequest {
  std::vector<int32_t> context;
  int64_t max_new_tokens = 0;
  std::vector<std::vector<int32_t>> stop_sequences;  // generation stops after any of these appears
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual int64_t max_seq_len() const = 0;
  virtual int32_t pad_id() const = 0;
  // Batched scoring; padding inside the batch must not change any result.
  virtual std::vector<ScoreResult> score(const std::vector<ScoreRequest>& batch) = 0;
  // Greedy generation (with a KV cache where the backend has one). Returns the new tokens only.
  virtual std::vector<std::vector<int32_t>> generate(const std::vector<GenerateRequest>& batch) = 0;
};

}  // namespace dclm::evaluator
