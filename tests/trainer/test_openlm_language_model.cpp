// evaluator::load_openlm_language_model on a tiny model exported by trainer::train: padding in a
// batch changes no score, log-probabilities are normalized, greedy tokens are the argmax, KV-cache
// generation equals greedy re-scoring, stop sequences, load errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.h"
#include "common/io.h"
#include "common/progress.h"
#include "evaluator/openlm_model.h"
#include "test_util.h"
#include "tiny_data.h"
#include "trainer/train.h"

using namespace dclm;
using evaluator::GenerateRequest;
using evaluator::ScoreRequest;

namespace {

constexpr int64_t kVocab = 64;

// Trains a tiny model once for the whole suite (a few steps, so the predictions are not uniform).
class OpenLMLanguageModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Progress::set_enabled(false);
    dir_ = new dclm::testing::TempDir();
    dclm::testing::make_counting_dataset(*dir_ / "data", 32, 17, kVocab);
    trainer::TrainOptions o;
    o.model.name = "tiny";
    o.model.d_model = 32;
    o.model.n_layers = 2;
    o.model.n_heads = 4;
    o.model.vocab_size = kVocab;
    o.model.seq_len = 16;
    o.data_dir = *dir_ / "data";
    o.out_dir = *dir_ / "out";
    o.global_batch_size = 8;
    o.warmup = 2;
    o.total_steps = 12;
    o.lr = 1e-2;
    o.threads = 2;
    trainer::train(o);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string out() { return *dir_ / "out"; }
  static dclm::testing::TempDir* dir_;
};
dclm::testing::TempDir* OpenLMLanguageModelTest::dir_ = nullptr;

}  // namespace

TEST_F(OpenLMLanguageModelTest, PaddingInTheBatchChangesNoScore) {
  auto lm = evaluator::load_openlm_language_model(out(), /*pad_id=*/0, 2);
  EXPECT_EQ(lm->max_seq_len(), 16);
  EXPECT_EQ(lm->pad_id(), 0);
  std::vector<ScoreRequest> reqs = {
      {{5, 6, 7}, {8, 9}},
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {12, 13, 40}},  // longest: the others get padded
      {{30}, {31}},
      {{60, 61, 62, 63}, {0, 1, 2, 3, 4}},
  };
  auto batched = lm->score(reqs);
  ASSERT_EQ(batched.size(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto alone = lm->score({reqs[i]});
    ASSERT_EQ(batched[i].logprobs.size(), reqs[i].continuation.size());
    ASSERT_EQ(alone[0].logprobs.size(), reqs[i].continuation.size());
    for (size_t j = 0; j < reqs[i].continuation.size(); ++j) {
      // equal up to fp32 rounding: BLAS blocks the [B·T, d] GEMMs differently for other batch shapes
      EXPECT_NEAR(batched[i].logprobs[j], alone[0].logprobs[j], 1e-5) << i << "," << j;
      EXPECT_EQ(batched[i].greedy[j], alone[0].greedy[j]) << i << "," << j;
      EXPECT_LT(batched[i].logprobs[j], 0.0);
    }
  }
  // a different pad id gives the same scores too
  auto lm7 = evaluator::load_openlm_language_model(out(), /*pad_id=*/7, 2);
  auto other = lm7->score(reqs);
  for (size_t i = 0; i < reqs.size(); ++i)
    for (size_t j = 0; j < reqs[i].continuation.size(); ++j)
      EXPECT_NEAR(other[i].logprobs[j], batched[i].logprobs[j], 1e-5);
}

TEST_F(OpenLMLanguageModelTest, LogprobsAreNormalizedAndGreedyIsTheArgmax) {
  auto lm = evaluator::load_openlm_language_model(out(), 0, 2);
  std::vector<ScoreRequest> all;
  for (int32_t v = 0; v < kVocab; ++v) all.push_back({{10, 11, 12}, {v}});
  auto res = lm->score(all);
  double total = 0, best = -1e300;
  int32_t arg = -1;
  for (int32_t v = 0; v < kVocab; ++v) {
    total += std::exp(res[size_t(v)].logprobs[0]);
    if (res[size_t(v)].logprobs[0] > best) best = res[size_t(v)].logprobs[0], arg = v;
    EXPECT_EQ(res[size_t(v)].greedy[0], res[0].greedy[0]);  // same context → same argmax
  }
  EXPECT_NEAR(total, 1.0, 1e-4);
  EXPECT_EQ(res[0].greedy[0], arg);
  // the tiny model has learned to count: after 10, 11, 12 comes 13
  EXPECT_EQ(arg, 13);
  // a multi-token continuation's log-probabilities are the chained single-token ones
  auto chain = lm->score({{{10, 11}, {12, 13}}});
  auto first = lm->score({{{10, 11}, {12}}}), second = lm->score({{{10, 11, 12}, {13}}});
  EXPECT_NEAR(chain[0].logprobs[0], first[0].logprobs[0], 1e-5);
  EXPECT_NEAR(chain[0].logprobs[1], second[0].logprobs[0], 1e-5);
}

TEST_F(OpenLMLanguageModelTest, GenerateEqualsGreedyRescoringAndStops) {
  auto lm = evaluator::load_openlm_language_model(out(), 0, 2);
  GenerateRequest g;
  g.context = {20, 21, 22};
  g.max_new_tokens = 6;
  auto gen = lm->generate({g});
  ASSERT_EQ(gen.size(), 1u);
  ASSERT_EQ(gen[0].size(), 6u);
  // token k is the greedy prediction after context + gen[<k] (full forward, no cache)
  std::vector<int32_t> ctx = g.context;
  for (size_t k = 0; k < gen[0].size(); ++k) {
    auto s = lm->score({{ctx, {gen[0][k]}}});
    EXPECT_EQ(s[0].greedy[0], gen[0][k]) << k;
    ctx.push_back(gen[0][k]);
  }
  // stop right after a stop sequence (included in the output)
  GenerateRequest h = g;
  h.stop_sequences = {{99, 98}, {gen[0][2], gen[0][3]}};
  auto stopped = lm->generate({h, g});
  ASSERT_EQ(stopped.size(), 2u);
  size_t want = 4;
  for (size_t k = 1; k < 4; ++k)
    if (gen[0][k - 1] == gen[0][2] && gen[0][k] == gen[0][3]) { want = k + 1; break; }
  EXPECT_EQ(stopped[0], std::vector<int32_t>(gen[0].begin(), gen[0].begin() + long(want)));
  EXPECT_EQ(stopped[1], gen[0]);
  // never beyond seq_len in total
  GenerateRequest longer;
  longer.context = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  longer.max_new_tokens = 40;
  auto l = lm->generate({longer});
  EXPECT_LE(l[0].size(), 16u);
  EXPECT_GE(l[0].size(), 1u);
}

TEST_F(OpenLMLanguageModelTest, LoadErrors) {
  EXPECT_THROW(evaluator::load_openlm_language_model(*dir_ / "missing", 0), Error);
  EXPECT_THROW(evaluator::load_openlm_language_model(out(), /*pad_id=*/kVocab), Error);
  dclm::testing::TempDir bad;
  std::string bytes = read_file(out() + "/model.pt");
  bytes[bytes.size() / 2] ^= 0x11;
  std::ofstream(bad / "model.pt", std::ios::binary) << bytes;
  std::ofstream(bad / "model.json") << read_file(out() + "/model.json");
  EXPECT_THROW(evaluator::load_openlm_language_model(bad.path(), 0), Error);
}
