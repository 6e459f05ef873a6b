#include "leaderboard/leaderboard.h"

#include <cmath>
#include <cctype>
#include <cstdio>
#include <regex>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"

namespace dclm::leaderboard {

using json = nlohmann::json;

std::string format_percent(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v * 100.0);
  return buf;
}

std::string format_count(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_number()) return "—";
  const double x = v.get<double>();
  struct U { double scale; const char* suffix; };
  for (const U u : {U{1e12, "T"}, U{1e9, "B"}, U{1e6, "M"}, U{1e3, "K"}}) {
    if (std::fabs(x) >= u.scale) {
      const double q = x / u.scale;
      char buf[64];
      if (std::fabs(q - std::round(q)) < 0.05) std::snprintf(buf, sizeof buf, "%.0f%s", std::round(q), u.suffix);
      else if (q < 10) std::snprintf(buf, sizeof buf, "%.2f%s", q, u.suffix);
      else std::snprintf(buf, sizeof buf, "%.1f%s", q, u.suffix);
      std::string s = buf;
      // trim trailing zeros of a fraction ("1.40B" → "1.4B")
      auto dot = s.find('.');
      if (dot != std::string::npos) {
        size_t end = s.size() - std::string(u.suffix).size();
        size_t last = end;
        while (last > dot + 1 && s[last - 1] == '0') --last;
        if (last == dot + 1) last = dot;
        s = s.substr(0, last) + u.suffix;
      }
      return s;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", x);
  return buf;
}

namespace {

std::string escape_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

struct Footnotes {
  std::vector<std::string> texts;
  int ref(const std::string& t) {
    for (size_t i = 0; i < texts.size(); ++i)
      if (texts[i] == t) return static_cast<int>(i) + 1;
    texts.push_back(t);
    return static_cast<int>(texts.size());
  }
};

std::string value_cell(const json& r, const std::string& key, Footnotes& fn) {
  const json* v = nullptr;
  if (r.contains(key)) v = &r[key];
  else if (key == "MMLU" && r.contains("eval_metrics") && r["eval_metrics"].contains("icl") &&
           r["eval_metrics"]["icl"].contains("mmlu_fewshot"))
    v = &r["eval_metrics"]["icl"]["mmlu_fewshot"];
  if (!v || v->is_null()) return "—";
  if (v->is_number()) return format_percent(v->get<double>());
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    if (s.rfind("N/A", 0) == 0) return "N/A[^" + std::to_string(fn.ref(key + ": " + s)) + "]";
    return escape_cell(s);
  }
  return escape_cell(v->dump());
}

std::string str_or(const json& r, const char* k) {
  return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : std::string();
}

// DCLM's published JSONs name open_lm configs in "model" ("open_lm_1b"); their experiment name is
// in "_filename" (exp_data/evals/evaluation_<name>.json).
std::string published_name(const json& r) {
  std::string f = str_or(r, "_filename");
  if (f.empty()) return "";
  if (auto s = f.rfind('/'); s != std::string::npos) f = f.substr(s + 1);
  if (f.rfind("evaluation_", 0) == 0) f = f.substr(11);
  if (f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0) f = f.substr(0, f.size() - 5);
  return f;
}

std::string model_cell(const json& r) {
  std::string m = str_or(r, "model_name");
  if (m.empty()) {
    m = str_or(r, "model");
    const std::string pub = published_name(r);
    if (!pub.empty() && m.find('/') == std::string::npos) m = pub;
  }
  if (m.empty()) m = str_or(r, "uuid");
  return m.empty() ? "—" : escape_cell(m);
}

// Params / tokens of a published JSON from its names (open_lm_7b → 7B; tokens=137788211200 → 137.8B).
json published_params(const json& r) {
  std::smatch m;
  const std::string model = str_or(r, "model");
  static const std::regex re("^open_lm_([0-9]+(\\.[0-9]+)?)([bBmM])");
  if (std::regex_search(model, m, re)) {
    std::string unit = m[3].str();
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return m[1].str() + unit;
  }
  return nullptr;
}
json published_tokens(const json& r) {
  std::smatch m;
  const std::string name = published_name(r);
  static const std::regex re("tokens=([0-9]+)");
  if (std::regex_search(name, m, re)) return std::stod(m[1].str());
  return nullptr;
}

}  // namespace

std::string render_markdown(const std::vector<json>& results) {
  bool with_run = false;
  for (const auto& r : results)
    if (r.contains("dclm_run") && r["dclm_run"].is_object()) with_run = true;
  Footnotes fn;
  std::string out;
  out += "| Model |";
  if (with_run) out += " Scale | Track |";
  out += " Params | Tokens | CORE (v1) | CORE (v2) | MMLU | EXTENDED (v1) | EXTENDED (v2) |\n";
  out += "|---|";
  if (with_run) out += "---|---|";
  out += "---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    const json run = r.contains("dclm_run") && r["dclm_run"].is_object() ? r["dclm_run"] : json::object();
    auto run_str = [&](const char* k) {
      return run.contains(k) && !run[k].is_null() ? escape_cell(format_count(run[k])) : std::string("—");
    };
    out += "| " + model_cell(r) + " |";
    if (with_run) out += " " + run_str("scale") + " | " + run_str("track") + " |";
    json params = run.contains("params") ? run["params"] : published_params(r);
    json tokens = run.contains("tokens") ? run["tokens"] : published_tokens(r);
    out += " " + (params.is_null() ? std::string("—") : escape_cell(format_count(params))) + " | " +
           (tokens.is_null() ? std::string("—") : escape_cell(format_count(tokens))) + " |";
    for (const char* k : {"Core_v1", "Core_v2", "MMLU", "Extended_v1", "Extended_v2"}) out += " " + value_cell(r, k, fn) + " |";
    out += "\n";
  }
  if (!fn.texts.empty()) {
    out += "\n";
    for (size_t i = 0; i < fn.texts.size(); ++i) out += "[^" + std::to_string(i + 1) + "]: " + fn.texts[i] + "\n";
  }
  out += "\nCORE = mean centered accuracy over DCLM's 22 low-variance tasks; EXTENDED = over all 53 tasks; "
         "MMLU = raw 5-shot accuracy (mmlu_fewshot). v1/v2 = random baselines of eval_meta_data_v1.csv / "
         "eval_meta_data.csv. Values in percent.\n";
  return out;
}

void write_leaderboard_markdown(const std::vector<std::string>& result_paths, const std::string& out_path) {
  std::vector<json> results;
  for (const auto& p : result_paths) results.push_back(read_json_file(p));
  write_file_atomic(out_path, render_markdown(results));
}

}  // namespace dclm::leaderboard
