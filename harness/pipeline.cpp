#include "harness/pipeline.h"

#include <algorithm>
#include <filesystem>

#include "common/data.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/version.h"
#include "curation/curate.h"
#include "curation/tokshuf.h"
#include "evaluator/eval.h"
#include "evaluator/openlm_model.h"
#include "harness/stage.h"
#include "leaderboard/leaderboard.h"
#include "model/config.h"
#include "tokenizer/tokenizer.h"
#include "trainer/train.h"

namespace dclm::harness {

const std::vector<std::string> kStages = {"curate", "tokenizer", "tokens", "train", "eval", "leaderboard"};

namespace {

nlohmann::json train_config_json(const scales::Scale& s) {
  const auto& t = s.train;
  return {{"model", {{"name", s.model.name}, {"d_model", s.model.d_model}, {"n_layers", s.model.n_layers},
                     {"n_heads", s.model.n_heads}, {"vocab_size", s.model.vocab_size}, {"seq_len", s.model.seq_len},
                     {"qk_norm", s.model.qk_norm}}},
          {"global_batch_size", t.global_batch_size}, {"accum_freq", t.accum_freq}, {"warmup", t.warmup},
          {"lr", t.lr}, {"weight_decay", t.weight_decay}, {"cooldown_lr", t.cooldown_lr}, {"z_loss", t.z_loss},
          {"precision", t.precision}, {"total_steps", t.total_steps}, {"seed", t.seed}};
}

bool stop_after(const PipelineOptions& o, const std::string& stage) { return o.to_stage == stage; }

}  // namespace

std::string run_pipeline(const PipelineOptions& opts) {
  scales::Scale scale = scales::get_scale(opts.scale);
  if (!opts.to_stage.empty() && std::find(kStages.begin(), kStages.end(), opts.to_stage) == kStages.end())
    throw Error("unknown stage '" + opts.to_stage + "'");
  const scales::RunDefaults defaults = scale.run.value_or(scales::RunDefaults{});
  std::vector<std::string> pool = opts.pool;
  if (pool.empty()) {
    if (defaults.pool.empty())
      throw Error("scale " + scale.name + " has no default pool: pass input files (dclm run --scale " + scale.name + " FILE...)");
    for (const auto& rel : defaults.pool) pool.push_back(require_data(rel));
  }
  const std::string recipe = !opts.recipe.empty() ? opts.recipe : (defaults.recipe.empty() ? "dclm_baseline_refinedweb" : defaults.recipe);
  const std::string suite = !opts.suite.empty() ? opts.suite : (defaults.eval_suite.empty() ? "heavy" : defaults.eval_suite);
  const int64_t eval_limit = opts.eval_limit >= 0 ? opts.eval_limit : defaults.eval_limit;
  const int threads = opts.threads > 0 ? opts.threads : default_threads();
  RunFolder run(opts.run_dir.empty() ? "runs/" + scale.name : opts.run_dir);
  log_info("dclm run: scale " + scale.name + ", run folder " + run.root() + ", " + std::to_string(pool.size()) +
           " pool file(s), recipe " + recipe + ", suite " + suite);

  // 1. curate
  {
    StageSpec spec{"curate", {{"recipe", recipe}}, {}};
    for (const auto& p : pool) spec.inputs["pool:" + std::filesystem::path(p).filename().string()] = sha256_file(p);
    run.run(spec, [&](const std::string& work, Manifest& m) {
      curation::CurateOptions co;
      co.inputs = pool;
      co.recipe = recipe;
      co.out_dir = work;
      co.threads = threads;
      curation::CurateResult r = curation::run_curation(co);
      for (const auto& f : r.output_files) m.add_output(work, f);
      m.add_output(work, "stats.json");
      m.counts = {{"docs_in", r.docs_in}, {"docs_out", r.docs_out}, {"bytes_in", r.bytes_in}, {"bytes_out", r.bytes_out}};
      if (r.docs_out == 0) throw Error("curation kept no documents; nothing to train on");
    });
  }
  if (stop_after(opts, "curate")) return run.stage_dir("curate");

  // 2. tokenizer: SentencePiece trained on the curated text (CPU scales, tokenizer_vocab > 0), or
  //    DCLM's GPT-NeoX-20B BPE (DCLM scales), copied into the run so the run is self-contained.
  const bool neox = defaults.tokenizer_vocab <= 0;
  const std::string tok_file = neox ? "tokenizer.json" : "tokenizer.model";
  if (neox) {
    const std::string src = require_data("tokenizer/gpt-neox-20b-tokenizer.json");
    StageSpec spec{"tokenizer", {{"type", "gpt-neox-20b"}}, {{"tokenizer.json", sha256_file(src)}}};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      write_file_atomic(work + "/" + tok_file, read_file(src));
      m.add_output(work, tok_file);
    });
  } else {
    StageSpec spec{"tokenizer", {{"type", "sentencepiece"}, {"vocab_size", defaults.tokenizer_vocab}},
                   {{"curate", run.stage_hash("curate")}}};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      std::vector<std::string> docs;
      curation::for_each_curated_text(run.stage_dir("curate"), [&](const std::string& t) { docs.push_back(t); });
      tokenizer::SentencePieceTrainOptions so;
      so.vocab_size = defaults.tokenizer_vocab;
      so.seed = scale.train.seed;
      tokenizer::train_sentencepiece(docs, work + "/" + tok_file, so);
      m.add_output(work, tok_file);
      m.counts = {{"documents", (int64_t)docs.size()}};
    });
  }
  const std::string tok_path = run.stage_dir("tokenizer") + "/" + tok_file;
  auto tok = tokenizer::load_tokenizer(tok_path);
  if (stop_after(opts, "tokenizer")) return tok_path;

  // 3. tokens (tokenize–shuffle)
  {
    // tokshuf-rs defaults (seed 1234, chunk 8192, 128 local cells); fewer cells for the tiny CPU pools.
    const int64_t cells = neox ? 128 : 16;
    StageSpec spec{"tokens", {{"seq_len", scale.model.seq_len + 1}, {"seed", 1234}, {"num_cells", cells},
                              {"chunk_size", 8192}, {"vocab_size", scale.model.vocab_size}},
                   {{"curate", run.stage_hash("curate")}, {"tokenizer", run.stage_hash("tokenizer")}}};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      curation::TokshufOptions to;
      for (const auto& f : Manifest::read(run.stage_dir("curate")).outputs)
        if (f.first != "stats.json" && f.first.rfind("documents_", 0) == 0) to.inputs.push_back(run.stage_dir("curate") + "/" + f.first);
      std::sort(to.inputs.begin(), to.inputs.end());
      to.out_dir = work;
      to.seq_len = scale.model.seq_len + 1;
      to.num_cells = cells;
      to.seed = 1234;
      to.vocab_size = scale.model.vocab_size;
      to.threads = threads;
      auto r = curation::run_tokshuf(to, *tok);
      for (const auto& s : r.shards) m.add_output(work, s);
      m.add_output(work, "dataset.json");
      m.add_output(work, "manifest.jsonl");
      m.counts = r.to_json();
      int64_t needed = scale.train.total_steps * scale.train.global_batch_size;
      if (r.sequences < needed)
        log_warn("the curated pool gives " + std::to_string(r.sequences) + " sequences but training reads " +
                 std::to_string(needed) + ": the loader repeats the data (" +
                 std::to_string(needed / std::max<int64_t>(1, r.sequences)) + "+ epochs)");
    });
  }
  if (stop_after(opts, "tokens")) return run.stage_dir("tokens");

  // 4. train
  {
    StageSpec spec{"train", train_config_json(scale), {{"tokens", run.stage_hash("tokens")}}, /*resumable=*/true};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      trainer::TrainOptions t;
      t.model = scale.model;
      t.data_dir = run.stage_dir("tokens");
      t.out_dir = work;
      t.global_batch_size = scale.train.global_batch_size;
      t.accum_freq = scale.train.accum_freq;
      t.warmup = scale.train.warmup;
      t.total_steps = scale.train.total_steps;
      t.seed = scale.train.seed;
      t.lr = scale.train.lr;
      t.weight_decay = scale.train.weight_decay;
      t.cooldown_lr = scale.train.cooldown_lr;
      t.z_loss = scale.train.z_loss;
      t.precision = scale.train.precision;
      t.checkpoint_every = std::max<int64_t>(1, scale.train.total_steps / 4);
      t.resume = true;
      t.threads = threads;
      auto r = trainer::train(t);
      m.add_output(work, "model.pt");
      m.add_output(work, "model.json");
      m.add_output(work, "metrics.jsonl");
      m.counts = {{"steps", r.steps}, {"final_loss", r.final_loss}, {"tokens_per_second", r.tokens_per_second},
                  {"params", model::param_count(scale.model)},
                  {"tokens", r.steps * scale.train.global_batch_size * scale.model.seq_len}};
    });
  }
  if (stop_after(opts, "train")) return run.stage_dir("train");

  // 5. eval
  {
    StageSpec spec{"eval", {{"suite", suite}, {"limit", eval_limit}},
                   {{"train", run.stage_hash("train")}, {"tokenizer", run.stage_hash("tokenizer")}}};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      auto lm = evaluator::load_openlm_language_model(run.stage_dir("train"), tok->pad_id(), threads);
      evaluator::EvalOptions eo;
      eo.suite = suite;
      eo.limit = eval_limit;
      eo.max_seq_len = scale.model.seq_len;
      eo.model_name = "dclm-" + scale.name + "-" + recipe;
      eo.out_path = work + "/results.json";
      nlohmann::json res = evaluator::run_eval(eo, *lm, *tok);
      Manifest tm = Manifest::read(run.stage_dir("train"));
      res["dclm_run"] = {{"scale", scale.name},
                         {"track", "filtering"},
                         {"recipe", recipe},
                         {"params", model::param_count(scale.model)},
                         {"tokens", tm.counts.value("tokens", int64_t(0))},
                         {"eval_limit_per_task", eval_limit},
                         {"code_version", tool_version()},
                         {"hashes", {{"curated", run.stage_hash("curate")}, {"tokens", run.stage_hash("tokens")},
                                     {"tokenizer", run.stage_hash("tokenizer")}, {"model", run.stage_hash("train")}}}};
      write_json_file(eo.out_path, res);
      m.add_output(work, "results.json");
      m.counts = res["eval_metrics"]["icl"];
    });
  }
  const std::string results = run.stage_dir("eval") + "/results.json";
  if (stop_after(opts, "eval")) return results;

  // 6. leaderboard
  {
    StageSpec spec{"leaderboard", {{"format", "markdown"}}, {{"eval", run.stage_hash("eval")}}};
    run.run(spec, [&](const std::string& work, Manifest& m) {
      leaderboard::write_leaderboard_markdown({results}, work + "/leaderboard.md");
      m.add_output(work, "leaderboard.md");
    });
  }
  return results;
}

}  // namespace dclm::harness
