// `dclm run`: the whole benchmark in one run folder (see harness/pipeline.h).
#include <cstdio>

#include "common/text.h"
#include "harness/cli.h"
#include "harness/pipeline.h"

namespace dclm::harness {

int cmd_run(const std::vector<std::string>& argv) {
  Args args("run",
            "Run the whole pipeline: curate → tokenizer → tokens → train → eval → leaderboard.\n"
            "With no arguments: the `micro` CPU scale on the sample pool. Completed stages are skipped;\n"
            "an interrupted stage is redone (training resumes from its last checkpoint).",
            {{"scale", "scale name (dclm scales) or a scale YAML", "micro"},
             {"run-dir", "run folder", "runs/<scale>"},
             {"recipe", "curation recipe name or YAML", "the scale's"},
             {"suite", "eval suite name or YAML", "the scale's"},
             {"eval-limit", "examples per task (0 = all)", "the scale's"},
             {"threads", "worker threads", "all cores"},
             {"to", "stop after this stage (curate, tokenizer, tokens, train, eval, leaderboard)", ""}},
            "[POOL_FILE...]");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  PipelineOptions o;
  o.scale = args.get("scale");
  if (args.given("run-dir")) o.run_dir = args.get("run-dir");
  if (args.given("recipe")) o.recipe = args.get("recipe");
  if (args.given("suite")) o.suite = args.get("suite");
  if (args.given("eval-limit")) o.eval_limit = args.get_int("eval-limit");
  if (args.given("threads")) o.threads = static_cast<int>(args.get_int("threads"));
  if (args.given("to")) o.to_stage = args.get("to");
  o.pool = args.positional();
  std::string out = run_pipeline(o);
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace dclm::harness
