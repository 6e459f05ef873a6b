#include "trainer/optim.h"

#include <cmath>
#include <map>

#include "common/error.h"

namespace dclm::trainer {

AdamW::AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, double beta1, double beta2, double eps,
             double weight_decay)
    : params_(std::move(params)), beta1_(beta1), beta2_(beta2), eps_(eps), wd_(weight_decay) {
  for (const auto& kv : params_) {
    m_.push_back(torch::zeros_like(kv.second, torch::MemoryFormat::Contiguous));
    v_.push_back(torch::zeros_like(kv.second, torch::MemoryFormat::Contiguous));
  }
}

void adamw_update(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, double lr, int64_t t,
                  double beta1, double beta2, double eps, double weight_decay) {
  const double bc1 = 1.0 - std::pow(beta1, double(t));
  const double bc2 = 1.0 - std::pow(beta2, double(t));
  const double step_size = lr / bc1, bc2_sqrt = std::sqrt(bc2);
  p.mul_(1.0 - lr * weight_decay);
  m.mul_(beta1).add_(g, 1.0 - beta1);
  v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
  torch::Tensor denom = (v.sqrt() / bc2_sqrt).add_(eps);
  p.addcdiv_(m, denom, -step_size);
}

void AdamW::step(double lr) {
  torch::NoGradGuard ng;
  t_ += 1;
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor p = params_[i].second;
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    adamw_update(p, g, m_[i], v_[i], lr, t_, beta1_, beta2_, eps_, wd_);
  }
}

void AdamW::zero_grad() {
  for (auto& kv : params_) {
    torch::Tensor g = kv.second.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

std::vector<std::pair<std::string, torch::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (size_t i = 0; i < params_.size(); ++i) out.emplace_back("exp_avg." + params_[i].first, m_[i]);
  for (size_t i = 0; i < params_.size(); ++i) out.emplace_back("exp_avg_sq." + params_[i].first, v_[i]);
  return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, int64_t steps,
                       const std::string& source) {
  std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
  torch::NoGradGuard ng;
  auto take = [&](const std::string& key, torch::Tensor& dst) {
    auto it = by_name.find(key);
    if (it == by_name.end()) throw Error("optimizer state '" + key + "' missing", {source});
    if (it->second.sizes() != dst.sizes()) throw Error("optimizer state '" + key + "' has the wrong shape", {source});
    dst.copy_(it->second);
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    take("exp_avg." + params_[i].first, m_[i]);
    take("exp_avg_sq." + params_[i].first, v_[i]);
  }
  t_ = steps;
}

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2));
  if (norms.empty()) return torch::zeros({});
  torch::Tensor total = torch::stack(norms).norm(2);
  if (max_norm > 0) {
    torch::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().mul_(coef.to(p.grad().device()));
  }
  return total;
}

}  // namespace dclm::trainer
