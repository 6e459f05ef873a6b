#include <gtest/gtest.h>

#include "common/error.h"
#include "model/config.h"
#include "scales/scale.h"

using namespace dclm;

// Expected values: ../shared/spec/dclm-reference.md §1.2 and training.md §1.10.
struct Expect {
  const char* name;
  int64_t params, params_qk, params_no_embed, tokens, gbs, steps, warmup, ffn;
  double lr, wd, zl;
};

TEST(Scales, DclmShapesAndHyperparameters) {
  const Expect rows[] = {
      {"400M-1x", 411616256, 411665408, 359973888, 8232325120, 512, 7850, 2000, 2816, 3e-3, 0.033, 1e-4},
      {"1B-1x", 1439795200, 1439893504, 1336510464, 28795904000, 256, 54923, 5000, 5632, 3e-3, 0.033, 1e-4},
      {"1B-5x", 1439795200, 1439893504, 1336510464, 143979520000, 256, 274619, 5000, 5632, 3e-3, 0.033, 1e-4},
      {"3B-1x", 2795932160, 2796096000, 2666826240, 55918643200, 256, 106656, 5000, 6912, 3e-3, 0.033, 1e-4},
      {"7B-1x", 6889410560, 6889672704, 6682841088, 137788211200, 2048, 32851, 5000, 11008, 2e-3, 0.05, 5e-6},
      {"7B-2x", 6889410560, 6889672704, 6682841088, 275576422400, 2048, 65702, 5000, 11008, 2e-3, 0.05, 5e-6},
  };
  for (const auto& e : rows) {
    SCOPED_TRACE(e.name);
    auto s = scales::get_scale(e.name);
    EXPECT_EQ(model::param_count(s.model), e.params);
    EXPECT_EQ(model::param_count_with_qk_norm(s.model), e.params_qk);
    EXPECT_EQ(model::param_count_no_embed(s.model), e.params_no_embed);
    EXPECT_EQ(s.published_params, e.params);
    EXPECT_EQ(s.model.ffn_hidden(), e.ffn);
    EXPECT_EQ(s.model.vocab_size, 50432);
    EXPECT_EQ(s.model.seq_len, 2048);
    EXPECT_EQ(s.train.tokens, e.tokens);
    EXPECT_EQ(s.train.global_batch_size, e.gbs);
    EXPECT_EQ(s.train.total_steps, e.steps);
    EXPECT_EQ(s.computed_total_steps(), e.steps);
    EXPECT_EQ(s.train.warmup, e.warmup);
    EXPECT_DOUBLE_EQ(s.train.lr, e.lr);
    EXPECT_DOUBLE_EQ(s.train.weight_decay, e.wd);
    EXPECT_DOUBLE_EQ(s.train.z_loss, e.zl);
    EXPECT_DOUBLE_EQ(s.train.cooldown_lr, 3e-5);
    EXPECT_EQ(s.train.seed, 124);
  }
}

TEST(Scales, TokensAreTwentyTimesParamsTimesMultiplier) {
  for (const char* n : {"400M-1x", "1B-1x", "3B-1x", "7B-1x", "7B-2x", "1B-5x"}) {
    auto s = scales::get_scale(n);
    EXPECT_EQ(s.train.tokens, int64_t(20 * s.published_params * s.train.chinchilla_multiplier)) << n;
  }
}

TEST(Scales, OpenLmReferenceShapes) {
  // training.md §1.10: params incl. qk-norm for the small open_lm configs.
  model::ModelConfig c;
  c.vocab_size = 50432;
  c.d_model = 96; c.n_layers = 12; c.n_heads = 12;
  EXPECT_EQ(model::param_count_with_qk_norm(c), 11014752);
  c.d_model = 488; c.n_layers = 12; c.n_heads = 12;  // attention inner width 480 ≠ d
  EXPECT_EQ(model::param_count_with_qk_norm(c), 87473320);
  c.d_model = 1536; c.n_layers = 24; c.n_heads = 16;
  EXPECT_EQ(model::param_count_with_qk_norm(c), 834553344);
}

TEST(Scales, CpuScalesExistAndAreConsistent) {
  for (const char* n : {"micro", "nano"}) {
    auto s = scales::get_scale(n);
    ASSERT_TRUE(s.run.has_value()) << n;
    EXPECT_FALSE(s.run->pool.empty());
    EXPECT_EQ(s.computed_total_steps(), s.train.total_steps);
  }
}

TEST(Scales, BadScaleYamlIsAClearError) {
  EXPECT_THROW(scales::get_scale("13B-9x"), Error);
  std::string y = scales::embedded_scale_yaml("nano");
  std::string bad = y + "unexpected_key: 1\n";
  try {
    scales::parse_scale(bad, "my.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected_key"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("my.yaml"), std::string::npos);
  }
  std::string wrong_steps = y;
  wrong_steps.replace(wrong_steps.find("total_steps: 320"), 16, "total_steps: 321");
  EXPECT_THROW(scales::parse_scale(wrong_steps, "s.yaml"), Error);
}
