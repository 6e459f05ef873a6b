#include "leaderboard/validate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "leaderboard/bundle.h"
#include "model/config.h"
#include "scales/scale.h"

namespace dclm::leaderboard {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string stage_content_hash(const Manifest& m) {
  std::map<std::string, std::string> parts = m.outputs;
  parts["#config"] = m.config.dump();
  return combine_hashes(parts);
}

std::string check_relative_path(const std::string& rel) {
  if (rel.empty()) return "empty path";
  if (rel.find('\0') != std::string::npos) return "NUL byte in path";
  if (rel[0] == '/') return "absolute path";
  if (rel.find('\\') != std::string::npos) return "backslash in path";
  if (rel.size() >= 2 && rel[1] == ':') return "absolute path";
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string comp = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (comp == "..") return "path escapes the bundle ('..')";
    if (comp.empty() || comp == ".") return "empty or '.' path component";
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return "";
}

namespace {

bool is_hex64(const json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool same_number(const json& a, const json& b) {
  if (!a.is_number() || !b.is_number()) return false;
  if (a.is_number_integer() && b.is_number_integer()) return a.get<int64_t>() == b.get<int64_t>();
  const double x = a.get<double>(), y = b.get<double>();
  return std::fabs(x - y) <= 1e-12 * std::max(1.0, std::fabs(y));
}

std::string show(const json& v) { return v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump(); }

// Tasks of "N/A due to missing tasks: ['a', 'b']"; nullopt-like flag via ok=false when malformed.
bool parse_na(const std::string& s, std::vector<std::string>& tasks) {
  static const std::regex re(R"(^N/A due to missing tasks: \[(.+)\]$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return false;
  static const std::regex item(R"('([^']*)'|\"([^\"]*)\")");
  const std::string body = m[1].str();
  for (auto it = std::sregex_iterator(body.begin(), body.end(), item); it != std::sregex_iterator(); ++it)
    tasks.push_back((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
  return !tasks.empty();
}

std::string check_scores(const json& r, bool ours) {
  if (!r.contains("eval_metrics") || !r["eval_metrics"].is_object() || !r["eval_metrics"].contains("icl") ||
      !r["eval_metrics"]["icl"].is_object())
    return "results.json: missing field eval_metrics.icl (object)";
  const json& icl = r["eval_metrics"]["icl"];
  for (auto it = icl.begin(); it != icl.end(); ++it)
    if (!it.value().is_number()) return "results.json: eval_metrics.icl." + it.key() + " is not a number";
  std::vector<const char*> keys = {"Core_v1", "Core_v2", "Extended_v1", "Extended_v2"};
  if (ours) { keys.push_back("Core"); keys.push_back("Extended"); }
  for (const char* k : keys) {
    if (!r.contains(k)) return std::string("results.json: missing field ") + k;
    const json& v = r[k];
    if (v.is_number()) continue;
    std::vector<std::string> tasks;
    if (!v.is_string() || !parse_na(v.get<std::string>(), tasks))
      return std::string("results.json: ") + k + " must be a number or exactly \"N/A due to missing tasks: [...]\" (got " + show(v) + ")";
    for (const auto& t : tasks)
      if (icl.contains(t))
        return std::string("results.json: ") + k + " lists '" + t + "' as missing but eval_metrics.icl has a score for it";
  }
  if (ours) {
    if (!r.contains("MMLU") || !(r["MMLU"].is_number() || (r["MMLU"].is_string() && r["MMLU"].get<std::string>().rfind("N/A", 0) == 0)))
      return "results.json: MMLU must be a number or an \"N/A ...\" string";
    if (!r.contains("missing tasks") || !r["missing tasks"].is_string())
      return "results.json: missing field 'missing tasks' (string)";
    const bool none_missing = r["missing tasks"].get<std::string>() == "[]";
    for (const char* k : {"Extended_v1", "Extended_v2"}) {
      if (r[k].is_number() && !none_missing)
        return std::string("results.json: ") + k + " is a number but 'missing tasks' is " + r["missing tasks"].get<std::string>();
      if (r[k].is_string() && none_missing) return std::string("results.json: ") + k + " is N/A but 'missing tasks' is []";
    }
    const std::string ver = r.value("eval_version", std::string("v2"));
    if (ver != "v1" && ver != "v2") return "results.json: eval_version must be v1 or v2";
    if (r["Core"] != r["Core_" + ver]) return "results.json: Core differs from Core_" + ver;
    if (r["Extended"] != r["Extended_" + ver]) return "results.json: Extended differs from Extended_" + ver;
  }
  return "";
}

std::string check_dclm_run(const json& run) {
  for (const char* k : {"scale", "track", "recipe", "code_version"})
    if (!run.contains(k) || !run[k].is_string() || run[k].get<std::string>().empty())
      return std::string("results.json: dclm_run.") + k + " missing or not a non-empty string";
  for (const char* k : {"params", "tokens", "eval_limit_per_task"})
    if (!run.contains(k) || !run[k].is_number_integer() || run[k].get<int64_t>() < 0)
      return std::string("results.json: dclm_run.") + k + " missing or not a non-negative integer";
  if (run["params"].get<int64_t>() == 0 || run["tokens"].get<int64_t>() == 0) return "results.json: dclm_run.params and tokens must be positive";
  const std::string track = run["track"].get<std::string>();
  if (track != "filtering" && track != "mixing") return "results.json: dclm_run.track must be 'filtering' or 'mixing' (got '" + track + "')";
  if (!run.contains("hashes") || !run["hashes"].is_object()) return "results.json: dclm_run.hashes missing";
  for (const char* k : {"curated", "tokens", "tokenizer", "model"})
    if (!is_hex64(run["hashes"].value(k, json())))
      return std::string("results.json: dclm_run.hashes.") + k + " missing or not a sha256 hex string";
  return "";
}

std::string check_scale_rules(const json& run, const Manifest& train) {
  const std::string name = run["scale"].get<std::string>();
  const auto names = scales::scale_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    return "dclm_run.scale '" + name + "' is not a competition scale (" + all + ")";
  }
  const scales::Scale s = scales::get_scale(name);
  const int64_t pc = model::param_count(s.model);
  if (run["params"].get<int64_t>() != pc)
    return "param count " + run["params"].dump() + " does not match scale " + name + " (" + std::to_string(pc) + ")";
  if (!train.counts.contains("params") || !same_number(train.counts["params"], json(pc)))
    return "train manifest counts.params " + train.counts.value("params", json()).dump() + " does not match scale " + name + " (" +
           std::to_string(pc) + ")";
  const json& cfg = train.config;
  if (!cfg.contains("model") || !cfg["model"].is_object()) return "train manifest config has no model";
  const json& m = cfg["model"];
  const json want_model = {{"name", s.model.name}, {"d_model", s.model.d_model}, {"n_layers", s.model.n_layers}, {"n_heads", s.model.n_heads},
                           {"vocab_size", s.model.vocab_size}, {"seq_len", s.model.seq_len}, {"qk_norm", s.model.qk_norm}};
  for (auto it = want_model.begin(); it != want_model.end(); ++it)
    if (!m.contains(it.key()) || m[it.key()] != it.value())
      return "train config model." + it.key() + " " + (m.contains(it.key()) ? show(m[it.key()]) : "(missing)") + " differs from scale " +
             name + "'s " + show(it.value());
  const auto& t = s.train;
  const json fixed = {{"global_batch_size", t.global_batch_size}, {"warmup", t.warmup}, {"lr", t.lr}, {"weight_decay", t.weight_decay},
                      {"cooldown_lr", t.cooldown_lr}, {"z_loss", t.z_loss}, {"precision", t.precision}, {"total_steps", t.total_steps}};
  for (auto it = fixed.begin(); it != fixed.end(); ++it) {
    if (!cfg.contains(it.key())) return "train config lacks " + it.key() + " (scale " + name + " fixes it to " + show(it.value()) + ")";
    const json& v = cfg[it.key()];
    const bool ok = it.value().is_number() ? same_number(v, it.value()) : v == it.value();
    if (!ok) return "train config " + it.key() + " " + show(v) + " differs from scale " + name + "'s " + show(it.value());
  }
  const int64_t tokens = t.total_steps * t.global_batch_size * s.model.seq_len;
  if (run["tokens"].get<int64_t>() != tokens)
    return "token count " + run["tokens"].dump() + " does not match scale " + name + " (" + std::to_string(t.total_steps) + " steps × " +
           std::to_string(t.global_batch_size) + " × " + std::to_string(s.model.seq_len) + " = " + std::to_string(tokens) + ")";
  if (tokens > t.tokens) return "scale " + name + ": steps × batch × seq_len exceeds the token budget";
  if (!train.counts.contains("tokens") || !same_number(train.counts["tokens"], json(tokens)))
    return "train manifest counts.tokens " + train.counts.value("tokens", json()).dump() + " does not match scale " + name + " (" +
           std::to_string(tokens) + ")";
  if (!train.counts.contains("steps") || !same_number(train.counts["steps"], json(t.total_steps)))
    return "train manifest counts.steps " + train.counts.value("steps", json()).dump() + " does not match scale " + name + " (" +
           std::to_string(t.total_steps) + ")";
  return "";
}

}  // namespace

namespace {
std::string check_bundle_impl(const std::string& dir);
}  // namespace

std::string check_bundle(const std::string& dir) {
  try {
    return check_bundle_impl(dir);
  } catch (const std::exception& e) {  // anything unforeseen in a hostile bundle is a rejection, not a crash
    std::string what = e.what();
    for (char& c : what)
      if (c == '\n') c = ' ';
    return "malformed bundle: " + what;
  }
}

namespace {

std::string check_bundle_impl(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "bundle folder not found: " + dir;
  const std::string index_path = dir + "/bundle.json";
  if (fs::is_symlink(index_path, ec) || !fs::is_regular_file(index_path, ec)) return "bundle.json missing (or not a regular file)";
  json index;
  try {
    index = json::parse(read_file(index_path));
  } catch (const std::exception& e) {
    return "bundle.json is not valid JSON";
  }
  if (!index.is_object() || index.value("format", json()) != kBundleFormat)
    return std::string("bundle.json: format must be \"") + kBundleFormat + "\"";
  if (!index.contains("files") || !index["files"].is_array()) return "bundle.json: missing field files (array)";
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return "bundle folder cannot be resolved: " + dir;
  const std::string root_s = root.string() + "/";

  // 1. paths
  std::map<std::string, json> listed;
  for (const auto& f : index["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !is_hex64(f.value("sha256", json())) ||
        !f.contains("bytes") || !f["bytes"].is_number_integer())
      return "bundle.json: each files entry needs path (string), sha256 (hex) and bytes (integer)";
    const std::string rel = f["path"].get<std::string>();
    if (std::string why = check_relative_path(rel); !why.empty()) return "bundle.json: file '" + rel + "': " + why;
    if (rel == "bundle.json") return "bundle.json must not list itself";
    if (listed.count(rel)) return "bundle.json lists '" + rel + "' twice";
    const fs::path p = root / rel;
    if (!fs::exists(fs::symlink_status(p, ec))) return "file '" + rel + "' listed in bundle.json is missing";
    const fs::path real = fs::weakly_canonical(p, ec);
    if (ec || real.string().rfind(root_s, 0) != 0) return "file '" + rel + "' resolves outside the bundle (symlink escape)";
    if (!fs::is_regular_file(real, ec)) return "file '" + rel + "' is not a regular file";
    listed[rel] = f;
  }
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return "cannot list the bundle folder";
    if (it->is_directory(ec) && !it->is_symlink(ec)) continue;
    const std::string rel = fs::relative(it->path(), root).generic_string();
    if (rel == "bundle.json") continue;
    if (!listed.count(rel)) return "file '" + rel + "' is not listed in bundle.json";
  }
  std::vector<std::string> required = {"results.json", "curate/stats.json", "train/metrics.jsonl"};
  for (const auto& st : kBundleStages) required.push_back("manifests/" + st + ".json");
  for (const auto& r : required)
    if (!listed.count(r)) return "required file '" + r + "' missing from the bundle";

  // 2. integrity
  std::map<std::string, std::string> sha;
  for (const auto& [rel, f] : listed) {
    const std::string p = (root / rel).string();
    const std::string h = sha256_file(p);
    if (h != f["sha256"].get<std::string>())
      return "sha256 mismatch for '" + rel + "' (bundle.json " + f["sha256"].get<std::string>().substr(0, 12) + "…, file " +
             h.substr(0, 12) + "…)";
    if (static_cast<int64_t>(fs::file_size(p)) != f["bytes"].get<int64_t>()) return "size mismatch for '" + rel + "'";
    sha[rel] = h;
  }

  // 3. schema
  json r;
  try {
    r = json::parse(read_file((root / "results.json").string()));
  } catch (const std::exception&) {
    return "results.json is not valid JSON";
  }
  if (!r.is_object()) return "results.json is not an object";
  if (!r.contains("model") || !r["model"].is_string()) return "results.json: missing field model (string)";
  if (!r.contains("dclm_run") || !r["dclm_run"].is_object()) return "results.json: missing field dclm_run (object)";
  const json& run = r["dclm_run"];
  if (std::string why = check_dclm_run(run); !why.empty()) return why;
  if (index.value("run", json()) != run) return "bundle.json: run differs from results.json's dclm_run";
  std::map<std::string, Manifest> man;
  for (const auto& st : kBundleStages) {
    const std::string rel = "manifests/" + st + ".json";
    try {
      json j = json::parse(read_file((root / rel).string()));
      if (!j.is_object() || !j.contains("stage") || !j["stage"].is_string() || !j.contains("outputs") || !j["outputs"].is_object() ||
          !j.contains("config") || !j.contains("inputs"))
        return rel + ": missing field (stage, config, inputs, outputs)";
      man[st] = Manifest::from_json(j, rel);
    } catch (const std::exception&) {
      return rel + " is not a valid stage manifest";
    }
    if (man[st].stage != st) return rel + ": stage is '" + man[st].stage + "', expected '" + st + "'";
    if (!man[st].complete) return rel + ": stage is not complete";
  }

  // 4. suite completeness
  if (std::string why = check_scores(r, true); !why.empty()) return why;

  // 5. hashes
  std::map<std::string, std::string> H;
  for (const auto& st : kBundleStages) H[st] = stage_content_hash(man[st]);
  const json& hs = run["hashes"];
  const std::pair<const char*, const char*> run_hashes[] = {{"curated", "curate"}, {"tokenizer", "tokenizer"}, {"tokens", "tokens"}, {"model", "train"}};
  for (const auto& [key, st] : run_hashes)
    if (hs[key].get<std::string>() != H[st])
      return std::string("hash mismatch: dclm_run.hashes.") + key + " differs from the hash of manifests/" + st + ".json";
  struct Link { const char* stage; const char* input; const char* of; bool optional; };
  const Link links[] = {{"tokens", "curate", "curate", false}, {"tokens", "tokenizer", "tokenizer", false},
                        {"tokenizer", "curate", "curate", true}, {"train", "tokens", "tokens", false},
                        {"eval", "train", "train", false},       {"eval", "tokenizer", "tokenizer", false}};
  for (const auto& l : links) {
    auto it = man[l.stage].inputs.find(l.input);
    if (it == man[l.stage].inputs.end()) {
      if (l.optional) continue;
      return std::string("hash mismatch: manifests/") + l.stage + ".json has no input '" + l.input + "'";
    }
    if (it->second != H[l.of])
      return std::string("hash mismatch: manifests/") + l.stage + ".json input '" + l.input + "' differs from the hash of manifests/" + l.of + ".json";
  }
  const struct { const char* stage; const char* output; const char* file; bool optional; } outs[] = {
      {"eval", "results.json", "results.json", false},
      {"curate", "stats.json", "curate/stats.json", false},
      {"train", "metrics.jsonl", "train/metrics.jsonl", false},
      {"train", "model.json", "train/model.json", true}};
  for (const auto& o : outs) {
    auto it = man[o.stage].outputs.find(o.output);
    if (!sha.count(o.file) || it == man[o.stage].outputs.end()) {
      if (o.optional) continue;
      return std::string("hash mismatch: manifests/") + o.stage + ".json records no output '" + o.output + "'";
    }
    if (it->second != sha[o.file])
      return std::string("hash mismatch: ") + o.file + " differs from the output recorded in manifests/" + o.stage + ".json";
  }

  // 6. scale rules
  if (std::string why = check_scale_rules(run, man["train"]); !why.empty()) return why;

  // 7. code version
  if (man["eval"].tool_version != run["code_version"].get<std::string>())
    return "code_version '" + run["code_version"].get<std::string>() + "' differs from the eval manifest's tool_version '" +
           man["eval"].tool_version + "'";
  return "";
}

}  // namespace

std::string check_anchor(const json& r) {
  if (!r.is_object()) return "not a JSON object";
  if (r.contains("dclm_run")) return "has dclm_run: a run of ours, submit it as a bundle (dclm submit) instead";
  if (!r.contains("model") || !r["model"].is_string()) return "missing field model (string)";
  return check_scores(r, false);
}

std::string anchor_scale(const json& r, bool* fixed_hparams) {
  if (fixed_hparams) *fixed_hparams = false;
  std::string name = r.value("_filename", std::string());
  if (name.empty()) name = r.value("dclm_anchor_file", std::string());
  static const std::regex re(
      R"(-(d=1024_l=24_h=8|open_lm_1b|open_lm_1b_swiglutorch|open_lm_3b|open_lm_3b_swiglutorch|open_lm_7b|open_lm_7b_swiglutorch)-warm=([0-9]+)-lr=([0-9p]+)-wd=([0-9p]+)-cd=.*?-bs=([0-9]+)-mult=([0-9p]+)(-|_|$))");
  std::smatch m;
  if (!std::regex_search(name, m, re)) return "";
  auto num = [](std::string s) {
    std::replace(s.begin(), s.end(), 'p', '.');
    return std::stod(s);
  };
  const std::string model = m[1].str();
  double mult = 0;
  try {
    mult = num(m[6].str());
  } catch (const std::exception&) {
    return "";
  }
  std::string scale;
  if (model == "d=1024_l=24_h=8" && mult == 1) scale = "400M-1x";
  else if (model.rfind("open_lm_1b", 0) == 0 && mult == 1) scale = "1B-1x";
  else if (model.rfind("open_lm_1b", 0) == 0 && mult == 5) scale = "1B-5x";
  else if (model.rfind("open_lm_3b", 0) == 0 && mult == 1) scale = "3B-1x";
  else if (model.rfind("open_lm_7b", 0) == 0 && mult == 1) scale = "7B-1x";
  else if (model.rfind("open_lm_7b", 0) == 0 && mult == 2) scale = "7B-2x";
  if (scale.empty()) return "";
  try {
    const scales::Scale s = scales::get_scale(scale);
    if (std::stoll(m[5].str()) != s.train.global_batch_size) return "";
    if (fixed_hparams)
      *fixed_hparams = std::stoll(m[2].str()) == s.train.warmup && std::fabs(num(m[3].str()) - s.train.lr) < 1e-12 &&
                       std::fabs(num(m[4].str()) - s.train.weight_decay) < 1e-12;
  } catch (const std::exception&) {  // "lr=p" and the like: not one of DCLM's names
    if (fixed_hparams) *fixed_hparams = false;
    return "";
  }
  return scale;
}

}  // namespace dclm::leaderboard
