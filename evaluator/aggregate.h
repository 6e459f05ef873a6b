// DCLM aggregation (dclm:eval/aggregated_metrics.py, spec icl-eval §9): centered accuracy with the v1
// and v2 random baselines, CORE / EXTENDED / additional aggregates, "N/A due to missing tasks".
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "evaluator/suite.h"

namespace dclm::evaluator {

// (acc - RB/100) / (1 - RB/100)
double centered_accuracy(double acc, double random_baseline_percent);
// Python str() of a list of str: "['a', 'b']".
std::string py_list_repr(const std::vector<std::string>& items);

// DCLM's eval_openlm_ckpt.py result extraction: logger keys
// "metrics/{label}/{k}-shot[/{category}]/{MetricClass}" in evaluator order, each with its value. A key
// containing a has_categories label as a substring is appended to that label's list (every matching
// label); other keys form their own list. Each list's mean is reported under the label
// (key.split("/")[1] for keys). Reproduces the substring quirk of the reference.
nlohmann::json icl_from_logger_keys(const std::vector<std::pair<std::string, double>>& keyed_values,
                                    const std::vector<std::string>& category_task_labels);

// From eval_metrics.icl ({label: accuracy}) computes exactly the fields DCLM stores:
// "missing tasks", aggregated_task_categories_centered, aggregated_centered_results,
// aggregated_results, <K>/<K>_centered for each additional aggregation, Core_v1, Core_v2,
// Extended_v1, Extended_v2, Core, Extended, eval_version (values of the current version v2 for the
// unversioned fields). Plus clearly labelled extras: "Core_partial" and "Extended_partial"
// ({"v1", "v2", "tasks_present", "tasks_total", "tasks_missing"}: means over the present tasks).
// A mean over no task is null (pandas NaN).
nlohmann::json aggregate_icl(const nlohmann::json& icl, const AggregationMeta& meta = dclm_aggregation_meta());

}  // namespace dclm::evaluator
