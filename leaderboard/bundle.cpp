#include "leaderboard/bundle.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/manifest.h"
#include "common/version.h"
#include "leaderboard/html.h"
#include "leaderboard/leaderboard.h"

namespace dclm::leaderboard {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* const kBundleFormat = "dclm-bundle-v1";
const std::vector<std::string> kBundleStages = {"curate", "tokenizer", "tokens", "train", "eval"};

namespace {

std::string value_text(const json& r, const char* key) {
  if (!r.contains(key) || r[key].is_null()) return "—";
  if (r[key].is_number()) return format_percent(r[key].get<double>());
  if (r[key].is_string()) return r[key].get<std::string>();
  return r[key].dump();
}

}  // namespace

std::string model_card_markdown(const json& r, const json& train_manifest) {
  const json run = r.value("dclm_run", json::object());
  auto s = [&](const char* k) { return run.contains(k) ? (run[k].is_string() ? run[k].get<std::string>() : run[k].dump()) : std::string("—"); };
  std::string md = "# Model card: " + r.value("model", std::string("(unnamed)")) + "\n\n";
  md += "A DataComp-LM (DCLM) benchmark model trained by `dclm` at the **" + s("scale") + "** scale, **" + s("track") +
        "** track, with the curation recipe `" + s("recipe") + "`.\n\n";
  md += "| field | value |\n|---|---|\n";
  md += "| parameters | " + (run.contains("params") ? format_count(run["params"]) + " (" + run["params"].dump() + ")" : "—") + " |\n";
  md += "| training tokens | " + (run.contains("tokens") ? format_count(run["tokens"]) + " (" + run["tokens"].dump() + ")" : "—") + " |\n";
  if (run.contains("params") && run.contains("tokens") && run["params"].is_number() && run["tokens"].is_number())
    md += "| training compute (6·N·D) | " + html::format_sci(6.0 * run["params"].get<double>() * run["tokens"].get<double>()) + " FLOPs |\n";
  const json cfg = train_manifest.value("config", json::object());
  if (cfg.contains("model")) md += "| architecture | " + cfg["model"].dump() + " |\n";
  for (const char* k : {"global_batch_size", "warmup", "lr", "weight_decay", "cooldown_lr", "z_loss", "precision", "total_steps", "seed"})
    if (cfg.contains(k)) md += std::string("| ") + k + " | " + (cfg[k].is_string() ? cfg[k].get<std::string>() : cfg[k].dump()) + " |\n";
  const json counts = train_manifest.value("counts", json::object());
  if (counts.contains("final_loss")) md += "| final training loss | " + counts["final_loss"].dump() + " |\n";
  md += "| eval limit per task | " + s("eval_limit_per_task") + " (0 = all examples) |\n";
  md += "| code version | " + s("code_version") + " |\n\n";
  md += "## Scores\n\n| CORE (v1) | CORE (v2) | MMLU | EXTENDED (v1) | EXTENDED (v2) |\n|---:|---:|---:|---:|---:|\n| ";
  for (const char* k : {"Core_v1", "Core_v2", "MMLU", "Extended_v1", "Extended_v2"}) md += value_text(r, k) + " | ";
  md += "\n\nValues in percent (CORE/EXTENDED: mean centered accuracy; MMLU: raw 5-shot accuracy).\n\n";
  md += "## Provenance\n\n";
  if (run.contains("hashes") && run["hashes"].is_object())
    for (auto it = run["hashes"].begin(); it != run["hashes"].end(); ++it)
      md += "- " + it.key() + ": `" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()) + "`\n";
  md += "\n## Intended use and limitations\n\nA research artefact for comparing training-data curation recipes at a fixed "
        "compute scale; not tuned or evaluated for any downstream use. Scores at CPU scales (micro, nano) are not "
        "comparable with DCLM's published scales.\n";
  return md;
}

json create_bundle(const BundleOptions& o) {
  const std::string run = o.run_dir;
  if (!fs::is_directory(run)) throw Error("run folder not found", {run});
  for (const auto& st : kBundleStages)
    if (!Manifest::is_complete(run + "/" + st))
      throw Error("stage '" + st + "' has no complete manifest (run `dclm run` to the eval stage first)", {run + "/" + st});
  const std::string results_path = run + "/eval/results.json";
  if (!file_exists(results_path)) throw Error("no result JSON", {results_path});
  json results = read_json_file(results_path);
  if (!results.contains("dclm_run") || !results["dclm_run"].is_object())
    throw Error("result JSON has no dclm_run object (not written by `dclm run`)", {results_path});
  if (o.out_dir.empty()) throw Error("no output folder given");
  if (fs::exists(fs::symlink_status(o.out_dir))) throw Error("output folder already exists", {o.out_dir});

  // (destination in the bundle, source file, required)
  struct Item { std::string dst, src; bool required; };
  std::vector<Item> items = {{"results.json", results_path, true},
                             {"curate/stats.json", run + "/curate/stats.json", true},
                             {"tokens/tokshuf_stats.json", run + "/tokens/tokshuf_stats.json", false},
                             {"train/metrics.jsonl", run + "/train/metrics.jsonl", true},
                             {"train/summary.json", run + "/train/summary.json", false},
                             {"train/model.json", run + "/train/model.json", false}};
  for (const auto& st : kBundleStages) items.push_back({"manifests/" + st + ".json", run + "/" + st + "/manifest.json", true});

  const std::string tmp = o.out_dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  try {
    make_dirs(tmp);
    for (const auto& it : items) {
      if (!file_exists(it.src)) {
        if (it.required) throw Error("run folder lacks " + it.dst.substr(it.dst.find('/') + 1), {it.src});
        continue;
      }
      make_dirs(fs::path(tmp + "/" + it.dst).parent_path().string());
      fs::copy_file(it.src, tmp + "/" + it.dst, fs::copy_options::overwrite_existing);
    }
    if (!o.recipe_yaml.empty()) {
      make_dirs(tmp + "/curate");
      write_file_atomic(tmp + "/curate/recipe.yaml", o.recipe_yaml);
    }
    write_file_atomic(tmp + "/model_card.md", model_card_markdown(results, read_json_file(run + "/train/manifest.json")));

    std::vector<std::string> rels;
    for (const auto& e : fs::recursive_directory_iterator(tmp))
      if (e.is_regular_file()) rels.push_back(fs::relative(e.path(), tmp).generic_string());
    std::sort(rels.begin(), rels.end());
    json files = json::array();
    for (const auto& rel : rels)
      files.push_back({{"path", rel}, {"sha256", sha256_file(tmp + "/" + rel)}, {"bytes", static_cast<int64_t>(fs::file_size(tmp + "/" + rel))}});
    json index = {{"format", kBundleFormat}, {"created_by", tool_version()}, {"run", results["dclm_run"]}, {"files", files}};
    write_json_file(tmp + "/bundle.json", index);
    fs::rename(tmp, o.out_dir);
    return index;
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace dclm::leaderboard
