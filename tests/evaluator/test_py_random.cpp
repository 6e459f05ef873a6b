// CPython random / set emulation against the test values of spec icl-eval §4.5.
#include <gtest/gtest.h>

#include "evaluator/py_random.h"

using namespace dclm::evaluator;
using V = std::vector<int64_t>;

TEST(PyRandom, FirstOutputsOfSeed1234) {
  PyRandom r(1234);
  const std::vector<uint32_t> want = {4150886329u, 3342196574u, 1892932127u, 501869158u, 32175636u};
  for (uint32_t w : want) EXPECT_EQ(r.genrand_uint32(), w);
}

TEST(PyRandom, SampleSetMethod) {
  PyRandom r(1234);
  EXPECT_EQ(r.sample_range(1000, 10), (V{989, 796, 451, 119, 7, 92, 932, 965, 961, 826}));
}

TEST(PyRandom, Choices) {
  PyRandom r(1234);
  V got;
  for (int i = 0; i < 5; ++i) got.push_back(r.choice_range(1000));
  EXPECT_EQ(got, (V{989, 796, 451, 119, 7}));
}

TEST(PyRandom, SamplePoolMethod) {
  PyRandom r(1234);
  EXPECT_EQ(r.sample_range(50, 10), (V{49, 28, 7, 0, 5, 37, 2, 42, 45, 6}));
}

TEST(PyIntSet, IterationOrderAndDummyReuse) {
  // arc_easy example 0: sample order → prompt order (spec §4.5)
  PyIntSet s;
  for (int64_t v : V{1805, 478, 30, 371, 143, 343, 403, 1452, 969, 71}) s.add(v);
  EXPECT_EQ(s.items(), (V{71, 969, 1452, 1805, 143, 371, 343, 403, 30, 478}));
  // arc_easy example 68: remove 68, add replacement 279
  PyIntSet t;
  for (int64_t v : V{1382, 2222, 1403, 870, 359, 2124, 998, 403, 1227, 68}) t.add(v);
  t.remove(68);
  t.add(279);
  EXPECT_EQ(t.items(), (V{870, 1382, 359, 998, 1227, 2124, 2222, 403, 279, 1403}));
}

namespace {
// Runs the sampler for examples 0..upto of a dataset of size n, returning example `upto`'s indices.
V fewshot_at(int64_t n, int64_t k, int64_t upto) {
  PyRandom rng(1234);
  V got;
  for (int64_t i = 0; i <= upto; ++i) got = fewshot_sample_idxs(n, k, i, rng);
  return got;
}
}  // namespace

TEST(Fewshot, SpecTestValues) {
  EXPECT_EQ(fewshot_at(2376, 10, 0), (V{71, 969, 1452, 1805, 143, 371, 343, 403, 30, 478}));
  EXPECT_EQ(fewshot_at(2376, 10, 68), (V{870, 1382, 359, 998, 1227, 2124, 2222, 403, 279, 1403}));
  EXPECT_EQ(fewshot_at(32, 10, 0), (V{1, 2, 3, 6, 18, 21, 22, 25, 28, 31}));
  EXPECT_EQ(fewshot_at(448, 5, 21), (V{288, 197, 391, 178, 253}));
  EXPECT_EQ(fewshot_at(3000, 3, 0), (V{1805, 478, 30}));
  EXPECT_EQ(fewshot_at(3000, 3, 1), (V{2384, 371, 143}));
  EXPECT_EQ(fewshot_at(1319, 3, 0), (V{15, 902, 239}));
  EXPECT_EQ(fewshot_at(1319, 3, 1), (V{1192, 185, 71}));
  EXPECT_EQ(fewshot_at(100, 5, 0), (V{99, 74, 11, 14, 56}));
}

TEST(Fewshot, ZeroShotAndTinyDatasets) {
  PyRandom rng(1234);
  EXPECT_TRUE(fewshot_sample_idxs(10, 0, 3, rng).empty());
  // k = min(N-1, num_fewshot): a 1-row dataset has no few-shot examples
  EXPECT_TRUE(fewshot_sample_idxs(1, 5, 0, rng).empty());
}

TEST(PyRandom, Shuffle) {
  // GPQA conversion (spec §10.4): first golds of Random(42) shuffles of [0,1,2,3] (position of 0).
  PyRandom rng(42);
  V golds;
  for (int i = 0; i < 20; ++i) {
    V idx = {0, 1, 2, 3};
    rng.shuffle(idx);
    golds.push_back(std::find(idx.begin(), idx.end(), 0) - idx.begin());
  }
  EXPECT_EQ(golds, (V{3, 2, 3, 2, 3, 3, 2, 2, 0, 2, 3, 3, 2, 3, 0, 1, 3, 2, 3, 0}));
}
