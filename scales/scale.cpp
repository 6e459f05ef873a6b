#include "scales/scale.h"

#include "common/config.h"
#include "common/error.h"
#include "common/io.h"
#include "model/config.h"
#include "scales/embedded.h"

namespace dclm::scales {

int64_t Scale::computed_total_steps() const {
  return ((train.tokens / 5) / model.seq_len) * 5 / train.global_batch_size;
}

double Scale::train_flops() const { return 6.0 * double(model::param_count(model)) * double(train.tokens); }

Scale parse_scale(const std::string& text, const std::string& source) {
  ConfigNode root(load_yaml_string(text, source), source);
  Scale s;
  s.source = source;
  s.name = root.get<std::string>("name");
  s.dclm_key = root.get_or<std::string>("dclm_key", "");
  {
    ConfigNode m = root.sub("model");
    s.model.name = m.get<std::string>("name");
    s.model.d_model = m.get<int64_t>("d_model");
    s.model.n_layers = m.get<int64_t>("n_layers");
    s.model.n_heads = m.get<int64_t>("n_heads");
    s.model.vocab_size = m.get<int64_t>("vocab_size");
    s.model.seq_len = m.get<int64_t>("seq_len");
    s.model.qk_norm = m.get_or<bool>("qk_norm", true);
    m.finish();
    s.model.validate();
  }
  {
    ConfigNode t = root.sub("train");
    auto& h = s.train;
    h.tokens = t.get<int64_t>("tokens");
    h.chinchilla_multiplier = t.get<double>("chinchilla_multiplier");
    h.global_batch_size = t.get<int64_t>("global_batch_size");
    h.accum_freq = t.get<int64_t>("accum_freq");
    h.warmup = t.get<int64_t>("warmup");
    h.lr = t.get<double>("lr");
    h.weight_decay = t.get<double>("weight_decay");
    h.cooldown_lr = t.get<double>("cooldown_lr");
    h.z_loss = t.get<double>("z_loss");
    h.precision = t.get<std::string>("precision");
    h.total_steps = t.get<int64_t>("total_steps");
    h.seed = t.get_or<int64_t>("seed", 124);
    t.finish();
    if (h.global_batch_size <= 0 || h.accum_freq <= 0 || h.global_batch_size % h.accum_freq != 0)
      throw Error("global_batch_size must be a positive multiple of accum_freq", {source});
  }
  if (root.has("published")) {
    ConfigNode p = root.sub("published");
    s.published_params = p.get<int64_t>("params");
    p.get_or<double>("h100_hours", 0);
    p.get_or<std::string>("pool_tokens", "");
    p.finish();
  }
  if (root.has("run")) {
    ConfigNode r = root.sub("run");
    RunDefaults d;
    d.pool = r.get<std::vector<std::string>>("pool");
    d.recipe = r.get<std::string>("recipe");
    d.tokenizer_vocab = r.get<int64_t>("tokenizer_vocab");
    d.eval_suite = r.get<std::string>("eval_suite");
    d.eval_limit = r.get<int64_t>("eval_limit");
    r.finish();
    s.run = d;
  }
  root.finish();
  if (s.computed_total_steps() != s.train.total_steps)
    throw Error("total_steps " + std::to_string(s.train.total_steps) + " disagrees with DCLM's formula (" +
                    std::to_string(s.computed_total_steps()) + ")", {source});
  return s;
}

std::vector<std::string> scale_names() {
  std::vector<std::string> out;
  for (const auto& e : embedded_scales()) out.push_back(e.name);
  return out;
}

std::string embedded_scale_yaml(const std::string& name) {
  for (const auto& e : embedded_scales())
    if (e.name == name) return e.yaml;
  std::string known;
  for (const auto& e : embedded_scales()) known += (known.empty() ? "" : ", ") + e.name;
  throw Error("unknown scale '" + name + "' (known: " + known + ")");
}

Scale get_scale(const std::string& name) {
  for (const auto& e : embedded_scales())
    if (e.name == name) return parse_scale(e.yaml, "scales/" + name + ".yaml");
  if (file_exists(name)) return parse_scale(read_file(name), name);
  embedded_scale_yaml(name);  // throws with the list of known scales
  return {};
}

}  // namespace dclm::scales
