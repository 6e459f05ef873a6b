// Competition scales: one YAML per scale in scales/ (embedded into the binary at build time).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"

namespace dclm::scales {

struct TrainHparams {
  int64_t tokens = 0;
  double chinchilla_multiplier = 1;
  int64_t global_batch_size = 0;  // sequences per optimizer step
  int64_t accum_freq = 1;
  int64_t warmup = 0;
  double lr = 0, weight_decay = 0, cooldown_lr = 3e-5, z_loss = 0;
  std::string precision;  // amp_bf16 | pure_bf16 | fp32
  int64_t total_steps = 0;
  int64_t seed = 124;
};

// Defaults for `dclm run` at CPU scales (DCLM scales leave them to the run config).
struct RunDefaults {
  std::vector<std::string> pool;  // data paths relative to the data mirror
  std::string recipe;
  int64_t tokenizer_vocab = 0;
  std::string eval_suite;
  int64_t eval_limit = 0;
};

struct Scale {
  std::string name;      // "400M-1x"
  std::string dclm_key;  // DCLM's --scale key
  model::ModelConfig model;
  TrainHparams train;
  int64_t published_params = 0;  // 0 when DCLM publishes none (CPU scales)
  std::optional<RunDefaults> run;
  std::string source;  // file it came from

  // DCLM's formula: ((tokens // 5) // seq_len) · 5 // global_bs
  int64_t computed_total_steps() const;
  int64_t tokens_per_step() const { return train.global_batch_size * model.seq_len; }
  double train_flops() const;  // 6·N·D with N = param_count
};

Scale parse_scale(const std::string& yaml_text, const std::string& source);
std::vector<std::string> scale_names();       // embedded, in table order
Scale get_scale(const std::string& name);     // embedded name or a path to a YAML file
std::string embedded_scale_yaml(const std::string& name);

}  // namespace dclm::scales
