// The curation executor: one shard of a run (per-input outputs + done-markers, resume), and the whole run
// (shard 0 of 1, then the merge in curate_merge.cpp).
#include "curation/curate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "curation/curate_files.h"
#include "curation/readers.h"
#include "curation/recipe.h"

namespace dclm::curation {

namespace {

namespace fs = std::filesystem;

struct StepCounts {
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
  std::map<std::string, int64_t> removed;
};

std::string dump_line(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// Identity of an input file for resume: size and modification time (nanoseconds).
struct InputId {
  int64_t size = -1, mtime_ns = -1;
};
InputId input_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + static_cast<int64_t>(st.st_mtim.tv_nsec)};
}
int64_t size_or_minus1(const std::string& path) {
  std::error_code ec;
  auto s = fs::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(s);
}

// What the outputs of one input depend on besides the input itself. A done-marker is reused only when its
// config_key equals this run's. The tool version is not part of it: a rebuilt binary resumes a run.
struct RunConfig {
  nlohmann::json config;  // recipe, recipe_sha256, max_docs_per_file, keep_removed (also the manifest's config)
  std::string key;        // sha256 of config
  std::vector<std::string> step_names;
};

RunConfig run_config(const Recipe& recipe, const CurateOptions& opts) {
  RunConfig c;
  c.config = {{"recipe", recipe.name},
              {"recipe_sha256", sha256_hex(recipe.yaml)},
              {"max_docs_per_file", opts.max_docs_per_file},
              {"keep_removed", opts.keep_removed}};
  c.key = sha256_hex(c.config.dump());
  for (const auto& s : build_steps(recipe)) c.step_names.push_back(s->name());
  return c;
}

bool marker_matches(const std::string& out_dir, size_t k, const std::string& input, const RunConfig& cfg) {
  const std::string path = out_dir + "/" + files::marker(k);
  if (!file_exists(path)) return false;
  try {
    nlohmann::json m = read_json_file(path);
    InputId id = input_id(input);
    if (m.at("index").get<int64_t>() != static_cast<int64_t>(k) || m.at("config_key") != cfg.key ||
        m.at("input") != input || m.at("input_size").get<int64_t>() != id.size ||
        m.at("input_mtime_ns").get<int64_t>() != id.mtime_ns || m.at("steps").size() != cfg.step_names.size())
      return false;
    for (const auto& [name, size] : m.at("outputs").items())
      if (size_or_minus1(out_dir + "/" + name) != size.get<int64_t>()) return false;
    return true;
  } catch (const std::exception&) {
    return false;  // unreadable or partial marker: redo the input
  }
}

// Test hook (DCLM_CURATE_PAUSE_AFTER_FILES=k): once k inputs are complete, a worker that has read the first
// document of its next input sleeps for an hour, so a test can SIGKILL the process at a known point.
struct PauseHook {
  int64_t after = -1;
  std::atomic<int64_t> completed{0};
  PauseHook() {
    if (const char* e = std::getenv("DCLM_CURATE_PAUSE_AFTER_FILES"); e && *e) after = std::atoll(e);
  }
  void maybe_pause(int64_t docs_read_in_file) {
    if (after < 0 || docs_read_in_file != 1 || completed.load() < after) return;
    log_warn("curate: paused by DCLM_CURATE_PAUSE_AFTER_FILES=" + std::to_string(after));
    std::this_thread::sleep_for(std::chrono::hours(1));
  }
};

// Curates input k into documents_<k> (+ removed_<k>) and writes its done-marker; returns the marker.
nlohmann::json curate_file(size_t k, const std::string& input, const Recipe& recipe, const RunConfig& cfg,
                           const CurateOptions& opts, Progress& progress, PauseHook& hook) {
  auto steps = build_steps(recipe);
  std::vector<StepCounts> counts(steps.size());
  ReaderStats reader;
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
  ReaderOptions ropts = recipe.reader;
  ropts.max_docs = opts.max_docs_per_file;
  const InputId id = input_id(input);  // taken before reading: a file changed meanwhile is redone next time
  AtomicWriter out(opts.out_dir + "/" + files::documents(k));
  std::unique_ptr<AtomicWriter> removed;
  if (opts.keep_removed) removed = std::make_unique<AtomicWriter>(opts.out_dir + "/" + files::removed(k));
  read_documents(input, ropts, [&](Document&& doc) {
    ++docs_in;
    bytes_in += static_cast<int64_t>(doc.text.size());
    progress.add(1);
    hook.maybe_pause(docs_in);
    for (size_t s = 0; s < steps.size(); ++s) {
      StepCounts& c = counts[s];
      ++c.docs_in;
      c.bytes_in += static_cast<int64_t>(doc.text.size());
      Verdict v;
      try {
        v = steps[s]->apply(doc);
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        throw Error(e.what(), {input, doc.source_index + 1, -1, steps[s]->name()});
      }
      if (!v.keep) {
        ++c.removed[v.reason.empty() ? "removed" : v.reason];
        if (removed) {
          nlohmann::json j = doc.to_json();
          j["removed_by"] = steps[s]->name();
          j["removed_reason"] = v.reason;
          removed->write_line(dump_line(j));
        }
        return;
      }
      ++c.docs_out;
      c.bytes_out += static_cast<int64_t>(doc.text.size());
    }
    ++docs_out;
    bytes_out += static_cast<int64_t>(doc.text.size());
    out.write_line(dump_line(doc.to_json()));
  }, reader);
  out.commit();
  if (removed) removed->commit();

  nlohmann::json outputs = {{files::documents(k), size_or_minus1(out.path())}};
  if (removed) outputs[files::removed(k)] = size_or_minus1(removed->path());
  nlohmann::json steps_json = nlohmann::json::array();
  for (const auto& c : counts)
    steps_json.push_back({{"docs_in", c.docs_in}, {"docs_out", c.docs_out}, {"bytes_in", c.bytes_in},
                          {"bytes_out", c.bytes_out}, {"removed", c.removed}});
  nlohmann::json m = {{"index", k},
                      {"input", input},
                      {"input_size", id.size},
                      {"input_mtime_ns", id.mtime_ns},
                      {"input_sha256", sha256_file(input)},
                      {"config_key", cfg.key},
                      {"outputs", outputs},
                      {"output", files::documents(k)},
                      {"records", reader.records},
                      {"docs", reader.docs},
                      {"skipped", reader.skipped},
                      {"docs_in", docs_in},
                      {"docs_out", docs_out},
                      {"bytes_in", bytes_in},
                      {"bytes_out", bytes_out},
                      {"steps", steps_json}};
  write_json_file(opts.out_dir + "/" + files::marker(k), m);  // the input is done once this exists
  return m;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

// Before a shard starts: the merged files go (the folder is no longer complete), as do complete-marks of
// this shard and of runs with another shard count, and temp files a killed run of this shard left.
void clean_for_shard(const std::string& out_dir, int shard, int num_shards) {
  remove_quietly(out_dir + "/manifest.json");
  remove_quietly(out_dir + "/stats.json");
  static const std::regex shard_re(R"(shard-(\d+)-of-(\d+)\.json)");
  static const std::regex tmp_re(R"((?:documents|removed|file)[_-](\d+)\.(?:jsonl\.zst|json)\.tmp\.\d+)");
  for (const std::string& dir : {out_dir, out_dir + "/stats"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      std::smatch m;
      if (std::regex_match(name, m, shard_re)) {
        const int i = std::stoi(m[1].str()), n = std::stoi(m[2].str());
        if (n != num_shards || i == shard) remove_quietly(e.path());
      } else if (std::regex_match(name, m, tmp_re)) {
        if (std::stoull(m[1].str()) % static_cast<unsigned long long>(num_shards) == static_cast<unsigned long long>(shard))
          remove_quietly(e.path());
      }
    }
  }
}

void check_readable(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("input file not found", {path, -1, -1, "curation"});
  if (fs::is_directory(path, ec)) throw Error("input is a directory, not a file", {path, -1, -1, "curation"});
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    throw Error(std::string("cannot read input file: ") + std::strerror(errno), {path, -1, -1, "curation"});
  }
}

}  // namespace

std::vector<std::string> sorted_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> s = inputs;
  std::sort(s.begin(), s.end());
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] == s[i - 1]) throw Error("input file given twice", {s[i], -1, -1, "curation"});
  return s;
}

std::pair<int, int> parse_shard_spec(const std::string& spec) {
  static const std::regex re(R"((\d{1,9})/(\d{1,9}))");
  std::smatch m;
  if (!std::regex_match(spec, m, re)) throw std::invalid_argument("--shard wants I/N (0 <= I < N), got '" + spec + "'");
  const int i = std::stoi(m[1].str()), n = std::stoi(m[2].str());
  if (n < 1 || i >= n) throw std::invalid_argument("--shard wants I/N with 0 <= I < N, got '" + spec + "'");
  return {i, n};
}

CurateResult run_curation_shard(const CurateOptions& opts) {
  if (opts.inputs.empty()) throw Error("curation: no input files");
  if (opts.out_dir.empty()) throw Error("curation: no output folder");
  if (opts.num_shards < 1 || opts.shard < 0 || opts.shard >= opts.num_shards)
    throw Error("curation: bad shard " + std::to_string(opts.shard) + " of " + std::to_string(opts.num_shards));
  const std::vector<std::string> inputs = sorted_inputs(opts.inputs);
  const size_t n = inputs.size();
  std::vector<size_t> mine;
  for (size_t k = static_cast<size_t>(opts.shard); k < n; k += static_cast<size_t>(opts.num_shards)) mine.push_back(k);
  for (size_t k : mine) check_readable(inputs[k]);
  const Recipe recipe = load_recipe(opts.recipe);
  const RunConfig cfg = run_config(recipe, opts);
  make_dirs(opts.out_dir + "/stats");
  clean_for_shard(opts.out_dir, opts.shard, opts.num_shards);
  const int threads = opts.threads > 0 ? opts.threads : default_threads();

  // Inputs whose done-marker matches are not redone.
  std::vector<nlohmann::json> done(mine.size());
  std::vector<size_t> todo;
  int64_t todo_bytes = 0;
  for (size_t j = 0; j < mine.size(); ++j) {
    if (marker_matches(opts.out_dir, mine[j], inputs[mine[j]], cfg))
      done[j] = read_json_file(opts.out_dir + "/" + files::marker(mine[j]));
    else
      todo.push_back(j), todo_bytes += size_or_minus1(inputs[mine[j]]);
  }
  CurateResult res;
  res.files_resumed = static_cast<int64_t>(mine.size() - todo.size());
  if (res.files_resumed > 0)
    log_info("curation: resuming; " + std::to_string(res.files_resumed) + " of " + std::to_string(mine.size()) +
             " input(s) of this shard already done");

  Progress progress("curate", -1, "docs");
  PauseHook hook;
  std::mutex est_mu;
  int64_t finished_bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  parallel_for(todo.size(), threads, [&](size_t t) {
    const size_t j = todo[t], k = mine[j];
    done[j] = curate_file(k, inputs[k], recipe, cfg, opts, progress, hook);
    ++hook.completed;
    std::lock_guard<std::mutex> lock(est_mu);
    finished_bytes += size_or_minus1(inputs[k]);
    if (finished_bytes > 0 && todo_bytes > 0)
      progress.set_total(static_cast<int64_t>(static_cast<double>(progress.done()) * static_cast<double>(todo_bytes) /
                                              static_cast<double>(finished_bytes)));
  });
  progress.set_total(progress.done());
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::string joined;
  for (const auto& in : inputs) joined += in + "\n";
  const std::string inputs_sha = sha256_hex(joined);
  nlohmann::json shard = {{"shard", opts.shard},
                          {"num_shards", opts.num_shards},
                          {"run_key", sha256_hex(cfg.key + "\n" + inputs_sha)},
                          {"config", cfg.config},
                          {"step_names", cfg.step_names},
                          {"inputs_count", n},
                          {"inputs_sha256", inputs_sha},
                          {"files", done},
                          {"wall_seconds", wall}};
  for (const auto& m : done) {
    res.docs_in += m["docs_in"].get<int64_t>();
    res.docs_out += m["docs_out"].get<int64_t>();
    res.bytes_in += m["bytes_in"].get<int64_t>();
    res.bytes_out += m["bytes_out"].get<int64_t>();
    res.output_files.push_back(m["output"].get<std::string>());
  }
  write_json_file(opts.out_dir + "/" + files::shard(opts.shard, opts.num_shards), shard);  // the shard is complete
  res.stats = std::move(shard);
  log_info("curation shard " + std::to_string(opts.shard) + "/" + std::to_string(opts.num_shards) + ": " +
           std::to_string(res.docs_out) + "/" + std::to_string(res.docs_in) + " docs kept, " +
           std::to_string(todo.size()) + " input(s) curated in " + format_duration(wall));
  return res;
}

CurateResult run_curation(const CurateOptions& opts) {
  CurateOptions o = opts;
  o.shard = 0;
  o.num_shards = 1;
  const int64_t resumed = run_curation_shard(o).files_resumed;
  CurateResult r = merge_curation(opts.out_dir);
  r.files_resumed = resumed;
  return r;
}

}  // namespace dclm::curation
