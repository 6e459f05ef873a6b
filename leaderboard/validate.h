// Validation of submission bundles (leaderboard/bundle.h) and of DCLM's published eval JSONs (anchors).
//
// A bundle is accepted only when every rule holds; the first violated rule is reported as one line.
//
//  1. Paths. bundle.json lists every file of the folder except itself ("files": [{path, sha256, bytes}]).
//     Each path is relative, uses '/', has no empty, "." or ".." component and no backslash; the file is a
//     regular file whose real location (symlinks resolved) lies inside the bundle folder. A file on disk
//     that bundle.json does not list is rejected too, and so is a missing required file.
//  2. Integrity. Every listed file's sha256 and size equal bundle.json's entry.
//  3. Schema. results.json: "model" string; "eval_metrics.icl" object of numbers; Core, Extended, Core_v1,
//     Core_v2, Extended_v1, Extended_v2 numbers or "N/A due to missing tasks: [...]" (non-empty list); MMLU a
//     number or an "N/A ..." string; "dclm_run" with scale, track (filtering | mixing), recipe, code_version
//     (non-empty strings), params, tokens, eval_limit_per_task (integers ≥ 0, params/tokens > 0) and
//     hashes.{curated, tokens, tokenizer, model} (64 hex digits). Each manifests/<stage>.json parses as a
//     stage manifest with "stage" == <stage> and "complete": true. bundle.json's "run" equals dclm_run.
//  4. Suite completeness. A number for Extended_* requires "missing tasks" == "[]"; an "N/A" Extended_*
//     requires a non-empty "missing tasks"; no task named in an "N/A due to missing tasks" list may have a
//     score in eval_metrics.icl; Core and Extended equal Core_v2/Extended_v2 (or Core_v1/Extended_v1 when
//     eval_version is "v1").
//  5. Hash consistency. H(stage) := combine_hashes(manifest.outputs ∪ {"#config": manifest.config.dump()}),
//     exactly RunFolder::stage_hash. Then
//       dclm_run.hashes.curated == H(curate), .tokenizer == H(tokenizer), .tokens == H(tokens), .model == H(train);
//       tokens.inputs.curate == H(curate), tokens.inputs.tokenizer == H(tokenizer);
//       tokenizer.inputs.curate == H(curate) when the tokenizer was trained on the curated text;
//       train.inputs.tokens == H(tokens); eval.inputs.train == H(train), eval.inputs.tokenizer == H(tokenizer);
//       sha256(results.json) == eval.outputs["results.json"], sha256(curate/stats.json) ==
//       curate.outputs["stats.json"], sha256(train/metrics.jsonl) == train.outputs["metrics.jsonl"], and
//       sha256(train/model.json) == train.outputs["model.json"] when both exist.
//  6. Scale rules (scales::get_scale on an embedded scale name only; CPU scales included):
//       params: dclm_run.params == train.counts.params == model::param_count(scale.model);
//       architecture: train.config.model.{name, d_model, n_layers, n_heads, vocab_size, seq_len, qk_norm} == the scale's;
//       tokens: dclm_run.tokens == train.counts.tokens == total_steps · global_batch_size · seq_len of the scale
//               (≤ the scale's token budget "train.tokens"), train.counts.steps == total_steps;
//       fixed hyper-parameters in train.config equal the scale's YAML: global_batch_size, warmup, lr,
//               weight_decay, cooldown_lr, z_loss, precision, total_steps. (accum_freq only splits a batch
//               and seed only picks the random stream; neither is fixed.)
//  7. Code version. dclm_run.code_version is non-empty and equals the eval manifest's tool_version.
//
// Anchors (DCLM's published eval JSONs) are read-only rows: they must parse, carry no dclm_run, have
// eval_metrics.icl and Core_v1/Core_v2/Extended_v1/Extended_v2 as numbers or "N/A due to missing tasks: [...]".
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "common/manifest.h"

namespace dclm::leaderboard {

// The content hash a run folder records for a finished stage (= harness RunFolder::stage_hash).
std::string stage_content_hash(const Manifest& m);

// "" when `rel` is a safe relative path inside a folder, else why not.
std::string check_relative_path(const std::string& rel);

// "" when the bundle folder passes every rule above, else a one-line reason.
std::string check_bundle(const std::string& dir);
// "" when `r` is acceptable as a published (anchor) row, else a one-line reason.
std::string check_anchor(const nlohmann::json& r);

// The competition scale a published DCLM eval JSON belongs to, from its file/model name
// ("_filename", else "dclm_anchor_file"; model config + batch size + Chinchilla multiplier): "400M-1x", "1B-1x", "1B-5x", "7B-1x", "7B-2x"
// or "" (other models). *fixed_hparams (optional) is set when warmup, lr and wd also equal the scale's.
std::string anchor_scale(const nlohmann::json& r, bool* fixed_hparams = nullptr);

}  // namespace dclm::leaderboard
