#include "leaderboard/board.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "leaderboard/bundle.h"
#include "leaderboard/html.h"
#include "leaderboard/leaderboard.h"
#include "leaderboard/validate.h"
#include "model/config.h"
#include "scales/scale.h"

namespace dclm::leaderboard {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* const kBoardFormat = "dclm-board-v1";

namespace {

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string slug(const std::string& s, size_t max_len = 80) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') out += c;
    else out += '-';
    if (out.size() >= max_len) break;
  }
  while (!out.empty() && (out[0] == '.' || out[0] == '-')) out.erase(0, 1);
  return out.empty() ? "run" : out;
}

json read_index(const std::string& board) {
  const std::string p = board + "/index.json";
  if (!file_exists(p)) return {{"format", kBoardFormat}, {"entries", json::array()}};
  json idx = read_json_file(p);
  if (!idx.is_object() || idx.value("format", json()) != kBoardFormat || !idx.contains("entries") || !idx["entries"].is_array())
    throw Error("not a leaderboard index (format " + std::string(kBoardFormat) + ")", {p});
  return idx;
}

// Serializes writers of one board (flock on BOARD/.lock); readers need no lock (files are renamed into place).
class BoardLock {
 public:
  explicit BoardLock(const std::string& board) {
    make_dirs(board);
    fd_ = ::open((board + "/.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw Error("cannot lock the board", {board + "/.lock"});
  }
  ~BoardLock() {
    if (fd_ >= 0) { ::flock(fd_, LOCK_UN); ::close(fd_); }
  }
  BoardLock(const BoardLock&) = delete;
  BoardLock& operator=(const BoardLock&) = delete;

 private:
  int fd_ = -1;
};

bool has_id(const json& idx, const std::string& id) {
  for (const auto& e : idx["entries"])
    if (e.value("id", std::string()) == id) return true;
  return false;
}

// The anchor JSON in memory with its source file name (for anchor_scale on files lacking _filename).
json with_source(json r, const std::string& source_name) {
  if (r.is_object() && !r.contains("_filename") && !source_name.empty()) r["dclm_anchor_file"] = source_name;
  return r;
}

std::vector<std::string> expand_json_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<std::string> in_dir;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".json") in_dir.push_back(e.path().string());
      std::sort(in_dir.begin(), in_dir.end());
      out.insert(out.end(), in_dir.begin(), in_dir.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace

std::string add_bundle(const std::string& bundle_dir, const std::string& board) {
  if (std::string why = check_bundle(bundle_dir); !why.empty()) throw Error("rejected: " + why, {bundle_dir});
  BoardLock lock(board);
  json idx = read_index(board);
  const json bj = read_json_file(bundle_dir + "/bundle.json");
  std::string results_sha;
  for (const auto& f : bj["files"])
    if (f["path"] == "results.json") results_sha = f["sha256"].get<std::string>();
  for (const auto& e : idx["entries"])
    if (e.value("kind", std::string()) == "submission" && e.value("results_sha256", std::string()) == results_sha)
      throw Error("rejected: this result is already on the board as '" + e.value("id", std::string()) + "'", {bundle_dir});
  const json results = read_json_file(bundle_dir + "/results.json");
  const std::string id = slug(results.value("model", std::string("run"))) + "-" + results_sha.substr(0, 10);
  if (has_id(idx, id)) throw Error("rejected: id '" + id + "' is already on the board", {bundle_dir});

  make_dirs(board + "/submissions");
  const std::string dst = board + "/submissions/" + id;
  const std::string tmp = board + "/submissions/.tmp-" + id + "-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  try {
    make_dirs(tmp);
    fs::copy_file(bundle_dir + "/bundle.json", tmp + "/bundle.json");
    for (const auto& f : bj["files"]) {
      const std::string rel = f["path"].get<std::string>();
      make_dirs(fs::path(tmp + "/" + rel).parent_path().string());
      fs::copy_file(fs::path(bundle_dir) / rel, tmp + "/" + rel);  // follows in-bundle symlinks
    }
    // The copy is what the board keeps: check it again (the source could change under us).
    if (std::string why = check_bundle(tmp); !why.empty()) throw Error("rejected: " + why + " (bundle changed while copying)", {bundle_dir});
    if (fs::exists(dst)) throw Error("rejected: " + dst + " already exists", {bundle_dir});
    fs::rename(tmp, dst);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  idx["entries"].push_back({{"id", id}, {"kind", "submission"}, {"dir", "submissions/" + id}, {"results_sha256", results_sha},
                            {"added", now_utc()}});
  try {
    write_json_file(board + "/index.json", idx);
  } catch (...) {
    fs::remove_all(dst, ec);
    throw;
  }
  return id;
}

int add_anchors(const std::vector<std::string>& paths, const std::string& board) {
  // 1. validate every file (the board is not touched before all pass)
  struct New { std::string id, src, sha, name; };
  std::vector<New> candidates;
  for (const auto& p : expand_json_paths(paths)) {
    const std::string name = fs::path(p).filename().string();
    std::string text;
    try {
      text = read_file(p);
    } catch (const Error&) {
      throw Error("rejected: anchor " + name + ": cannot be read", {p});
    }
    json r;
    try {
      r = json::parse(text);
    } catch (const std::exception&) {
      throw Error("rejected: anchor " + name + ": not valid JSON", {p});
    }
    if (std::string why = check_anchor(r); !why.empty()) throw Error("rejected: anchor " + name + ": " + why, {p});
    candidates.push_back({"anchor-" + slug(fs::path(p).stem().string(), 120), p, sha256_hex(text), name});
  }
  if (candidates.empty()) return 0;
  // 2. under the board lock: skip files already there, then copy + rewrite the index
  BoardLock lock(board);
  json idx = read_index(board);
  std::set<std::string> have_sha, new_ids;
  for (const auto& e : idx["entries"])
    if (e.value("kind", std::string()) == "anchor") have_sha.insert(e.value("sha256", std::string()));
  std::vector<New> add;
  for (auto c : candidates) {
    if (have_sha.count(c.sha)) continue;
    have_sha.insert(c.sha);
    if (has_id(idx, c.id) || new_ids.count(c.id)) c.id += "-" + c.sha.substr(0, 8);
    new_ids.insert(c.id);
    add.push_back(c);
  }
  if (add.empty()) return 0;
  make_dirs(board + "/anchors");
  std::vector<std::string> written;
  std::error_code ec;
  try {
    for (const auto& a : add) {
      const std::string dst = board + "/anchors/" + a.id + ".json";
      write_file_atomic(dst, read_file(a.src));
      written.push_back(dst);
      if (sha256_file(dst) != a.sha) throw Error("rejected: anchor " + a.name + " changed while copying", {a.src});
      idx["entries"].push_back({{"id", a.id}, {"kind", "anchor"}, {"file", "anchors/" + a.id + ".json"}, {"sha256", a.sha},
                                {"source_name", a.name}, {"read_only", true}, {"added", now_utc()}});
    }
    write_json_file(board + "/index.json", idx);
  } catch (...) {
    for (const auto& w : written) fs::remove(w, ec);
    throw;
  }
  return static_cast<int>(add.size());
}

std::vector<std::pair<double, double>> read_loss_curve(const std::string& metrics_path) {
  std::vector<std::pair<double, double>> out;
  if (!file_exists(metrics_path)) return out;
  JsonlReader rd(metrics_path);
  json j;
  while (rd.next(j))
    if (j.is_object() && j.contains("step") && j["step"].is_number() && j.contains("loss") && j["loss"].is_number())
      out.emplace_back(j["step"].get<double>(), j["loss"].get<double>());
  return out;
}

std::vector<BoardRow> load_board(const std::string& board) {
  const json idx = read_index(board);
  std::vector<BoardRow> rows;
  for (const auto& e : idx["entries"]) {
    BoardRow row;
    row.id = e.value("id", std::string());
    row.kind = e.value("kind", std::string());
    if (row.kind == "submission") {
      const std::string rel = e.value("dir", std::string());
      if (std::string why = check_relative_path(rel); !why.empty()) throw Error("board entry '" + row.id + "': dir " + why, {board});
      const std::string dir = board + "/" + rel;
      if (std::string why = check_bundle(dir); !why.empty()) throw Error("board entry '" + row.id + "' no longer valid: " + why, {dir});
      row.result = read_json_file(dir + "/results.json");
      const json& run = row.result["dclm_run"];
      row.scale = run.value("scale", std::string());
      row.track = run.value("track", std::string());
      row.params = run.value("params", 0.0);
      row.tokens = run.value("tokens", 0.0);
      row.loss = read_loss_curve(dir + "/train/metrics.jsonl");
    } else if (row.kind == "anchor") {
      const std::string rel = e.value("file", std::string());
      if (std::string why = check_relative_path(rel); !why.empty()) throw Error("board entry '" + row.id + "': file " + why, {board});
      const std::string path = board + "/" + rel;
      if (sha256_file(path) != e.value("sha256", std::string()))
        throw Error("anchor '" + row.id + "' was modified (read-only rows must keep their sha256)", {path});
      row.result = with_source(read_json_file(path), e.value("source_name", std::string()));
      row.scale = anchor_scale(row.result, &row.fixed_hparams);
      if (!row.scale.empty()) {
        const scales::Scale s = scales::get_scale(row.scale);
        row.params = static_cast<double>(model::param_count(s.model));
        row.tokens = static_cast<double>(s.train.tokens);
        std::smatch m;
        static const std::regex tok_re("tokens=([0-9]+)");
        const std::string fname = row.result.value("_filename", row.result.value("dclm_anchor_file", std::string()));
        if (std::regex_search(fname, m, tok_re)) row.tokens = std::stod(m[1].str());
      }
    } else {
      throw Error("board entry '" + row.id + "' has unknown kind '" + row.kind + "'", {board});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// rendering

namespace {

int scale_rank(const std::string& s) {
  const auto names = scales::scale_names();
  auto it = std::find(names.begin(), names.end(), s);
  return it == names.end() ? 1000 : static_cast<int>(it - names.begin());
}

double sort_score(const json& r) {
  if (r.contains("Core_v2") && r["Core_v2"].is_number()) return r["Core_v2"].get<double>();
  return -1e9;
}

std::vector<const BoardRow*> sorted(const std::vector<BoardRow>& rows, const std::string& kind, const std::string& track) {
  std::vector<const BoardRow*> out;
  for (const auto& r : rows)
    if (r.kind == kind && (track.empty() || r.track == track)) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const BoardRow* a, const BoardRow* b) {
    if (scale_rank(a->scale) != scale_rank(b->scale)) return scale_rank(a->scale) < scale_rank(b->scale);
    return sort_score(a->result) > sort_score(b->result);
  });
  return out;
}

json display_result(const BoardRow& r) {
  json j = r.result;
  if (r.kind == "submission") j["model_name"] = r.id;
  return j;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

const char* track_color(const std::string& t) { return t == "mixing" ? "#1f5fbf" : "#1d8a3a"; }

std::string pct_cell(const json& r, const std::string& key) {
  const json* v = nullptr;
  if (r.contains(key)) v = &r[key];
  else if (key == "MMLU" && r.contains("eval_metrics") && r["eval_metrics"].contains("icl") && r["eval_metrics"]["icl"].contains("mmlu_fewshot"))
    v = &r["eval_metrics"]["icl"]["mmlu_fewshot"];
  if (!v || v->is_null()) return "<td class=\"num\">—</td>";
  if (v->is_number()) return "<td class=\"num\">" + format_percent(v->get<double>()) + "</td>";
  const std::string s = v->is_string() ? v->get<std::string>() : v->dump();
  if (s.rfind("N/A", 0) == 0) return "<td class=\"num na\" title=\"" + html::escape(s) + "\">N/A</td>";
  return "<td class=\"num\">" + html::escape(s) + "</td>";
}

std::string count_text(double v) { return v > 0 ? format_count(json(v)) : std::string("—"); }

std::string html_table(const std::vector<const BoardRow*>& rows) {
  std::string s = "<div class=\"scroll\"><table class=\"board\">\n<tr><th>Model</th><th>Scale</th><th>Track</th><th class=\"num\">Params</th>"
                  "<th class=\"num\">Tokens</th><th class=\"num\">Compute (6ND)</th><th class=\"num\">CORE (v1)</th>"
                  "<th class=\"num\">CORE (v2)</th><th class=\"num\">MMLU</th><th class=\"num\">EXTENDED (v1)</th>"
                  "<th class=\"num\">EXTENDED (v2)</th></tr>\n";
  for (const BoardRow* r : rows) {
    const json d = display_result(*r);
    std::string name = d.value("model_name", std::string());
    if (name.empty()) {
      // DCLM's published names: the experiment name from _filename, else the model
      std::string f = d.value("_filename", d.value("dclm_anchor_file", std::string()));
      if (auto p = f.rfind('/'); p != std::string::npos) f = f.substr(p + 1);
      if (f.rfind("evaluation_", 0) == 0) f = f.substr(11);
      if (f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0) f.resize(f.size() - 5);
      name = f.empty() ? d.value("model", r->id) : f;
    }
    std::string full = name;
    if (r->kind == "anchor") {
      // DCLM experiment names end in "-<model config>-warm=...": show the dataset part, the full name on hover
      for (const char* cut : {"-d=1024_l=24_h=8", "-open_lm_"})
        if (auto p = name.find(cut); p != std::string::npos && p > 0) { name = name.substr(0, p) + " …"; break; }
    }
    std::string badges;
    if (r->kind == "anchor") badges += "<span class=\"badge anchor\">anchor</span>";
    else badges += "<span class=\"badge " + html::escape(r->track) + "\">" + html::escape(r->track) + "</span>";
    const json run = d.value("dclm_run", json::object());
    if (run.value("eval_limit_per_task", int64_t{0}) > 0)
      badges += "<span class=\"badge warn\" title=\"eval limited to " + std::to_string(run["eval_limit_per_task"].get<int64_t>()) +
                " examples per task\">limit " + std::to_string(run["eval_limit_per_task"].get<int64_t>()) + "</span>";
    s += std::string("<tr class=\"") + (r->kind == "anchor" ? "anchor" : "submission") + "\" data-id=\"" + html::escape(r->id) + "\">";
    s += "<td class=\"model\" title=\"" + html::escape(full) + "\">" + html::escape(name) + badges + "</td><td>" + html::escape(r->scale.empty() ? "—" : r->scale) + "</td><td>" +
         html::escape(r->track.empty() ? (r->kind == "anchor" ? "published" : "—") : r->track) + "</td>";
    s += "<td class=\"num\">" + count_text(r->params) + "</td><td class=\"num\">" + count_text(r->tokens) + "</td>";
    s += "<td class=\"num\">" + (r->params > 0 && r->tokens > 0 ? html::format_sci(6 * r->params * r->tokens) : std::string("—")) + "</td>";
    for (const char* k : {"Core_v1", "Core_v2", "MMLU", "Extended_v1", "Extended_v2"}) s += pct_cell(d, k);
    s += "</tr>\n";
  }
  return s + "</table></div>\n";
}

// Tables grouped by scale.
std::string tables_by_scale(const std::vector<const BoardRow*>& rows, const std::string& id_prefix) {
  std::string s;
  std::string cur = "\x01";
  std::vector<const BoardRow*> group;
  auto flush = [&]() {
    if (group.empty()) return;
    const std::string label = cur.empty() ? "other models" : cur;
    s += "<h3 id=\"" + html::escape(id_prefix + "-" + (cur.empty() ? "other" : cur)) + "\">Scale " + html::escape(label) + "</h3>\n";
    if (!cur.empty() && scales::get_scale(cur).published_params == 0)
      s += "<p class=\"note\">CPU scale: not comparable with DCLM's published scales.</p>\n";
    s += html_table(group);
    group.clear();
  };
  for (const BoardRow* r : rows) {
    if (r->scale != cur) { flush(); cur = r->scale; }
    group.push_back(r);
  }
  flush();
  return s;
}

}  // namespace

std::string render_board_markdown(const std::vector<BoardRow>& rows) {
  std::string md = "# DCLM leaderboard\n\n";
  const auto subs = sorted(rows, "submission", "");
  md += "## Submissions\n\nTracks: filtering (DCLM-Pool subsets) and mixing (bring your own data); sorted by track, scale, CORE (v2).\n\n";
  std::vector<json> res;
  for (const std::string track : {"filtering", "mixing"})
    for (const auto* r : subs)
      if (r->track == track) res.push_back(display_result(*r));
  if (res.empty()) md += "No submissions yet.\n\n";
  else md += render_markdown(res) + "\n";
  const auto anchors = sorted(rows, "anchor", "");
  if (!anchors.empty()) {
    std::vector<json> ar;
    for (const auto* r : anchors) {
      json j = display_result(*r);
      if (!r->scale.empty()) j["dclm_run"] = {{"scale", r->scale}, {"track", "published"}, {"params", r->params}, {"tokens", r->tokens}};
      ar.push_back(j);
    }
    md += "## DCLM published anchors (read-only)\n\n" + replace_all(render_markdown(ar), "[^", "[^a") + "\n";
  }
  return md;
}

std::string render_board_html(const std::vector<BoardRow>& rows) {
  std::string s = html::page_begin("DCLM leaderboard");
  size_t n_sub = 0, n_anchor = 0;
  for (const auto& r : rows) (r.kind == "anchor" ? n_anchor : n_sub)++;
  s += "<h1>DCLM leaderboard</h1>\n<p class=\"note\">" + std::to_string(n_sub) + " submission(s), " + std::to_string(n_anchor) +
       " published DCLM anchor(s). CORE = mean centered accuracy over DCLM's 22 low-variance tasks; EXTENDED = over all 53 "
       "tasks; MMLU = raw 5-shot accuracy. v1/v2 = random baselines of eval_meta_data_v1.csv / eval_meta_data.csv. Values in "
       "percent; compute = 6·N·D FLOPs.</p>\n";
  s += "<nav><a href=\"#track-filtering\">Filtering track</a><a href=\"#track-mixing\">Mixing track</a><a href=\"#plot\">CORE vs "
       "compute</a><a href=\"#tasks\">Per-task scores</a><a href=\"#loss\">Loss curves</a><a href=\"#anchors\">DCLM anchors</a></nav>\n";
  for (const std::string track : {"filtering", "mixing"}) {
    s += "<h2 id=\"track-" + track + "\">" + (track == "filtering" ? std::string("Filtering track") : std::string("Mixing track")) +
         "</h2>\n";
    const auto sub = sorted(rows, "submission", track);
    if (sub.empty()) s += "<p class=\"note\">No submissions in this track yet.</p>\n";
    else s += tables_by_scale(sub, track);
  }

  // CORE vs compute
  std::vector<html::Point> pts;
  for (const auto& r : rows) {
    if (!(r.params > 0 && r.tokens > 0)) continue;
    double core = NAN;
    bool partial = false;
    if (r.result.contains("Core_v2") && r.result["Core_v2"].is_number()) core = r.result["Core_v2"].get<double>();
    else if (r.result.contains("Core_partial") && r.result["Core_partial"].is_object() && r.result["Core_partial"].contains("v2") &&
             r.result["Core_partial"]["v2"].is_number()) {
      core = r.result["Core_partial"]["v2"].get<double>();
      partial = true;
    }
    if (!std::isfinite(core)) continue;
    html::Point p;
    p.x = 6 * r.params * r.tokens;
    p.y = core * 100;
    p.hollow = partial;
    if (r.kind == "anchor") {
      p.color = r.fixed_hparams ? "#8a6d1f" : "#b9b2a0";
      p.title = "anchor " + r.id + " (" + r.scale + "): CORE v2 " + format_percent(core);
    } else {
      p.color = track_color(r.track);
      p.square = true;
      p.label = r.id.size() > 28 ? r.id.substr(0, 28) + "…" : r.id;
      p.title = r.id + " (" + r.scale + ", " + r.track + "): " + (partial ? "partial CORE v2 " : "CORE v2 ") + format_percent(core);
    }
    pts.push_back(p);
  }
  html::ChartOptions co;
  co.width = 1100;
  co.height = 440;
  co.title = "CORE (v2) against training compute";
  co.x_label = "training compute 6·N·D (FLOPs, log scale)";
  co.y_label = "CORE v2 (%)";
  co.log_x = true;
  co.css_class = "core-vs-compute";
  s += "<h2 id=\"plot\">CORE vs compute</h2>\n" +
       html::svg_scatter(pts,
                         {{"filtering track", track_color("filtering"), false, true},
                          {"mixing track", track_color("mixing"), false, true},
                          {"partial CORE (tasks missing)", "#555", true, true},
                          {"DCLM anchor, scale recipe", "#8a6d1f"},
                          {"DCLM anchor, other hparams", "#b9b2a0"}},
                         co);
  s += "<p class=\"note\">Hollow squares: runs whose suite lacks CORE tasks (CPU scales), plotted at the mean over the CORE tasks "
       "present (Core_partial) — not DCLM's CORE.</p>\n";

  // per-task scores
  const auto subs = sorted(rows, "submission", "");
  s += "<h2 id=\"tasks\">Per-task scores</h2>\n";
  if (subs.empty()) {
    s += "<p class=\"note\">No submissions yet.</p>\n";
  } else {
    std::set<std::string> tasks;
    for (const auto* r : subs)
      if (r->result.contains("eval_metrics") && r->result["eval_metrics"].contains("icl"))
        for (auto it = r->result["eval_metrics"]["icl"].begin(); it != r->result["eval_metrics"]["icl"].end(); ++it) tasks.insert(it.key());
    s += "<table class=\"tasks\">\n<tr><th>Task</th>";
    for (const auto* r : subs) s += "<th class=\"num\">" + html::escape(r->id) + "</th>";
    s += "</tr>\n";
    for (const auto& t : tasks) {
      s += "<tr data-task=\"" + html::escape(t) + "\"><td>" + html::escape(t) + "</td>";
      for (const auto* r : subs) {
        const json& icl = r->result["eval_metrics"]["icl"];
        s += icl.contains(t) && icl[t].is_number() ? "<td class=\"num\">" + format_percent(icl[t].get<double>()) + "</td>"
                                                   : std::string("<td class=\"num\">—</td>");
      }
      s += "</tr>\n";
    }
    s += "</table>\n<p class=\"note\">Accuracy in percent (categories macro-averaged as in DCLM).</p>\n";
  }

  // loss curves
  s += "<h2 id=\"loss\">Loss curves</h2>\n<div class=\"grid\">\n";
  if (subs.empty()) s += "<p class=\"note\">No submissions yet.</p>\n";
  for (const auto* r : subs) {
    html::ChartOptions lo;
    lo.width = 540;
    lo.height = 300;
    lo.title = "training loss: " + r->id;
    lo.x_label = "step";
    lo.y_label = "loss";
    lo.css_class = "loss-curve";
    s += "<div class=\"card\">" + html::svg_line_chart({{r->scale + " " + r->track, track_color(r->track), r->loss}}, lo) + "</div>\n";
  }
  s += "</div>\n";

  // anchors
  s += "<h2 id=\"anchors\">DCLM published anchors (read-only)</h2>\n";
  const auto anchors = sorted(rows, "anchor", "");
  if (anchors.empty()) s += "<p class=\"note\">No anchors on this board (dclm leaderboard add --anchor FILE|DIR).</p>\n";
  else s += "<p class=\"note\">DCLM's own eval JSONs (exp_data/evals), shown as published.</p>\n" + tables_by_scale(anchors, "anchors");
  s += html::page_end();
  return s;
}

size_t render_board(const std::string& board) {
  const auto rows = load_board(board);
  write_file_atomic(board + "/leaderboard.md", render_board_markdown(rows));
  write_file_atomic(board + "/index.html", render_board_html(rows));
  return rows.size();
}

}  // namespace dclm::leaderboard
