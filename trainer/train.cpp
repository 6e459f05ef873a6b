// The training loop, top to bottom: options → data → model → optimizer → resume → steps → export.
#include "trainer/train.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "curation/shard.h"
#include "model/openlm.h"
#include "trainer/checkpoint.h"
#include "trainer/comm.h"
#include "trainer/loader.h"
#include "trainer/optim.h"
#include "trainer/schedule.h"
#include "trainer/zero.h"

namespace fs = std::filesystem;

namespace dclm::trainer {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

void check_options(const TrainOptions& o) {
  o.model.validate();
  auto fail = [](const std::string& m) { throw Error("train: " + m, {"", -1, -1, "train"}); };
  if (o.data_dir.empty()) fail("data_dir is empty");
  if (o.out_dir.empty()) fail("out_dir is empty");
  if (o.total_steps <= 0) fail("total_steps must be positive");
  if (o.global_batch_size <= 0) fail("global_batch_size must be positive");
  if (o.accum_freq <= 0 || o.global_batch_size % o.accum_freq != 0)
    fail("global_batch_size (" + std::to_string(o.global_batch_size) + ") must be a positive multiple of accum_freq (" +
         std::to_string(o.accum_freq) + ")");
  if (o.warmup < 0 || o.warmup >= o.total_steps)
    fail("warmup (" + std::to_string(o.warmup) + ") must be in [0, total_steps)");
  if (o.lr <= 0) fail("lr must be positive");
  if (o.checkpoint_every < 0) fail("checkpoint_every must be >= 0");
  if (o.precision != "fp32" && o.precision != "amp_bf16" && o.precision != "pure_bf16")
    fail("precision must be fp32, amp_bf16 or pure_bf16, not '" + o.precision + "'");
}

// The fields that must not change between a checkpoint and the run resuming from it.
json run_identity(const TrainOptions& o, int64_t dataset_size) {
  return {{"model", model::config_to_json(o.model)}, {"global_batch_size", o.global_batch_size},
          {"seed", o.seed}, {"dataset_size", dataset_size}};
}

// Keeps metrics.jsonl lines of steps ≤ `upto` (drops what a crashed run logged after its checkpoint).
void truncate_metrics(const std::string& path, int64_t upto) {
  if (!file_exists(path)) return;
  std::string kept;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("step", int64_t(-1)) <= upto) kept += line + "\n";
  }
  write_file_atomic(path, kept);
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

TrainResult train(const TrainOptions& o) {
  // ---- options, world, threads, device, precision ------------------------------------------------
  check_options(o);
  const CommConfig cc = comm_config_from_env();
  const int W = cc.world, rank = cc.rank;
  const bool lead = rank == 0;  // rank 0 alone writes metrics, params and exports
  if (W > 1 && o.global_batch_size % (o.accum_freq * W) != 0)
    throw Error("train: global_batch_size (" + std::to_string(o.global_batch_size) +
                    ") must be a multiple of accum_freq · world size (" + std::to_string(o.accum_freq) + " · " +
                    std::to_string(W) + ")",
                {"", -1, -1, "train"});
  const int threads = o.threads > 0 ? o.threads : std::max(1, default_threads() / std::max(1, cc.local_world));
  torch::set_num_threads(threads);
  const torch::Device device = torch::cuda::is_available()
                                   ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(cc.local_rank))
                                   : torch::Device(torch::kCPU);
  std::unique_ptr<Comm> comm = make_comm(cc);
  if (!lead) Progress::set_enabled(false);
  const bool bf16 = o.precision != "fp32";
  if (bf16 && device.is_cpu()) log_warn("train: precision " + o.precision + " on CPU runs bf16 math on the CPU");
  if (lead) make_dirs(o.out_dir);
  const std::string ckpt_root = o.out_dir + "/checkpoints", metrics_path = o.out_dir + "/metrics.jsonl";

  // ---- data ---------------------------------------------------------------------------------------
  curation::TokenDataset dataset(o.data_dir);
  const int64_t S = o.model.seq_len;
  if (dataset.seq_len() != S + 1)
    throw Error("dataset sequences have " + std::to_string(dataset.seq_len()) + " tokens, the model needs seq_len + 1 = " +
                    std::to_string(S + 1),
                {o.data_dir});
  if (dataset.vocab_size() > o.model.vocab_size)
    throw Error("dataset vocabulary (" + std::to_string(dataset.vocab_size()) + ") exceeds the model's (" +
                    std::to_string(o.model.vocab_size) + ")",
                {o.data_dir});
  Loader loader(dataset, uint64_t(o.seed));
  const int64_t micro_global = o.global_batch_size / o.accum_freq;  // sequences per micro-step, all ranks
  const int64_t micro_bs = micro_global / W;                           // this rank's part

  // ---- model and optimizer ------------------------------------------------------------------------
  model::OpenLM net(o.model, uint64_t(o.seed));
  net->to(device);
  net->set_compute(bf16 ? model::Compute::Bf16 : model::Compute::Fp32);
  const std::vector<torch::Tensor> params = net->param_list();
  // world 1: per-tensor AdamW; world > 1: ZeRO-2 (sharded master weights, moments and gradients).
  std::unique_ptr<AdamW> opt1;
  std::unique_ptr<ZeroAdamW> optz;
  if (W == 1)
    opt1 = std::make_unique<AdamW>(net->named_params(), 0.9, 0.95, 1e-8, o.weight_decay);
  else
    optz = std::make_unique<ZeroAdamW>(net->named_params(), *comm, 0.9, 0.95, 1e-8, o.weight_decay);
  auto opt_steps = [&] { return opt1 ? opt1->steps() : optz->steps(); };
  const json identity = run_identity(o, dataset.size());

  // ---- resume -------------------------------------------------------------------------------------
  int64_t start = 0;
  double last_loss = std::nan("");
  // Rank 0 picks the checkpoint; the others follow its step (they all read the same folder).
  std::optional<std::string> latest = o.resume && lead ? latest_checkpoint(ckpt_root) : std::nullopt;
  if (W > 1) {
    const int64_t mine = latest ? int64_t(std::stoll(fs::path(*latest).filename().string().substr(5))) : int64_t(-1);
    torch::Tensor s = torch::full({1}, mine, torch::TensorOptions().dtype(torch::kLong).device(device));
    comm->broadcast(s, 0);
    const int64_t st = s.cpu().item<int64_t>();
    latest = st >= 0 ? std::optional<std::string>(ckpt_root + "/" + checkpoint_dir_name(st)) : std::nullopt;
  }
  if (o.resume) {
    if (auto dir = latest) {
      LoadedCheckpoint ck = read_checkpoint(*dir);  // Error on corruption
      if (ck.state.value("identity", json()) != identity)
        throw Error("checkpoint was written by a different run (model, global batch, seed or dataset differ): " +
                        ck.state.value("identity", json()).dump() + " vs " + identity.dump(),
                    {*dir});
      {
        torch::NoGradGuard ng;
        std::map<std::string, torch::Tensor> by_name(ck.params.begin(), ck.params.end());
        for (const auto& [name, p] : net->named_params()) {
          auto it = by_name.find(name);
          if (it == by_name.end() || it->second.sizes() != p.sizes())
            throw Error("checkpoint parameter '" + name + "' missing or mis-shaped", {*dir + "/params.pt"});
          p.copy_(it->second);
        }
      }
      // Either format, any world size: sharded moments are reassembled into per-tensor ones first.
      NamedTensors moments = ck.optimizer;
      if (!ck.optimizer_shards.empty()) {
        std::vector<NamedTensors> shards;
        for (const auto& f : ck.optimizer_shards) shards.push_back(model::load_tensor_dict(f));
        moments = ZeroAdamW::full_state_from_shards(net->named_params(), shards, *dir);
      }
      const int64_t osteps = ck.state.at("optimizer_steps").get<int64_t>();
      if (opt1)
        opt1->load_state(moments, osteps, *dir + "/optimizer.pt");
      else
        optz->load_full_state(moments, osteps, *dir);
      const json& ls = ck.state.at("loader");
      loader.set_state({ls.at("epoch").get<int64_t>(), ls.at("position").get<int64_t>(),
                        ls.at("consumed").get<int64_t>()});
      start = ck.step;
      last_loss = ck.state.value("loss", std::nan(""));
      if (lead) truncate_metrics(metrics_path, start);
      if (lead) log_info("train: resumed from " + *dir + " at step " + std::to_string(start));
    }
  }
  if (start == 0 && lead) {
    std::error_code ec;
    if (fs::exists(ckpt_root)) {
      log_warn("train: starting from scratch; removing old checkpoints in " + ckpt_root);
      fs::remove_all(ckpt_root, ec);
    }
    fs::remove(metrics_path, ec);
  }
  comm->barrier();
  if (start > o.total_steps)
    throw Error("checkpoint step " + std::to_string(start) + " is beyond total_steps " + std::to_string(o.total_steps),
                {ckpt_root});

  auto save_checkpoint = [&](int64_t done, double loss) {
    json state = {{"step", done},
                  {"optimizer_steps", opt_steps()},
                  {"world_size", W},
                  {"loader", {{"epoch", loader.state().epoch}, {"position", loader.state().position},
                              {"consumed", loader.state().consumed}}},
                  {"loss", loss},
                  {"identity", identity},
                  {"total_steps", o.total_steps},
                  {"warmup", o.warmup},
                  {"lr", o.lr},
                  {"accum_freq", o.accum_freq}};
    if (W == 1)
      write_checkpoint(ckpt_root, done, net->named_params(), opt1->state(), state);
    else
      write_checkpoint_sharded(ckpt_root, done, *comm, net->named_params(), optz->shard_state(), state);
  };

  // ---- the loop -----------------------------------------------------------------------------------
  std::ofstream metrics;
  if (lead) {
    metrics.open(metrics_path, std::ios::app);
    if (!metrics) throw Error("cannot open metrics log", {metrics_path});
  }
  Progress progress("train", o.total_steps, "steps");
  progress.set(start);
  std::vector<int64_t> buf;
  const int64_t tokens_per_step = o.global_batch_size * S;
  double train_seconds = 0;
  int64_t trained_steps = 0;

  for (int64_t step = start; step < o.total_steps; ++step) {
    const auto t0 = Clock::now();
    const double lr = lr_at(step, o.lr, o.warmup, o.total_steps, o.cooldown_lr);

    // forward/backward over accum_freq micro-batches; each loss scaled by micro_bs / global_bs
    torch::Tensor loss_acc = torch::zeros({}, torch::TensorOptions().device(device));
    torch::Tensor ce_acc = torch::zeros_like(loss_acc), z_acc = torch::zeros_like(loss_acc);
    for (int64_t micro = 0; micro < o.accum_freq; ++micro) {
      loader.next_partition(micro_global, rank, W, buf);
      torch::Tensor batch = torch::from_blob(buf.data(), {micro_bs, S + 1}, torch::kLong)
                                .to(device, torch::kLong, /*non_blocking=*/false, /*copy=*/true);
      torch::Tensor inputs = batch.narrow(1, 0, S), targets = batch.narrow(1, 1, S);
      model::LossParts parts = model::lm_loss(net->forward(inputs), targets, o.z_loss);
      (parts.total / double(o.accum_freq)).backward();
      loss_acc += parts.total.detach() / double(o.accum_freq);
      ce_acc += parts.ce.detach() / double(o.accum_freq);
      z_acc += parts.z.detach() / double(o.accum_freq);
    }
    torch::Tensor grad_norm_t;
    if (opt1) {
      grad_norm_t = clip_grad_norm(params, o.grad_clip);
    } else {
      optz->reduce_gradients();  // reduce-scatter, mean over ranks
      grad_norm_t = optz->clip(o.grad_clip);
      // the logged losses are means over the whole global batch
      torch::Tensor parts = torch::stack({loss_acc, ce_acc, z_acc}).to(torch::kFloat32);
      comm->allreduce_sum(parts);
      parts.div_(double(W));
      loss_acc = parts[0];
      ce_acc = parts[1];
      z_acc = parts[2];
    }

    const double loss = loss_acc.item<double>(), grad_norm = grad_norm_t.item<double>();
    if (!std::isfinite(loss) || !std::isfinite(grad_norm))
      throw Error("non-finite " + std::string(std::isfinite(loss) ? "gradient norm" : "loss") + " at step " +
                      std::to_string(step + 1) + " (loss " + fmt("%g", loss) + ", grad norm " + fmt("%g", grad_norm) +
                      ", lr " + fmt("%g", lr) + ")",
                  {o.out_dir, step + 1, -1, "train step " + std::to_string(step + 1)});

    if (opt1) {
      opt1->step(lr);
      opt1->zero_grad();
    } else {
      optz->step(lr);  // shard update + all-gather of the parameters
      optz->zero_grad();
    }
    last_loss = loss;

    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    train_seconds += dt;
    trained_steps += 1;
    const int64_t done = step + 1;
    json line = {{"step", done},           {"loss", loss},
                 {"ce", ce_acc.item<double>()}, {"z_loss", z_acc.item<double>()},
                 {"lr", lr},               {"grad_norm", grad_norm},
                 {"tokens_per_second", double(tokens_per_step) / dt}, {"tokens", done * tokens_per_step}};
    if (lead) metrics << line.dump() << "\n" << std::flush;
    progress.set_note("loss " + fmt("%.4f", loss) + " lr " + fmt("%.3g", lr));
    progress.set(done);

    if (done == o.total_steps || (o.checkpoint_every > 0 && done % o.checkpoint_every == 0))
      save_checkpoint(done, loss);
  }
  progress.finish();

  // ---- export -------------------------------------------------------------------------------------
  TrainResult result;
  result.steps = o.total_steps;
  result.final_loss = last_loss;
  result.tokens_per_second = train_seconds > 0 ? double(trained_steps * tokens_per_step) / train_seconds : 0.0;
  result.model_path = o.out_dir + "/model.pt";
  if (!lead) {
    comm->barrier();  // rank 0 exports; keep its store alive until everyone is done
    return result;
  }
  model::save_params(*net, result.model_path);
  model::save_safetensors(o.out_dir + "/model.safetensors", net->named_params(),
                          {{"format", "pt"}, {"dclm_model", model::config_to_json(o.model).dump()}});
  json mj = model::config_to_json(o.model);
  mj["format"] = "dclm-openlm-v1";
  mj["params_file"] = "model.pt";
  mj["params_sha256"] = sha256_file(result.model_path);
  mj["safetensors_file"] = "model.safetensors";
  mj["trained_steps"] = o.total_steps;
  write_json_file(o.out_dir + "/model.json", mj);
  write_json_file(o.out_dir + "/summary.json",
                  {{"steps", result.steps},
                   {"steps_this_run", trained_steps},
                   {"resumed_from_step", start},
                   {"final_loss", result.final_loss},
                   {"tokens_per_second", result.tokens_per_second},
                   {"tokens", o.total_steps * tokens_per_step},
                   {"train_seconds_this_run", train_seconds},
                   {"params", net->num_params()},
                   {"device", device.str()},
                   {"threads", threads},
                   {"world_size", W},
                   {"comm", comm->name()},
                   {"precision", o.precision},
                   {"model_path", result.model_path},
                   {"model_json", o.out_dir + "/model.json"}});
  comm->barrier();
  return result;
}

}  // namespace dclm::trainer
