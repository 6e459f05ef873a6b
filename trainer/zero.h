// ZeRO-1/2 sharded AdamW for data-parallel training (../shared/spec/training.md §4.1, §4.3).
//
// Every parameter tensor is laid out, in the model's spec order, in one flat fp32 buffer of
// n = Σ numel elements padded to N = world · shard (shard a multiple of 16). Rank r owns the contiguous
// slice [r·shard, (r+1)·shard) and keeps for it only: the fp32 master weights, Adam's m and v, and the
// gradient shard. Per step:
//   reduce_gradients(): copy the (accumulated) full local gradients into the flat buffer →
//                       reduce_scatter_sum → ÷ world (mean over ranks) into the gradient shard
//   clip(max_norm):     global norm = sqrt(allreduce_sum(Σ shard g²)); every shard scaled by
//                       min(1, max_norm / (norm + 1e-6)) (torch clip_grad_norm_ semantics)
//   step(lr):           AdamW (optim.h formulas, all parameters decayed) on the shard only, then
//                       all_gather_into the flat parameter buffer and copy back into the module's tensors.
// Parameters stay replicated on every rank between steps (ZeRO-2, not ZeRO-3). Numerically this is the
// unsharded trainer up to the order of floating-point reductions (gradient sum over ranks, norm).
#pragma once
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "trainer/comm.h"

namespace dclm::trainer {

class ZeroAdamW {
 public:
  ZeroAdamW(std::vector<std::pair<std::string, torch::Tensor>> params, Comm& comm, double beta1 = 0.9,
            double beta2 = 0.95, double eps = 1e-8, double weight_decay = 0.0);

  void reduce_gradients();
  torch::Tensor clip(double max_norm);  // returns the global norm (0-dim)
  void step(double lr);
  void zero_grad();

  int64_t steps() const { return t_; }
  int64_t numel() const { return n_; }        // unpadded parameter count
  int64_t shard_numel() const { return shard_; }
  int64_t shard_offset() const { return shard_ * comm_.rank(); }

  // This rank's shard state: "exp_avg", "exp_avg_sq" (shard_numel() each; padding entries are 0).
  std::vector<std::pair<std::string, torch::Tensor>> shard_state() const;
  // Restores from full (unsharded, per-parameter) moments "exp_avg.<name>", "exp_avg_sq.<name>" — the
  // format of AdamW::state(), so a checkpoint of any world size can be reassembled into it — and
  // re-syncs the master shard from the module's current parameter values.
  void load_full_state(const std::vector<std::pair<std::string, torch::Tensor>>& full, int64_t steps,
                       const std::string& source);
  // The module's parameters → master shard (after loading parameters).
  void sync_master_from_params();

  // Reassembles full per-parameter moments from the shard states of every rank (in rank order) of a run
  // whose flat layout held these parameter shapes (n unpadded elements, any world size).
  static std::vector<std::pair<std::string, torch::Tensor>> full_state_from_shards(
      const std::vector<std::pair<std::string, torch::Tensor>>& params,
      const std::vector<std::vector<std::pair<std::string, torch::Tensor>>>& shards, const std::string& source);

 private:
  torch::Tensor flatten_params() const;
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  Comm& comm_;
  double beta1_, beta2_, eps_, wd_;
  int64_t t_ = 0, n_ = 0, shard_ = 0;
  torch::Tensor flat_grad_, flat_param_;     // N (full, replicated scratch)
  torch::Tensor master_, m_, v_, g_;         // shard
};

}  // namespace dclm::trainer
