// `dclm submit RUN_DIR --out BUNDLE_DIR`: a submission bundle (leaderboard/bundle.h) from a run folder.
#include <cstdio>

#include "common/error.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/io.h"
#include "curation/recipes.h"
#include "harness/cli.h"
#include "leaderboard/bundle.h"
#include "leaderboard/validate.h"

namespace dclm::harness {

int cmd_submit(const std::vector<std::string>& argv) {
  Args args("submit",
            "Build a submission bundle from a finished run folder: the result JSON, the stage manifests, the curation\n"
            "recipe and stats, the tokens manifest, the training summary and loss curve, a model card and bundle.json\n"
            "(every file with its sha256). Add it to a board with `dclm leaderboard add BUNDLE_DIR --board DIR`.",
            {{"out", "bundle folder to create (must not exist)", ""}}, "RUN_DIR");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.positional().size() != 1) throw UsageError("expected one run folder");
  if (!args.given("out") || args.get("out").empty()) throw UsageError("--out BUNDLE_DIR is required");
  const std::string run = args.positional()[0];
  leaderboard::BundleOptions o;
  o.run_dir = run;
  o.out_dir = args.get("out");
  // The recipe text, from the name the curate stage ran with (embedded name or a YAML path).
  if (Manifest::is_complete(run + "/curate")) {
    const Manifest m = Manifest::read(run + "/curate");
    const std::string recipe = m.config.value("recipe", std::string());
    for (const auto& e : curation::embedded_recipes())
      if (e.name == recipe) o.recipe_yaml = e.yaml;
    if (o.recipe_yaml.empty() && !recipe.empty() && file_exists(recipe)) o.recipe_yaml = read_file(recipe);
    if (o.recipe_yaml.empty())
      log_warn("recipe '" + recipe + "' is neither embedded nor a readable file; the bundle goes without curate/recipe.yaml");
  }
  nlohmann::json index = leaderboard::create_bundle(o);
  // Check our own output the way a board will.
  const std::string why = leaderboard::check_bundle(o.out_dir);
  std::printf("%s: %zu files%s\n", o.out_dir.c_str(), index["files"].size(),
              why.empty() ? ", passes validation" : (", WARNING: a board would reject it: " + why).c_str());
  return 0;
}

}  // namespace dclm::harness
