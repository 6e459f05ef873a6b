// Curation results: merging the shards of a run into stats.json + manifest.json, reading curated text back,
// and the stats table.
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/version.h"
#include "curation/curate.h"
#include "curation/curate_files.h"

namespace dclm::curation {

namespace {

namespace fs = std::filesystem;

std::string join_ints(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

// Outputs of inputs k >= n (an earlier run into this folder had more inputs), removed_* files of a run
// without keep_removed, and temp files of killed runs. Only called once every shard is complete.
void remove_stale(const std::string& out_dir, size_t n, bool keep_removed) {
  static const std::regex out_re(R"((documents|removed)_(\d+)\.jsonl\.zst)");
  static const std::regex marker_re(R"(file-(\d+)\.json)");
  static const std::regex tmp_re(R"(.*\.tmp\.\d+)");
  for (const std::string& dir : {out_dir, out_dir + "/stats"}) {
    std::error_code ec;
    std::vector<fs::path> stale;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      std::smatch m;
      if (std::regex_match(name, m, out_re)) {
        if (std::stoull(m[2].str()) >= n || (m[1] == "removed" && !keep_removed)) stale.push_back(e.path());
      } else if (std::regex_match(name, m, marker_re)) {
        if (std::stoull(m[1].str()) >= n) stale.push_back(e.path());
      } else if (std::regex_match(name, tmp_re)) {
        stale.push_back(e.path());
      }
    }
    for (const auto& p : stale) fs::remove(p, ec);
  }
}

}  // namespace

CurateResult merge_curation(const std::string& out_dir) {
  const std::string stats_dir = out_dir + "/stats";
  static const std::regex shard_re(R"(shard-(\d+)-of-(\d+)\.json)");
  std::map<int, std::map<int, std::string>> by_count;  // N → shard index → path
  {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(stats_dir, ec)) {
      const std::string name = e.path().filename().string();
      std::smatch m;
      if (std::regex_match(name, m, shard_re)) by_count[std::stoi(m[2].str())][std::stoi(m[1].str())] = e.path().string();
    }
  }
  if (by_count.empty())
    throw Error("no complete curation shard found (run dclm curate --shard I/N ... --out " + out_dir + " first)",
                {stats_dir, -1, -1, "curation merge"});
  if (by_count.size() > 1) {
    std::string counts;
    for (const auto& [k, v] : by_count) counts += (counts.empty() ? "" : ", ") + std::to_string(k);
    throw Error("shard files of runs with different shard counts (N = " + counts + "); rerun the shards of one run",
                {stats_dir, -1, -1, "curation merge"});
  }
  const int num_shards = by_count.begin()->first;
  const auto& present = by_count.begin()->second;
  std::vector<int> missing;
  for (int i = 0; i < num_shards; ++i)
    if (!present.count(i)) missing.push_back(i);
  if (!missing.empty())
    throw Error(std::to_string(missing.size()) + " of " + std::to_string(num_shards) +
                    " shard(s) not complete: " + join_ints(missing) + " (no stats/shard-I-of-" +
                    std::to_string(num_shards) + ".json; rerun dclm curate --shard I/" + std::to_string(num_shards) + ")",
                {stats_dir, -1, -1, "curation merge"});

  // All shards must be of the same run: same recipe, options and input list.
  std::vector<nlohmann::json> shards;
  for (const auto& [i, path] : present) shards.push_back(read_json_file(path));
  const nlohmann::json& first = shards[0];
  std::vector<int> stale;
  for (size_t i = 0; i < shards.size(); ++i)
    if (shards[i].at("run_key") != first.at("run_key")) stale.push_back(static_cast<int>(i));
  if (!stale.empty())
    throw Error("shard(s) " + join_ints(stale) + " of " + std::to_string(num_shards) +
                    " ran with another recipe, options or input list than shard 0; rerun them",
                {stats_dir, -1, -1, "curation merge"});
  const size_t n = first.at("inputs_count").get<size_t>();
  std::vector<nlohmann::json> per_file(n);
  for (const auto& s : shards)
    for (const auto& m : s.at("files")) {
      const size_t k = m.at("index").get<size_t>();
      if (k >= n || !per_file[k].is_null())
        throw Error("shard stats list input " + std::to_string(k) + " twice or out of range", {stats_dir});
      per_file[k] = m;
    }
  for (size_t k = 0; k < n; ++k) {
    if (per_file[k].is_null()) throw Error("no shard covered input " + std::to_string(k), {stats_dir});
    for (const auto& [name, size] : per_file[k].at("outputs").items())
      if (!file_exists(out_dir + "/" + name)) throw Error("output file missing after its shard completed", {out_dir + "/" + name});
  }

  // stats.json: the same for any shard count, resumed or not (no timings).
  const nlohmann::json& config = first.at("config");
  const auto step_names = first.at("step_names").get<std::vector<std::string>>();
  const bool keep_removed = config.at("keep_removed").get<bool>();
  CurateResult res;
  struct Acc {
    int64_t docs_in = 0, docs_out = 0, bytes_in = 0, bytes_out = 0;
    std::map<std::string, int64_t> removed;
  };
  std::vector<Acc> steps(step_names.size());
  std::map<std::string, int64_t> skipped_total;
  nlohmann::json readers = nlohmann::json::array();
  std::vector<std::string> removed_files;
  for (const auto& m : per_file) {
    res.docs_in += m.at("docs_in").get<int64_t>();
    res.docs_out += m.at("docs_out").get<int64_t>();
    res.bytes_in += m.at("bytes_in").get<int64_t>();
    res.bytes_out += m.at("bytes_out").get<int64_t>();
    res.output_files.push_back(m.at("output").get<std::string>());
    for (const auto& [name, size] : m.at("outputs").items())
      if (name.rfind("removed_", 0) == 0) removed_files.push_back(name);
    const auto& st = m.at("steps");
    for (size_t s = 0; s < steps.size(); ++s) {
      steps[s].docs_in += st[s].at("docs_in").get<int64_t>();
      steps[s].docs_out += st[s].at("docs_out").get<int64_t>();
      steps[s].bytes_in += st[s].at("bytes_in").get<int64_t>();
      steps[s].bytes_out += st[s].at("bytes_out").get<int64_t>();
      for (const auto& [k, v] : st[s].at("removed").items()) steps[s].removed[k] += v.get<int64_t>();
    }
    for (const auto& [k, v] : m.at("skipped").items()) skipped_total[k] += v.get<int64_t>();
    readers.push_back({{"input", m.at("input")},
                       {"output", m.at("output")},
                       {"records", m.at("records")},
                       {"docs", m.at("docs")},
                       {"docs_out", m.at("docs_out")},
                       {"skipped", m.at("skipped")}});
  }
  nlohmann::json steps_json = nlohmann::json::array();
  for (size_t s = 0; s < steps.size(); ++s)
    steps_json.push_back({{"step", step_names[s]},
                          {"docs_in", steps[s].docs_in},
                          {"docs_out", steps[s].docs_out},
                          {"bytes_in", steps[s].bytes_in},
                          {"bytes_out", steps[s].bytes_out},
                          {"removed", steps[s].removed}});
  res.stats = {{"recipe", config.at("recipe")},
               {"docs_in", res.docs_in},
               {"docs_out", res.docs_out},
               {"bytes_in", res.bytes_in},
               {"bytes_out", res.bytes_out},
               {"output_files", res.output_files},
               {"steps", steps_json},
               {"readers", readers},
               {"reader_skipped", skipped_total}};
  if (keep_removed) res.stats["removed_files"] = removed_files;
  remove_stale(out_dir, n, keep_removed);
  write_json_file(out_dir + "/stats.json", res.stats);

  // Stage manifest, written last: its presence with complete=true marks the folder done.
  Manifest man;
  man.stage = "curation";
  man.config = config;
  double wall = 0;
  for (const auto& s : shards) wall += s.value("wall_seconds", 0.0);
  for (const auto& m : per_file) man.inputs[m.at("input").get<std::string>()] = m.at("input_sha256").get<std::string>();
  man.counts = {{"docs_in", res.docs_in}, {"docs_out", res.docs_out}, {"bytes_in", res.bytes_in},
                {"bytes_out", res.bytes_out}, {"shards", num_shards}};
  man.tool_version = tool_version();
  man.wall_seconds = wall;
  for (const auto& f : res.output_files) man.add_output(out_dir, f);
  for (const auto& f : removed_files) man.add_output(out_dir, f);
  man.add_output(out_dir, "stats.json");
  man.complete = true;
  man.write(out_dir);
  log_info("curation: " + std::to_string(res.docs_out) + "/" + std::to_string(res.docs_in) + " docs kept from " +
           std::to_string(n) + " input(s), " + std::to_string(num_shards) + " shard(s) merged");
  return res;
}

void for_each_curated_text(const std::string& out_dir, const std::function<void(const std::string&)>& f) {
  std::vector<std::string> names;
  const std::string stats_path = out_dir + "/stats.json";
  if (file_exists(stats_path)) {
    json st = read_json_file(stats_path);
    if (st.contains("output_files"))
      for (const auto& e : st["output_files"]) names.push_back(e.get<std::string>());
  } else {
    for (size_t i = 0;; ++i) {
      std::string name = files::documents(i);
      if (!file_exists(out_dir + "/" + name)) break;
      names.push_back(name);
    }
  }
  if (names.empty() && !file_exists(stats_path)) throw Error("no curated documents found", {out_dir});
  for (const auto& name : names) {
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
