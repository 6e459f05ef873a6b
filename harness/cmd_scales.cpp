// `dclm scales`: the table of scales with parameter counts computed by model::param_count (the same
// parameter list the LibTorch module registers).
#include <cstdio>

#include "harness/cli.h"
#include "model/config.h"
#include "scales/scale.h"

namespace dclm::harness {

static std::string commas(int64_t v) {
  std::string s = std::to_string(v), out;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

int cmd_scales(const std::vector<std::string>& argv) {
  Args args("scales", "Print every competition scale: model shape, parameter count (computed from the shape by the\n"
                      "code that builds the model), token budget, batch, learning rate, warmup, steps.",
            {{"json", "print JSON instead of a table", "", true}});
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.flag("json")) {
    std::printf("[");
    bool first = true;
    for (const auto& name : scales::scale_names()) {
      auto s = scales::get_scale(name);
      std::printf("%s\n {\"name\": \"%s\", \"params\": %lld, \"params_with_qk_norm\": %lld, \"tokens\": %lld, "
                  "\"global_batch_size\": %lld, \"total_steps\": %lld, \"lr\": %g, \"warmup\": %lld}",
                  first ? "" : ",", s.name.c_str(), (long long)model::param_count(s.model),
                  (long long)model::param_count_with_qk_norm(s.model), (long long)s.train.tokens,
                  (long long)s.train.global_batch_size, (long long)s.train.total_steps, s.train.lr,
                  (long long)s.train.warmup);
      first = false;
    }
    std::printf("\n]\n");
    return 0;
  }
  std::printf("%-8s %5s %3s %3s %6s %15s %17s %5s %3s %6s %6s %6s %8s %8s %9s\n", "scale", "d", "L", "H", "ffn",
              "params", "tokens", "gbs", "acc", "lr", "wd", "warmup", "z_loss", "steps", "FLOPs");
  for (const auto& name : scales::scale_names()) {
    auto s = scales::get_scale(name);
    const auto& t = s.train;
    std::printf("%-8s %5lld %3lld %3lld %6lld %15s %17s %5lld %3lld %6g %6g %6lld %8g %8lld %9.2e\n", s.name.c_str(),
                (long long)s.model.d_model, (long long)s.model.n_layers, (long long)s.model.n_heads,
                (long long)s.model.ffn_hidden(), commas(model::param_count(s.model)).c_str(),
                commas(t.tokens).c_str(), (long long)t.global_batch_size, (long long)t.accum_freq, t.lr,
                t.weight_decay, (long long)t.warmup, t.z_loss, (long long)t.total_steps, s.train_flops());
  }
  std::printf("\nparams = DCLM's count (qk-norm gains excluded, as DCLM reports it); FLOPs = 6·params·tokens.\n");
  return 0;
}

}  // namespace dclm::harness
