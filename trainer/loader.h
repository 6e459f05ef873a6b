// Deterministic training-data order over a curation::TokenDataset (no LibTorch here).
//
// Epoch e visits every sequence index exactly once, in a Fisher–Yates permutation drawn from
// derive_seed(seed, kLoaderSalt, e) with our own splitmix64 generator (so the order is the same on
// every platform and standard library). After the last index of an epoch the loader wraps into epoch
// e + 1 with a fresh permutation. The whole position is (epoch, offset), saved in checkpoints.
#pragma once
#include <cstdint>
#include <vector>

#include "curation/shard.h"

namespace dclm::trainer {

class Loader {
 public:
  struct State {
    int64_t epoch = 0;     // current pass over the data
    int64_t position = 0;  // next index into that epoch's permutation
    int64_t consumed = 0;  // sequences handed out in total
  };

  Loader(const curation::TokenDataset& dataset, uint64_t seed);

  // Appends `n` sequences of dataset.seq_len() tokens each to `out` (cleared first), row-major.
  void next(int64_t n, std::vector<int64_t>& out);
  // Data parallelism: advances over the same `n` sequences as next(n) (so every rank's loader stays in
  // the same state) but appends only rank's contiguous part, rows [rank·n/world, (rank+1)·n/world).
  // n must be a multiple of world. next_partition(n, 0, 1, out) == next(n, out).
  void next_partition(int64_t n, int rank, int world, std::vector<int64_t>& out);

  State state() const { return state_; }
  void set_state(const State& s);  // Error if the position is out of range
  int64_t size() const { return dataset_.size(); }

  // The permutation of [0, n) for one epoch (exposed for tests).
  static std::vector<int64_t> permutation(int64_t n, uint64_t seed, int64_t epoch);

 private:
  void ensure_order();
  const curation::TokenDataset& dataset_;
  uint64_t seed_;
  State state_;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
};

}  // namespace dclm::trainer
