// `dclm eval`: the in-context-learning suite on a trained model → DCLM-shaped result JSON.
#include <cstdio>

#include "evaluator/eval.h"
#include "evaluator/openlm_model.h"
#include "common/text.h"
#include "harness/cli.h"
#include "tokenizer/tokenizer.h"

namespace dclm::harness {

int cmd_eval(const std::vector<std::string>& argv) {
  Args args("eval",
            "Evaluate a trained model (the --out folder of dclm train) on an ICL suite and write the result\n"
            "JSON with eval_metrics.icl, CORE, EXTENDED and MMLU (\"N/A …\" when tasks are missing).",
            {{"model", "trained model folder (required)", ""},
             {"tokenizer", "tokenizer file (required)", ""},
             {"suite", "suite name (heavy, core, cpu_smoke) or a suite YAML", "heavy"},
             {"limit", "examples per task (0 = all)", "0"},
             {"batch-size", "sequences per forward pass", "8"},
             {"max-seq-len", "context length", "2048"},
             {"threads", "torch threads", "all cores"},
             {"tasks", "comma-separated task labels to run (default: all of the suite)", ""},
             {"log-samples", "write one jsonl line per example (tokens, scores, prediction, gold) here", ""},
             {"out", "result JSON path (required)", ""}});
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("model") || !args.given("tokenizer") || !args.given("out"))
    throw UsageError("--model, --tokenizer and --out are required");
  auto tok = tokenizer::load_tokenizer(args.get("tokenizer"));
  int threads = args.given("threads") ? static_cast<int>(args.get_int("threads")) : 0;
  auto lm = evaluator::load_openlm_language_model(args.get("model"), tok->pad_id(), threads);
  evaluator::EvalOptions o;
  o.suite = args.get("suite");
  o.limit = args.get_int("limit");
  o.batch_size = args.get_int("batch-size");
  o.max_seq_len = args.get_int("max-seq-len");
  o.model_name = args.get("model");
  o.out_path = args.get("out");
  if (args.given("tasks"))
    for (const auto& t : text::split(args.get("tasks"), ","))
      if (!text::strip(t).empty()) o.tasks.push_back(text::strip(t));
  if (args.given("log-samples")) o.log_samples = args.get("log-samples");
  auto res = evaluator::run_eval(o, *lm, *tok);
  std::printf("eval: Core %s, Extended %s, MMLU %s → %s\n", res.value("Core", nlohmann::json()).dump().c_str(),
              res.value("Extended", nlohmann::json()).dump().c_str(), res.value("MMLU", nlohmann::json()).dump().c_str(), o.out_path.c_str());
  return 0;
}

}  // namespace dclm::harness
