// `dclm train --nproc 2`: the local launcher starts 2 ranks that train one sharded model (Gloo on CPU).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/io.h"
#include "common/jsonl.h"
#include "model/openlm.h"
#include "test_util.h"
#include "tiny_data.h"
#include "trainer/checkpoint.h"

using namespace dclm;
namespace fs = std::filesystem;

namespace {

int run(const std::string& args, std::string* out) {
  const std::string cmd = dclm::testing::dclm_binary() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// total_steps = ((tokens / 5) / seq_len) · 5 / global_batch_size = ((640 / 5) / 16) · 5 / 8 = 5
const char* kTinyScale = R"(name: tiny-launch
model:
  name: "tiny_d32_l2_h4"
  d_model: 32
  n_layers: 2
  n_heads: 4
  vocab_size: 64
  seq_len: 16
train:
  tokens: 640
  chinchilla_multiplier: 1
  global_batch_size: 8
  accum_freq: 2
  warmup: 1
  lr: 1e-2
  weight_decay: 0.1
  cooldown_lr: 3e-5
  z_loss: 1e-4
  precision: fp32
  total_steps: 5
)";

}  // namespace

TEST(TrainLauncher, NprocTwoTrainsOneShardedModelLikeOneProcess) {
  dclm::testing::TempDir dir;
  dclm::testing::make_counting_dataset(dir / "data", 32, 17, 64);
  std::ofstream(dir / "tiny.yaml") << kTinyScale;
  const std::string common = "train --scale " + (dir / "tiny.yaml") + " --data " + (dir / "data") + " --threads 1";
  std::string log2, log1;
  ASSERT_EQ(run(common + " --nproc 2 --out " + (dir / "two"), &log2), 0) << log2;
  ASSERT_EQ(run(common + " --out " + (dir / "one"), &log1), 0) << log1;
  // rank 0 alone reports and logs
  size_t reports = 0;
  for (size_t at = log2.find("train: 5 steps"); at != std::string::npos; at = log2.find("train: 5 steps", at + 1)) ++reports;
  EXPECT_EQ(reports, 1u) << log2;
  auto summary = read_json_file(dir / "two/summary.json");
  EXPECT_EQ(summary["world_size"].get<int>(), 2);
  EXPECT_EQ(summary["comm"].get<std::string>(), "gloo");
  EXPECT_EQ(read_json_file(dir / "one/summary.json")["world_size"].get<int>(), 1);
  auto ck = trainer::read_checkpoint(dir / ("two/checkpoints/" + trainer::checkpoint_dir_name(5)));
  EXPECT_EQ(ck.optimizer_shards.size(), 2u);
  std::vector<nlohmann::json> m;
  JsonlReader r(dir / "two/metrics.jsonl", true);
  for (nlohmann::json j; r.next(j);) m.push_back(j);
  EXPECT_EQ(m.size(), 5u);
  // same global batches → the same model to fp32 tolerance (reduction order differs)
  auto p1 = model::load_tensor_dict(dir / "one/model.pt"), p2 = model::load_tensor_dict(dir / "two/model.pt");
  ASSERT_EQ(p1.size(), p2.size());
  for (size_t i = 0; i < p1.size(); ++i)
    EXPECT_LT((p1[i].second - p2[i].second).abs().max().item<double>(), 1e-3) << p1[i].first;
}

TEST(TrainLauncher, BadNprocIsAUsageError) {
  std::string out;
  EXPECT_EQ(run("train --nproc 0 --data x --out y", &out), 2) << out;
}
