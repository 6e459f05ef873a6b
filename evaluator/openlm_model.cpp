#include "evaluator/openlm_model.h"

#include <torch/torch.h>

#include <algorithm>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "model/openlm.h"

namespace dclm::evaluator {
namespace {

constexpr int64_t kLogitBudgetBytes = int64_t(1) << 30;  // per sub-batch [B, T, V] fp32 logits

class OpenLMLanguageModel final : public LanguageModel {
 public:
  OpenLMLanguageModel(model::OpenLM net, int32_t pad_id, torch::Device device)
      : net_(std::move(net)), pad_(pad_id), device_(device) {
    net_->eval();
  }

  int64_t max_seq_len() const override { return net_->config().seq_len; }
  int32_t pad_id() const override { return pad_; }

  std::vector<ScoreResult> score(const std::vector<ScoreRequest>& batch) override {
    torch::NoGradGuard ng;
    const int64_t S = net_->config().seq_len, V = net_->config().vocab_size;
    // Each row: the model input (all tokens but the last) and where the continuation is predicted.
    struct Row {
      std::vector<int64_t> input;
      int64_t first = 0;  // input position whose output predicts continuation[0]
    };
    std::vector<Row> rows(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& r = batch[i];
      if (r.context.empty()) throw Error("OpenLM score: request " + std::to_string(i) + " has an empty context");
      if (r.continuation.empty()) continue;
      std::vector<int64_t> all(r.context.begin(), r.context.end());
      all.insert(all.end(), r.continuation.begin(), r.continuation.end());
      for (int64_t id : all)
        if (id < 0 || id >= V) throw Error("OpenLM score: token id " + std::to_string(id) + " outside the vocabulary");
      // Keep at most seq_len + 1 tokens (left-truncate the context), continuation always kept whole.
      const int64_t cont = int64_t(r.continuation.size());
      if (cont > S) throw Error("OpenLM score: continuation longer than seq_len");
      const int64_t drop = std::max<int64_t>(0, int64_t(all.size()) - (S + 1));
      rows[i].input.assign(all.begin() + drop, all.end() - 1);
      rows[i].first = int64_t(all.size()) - drop - 1 - cont;
    }
    std::vector<ScoreResult> out(batch.size());
    size_t begin = 0;
    while (begin < batch.size()) {
      // grow the sub-batch while its padded logits fit the budget
      size_t end = begin;
      int64_t T = 0;
      while (end < batch.size()) {
        const int64_t t = std::max<int64_t>(T, int64_t(rows[end].input.size()));
        if (end > begin && int64_t(end - begin + 1) * std::max<int64_t>(t, 1) * V * 4 > kLogitBudgetBytes) break;
        T = t;
        ++end;
      }
      if (T == 0) {  // only empty continuations
        begin = end;
        continue;
      }
      const int64_t B = int64_t(end - begin);
      torch::Tensor ids = torch::full({B, T}, int64_t(pad_), torch::kLong);
      auto acc = ids.accessor<int64_t, 2>();
      for (int64_t b = 0; b < B; ++b) {
        const auto& in = rows[begin + size_t(b)].input;
        for (size_t t = 0; t < in.size(); ++t) acc[b][int64_t(t)] = in[t];  // right padding
      }
      // Gather only the scored positions on the device: (row, position, token) triples.
      std::vector<int64_t> bi, pi, ti;
      for (int64_t b = 0; b < B; ++b) {
        const size_t i = begin + size_t(b);
        for (size_t j = 0; j < batch[i].continuation.size(); ++j) {
          bi.push_back(b);
          pi.push_back(rows[i].first + int64_t(j));
          ti.push_back(batch[i].continuation[j]);
        }
      }
      auto idx = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(device_); };
      const torch::Tensor b_t = idx(bi), p_t = idx(pi), t_t = idx(ti);
      torch::Tensor logits = net_->forward(ids.to(device_)).to(torch::kFloat32);  // [B, T, V]
      torch::Tensor rows_logits = logits.index({b_t, p_t});                       // [n, V]
      torch::Tensor lp = rows_logits.gather(1, t_t.unsqueeze(1)).squeeze(1) - rows_logits.logsumexp(-1);
      torch::Tensor greedy = rows_logits.argmax(-1);
      lp = lp.to(torch::kCPU, torch::kDouble);
      greedy = greedy.cpu();
      auto la = lp.accessor<double, 1>();
      auto ga = greedy.accessor<int64_t, 1>();
      int64_t k = 0;
      for (int64_t b = 0; b < B; ++b) {
        const size_t i = begin + size_t(b);
        for (size_t j = 0; j < batch[i].continuation.size(); ++j, ++k) {
          out[i].logprobs.push_back(la[k]);
          out[i].greedy.push_back(int32_t(ga[k]));
        }
      }
      begin = end;
    }
    return out;
  }

  std::vector<std::vector<int32_t>> generate(const std::vector<GenerateRequest>& batch) override {
    torch::NoGradGuard ng;
    const int64_t S = net_->config().seq_len;
    std::vector<std::vector<int32_t>> out(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& r = batch[i];
      if (r.context.empty()) throw Error("OpenLM generate: request " + std::to_string(i) + " has an empty context");
      if (r.max_new_tokens <= 0) continue;
      // Leave room for the new tokens inside seq_len (at least one context token stays).
      const int64_t room = std::max<int64_t>(1, S - r.max_new_tokens);
      const int64_t drop = std::max<int64_t>(0, int64_t(r.context.size()) - room);
      std::vector<int64_t> ctx(r.context.begin() + drop, r.context.end());
      model::KVCache cache;
      torch::Tensor logits = net_->forward(torch::tensor(ctx, torch::kLong).unsqueeze(0).to(device_), cache);
      std::vector<int32_t>& gen = out[i];
      while (true) {
        const int32_t next = int32_t(logits.select(1, logits.size(1) - 1).argmax(-1).item<int64_t>());
        gen.push_back(next);
        if (int64_t(gen.size()) >= r.max_new_tokens || cache.length >= S || ends_with_stop(gen, r.stop_sequences))
          break;
        logits = net_->forward(torch::full({1, 1}, int64_t(next), torch::kLong).to(device_), cache);
      }
    }
    return out;
  }

 private:
  static bool ends_with_stop(const std::vector<int32_t>& gen, const std::vector<std::vector<int32_t>>& stops) {
    for (const auto& s : stops)
      if (!s.empty() && s.size() <= gen.size() && std::equal(s.rbegin(), s.rend(), gen.rbegin())) return true;
    return false;
  }

  model::OpenLM net_;
  int32_t pad_;
  torch::Device device_;
};

}  // namespace

std::unique_ptr<LanguageModel> load_openlm_language_model(const std::string& train_out_dir, int32_t pad_id,
                                                          int threads) {
  torch::set_num_threads(threads > 0 ? threads : default_threads());
  const std::string json_path = train_out_dir + "/model.json";
  if (!file_exists(json_path)) throw Error("no exported model (model.json missing)", {json_path});
  const nlohmann::json j = read_json_file(json_path);
  const model::ModelConfig cfg = model::config_from_json(j, json_path);
  const std::string params_path = train_out_dir + "/" + j.value("params_file", std::string("model.pt"));
  if (!file_exists(params_path)) throw Error("exported model parameters missing", {params_path});
  if (j.contains("params_sha256") && j["params_sha256"].get<std::string>() != sha256_file(params_path))
    throw Error("model parameters do not match the sha256 recorded in model.json", {params_path});
  if (pad_id < 0 || pad_id >= cfg.vocab_size)
    throw Error("pad id " + std::to_string(pad_id) + " outside the model vocabulary", {json_path});
  model::OpenLM net(cfg, /*seed=*/0);
  model::load_params(*net, params_path);
  const torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  net->to(device);
  return std::make_unique<OpenLMLanguageModel>(std::move(net), pad_id, device);
}

}  // namespace dclm::evaluator
