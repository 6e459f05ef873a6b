// Bit-exact emulation of what llm-foundry's few-shot sampling needs from CPython (spec icl-eval §4):
// random.Random(int seed) (MT19937 + init_by_array), getrandbits, _randbelow, choice, sample,
// shuffle, and the iteration order of a CPython set of small non-negative ints.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dclm::evaluator {

class PyRandom {
 public:
  explicit PyRandom(uint64_t seed);  // random.Random(seed) for a non-negative int seed
  uint32_t genrand_uint32();
  uint32_t getrandbits(int k);       // 0 <= k <= 32
  int64_t randbelow(int64_t n);      // _randbelow(n), n >= 1
  int64_t choice_range(int64_t n) { return randbelow(n); }  // choice(range(n))
  std::vector<int64_t> sample_range(int64_t n, int64_t k);  // sample(range(n), k)
  void shuffle(std::vector<int64_t>& x);

 private:
  void init_genrand(uint32_t s);
  void init_by_array(const std::vector<uint32_t>& key);
  uint32_t mt_[624];
  int mti_ = 625;
};

// CPython set of non-negative ints (hash(x) == x): add / remove / contains with CPython's open
// addressing (linear probes + perturbation, dummy reuse, resize), iterated in slot order.
class PyIntSet {
 public:
  PyIntSet();
  void add(int64_t x);
  bool contains(int64_t x) const;
  void remove(int64_t x);  // x must be present
  size_t size() const { return static_cast<size_t>(used_); }
  std::vector<int64_t> items() const;  // iteration order

 private:
  enum : int64_t { kEmpty = -1, kDummy = -2 };
  void insert_clean(int64_t x);
  void resize(int64_t minused);
  int64_t find(int64_t x) const;
  std::vector<int64_t> table_;
  int64_t fill_ = 0, used_ = 0;
};

// llm-foundry get_fewshot_sample_idxs(dataset_size, num_fewshot, example_idx, rng): the few-shot
// indices in prompt order (= set iteration order).
std::vector<int64_t> fewshot_sample_idxs(int64_t dataset_size, int64_t num_fewshot, int64_t example_idx,
                                         PyRandom& rng);

}  // namespace dclm::evaluator
