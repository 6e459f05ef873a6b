#include "evaluator/py_random.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace dclm::evaluator {

namespace {
int bit_length(uint64_t n) {
  int k = 0;
  while (n) { ++k; n >>= 1; }
  return k;
}
}  // namespace

PyRandom::PyRandom(uint64_t seed) {
  std::vector<uint32_t> key;
  if (seed == 0) key.push_back(0);
  while (seed) { key.push_back(static_cast<uint32_t>(seed & 0xffffffffu)); seed >>= 32; }
  init_by_array(key);
}

void PyRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < 624; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  mti_ = 624;
}

void PyRandom::init_by_array(const std::vector<uint32_t>& key) {
  init_genrand(19650218u);
  const size_t n = 624, len = key.size();
  size_t i = 1, j = 0;
  for (size_t k = (n > len ? n : len); k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
    ++i; ++j;
    if (i >= n) { mt_[0] = mt_[n - 1]; i = 1; }
    if (j >= len) j = 0;
  }
  for (size_t k = n - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= n) { mt_[0] = mt_[n - 1]; i = 1; }
  }
  mt_[0] = 0x80000000u;
}

uint32_t PyRandom::genrand_uint32() {
  static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
  uint32_t y;
  if (mti_ >= 624) {
    int kk = 0;
    for (; kk < 624 - 397; ++kk) {
      y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
      mt_[kk] = mt_[kk + 397] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; kk < 623; ++kk) {
      y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
      mt_[kk] = mt_[kk + (397 - 624)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (mt_[623] & 0x80000000u) | (mt_[0] & 0x7fffffffu);
    mt_[623] = mt_[396] ^ (y >> 1) ^ mag01[y & 1u];
    mti_ = 0;
  }
  y = mt_[mti_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= (y >> 18);
  return y;
}

uint32_t PyRandom::getrandbits(int k) {
  if (k <= 0) return 0;
  if (k > 32) throw Error("PyRandom::getrandbits: k > 32 not supported");
  return genrand_uint32() >> (32 - k);
}

int64_t PyRandom::randbelow(int64_t n) {
  if (n <= 0) throw Error("PyRandom::randbelow: n must be positive");
  const int k = bit_length(static_cast<uint64_t>(n));
  int64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

std::vector<int64_t> PyRandom::sample_range(int64_t n, int64_t k) {
  if (k < 0 || k > n) throw Error("PyRandom::sample: sample larger than population or negative");
  std::vector<int64_t> result(static_cast<size_t>(k));
  int64_t setsize = 21;
  if (k > 5) setsize += static_cast<int64_t>(std::pow(4.0, std::ceil(std::log(3.0 * static_cast<double>(k)) / std::log(4.0))));
  if (n <= setsize) {
    std::vector<int64_t> pool(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) pool[i] = i;
    for (int64_t i = 0; i < k; ++i) {
      int64_t j = randbelow(n - i);
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
  } else {
    std::vector<bool> selected(static_cast<size_t>(n), false);
    for (int64_t i = 0; i < k; ++i) {
      int64_t j = randbelow(n);
      while (selected[j]) j = randbelow(n);
      selected[j] = true;
      result[i] = j;
    }
  }
  return result;
}

void PyRandom::shuffle(std::vector<int64_t>& x) {
  for (int64_t i = static_cast<int64_t>(x.size()) - 1; i > 0; --i) {
    int64_t j = randbelow(i + 1);
    std::swap(x[i], x[j]);
  }
}

// ---------------------------------------------------------------------------------------------
PyIntSet::PyIntSet() : table_(8, kEmpty) {}

int64_t PyIntSet::find(int64_t x) const {
  const int64_t mask = static_cast<int64_t>(table_.size()) - 1;
  uint64_t perturb = static_cast<uint64_t>(x);
  int64_t i = x & mask;
  while (true) {
    const int64_t probes = (i + 9 <= mask) ? 9 : 0;
    for (int64_t j = i; j <= i + probes; ++j) {
      if (table_[j] == kEmpty) return -1;
      if (table_[j] == x) return j;
    }
    perturb >>= 5;
    i = static_cast<int64_t>((static_cast<uint64_t>(i) * 5 + 1 + perturb) & static_cast<uint64_t>(mask));
  }
}

bool PyIntSet::contains(int64_t x) const { return find(x) >= 0; }

void PyIntSet::add(int64_t x) {
  const int64_t mask = static_cast<int64_t>(table_.size()) - 1;
  uint64_t perturb = static_cast<uint64_t>(x);
  int64_t i = x & mask;
  int64_t freeslot = -1, emptyslot = -1;
  while (emptyslot < 0) {
    const int64_t probes = (i + 9 <= mask) ? 9 : 0;
    for (int64_t j = i; j <= i + probes; ++j) {
      const int64_t v = table_[j];
      if (v == kEmpty) { emptyslot = j; break; }
      if (v == kDummy) { if (freeslot < 0) freeslot = j; continue; }
      if (v == x) return;
    }
    if (emptyslot >= 0) break;
    perturb >>= 5;
    i = static_cast<int64_t>((static_cast<uint64_t>(i) * 5 + 1 + perturb) & static_cast<uint64_t>(mask));
  }
  if (freeslot >= 0) {
    table_[freeslot] = x;
    ++used_;
    return;
  }
  table_[emptyslot] = x;
  ++fill_;
  ++used_;
  if (fill_ * 5 >= mask * 3) resize(used_ > 50000 ? used_ * 2 : used_ * 4);
}

void PyIntSet::insert_clean(int64_t x) {
  const int64_t mask = static_cast<int64_t>(table_.size()) - 1;
  uint64_t perturb = static_cast<uint64_t>(x);
  int64_t i = x & mask;
  while (true) {
    const int64_t probes = (i + 9 <= mask) ? 9 : 0;
    for (int64_t j = i; j <= i + probes; ++j) {
      if (table_[j] == kEmpty) { table_[j] = x; return; }
    }
    perturb >>= 5;
    i = static_cast<int64_t>((static_cast<uint64_t>(i) * 5 + 1 + perturb) & static_cast<uint64_t>(mask));
  }
}

void PyIntSet::resize(int64_t minused) {
  int64_t newsize = 8;
  while (newsize <= minused) newsize <<= 1;
  std::vector<int64_t> old;
  old.swap(table_);
  table_.assign(static_cast<size_t>(newsize), kEmpty);
  int64_t n = 0;
  for (int64_t v : old)
    if (v >= 0) { insert_clean(v); ++n; }
  fill_ = used_ = n;
}

void PyIntSet::remove(int64_t x) {
  const int64_t j = find(x);
  if (j < 0) throw Error("PyIntSet::remove: key not present");
  table_[j] = kDummy;
  --used_;
}

std::vector<int64_t> PyIntSet::items() const {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(used_));
  for (int64_t v : table_)
    if (v >= 0) out.push_back(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
std::vector<int64_t> fewshot_sample_idxs(int64_t dataset_size, int64_t num_fewshot, int64_t example_idx,
                                         PyRandom& rng) {
  const int64_t k = std::min(dataset_size - 1, num_fewshot);
  if (k < 0) return {};
  PyIntSet s;
  for (int64_t v : rng.sample_range(dataset_size, k)) s.add(v);
  if (s.contains(example_idx)) {
    s.remove(example_idx);
    if (static_cast<int64_t>(s.size()) >= dataset_size - 1) return s.items();
    int64_t r = rng.choice_range(dataset_size);
    while (s.contains(r) || r == example_idx) r = rng.choice_range(dataset_size);
    s.add(r);
  }
  return s.items();
}

}  // namespace dclm::evaluator
