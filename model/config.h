// OpenLM model shape (DCLM's fixed architecture; ../shared/spec/training.md §1) and the list of
// parameter tensors it implies. The LibTorch module registers exactly these tensors, and
// param_count() sums them, so `dclm scales`, the model and the validator share one source of truth.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dclm::model {

struct ModelConfig {
  std::string name;        // e.g. "d=1024_l=24_h=8", "open_lm_1b_swiglutorch"
  int64_t d_model = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t vocab_size = 50432;
  int64_t seq_len = 2048;
  bool qk_norm = true;
  double norm_eps = 1e-5;
  double rope_base = 10000.0;

  int64_t head_dim() const { return d_model / n_heads; }
  int64_t attn_dim() const { return head_dim() * n_heads; }  // H·hd (≠ d when d % H != 0)
  // 256 * ((int(2*4*d/3) + 255) // 256)
  int64_t ffn_hidden() const;
  void validate() const;  // throws dclm::Error on impossible shapes
};

struct ParamSpec {
  std::string name;              // "layers.3.attention.in_proj.weight"
  std::vector<int64_t> shape;    // torch layout ([out, in] for linear weights)
  enum Kind { Embedding, Linear, NormGain, QkNormGain, Output } kind;
  int64_t layer = -1;            // block index, -1 outside blocks
  int64_t numel() const;
};

// Every parameter tensor in registration order.
std::vector<ParamSpec> parameter_specs(const ModelConfig& c);

// DCLM's `params` field: everything except the qk-norm gains
// (= L·(4d² + 3·d·h_ffn + 2d) + 2·V·d + d when d == H·hd).
int64_t param_count(const ModelConfig& c);
// Every tensor, qk-norm gains included (what the module really holds).
int64_t param_count_with_qk_norm(const ModelConfig& c);
// params − V·d (DCLM's params_no_embed).
int64_t param_count_no_embed(const ModelConfig& c);

}  // namespace dclm::model
