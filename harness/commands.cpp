// The table of subcommands and the process entry point (exit codes: 0 ok, 1 failure, 2 usage).
#include <cstdio>

#include "common/error.h"
#include "common/version.h"
#include "harness/cli.h"

namespace dclm::harness {

const std::vector<Command>& commands() {
  static const std::vector<Command> cmds = {
      {"run", "run the whole benchmark (default: the micro CPU scale on the sample pool)", cmd_run},
      {"curate", "curate a raw web pool with a recipe (readers, extraction, filters)", cmd_curate},
      {"dedup", "BFF Bloom-filter n-gram dedup of jsonl (DCLM old-both; deterministic)", cmd_dedup},
      {"classifier", "train / evaluate a fastText quality classifier; exact top-K % filter", cmd_classifier},
      {"decontam", "n-gram overlap of a dataset with the eval tasks; report, optionally drop", cmd_decontam},
      {"tokenize", "tokenize–shuffle curated text into token shards", cmd_tokenize},
      {"tokenizer", "train / encode / decode with a tokenizer", cmd_tokenizer},
      {"train", "train the scale's model on token shards", cmd_train},
      {"eval", "evaluate a model on an ICL suite → DCLM-shaped result JSON", cmd_eval},
      {"leaderboard", "render result JSONs as a leaderboard", cmd_leaderboard},
      {"status", "show the state of each stage of a run folder", cmd_status},
      {"submit", "build a submission bundle (results, manifests, loss curve, model card) from a run folder", cmd_submit},
      {"report", "write one HTML report for a run (curation funnel, loss curve, scores vs DCLM anchors)", cmd_report},
      {"scales", "print the competition scales with their parameter counts", cmd_scales},
      {"fetch", "fetch eval data, models, tokenizer and sample pool (verified)", cmd_fetch},
  };
  return cmds;
}

static std::string top_usage() {
  std::string u = "usage: dclm <command> [flags]   (dclm <command> --help for its flags)\n\n"
                  "DataComp-LM in one binary: curate → tokenize → train → eval → leaderboard.\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string left = "  " + c.name;
    left += std::string(left.size() < 16 ? 16 - left.size() : 2, ' ');
    u += left + c.summary + "\n";
  }
  return u;
}

int main_entry(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(top_usage().c_str(), stderr);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(top_usage().c_str(), stdout);
    return 0;
  }
  if (args[0] == "--version") {
    std::printf("%s\n", tool_version().c_str());
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != args[0]) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
      return c.run(rest);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "dclm %s: %s\n(see dclm %s --help)\n", c.name.c_str(), e.what(), c.name.c_str());
      return 2;
    } catch (const Error& e) {
      std::fprintf(stderr, "dclm %s: error: %s\n", c.name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dclm %s: error: %s\n", c.name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "dclm: unknown command '%s'\n\n%s", args[0].c_str(), top_usage().c_str());
  return 2;
}

}  // namespace dclm::harness
