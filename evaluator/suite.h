// Evaluation suites: the project's own YAML (evaluator/suites/*.yaml, embedded into the library) or a
// user-provided YAML path, plus DCLM's aggregation tables (evaluator/suites/aggregation.yaml).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace dclm::evaluator {

enum class TaskType { MultipleChoice, Schema, LanguageModeling, GenerationWithAnswers };
TaskType parse_task_type(const std::string& s);  // llm-foundry names; question_answering is an alias
std::string task_type_name(TaskType t);

struct TaskSpec {
  std::string label;
  std::string dataset;  // relative to the folder holding local_data/ (or absolute)
  TaskType type = TaskType::MultipleChoice;
  int64_t num_fewshot = 0;
  std::string prompt_string;                     // '' in DCLM
  std::string continuation_delimiter = " ";
  std::string example_delimiter = "\n";
  std::string question_prelimiter;
  std::string cot_delimiter;
  std::vector<std::string> early_stopping_criteria;
  bool do_normalization = true;
  bool has_categories = false;
  uint64_t fewshot_random_seed = 1234;
  // Aggregation metadata (informational; the aggregation uses DCLM's tables, aggregation.yaml).
  std::string category;
  double random_baseline_v1 = 0, random_baseline_v2 = 0;
  bool core = false;
};

struct Suite {
  std::string name, description, source;  // source: "embedded:<name>" or the file path
  std::vector<TaskSpec> tasks;
};

// "heavy", "core", "cpu_smoke" (embedded) or a path to a YAML file of the same format.
Suite load_suite(const std::string& name_or_path);
Suite parse_suite_yaml(const std::string& yaml_text, const std::string& source);
std::vector<std::string> embedded_suite_names();

// DCLM's aggregation tables: eval_meta_data.csv (v2) / _v1.csv rows and additional_aggregation.json.
struct AggregationTask {
  std::string label, category;
  double random_baseline_v1 = 0, random_baseline_v2 = 0;
};
struct AggregationMeta {
  std::string current_version = "v2";
  std::vector<AggregationTask> tasks;  // CSV row order (53)
  std::vector<std::pair<std::string, std::vector<std::string>>> additional;  // JSON key order
  const std::vector<std::string>& core_tasks() const;  // "low_variance_datasets"
};
const AggregationMeta& dclm_aggregation_meta();  // embedded
AggregationMeta parse_aggregation_yaml(const std::string& yaml_text, const std::string& source);

}  // namespace dclm::evaluator
