#include "trainer/loader.h"

#include <string>

#include "common/error.h"
#include "common/hash.h"

namespace dclm::trainer {
namespace {

constexpr uint64_t kLoaderSalt = 0x6c6f61646572ULL;  // "loader"

struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) by rejection (no modulo bias).
  uint64_t below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do r = next();
    while (r >= limit);
    return r % bound;
  }
};

}  // namespace

Loader::Loader(const curation::TokenDataset& dataset, uint64_t seed) : dataset_(dataset), seed_(seed) {
  if (dataset_.size() <= 0) throw Error("training dataset has no sequences", {dataset_.dir()});
}

std::vector<int64_t> Loader::permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
  SplitMix64 rng{derive_seed(seed, kLoaderSalt, uint64_t(epoch))};
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[size_t(rng.below(uint64_t(i) + 1))]);
  return p;
}

void Loader::ensure_order() {
  if (order_epoch_ != state_.epoch) {
    order_ = permutation(dataset_.size(), seed_, state_.epoch);
    order_epoch_ = state_.epoch;
  }
}

void Loader::set_state(const State& s) {
  if (s.epoch < 0 || s.position < 0 || s.position > dataset_.size() || s.consumed < 0)
    throw Error("loader position (epoch " + std::to_string(s.epoch) + ", position " + std::to_string(s.position) +
                    ") is out of range for a dataset of " + std::to_string(dataset_.size()) + " sequences",
                {dataset_.dir()});
  state_ = s;
}

void Loader::next(int64_t n, std::vector<int64_t>& out) { next_partition(n, 0, 1, out); }

void Loader::next_partition(int64_t n, int rank, int world, std::vector<int64_t>& out) {
  if (world < 1 || rank < 0 || rank >= world || n % world != 0)
    throw Error("loader partition: " + std::to_string(n) + " sequences cannot be split evenly over rank " +
                    std::to_string(rank) + " of " + std::to_string(world),
                {dataset_.dir()});
  const int64_t L = dataset_.seq_len(), per = n / world, lo = per * rank, hi = lo + per;
  out.resize(size_t(per * L));
  for (int64_t i = 0; i < n; ++i) {
    if (state_.position >= dataset_.size()) {  // wrap into the next epoch
      state_.epoch += 1;
      state_.position = 0;
    }
    if (i >= lo && i < hi) {
      ensure_order();
      dataset_.get(order_[size_t(state_.position)], out.data() + (i - lo) * L);
    }
    state_.position += 1;
    state_.consumed += 1;
  }
}

}  // namespace dclm::trainer
