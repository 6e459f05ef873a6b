#include "evaluator/suite.h"

#include "common/config.h"
#include "common/error.h"
#include "common/io.h"
#include "evaluator/suites_embedded.h"

namespace dclm::evaluator {

TaskType parse_task_type(const std::string& s) {
  if (s == "multiple_choice") return TaskType::MultipleChoice;
  if (s == "schema") return TaskType::Schema;
  if (s == "language_modeling") return TaskType::LanguageModeling;
  if (s == "generation_task_with_answers" || s == "question_answering") return TaskType::GenerationWithAnswers;
  throw Error("unknown icl task type '" + s +
              "' (expected multiple_choice, schema, language_modeling, generation_task_with_answers)");
}

std::string task_type_name(TaskType t) {
  switch (t) {
    case TaskType::MultipleChoice: return "multiple_choice";
    case TaskType::Schema: return "schema";
    case TaskType::LanguageModeling: return "language_modeling";
    case TaskType::GenerationWithAnswers: return "generation_task_with_answers";
  }
  return "?";
}

Suite parse_suite_yaml(const std::string& yaml_text, const std::string& source) {
  YAML::Node root = load_yaml_string(yaml_text, source);
  ConfigNode top(root, source);
  Suite s;
  s.source = source;
  s.name = top.get<std::string>("name");
  s.description = top.get_or<std::string>("description", "");
  int64_t def_seed = 1234;
  if (top.has("defaults")) {
    ConfigNode d = top.sub("defaults");
    d.get_or<int64_t>("max_seq_len", 2048);  // informational (the caller's max_seq_len is used)
    def_seed = d.get_or<int64_t>("fewshot_random_seed", 1234);
    d.finish();
  }
  YAML::Node tasks = top.raw("tasks");
  if (!tasks || !tasks.IsSequence()) throw Error(source + ": 'tasks' must be a list");
  for (size_t i = 0; i < tasks.size(); ++i) {
    ConfigNode n(tasks[i], source, "tasks[" + std::to_string(i) + "]");
    TaskSpec t;
    t.label = n.get<std::string>("label");
    t.dataset = n.get<std::string>("dataset");
    t.type = parse_task_type(n.get<std::string>("type"));
    t.num_fewshot = n.get<int64_t>("num_fewshot");
    t.prompt_string = n.get_or<std::string>("prompt_string", "");
    t.continuation_delimiter = n.get_or<std::string>("continuation_delimiter", " ");
    t.example_delimiter = n.get_or<std::string>("example_delimiter", "\n");
    t.question_prelimiter = n.get_or<std::string>("question_prelimiter", "");
    t.cot_delimiter = n.get_or<std::string>("cot_delimiter", "");
    t.early_stopping_criteria = n.get_or<std::vector<std::string>>("early_stopping_criteria", {});
    t.do_normalization = n.get_or<bool>("do_normalization", true);
    t.has_categories = n.get_or<bool>("has_categories", false);
    t.fewshot_random_seed = static_cast<uint64_t>(n.get_or<int64_t>("fewshot_random_seed", def_seed));
    t.category = n.get_or<std::string>("category", "");
    t.random_baseline_v1 = n.get_or<double>("random_baseline_v1", 0.0);
    t.random_baseline_v2 = n.get_or<double>("random_baseline_v2", 0.0);
    t.core = n.get_or<bool>("core", false);
    n.finish();
    if (t.num_fewshot < 0) throw Error(source + ": task " + t.label + ": num_fewshot must be >= 0");
    for (const auto& o : s.tasks)
      if (o.label == t.label) throw Error(source + ": duplicate task label " + t.label);
    s.tasks.push_back(std::move(t));
  }
  top.finish();
  return s;
}

std::vector<std::string> embedded_suite_names() {
  std::vector<std::string> v;
  for (const auto& e : embedded_suites())
    if (e.name != "aggregation") v.push_back(e.name);
  return v;
}

Suite load_suite(const std::string& name_or_path) {
  for (const auto& e : embedded_suites())
    if (e.name == name_or_path && e.name != "aggregation") return parse_suite_yaml(e.yaml, "embedded:" + e.name);
  if (file_exists(name_or_path)) return parse_suite_yaml(read_file(name_or_path), name_or_path);
  std::string names;
  for (const auto& n : embedded_suite_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown eval suite '" + name_or_path + "': not an embedded suite (" + names + ") nor a YAML file");
}

AggregationMeta parse_aggregation_yaml(const std::string& yaml_text, const std::string& source) {
  YAML::Node root = load_yaml_string(yaml_text, source);
  ConfigNode top(root, source);
  AggregationMeta m;
  m.current_version = top.get_or<std::string>("current_version", "v2");
  YAML::Node tasks = top.raw("tasks");
  for (size_t i = 0; i < tasks.size(); ++i) {
    ConfigNode n(tasks[i], source, "tasks[" + std::to_string(i) + "]");
    AggregationTask t;
    t.label = n.get<std::string>("label");
    t.category = n.get<std::string>("category");
    t.random_baseline_v1 = n.get<double>("random_baseline_v1");
    t.random_baseline_v2 = n.get<double>("random_baseline_v2");
    n.finish();
    m.tasks.push_back(t);
  }
  YAML::Node add = top.raw("additional_aggregation");
  for (size_t i = 0; i < add.size(); ++i) {
    ConfigNode n(add[i], source, "additional_aggregation[" + std::to_string(i) + "]");
    m.additional.emplace_back(n.get<std::string>("name"), n.get<std::vector<std::string>>("tasks"));
    n.finish();
  }
  top.finish();
  return m;
}

const std::vector<std::string>& AggregationMeta::core_tasks() const {
  for (const auto& [k, v] : additional)
    if (k == "low_variance_datasets") return v;
  throw Error("aggregation tables have no low_variance_datasets list");
}

const AggregationMeta& dclm_aggregation_meta() {
  static const AggregationMeta m = [] {
    for (const auto& e : embedded_suites())
      if (e.name == "aggregation") return parse_aggregation_yaml(e.yaml, "embedded:aggregation");
    throw Error("embedded aggregation tables missing");
  }();
  return m;
}

}  // namespace dclm::evaluator
