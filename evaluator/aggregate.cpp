#include "evaluator/aggregate.h"

#include <algorithm>
#include <map>
#include <optional>

namespace dclm::evaluator {

using json = nlohmann::json;

double centered_accuracy(double acc, double rb) { return (acc - 0.01 * rb) / (1.0 - 0.01 * rb); }

std::string py_list_repr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& s = items[i];
    const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = dq ? '"' : '\'';
    if (i) out += ", ";
    out += q;
    for (char c : s) {
      if (c == '\\' || (c == q)) out += '\\';
      if (c == '\n') { out += "\\n"; continue; }
      out += c;
    }
    out += q;
  }
  return out + "]";
}

namespace {

struct Row {
  std::string label, category;
  double rb[2];  // v1, v2
  std::optional<double> acc;
};

json mean_or_null(double sum, size_t n) { return n ? json(sum / static_cast<double>(n)) : json(nullptr); }

}  // namespace

json icl_from_logger_keys(const std::vector<std::pair<std::string, double>>& keyed_values,
                          const std::vector<std::string>& category_task_labels) {
  std::vector<std::pair<std::string, std::vector<double>>> lists;  // insertion order (defaultdict)
  auto list_for = [&](const std::string& k) -> std::vector<double>& {
    for (auto& [name, v] : lists)
      if (name == k) return v;
    lists.emplace_back(k, std::vector<double>{});
    return lists.back().second;
  };
  for (const auto& [key, value] : keyed_values) {
    bool matched = false;
    for (const auto& t : category_task_labels)
      if (key.find(t) != std::string::npos) {
        list_for(t).push_back(value);
        matched = true;
      }
    if (!matched) list_for(key).push_back(value);
  }
  json out = json::object();
  for (const auto& [name, v] : lists) {
    double s = 0;
    for (double x : v) s += x;
    const auto parts = name.find('/');
    std::string label = name;
    if (parts != std::string::npos) {
      const auto next = name.find('/', parts + 1);
      label = name.substr(parts + 1, next == std::string::npos ? std::string::npos : next - parts - 1);
    }
    out[label] = s / static_cast<double>(v.size());
  }
  return out;
}

json aggregate_icl(const json& icl, const AggregationMeta& meta) {
  std::vector<Row> rows;
  std::vector<std::string> missing;
  for (const auto& t : meta.tasks) {
    Row r{t.label, t.category, {t.random_baseline_v1, t.random_baseline_v2}, std::nullopt};
    auto it = icl.find(t.label);
    if (it != icl.end() && it->is_number()) r.acc = it->get<double>();
    else missing.push_back(t.label);
    rows.push_back(r);
  }
  json out = json::object();
  out["missing tasks"] = py_list_repr(missing);
  const int cur = meta.current_version == "v1" ? 0 : 1;

  auto centered_mean = [&](int v, const std::vector<std::string>* subset, size_t* count) {
    double s = 0;
    size_t n = 0;
    for (const auto& r : rows) {
      if (!r.acc) continue;
      if (subset && std::find(subset->begin(), subset->end(), r.label) == subset->end()) continue;
      s += centered_accuracy(*r.acc, r.rb[v]);
      ++n;
    }
    if (count) *count = n;
    return mean_or_null(s, n);
  };
  auto raw_mean = [&](const std::vector<std::string>* subset) {
    double s = 0;
    size_t n = 0;
    for (const auto& r : rows) {
      if (!r.acc) continue;
      if (subset && std::find(subset->begin(), subset->end(), r.label) == subset->end()) continue;
      s += *r.acc;
      ++n;
    }
    return mean_or_null(s, n);
  };

  // per category (pandas groupby: sorted category names, NaN dropped)
  std::map<std::string, std::pair<double, size_t>> cats;
  for (const auto& r : rows) {
    auto& c = cats[r.category];
    if (r.acc) { c.first += centered_accuracy(*r.acc, r.rb[cur]); ++c.second; }
  }
  json jc = json::object();
  for (const auto& [k, v] : cats) jc[k] = mean_or_null(v.first, v.second);
  out["aggregated_task_categories_centered"] = jc;
  out["aggregated_centered_results"] = centered_mean(cur, nullptr, nullptr);
  out["aggregated_results"] = raw_mean(nullptr);
  for (const auto& [key, list] : meta.additional) {
    out[key] = raw_mean(&list);
    out[key + "_centered"] = centered_mean(cur, &list, nullptr);
  }

  const std::vector<std::string>& core = meta.core_tasks();
  std::vector<std::string> missing_core;
  for (const auto& t : core)
    if (!icl.contains(t) || !icl[t].is_number()) missing_core.push_back(t);
  json core_partial, ext_partial;
  for (int v = 0; v < 2; ++v) {
    const std::string ver = v == 0 ? "v1" : "v2";
    size_t n_core = 0, n_ext = 0;
    json core_val = centered_mean(v, &core, &n_core);
    json ext_val = centered_mean(v, nullptr, &n_ext);
    core_partial[ver] = core_val;
    ext_partial[ver] = ext_val;
    core_partial["tasks_present"] = n_core;
    ext_partial["tasks_present"] = n_ext;
    out["Core_" + ver] = missing_core.empty() ? core_val : json("N/A due to missing tasks: " + py_list_repr(missing_core));
    out["Extended_" + ver] = missing.empty() ? ext_val : json("N/A due to missing tasks: " + py_list_repr(missing));
  }
  out["Core"] = out["Core_" + meta.current_version];
  out["Extended"] = out["Extended_" + meta.current_version];
  out["eval_version"] = meta.current_version;
  core_partial["tasks_total"] = core.size();
  core_partial["tasks_missing"] = missing_core;
  core_partial["note"] = "mean centered accuracy over the CORE tasks present only; not DCLM's Core unless tasks_missing is empty";
  ext_partial["tasks_total"] = rows.size();
  ext_partial["tasks_missing"] = missing;
  ext_partial["note"] = "mean centered accuracy over the EXTENDED tasks present only; not DCLM's Extended unless tasks_missing is empty";
  out["Core_partial"] = core_partial;
  out["Extended_partial"] = ext_partial;
  return out;
}

}  // namespace dclm::evaluator
