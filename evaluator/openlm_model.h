// LanguageModel adaptor for an OpenLM model exported by trainer::train (model.pt + model.json).
//   score():    batched fp32 forward with right padding (pad tokens sit after every real token, so in
//               a causal model they cannot change any scored position); log-probabilities are
//               logit − logsumexp(logits) in fp32; rows are split into sub-batches that keep the
//               [B, T, V] logits under ~1 GiB.
//   generate(): greedy decoding with a KV cache, one request at a time; the returned tokens include a
//               matched stop sequence (generation stops right after it) and never exceed max_new_tokens
//               or the model's seq_len in total.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "evaluator/language_model.h"

namespace dclm::evaluator {

// Loads out_dir/model.pt + model.json written by trainer::train. Error (naming the file) when either is
// missing, the config is invalid, the sha256 recorded in model.json does not match model.pt, or a tensor
// is missing / mis-shaped.
std::unique_ptr<LanguageModel> load_openlm_language_model(const std::string& train_out_dir, int32_t pad_id,
                                                          int threads = 0);

}  // namespace dclm::evaluator
