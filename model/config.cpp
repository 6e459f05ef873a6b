#include "model/config.h"

#include "common/error.h"

namespace dclm::model {

int64_t ModelConfig::ffn_hidden() const { return 256 * ((int64_t(2 * 4 * d_model / 3.0) + 255) / 256); }

void ModelConfig::validate() const {
  if (d_model <= 0 || n_layers <= 0 || n_heads <= 0 || vocab_size <= 0 || seq_len <= 0)
    throw Error("model '" + name + "': d_model, n_layers, n_heads, vocab_size and seq_len must be positive");
  if (head_dim() <= 0) throw Error("model '" + name + "': n_heads larger than d_model");
  if (head_dim() % 2 != 0) throw Error("model '" + name + "': head dim must be even for rotary embeddings");
}

int64_t ParamSpec::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::vector<ParamSpec> parameter_specs(const ModelConfig& c) {
  const int64_t d = c.d_model, a = c.attn_dim(), h = c.ffn_hidden(), V = c.vocab_size;
  std::vector<ParamSpec> out;
  out.push_back({"tok_embeddings.weight", {V, d}, ParamSpec::Embedding, -1});
  for (int64_t l = 0; l < c.n_layers; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    out.push_back({p + "attention.in_proj.weight", {3 * a, d}, ParamSpec::Linear, l});
    out.push_back({p + "attention.out_proj.weight", {d, a}, ParamSpec::Linear, l});
    if (c.qk_norm) {
      out.push_back({p + "attention.q_norm.weight", {a}, ParamSpec::QkNormGain, l});
      out.push_back({p + "attention.k_norm.weight", {a}, ParamSpec::QkNormGain, l});
    }
    out.push_back({p + "feed_forward.w12.weight", {2 * h, d}, ParamSpec::Linear, l});
    out.push_back({p + "feed_forward.w3.weight", {d, h}, ParamSpec::Linear, l});
    out.push_back({p + "attention_norm.weight", {d}, ParamSpec::NormGain, l});
    out.push_back({p + "ffn_norm.weight", {d}, ParamSpec::NormGain, l});
  }
  out.push_back({"norm.weight", {d}, ParamSpec::NormGain, -1});
  out.push_back({"output.weight", {V, d}, ParamSpec::Output, -1});
  return out;
}

int64_t param_count_with_qk_norm(const ModelConfig& c) {
  int64_t n = 0;
  for (const auto& p : parameter_specs(c)) n += p.numel();
  return n;
}

int64_t param_count(const ModelConfig& c) {
  int64_t n = 0;
  for (const auto& p : parameter_specs(c))
    if (p.kind != ParamSpec::QkNormGain) n += p.numel();
  return n;
}

int64_t param_count_no_embed(const ModelConfig& c) { return param_count(c) - c.vocab_size * c.d_model; }

}  // namespace dclm::model
