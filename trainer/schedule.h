// OpenLM cosine_lr (../shared/spec/training.md §2.2), called with the 0-based step before each update:
//   step < warmup:  lr = base_lr · (step + 1) / warmup
//   otherwise:      lr = cd + 0.5 · (1 + cos(π · (step − warmup) / (total − warmup))) · (base_lr − cd)
#pragma once
#include <cmath>
#include <cstdint>

namespace dclm::trainer {

inline double lr_at(int64_t step, double base_lr, int64_t warmup, int64_t total_steps, double cooldown_lr) {
  if (step < warmup) return base_lr * double(step + 1) / double(warmup);
  const double e = double(step - warmup), es = double(total_steps - warmup);
  const double pi = 3.14159265358979323846;
  return cooldown_lr + 0.5 * (1.0 + std::cos(pi * e / es)) * (base_lr - cooldown_lr);
}

}  // namespace dclm::trainer
