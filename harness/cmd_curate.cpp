// `dclm curate`: run a curation recipe over pool files, whole or as shard I of N, and merge the shards.
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include "common/error.h"
#include "common/jsonl.h"
#include "curation/curate.h"
#include "harness/cli.h"

namespace dclm::harness {

int cmd_curate(const std::vector<std::string>& argv) {
  Args args("curate",
            "Read WARC / WET / jsonl(.gz/.zst) pool files, extract text, run the recipe's steps and write\n"
            "curated jsonl.zst shards plus stats.json into --out.\n"
            "\n"
            "Inputs are numbered in sorted path order: input k gives documents_<k>.jsonl.zst and the done-marker\n"
            "stats/file-<k>.json, each written under a temp name and renamed. A rerun after a kill skips the\n"
            "inputs already done and gives the same bytes as an uninterrupted run.\n"
            "\n"
            "Sharded (one process per Slurm array task / MPI rank, all with the same INPUT list and --out):\n"
            "  dclm curate --shard $I/$N --recipe R --out DIR INPUT...   curates inputs k with k % N == I and\n"
            "                                                              writes stats/shard-I-of-N.json\n"
            "  dclm curate --merge --out DIR                              after all N shards: checks they are\n"
            "      complete and of the same run (an error names the missing ones), writes stats.json and\n"
            "      manifest.json, equal to those of one unsharded run over the same inputs.\n"
            "Without --shard, curate runs everything and merges (the same as --shard 0/1).",
            {{"recipe", "embedded recipe name or a recipe YAML", "dclm_baseline_refinedweb"},
             {"out", "output folder (required)", ""},
             {"shard", "I/N: process only shard I (0-based) of N, do not merge", ""},
             {"merge", "merge the complete shards in --out (no INPUT, no other options)", "", true},
             {"threads", "worker threads", "all cores"},
             {"max-docs-per-file", "read at most N documents per input (0 = all)", "0"},
             {"keep-removed", "also write removed documents with their reason", "", true}},
            "INPUT...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("out")) throw UsageError("--out is required");
  if (args.flag("merge")) {
    if (!args.positional().empty()) throw UsageError("--merge takes no input files");
    for (const char* f : {"shard", "recipe", "threads", "max-docs-per-file", "keep-removed"})
      if (args.given(f)) throw UsageError(std::string("--merge takes no --") + f);
    auto r = curation::merge_curation(args.get("out"));
    std::printf("%s", curation::stats_table(r.stats).c_str());
    std::printf("curate --merge: %lld → %lld documents, %zu file(s) in %s\n", (long long)r.docs_in,
                (long long)r.docs_out, r.output_files.size(), args.get("out").c_str());
    return 0;
  }
  if (args.positional().empty()) throw UsageError("no input files");
  curation::CurateOptions o;
  o.inputs = args.positional();
  o.recipe = args.get("recipe");
  o.out_dir = args.get("out");
  if (args.given("threads")) o.threads = static_cast<int>(args.get_int("threads"));
  o.max_docs_per_file = args.get_int("max-docs-per-file");
  o.keep_removed = args.flag("keep-removed");
  if (args.given("shard")) {
    try {
      std::tie(o.shard, o.num_shards) = curation::parse_shard_spec(args.get("shard"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (o.num_shards > 1) {
    auto r = curation::run_curation_shard(o);
    std::printf("curate --shard %d/%d: %lld → %lld documents, %zu file(s) (%lld resumed) in %s\n", o.shard,
                o.num_shards, (long long)r.docs_in, (long long)r.docs_out, r.output_files.size(),
                (long long)r.files_resumed, o.out_dir.c_str());
    return 0;
  }
  auto r = curation::run_curation(o);
  std::printf("%s", curation::stats_table(r.stats).c_str());
  std::printf("curate: %lld → %lld documents, %zu file(s) (%lld resumed) in %s\n", (long long)r.docs_in,
              (long long)r.docs_out, r.output_files.size(), (long long)r.files_resumed, o.out_dir.c_str());
  return 0;
}

}  // namespace dclm::harness
