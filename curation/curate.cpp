#include "curation/curate.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "common/version.h"
#include "curation/readers.h"
#include "curation/recipe.h"

namespace dclm::curation {

namespace {

std::string numbered(const char* prefix, size_t i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s_%05zu.jsonl.zst", prefix, i);
  return buf;
}

struct StepCounts {
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
  std::map<std::string, int64_t> removed;
};

struct FileResult {
  ReaderStats reader;
  std::vector<StepCounts> steps;
  int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0, removed = 0;
};

std::string dump_line(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

CurateResult run_curation(const CurateOptions& opts) {
  if (opts.inputs.empty()) throw Error("curation: no input files");
  if (opts.out_dir.empty()) throw Error("curation: no output folder");
  for (const auto& in : opts.inputs)
    if (!file_exists(in)) throw Error("input file not found", {in, -1, -1, "curation"});
  const Recipe recipe = load_recipe(opts.recipe);
  make_dirs(opts.out_dir);
  {
    std::error_code ec;  // a stale manifest must not mark a half-rewritten folder complete
    std::filesystem::remove(opts.out_dir + "/manifest.json", ec);
  }
  const int threads = opts.threads > 0 ? opts.threads : default_threads();
  const size_t n = opts.inputs.size();

  int64_t total_in_bytes = 0;
  std::vector<int64_t> sizes(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::error_code ec;
    sizes[i] = static_cast<int64_t>(std::filesystem::file_size(opts.inputs[i], ec));
    total_in_bytes += sizes[i];
  }
  Progress progress("curate", -1, "docs");
  std::mutex est_mu;
  int64_t finished_bytes = 0;
  auto t0 = std::chrono::steady_clock::now();

  std::vector<FileResult> results(n);
  parallel_for(n, threads, [&](size_t i) {
    FileResult& fr = results[i];
    auto steps = build_steps(recipe);
    fr.steps.resize(steps.size());
    ReaderOptions ropts = recipe.reader;
    ropts.max_docs = opts.max_docs_per_file;
    AtomicWriter out(opts.out_dir + "/" + numbered("documents", i));
    std::unique_ptr<AtomicWriter> removed;
    if (opts.keep_removed) removed = std::make_unique<AtomicWriter>(opts.out_dir + "/" + numbered("removed", i));
    read_documents(opts.inputs[i], ropts, [&](Document&& doc) {
      ++fr.docs_in;
      fr.bytes_in += static_cast<int64_t>(doc.text.size());
      progress.add(1);
      for (size_t s = 0; s < steps.size(); ++s) {
        StepCounts& c = fr.steps[s];
        ++c.docs_in;
        c.bytes_in += static_cast<int64_t>(doc.text.size());
        Verdict v;
        try {
          v = steps[s]->apply(doc);
        } catch (const Error&) {
          throw;
        } catch (const std::exception& e) {
          throw Error(e.what(), {opts.inputs[i], doc.source_index + 1, -1, steps[s]->name()});
        }
        if (!v.keep) {
          ++c.removed[v.reason.empty() ? "removed" : v.reason];
          ++fr.removed;
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
      ++fr.docs_out;
      fr.bytes_out += static_cast<int64_t>(doc.text.size());
      out.write_line(dump_line(doc.to_json()));
    }, fr.reader);
    out.commit();
    if (removed) removed->commit();
    {
      std::lock_guard<std::mutex> lock(est_mu);
      finished_bytes += sizes[i];
      if (finished_bytes > 0 && total_in_bytes > 0)
        progress.set_total(static_cast<int64_t>(static_cast<double>(progress.done()) *
                                                static_cast<double>(total_in_bytes) / static_cast<double>(finished_bytes)));
    }
  });
  progress.set_total(progress.done());
  progress.finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Merge in input order.
  CurateResult res;
  auto step_names_in_recipe = build_steps(recipe);
  std::vector<StepCounts> merged(step_names_in_recipe.size());
  std::map<std::string, int64_t> skipped_total;
  nlohmann::json readers = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    const FileResult& fr = results[i];
    res.docs_in += fr.docs_in;
    res.docs_out += fr.docs_out;
    res.bytes_in += fr.bytes_in;
    res.bytes_out += fr.bytes_out;
    res.output_files.push_back(numbered("documents", i));
    for (size_t s = 0; s < merged.size(); ++s) {
      merged[s].docs_in += fr.steps[s].docs_in;
      merged[s].docs_out += fr.steps[s].docs_out;
      merged[s].bytes_in += fr.steps[s].bytes_in;
      merged[s].bytes_out += fr.steps[s].bytes_out;
      for (const auto& [k, v] : fr.steps[s].removed) merged[s].removed[k] += v;
    }
    for (const auto& [k, v] : fr.reader.skipped) skipped_total[k] += v;
    readers.push_back({{"input", opts.inputs[i]},
                       {"output", numbered("documents", i)},
                       {"records", fr.reader.records},
                       {"docs", fr.reader.docs},
                       {"docs_out", fr.docs_out},
                       {"skipped", fr.reader.skipped}});
  }
  nlohmann::json steps_json = nlohmann::json::array();
  for (size_t s = 0; s < merged.size(); ++s) {
    steps_json.push_back({{"step", step_names_in_recipe[s]->name()},
                          {"docs_in", merged[s].docs_in},
                          {"docs_out", merged[s].docs_out},
                          {"bytes_in", merged[s].bytes_in},
                          {"bytes_out", merged[s].bytes_out},
                          {"removed", merged[s].removed}});
  }
  res.stats = {{"recipe", recipe.name},
               {"docs_in", res.docs_in},
               {"docs_out", res.docs_out},
               {"bytes_in", res.bytes_in},
               {"bytes_out", res.bytes_out},
               {"output_files", res.output_files},
               {"steps", steps_json},
               {"readers", readers},
               {"reader_skipped", skipped_total}};
  if (opts.keep_removed) {
    std::vector<std::string> rem;
    for (size_t i = 0; i < n; ++i) rem.push_back(numbered("removed", i));
    res.stats["removed_files"] = rem;
  }
  write_json_file(opts.out_dir + "/stats.json", res.stats);
  // Stage manifest, written last: its presence with complete=true marks the folder done.
  Manifest m;
  m.stage = "curation";
  m.config = {{"recipe", recipe.name},
              {"recipe_sha256", sha256_hex(recipe.yaml)},
              {"max_docs_per_file", opts.max_docs_per_file},
              {"keep_removed", opts.keep_removed}};
  for (const auto& in : opts.inputs) m.inputs[in] = sha256_file(in);
  m.counts = {{"docs_in", res.docs_in}, {"docs_out", res.docs_out}, {"bytes_in", res.bytes_in}, {"bytes_out", res.bytes_out}};
  m.tool_version = tool_version();
  m.wall_seconds = wall;
  for (const auto& f : res.output_files) m.add_output(opts.out_dir, f);
  if (opts.keep_removed)
    for (size_t i = 0; i < n; ++i) m.add_output(opts.out_dir, numbered("removed", i));
  m.add_output(opts.out_dir, "stats.json");
  m.complete = true;
  m.write(opts.out_dir);
  log_info("curation: " + std::to_string(res.docs_out) + "/" + std::to_string(res.docs_in) + " docs kept in " +
           format_duration(wall) + " (" + std::to_string(static_cast<int64_t>(res.docs_in / std::max(wall, 1e-9))) +
           " docs/s)");
  return res;
}

void for_each_curated_text(const std::string& out_dir, const std::function<void(const std::string&)>& f) {
  std::vector<std::string> files;
  const std::string stats_path = out_dir + "/stats.json";
  if (file_exists(stats_path)) {
    json st = read_json_file(stats_path);
    if (st.contains("output_files"))
      for (const auto& e : st["output_files"]) files.push_back(e.get<std::string>());
  } else {
    for (size_t i = 0;; ++i) {
      std::string name = numbered("documents", i);
      if (!file_exists(out_dir + "/" + name)) break;
      files.push_back(name);
    }
  }
  if (files.empty() && !file_exists(stats_path)) throw Error("no curated documents found", {out_dir});
  for (const auto& name : files) {
    JsonlReader reader(out_dir + "/" + name, /*strict=*/true);
    json j;
    while (reader.next(j)) {
      auto it = j.find("text");
      if (it == j.end() || !it->is_string())
        throw Error("curated record without text", {reader.path(), reader.line_number()});
      f(it->get_ref<const std::string&>());
    }
  }
}

std::string stats_table(const nlohmann::json& st) {
  std::ostringstream o;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-34s %10s %10s %8s %14s  %s\n", "step", "docs_in", "docs_out", "kept%", "bytes_out",
                "removed (reason: docs)");
  o << buf;
  auto pct = [](int64_t a, int64_t b) { return b > 0 ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  if (st.contains("steps")) {
    for (const auto& s : st["steps"]) {
      std::string reasons;
      for (auto it = s["removed"].begin(); it != s["removed"].end(); ++it)
        reasons += (reasons.empty() ? "" : ", ") + it.key() + ": " + std::to_string(it.value().get<int64_t>());
      int64_t in = s["docs_in"].get<int64_t>(), out = s["docs_out"].get<int64_t>();
      std::snprintf(buf, sizeof buf, "%-34s %10lld %10lld %7.1f%% %14lld  ", s["step"].get<std::string>().c_str(),
                    static_cast<long long>(in), static_cast<long long>(out), pct(out, in),
                    static_cast<long long>(s["bytes_out"].get<int64_t>()));
      o << buf << reasons << "\n";
    }
  }
  int64_t din = st.value("docs_in", int64_t{0}), dout = st.value("docs_out", int64_t{0});
  std::snprintf(buf, sizeof buf, "%-34s %10lld %10lld %7.1f%% %14lld\n", "total", static_cast<long long>(din),
                static_cast<long long>(dout), pct(dout, din), static_cast<long long>(st.value("bytes_out", int64_t{0})));
  o << buf;
  if (st.contains("reader_skipped") && !st["reader_skipped"].empty()) {
    o << "reader skipped:";
    for (auto it = st["reader_skipped"].begin(); it != st["reader_skipped"].end(); ++it)
      o << " " << it.key() << "=" << it.value().get<int64_t>();
    o << "\n";
  }
  return o.str();
}

}  // namespace dclm::curation
