#include "trainer/zero.h"

#include <cmath>
#include <map>

#include "common/error.h"
#include "trainer/optim.h"

namespace dclm::trainer {

ZeroAdamW::ZeroAdamW(std::vector<std::pair<std::string, torch::Tensor>> params, Comm& comm, double beta1,
                     double beta2, double eps, double weight_decay)
    : params_(std::move(params)), comm_(comm), beta1_(beta1), beta2_(beta2), eps_(eps), wd_(weight_decay) {
  if (params_.empty()) throw Error("ZeroAdamW: no parameters");
  for (const auto& kv : params_) {
    if (kv.second.scalar_type() != torch::kFloat32) throw Error("ZeroAdamW: parameter '" + kv.first + "' is not fp32");
    n_ += kv.second.numel();
  }
  const int64_t W = comm_.world();
  shard_ = (n_ + W - 1) / W;
  shard_ = (shard_ + 15) / 16 * 16;  // 64-byte aligned shards
  const auto opts = params_.front().second.options().requires_grad(false);
  flat_grad_ = torch::zeros({shard_ * W}, opts);
  flat_param_ = torch::zeros({shard_ * W}, opts);
  m_ = torch::zeros({shard_}, opts);
  v_ = torch::zeros({shard_}, opts);
  g_ = torch::zeros({shard_}, opts);
  master_ = torch::zeros({shard_}, opts);
  sync_master_from_params();
}

torch::Tensor ZeroAdamW::flatten_params() const {
  torch::NoGradGuard ng;
  torch::Tensor flat = torch::zeros_like(flat_param_);
  int64_t off = 0;
  for (const auto& kv : params_) {
    const int64_t k = kv.second.numel();
    flat.narrow(0, off, k).copy_(kv.second.detach().reshape({-1}));
    off += k;
  }
  return flat;
}

void ZeroAdamW::sync_master_from_params() {
  torch::NoGradGuard ng;
  master_.copy_(flatten_params().narrow(0, shard_offset(), shard_));
}

void ZeroAdamW::reduce_gradients() {
  torch::NoGradGuard ng;
  int64_t off = 0;
  for (const auto& kv : params_) {
    const int64_t k = kv.second.numel();
    const torch::Tensor& g = kv.second.grad();
    if (g.defined())
      flat_grad_.narrow(0, off, k).copy_(g.reshape({-1}));
    else
      flat_grad_.narrow(0, off, k).zero_();
    off += k;
  }
  flat_grad_.narrow(0, off, flat_grad_.numel() - off).zero_();  // padding
  comm_.reduce_scatter_sum(flat_grad_, g_);
  if (comm_.world() > 1) g_.div_(double(comm_.world()));
}

torch::Tensor ZeroAdamW::clip(double max_norm) {
  torch::NoGradGuard ng;
  torch::Tensor sq = g_.square().sum().reshape({1});  // fp32, this shard
  comm_.allreduce_sum(sq);
  torch::Tensor total = sq.sqrt().reshape({});
  if (max_norm > 0) {
    torch::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    g_.mul_(coef);
  }
  return total;
}

void ZeroAdamW::step(double lr) {
  torch::NoGradGuard ng;
  t_ += 1;
  adamw_update(master_, g_, m_, v_, lr, t_, beta1_, beta2_, eps_, wd_);
  // padding entries: g = 0, m = v = 0 → master stays 0 there
  comm_.all_gather_into(flat_param_, master_);
  int64_t off = 0;
  for (auto& kv : params_) {
    const int64_t k = kv.second.numel();
    kv.second.detach().copy_(flat_param_.narrow(0, off, k).view(kv.second.sizes()));
    off += k;
  }
}

void ZeroAdamW::zero_grad() {
  for (auto& kv : params_) {
    torch::Tensor g = kv.second.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

std::vector<std::pair<std::string, torch::Tensor>> ZeroAdamW::shard_state() const {
  return {{"exp_avg", m_}, {"exp_avg_sq", v_}};
}

void ZeroAdamW::load_full_state(const std::vector<std::pair<std::string, torch::Tensor>>& full, int64_t steps,
                                const std::string& source) {
  torch::NoGradGuard ng;
  std::map<std::string, torch::Tensor> by_name(full.begin(), full.end());
  for (const char* kind : {"exp_avg", "exp_avg_sq"}) {
    torch::Tensor flat = torch::zeros_like(flat_param_);
    int64_t off = 0;
    for (const auto& kv : params_) {
      const std::string key = std::string(kind) + "." + kv.first;
      auto it = by_name.find(key);
      if (it == by_name.end()) throw Error("optimizer state '" + key + "' missing", {source});
      if (it->second.sizes() != kv.second.sizes()) throw Error("optimizer state '" + key + "' has the wrong shape", {source});
      flat.narrow(0, off, kv.second.numel()).copy_(it->second.reshape({-1}));
      off += kv.second.numel();
    }
    (std::string(kind) == "exp_avg" ? m_ : v_).copy_(flat.narrow(0, shard_offset(), shard_));
  }
  t_ = steps;
  sync_master_from_params();
}

std::vector<std::pair<std::string, torch::Tensor>> ZeroAdamW::full_state_from_shards(
    const std::vector<std::pair<std::string, torch::Tensor>>& params,
    const std::vector<std::vector<std::pair<std::string, torch::Tensor>>>& shards, const std::string& source) {
  int64_t n = 0;
  for (const auto& kv : params) n += kv.second.numel();
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const char* kind : {"exp_avg", "exp_avg_sq"}) {
    std::vector<torch::Tensor> parts;
    for (const auto& sh : shards) {
      bool found = false;
      for (const auto& kv : sh)
        if (kv.first == kind) {
          parts.push_back(kv.second.reshape({-1}).to(torch::kCPU, torch::kFloat32));
          found = true;
        }
      if (!found) throw Error(std::string("optimizer shard lacks '") + kind + "'", {source});
    }
    torch::Tensor flat = torch::cat(parts);
    if (flat.numel() < n)
      throw Error("optimizer shards hold " + std::to_string(flat.numel()) + " elements, the model has " +
                      std::to_string(n),
                  {source});
    int64_t off = 0;
    for (const auto& kv : params) {
      out.emplace_back(std::string(kind) + "." + kv.first,
                       flat.narrow(0, off, kv.second.numel()).view(kv.second.sizes()).clone());
      off += kv.second.numel();
    }
  }
  return out;
}

}  // namespace dclm::trainer
