// `dclm curate`: run a curation recipe over pool files.
#include <cstdio>

#include "common/error.h"
#include "common/jsonl.h"
#include "curation/curate.h"
#include "harness/cli.h"

namespace dclm::harness {

int cmd_curate(const std::vector<std::string>& argv) {
  Args args("curate",
            "Read WARC / WET / jsonl(.gz/.zst) pool files, extract text, run the recipe's steps and write\n"
            "curated jsonl.zst shards plus stats.json into --out.",
            {{"recipe", "embedded recipe name or a recipe YAML", "dclm_baseline_refinedweb"},
             {"out", "output folder (required)", ""},
             {"threads", "worker threads", "all cores"},
             {"max-docs-per-file", "read at most N documents per input (0 = all)", "0"},
             {"keep-removed", "also write removed documents with their reason", "", true}},
            "INPUT...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("out")) throw UsageError("--out is required");
  if (args.positional().empty()) throw UsageError("no input files");
  curation::CurateOptions o;
  o.inputs = args.positional();
  o.recipe = args.get("recipe");
  o.out_dir = args.get("out");
  if (args.given("threads")) o.threads = static_cast<int>(args.get_int("threads"));
  o.max_docs_per_file = args.get_int("max-docs-per-file");
  o.keep_removed = args.flag("keep-removed");
  auto r = curation::run_curation(o);
  std::printf("%s", curation::stats_table(r.stats).c_str());
  std::printf("curate: %lld → %lld documents, %zu file(s) in %s\n", (long long)r.docs_in, (long long)r.docs_out,
              r.output_files.size(), o.out_dir.c_str());
  return 0;
}

}  // namespace dclm::harness
