// AdamW with PyTorch semantics (../shared/spec/training.md §2.1) and global-norm gradient clipping.
// Written out (not torch::optim::AdamW) so that its state is plain named tensors for checkpoints.
#pragma once
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace dclm::trainer {

// One AdamW update of p in place (torch.optim.AdamW 1.13 semantics): decoupled decay p *= 1 − lr·wd,
// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps).
// Shared by AdamW (per tensor) and ZeroAdamW (per flat shard) so both compute the same update.
void adamw_update(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, double lr, int64_t t,
                  double beta1, double beta2, double eps, double weight_decay);

class AdamW {
 public:
  // Weight decay applies to every parameter (OpenLM: no_decay_params = []).
  AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, double beta1 = 0.9, double beta2 = 0.95,
        double eps = 1e-8, double weight_decay = 0.0);

  // One update with learning rate `lr`, per parameter p with gradient g (torch.optim.AdamW, 1.13):
  //   p *= 1 − lr·wd;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  t += 1
  //   p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
  // Parameters without a gradient are skipped (their moments stay put).
  void step(double lr);
  void zero_grad();

  int64_t steps() const { return t_; }
  // State as named tensors: "exp_avg.<name>", "exp_avg_sq.<name>" (the step count is kept separately).
  std::vector<std::pair<std::string, torch::Tensor>> state() const;
  // Restores state() output; throws dclm::Error (naming `source`) on a missing or mis-shaped tensor.
  void load_state(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, int64_t steps,
                  const std::string& source);

 private:
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::vector<torch::Tensor> m_, v_;
  double beta1_, beta2_, eps_, wd_;
  int64_t t_ = 0;
};

// torch.nn.utils.clip_grad_norm_: total = ‖(‖g_i‖₂)_i‖₂; every gradient is multiplied by
// min(1, max_norm / (total + 1e-6)). max_norm <= 0 only measures. Returns total (a 0-dim tensor, no
// host sync).
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace dclm::trainer
