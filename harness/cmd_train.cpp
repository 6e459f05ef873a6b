// `dclm train`: train DCLM's fixed OpenLM model at a scale on token shards.
#include <algorithm>
#include <cstdio>

#include "harness/cli.h"
#include "scales/scale.h"
#include "trainer/train.h"

namespace dclm::harness {

int cmd_train(const std::vector<std::string>& argv) {
  Args args("train",
            "Train the scale's model with its fixed hyper-parameters on token shards (dclm tokenize).\n"
            "Resumes from the latest good checkpoint in --out.",
            {{"scale", "scale name or YAML", "micro"},
             {"data", "token shard folder (required)", ""},
             {"out", "output folder (required)", ""},
             {"checkpoint-every", "steps between checkpoints (0 = final only)", "0"},
             {"threads", "torch threads", "all cores"},
             {"no-resume", "start from scratch even when checkpoints exist", "", true}});
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("data") || !args.given("out")) throw UsageError("--data and --out are required");
  auto s = scales::get_scale(args.get("scale"));
  trainer::TrainOptions t;
  t.model = s.model;
  t.data_dir = args.get("data");
  t.out_dir = args.get("out");
  t.global_batch_size = s.train.global_batch_size;
  t.accum_freq = s.train.accum_freq;
  t.warmup = s.train.warmup;
  t.total_steps = s.train.total_steps;
  t.seed = s.train.seed;
  t.lr = s.train.lr;
  t.weight_decay = s.train.weight_decay;
  t.cooldown_lr = s.train.cooldown_lr;
  t.z_loss = s.train.z_loss;
  t.precision = s.train.precision;
  t.checkpoint_every = args.get_int("checkpoint-every");
  t.resume = !args.flag("no-resume");
  if (args.given("threads")) t.threads = static_cast<int>(args.get_int("threads"));
  auto r = trainer::train(t);
  std::printf("train: %lld steps, final loss %.4f, %.0f tokens/s → %s\n", (long long)r.steps, r.final_loss,
              r.tokens_per_second, r.model_path.c_str());
  return 0;
}

}  // namespace dclm::harness
