// `dclm decontam`: word n-gram overlap between a curated dataset and the eval task files
// (curation/decontam.h); optionally writes the dataset without the overlapping documents.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/data.h"
#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "curation/decontam.h"
#include "evaluator/gpqa.h"
#include "evaluator/suite.h"
#include "harness/cli.h"

namespace dclm::harness {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// --tasks: an embedded suite name, a suite YAML path, or a comma list of task labels of the heavy suite
// (53 tasks, a superset of core).
std::vector<evaluator::TaskSpec> select_tasks(const std::string& value) {
  const auto names = evaluator::embedded_suite_names();
  const bool is_suite = std::find(names.begin(), names.end(), value) != names.end() ||
                        (file_exists(value) && (value.size() > 5 && (value.substr(value.size() - 5) == ".yaml" ||
                                                                     value.substr(value.size() - 4) == ".yml")));
  if (is_suite) return evaluator::load_suite(value).tasks;
  const auto heavy = evaluator::load_suite("heavy");
  std::vector<evaluator::TaskSpec> out;
  for (const auto& want : split_commas(value)) {
    bool found = false;
    for (const auto& spec : heavy.tasks)
      if (spec.label == want) { out.push_back(spec); found = true; break; }
    if (!found) {
      std::string labels;
      for (const auto& spec : heavy.tasks) labels += (labels.empty() ? "" : ", ") + spec.label;
      throw UsageError("unknown task '" + want + "' (suites: heavy, core, cpu_smoke; tasks: " + labels + ")");
    }
  }
  return out;
}

}  // namespace

int cmd_decontam(const std::vector<std::string>& argv) {
  Args args("decontam",
            "Word n-gram overlap between a dataset (jsonl/.gz/.zst with a \"text\" field, as `dclm curate`\n"
            "writes) and the eval task files. Text is lower-cased with punctuation and symbols deleted; an eval\n"
            "example (context + continuation / choices / answer) is contaminated when any run of --ngram of its\n"
            "words occurs in a document (the GPT-3 convention; DCLM does not specify its method). Examples with\n"
            "fewer words but at least --min-ngram are matched whole. Writes into --out: decontam_report.json,\n"
            "decontam_report.txt (table), contaminated_docs.jsonl; with --drop also one <input>.zst per input\n"
            "without the contaminated documents. Output does not depend on --threads.",
            {{"tasks", "suite (heavy | core | cpu_smoke | suite.yaml) or comma list of task labels", "core"},
             {"out", "output folder (required)", ""},
             {"drop", "write the dataset without the overlapping documents", "", true},
             {"ngram", "n-gram size in words", "13"},
             {"min-ngram", "shortest whole example still matched (larger than --ngram: none)", "8"},
             {"max-examples-per-ngram", "ignore n-grams shared by more examples (templates); 0 = keep all", "0"},
             {"data", "folder holding local_data/ and gpqa/", "eval data found as for dclm eval"},
             {"samples", "example rows / documents listed per task", "5"},
             {"threads", "worker threads (output does not depend on it)", "all cores"},
             {"quiet", "no progress output", "", true}},
            "INPUT...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("out")) throw UsageError("--out is required");
  if (args.positional().empty()) throw UsageError("no input files");
  curation::DecontamParams p;
  p.ngram = static_cast<int>(args.get_int("ngram"));
  p.min_ngram = static_cast<int>(args.get_int("min-ngram"));
  p.max_examples_per_ngram = args.get_int("max-examples-per-ngram");
  if (p.ngram < 1 || p.min_ngram < 1) throw UsageError("--ngram and --min-ngram must be >= 1");

  const auto specs = select_tasks(args.get("tasks"));
  std::string data_dir = args.given("data") ? args.get("data") : find_data("eval").value_or("");
  if (data_dir.empty()) throw Error("no eval data folder (give --data, set DCLM_DATA or run dclm fetch)");
  std::vector<curation::EvalTask> tasks;
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& spec : specs) {
    const std::string type = evaluator::task_type_name(spec.type);
    const std::string path =
        std::filesystem::path(spec.dataset).is_absolute() ? spec.dataset : data_dir + "/" + spec.dataset;
    const std::string gpqa_zip = data_dir + "/gpqa/dataset.zip";
    if (file_exists(path)) {
      tasks.push_back(curation::read_eval_task(spec.label, type, path));
    } else if (spec.dataset.rfind("gpqa_data/", 0) == 0 && file_exists(gpqa_zip)) {
      // Converted in memory as the evaluator does; GPQA rows are never written out (only row numbers).
      tasks.push_back(curation::make_eval_task(spec.label, type, evaluator::load_gpqa_rows(gpqa_zip, spec.dataset),
                                               gpqa_zip + ":" + spec.dataset));
    } else {
      log_warn("decontam: task " + spec.label + ": data file not found: " + path + " (skipped)");
      missing.push_back({{"label", spec.label}, {"dataset", path}});
    }
  }
  if (tasks.empty()) throw Error("decontam: none of the selected tasks has data under " + data_dir);
  curation::DecontamIndex index(std::move(tasks), p);
  curation::DecontamOptions o;
  o.inputs = args.positional();
  o.out_dir = args.get("out");
  o.drop = args.flag("drop");
  o.max_samples = static_cast<int>(args.get_int("samples"));
  if (args.given("threads")) o.threads = static_cast<int>(args.get_int("threads"));
  o.quiet = args.flag("quiet");
  auto r = curation::run_decontam(index, o);
  if (!missing.empty()) {
    r.report["missing_tasks"] = missing;
    write_json_file(o.out_dir + "/decontam_report.json", r.report);
  }
  std::fputs(curation::decontam_table(r).c_str(), stdout);
  std::printf("decontam: %lld documents, %lld contaminated (%d-grams; index %llu n-grams of %zu examples in %zu "
              "tasks%s); %.0f docs/s\n",
              (long long)r.docs_in, (long long)r.docs_contaminated, p.ngram, (unsigned long long)index.num_ngrams(),
              index.num_examples(), index.tasks().size(),
              missing.empty() ? "" : (", " + std::to_string(missing.size()) + " without data").c_str(),
              r.seconds > 0 ? static_cast<double>(r.docs_in) / r.seconds : 0.0);
  if (o.drop) std::printf("decontam: wrote %lld documents to %s\n", (long long)r.docs_out, o.out_dir.c_str());
  return 0;
}

}  // namespace dclm::harness
