// `dclm leaderboard`: render result JSONs as a leaderboard Markdown table.
#include <cstdio>

#include "common/jsonl.h"
#include "harness/cli.h"
#include "leaderboard/leaderboard.h"

namespace dclm::harness {

int cmd_leaderboard(const std::vector<std::string>& argv) {
  Args args("leaderboard",
            "Render eval result JSONs (ours or DCLM's published ones) as a Markdown leaderboard with DCLM's\n"
            "columns: Model, Params, Tokens, CORE v1/v2, MMLU, EXTENDED v1/v2.",
            {{"out", "Markdown file to write (default: print)", ""}}, "RESULT.json...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.positional().empty()) throw UsageError("no result files");
  if (args.given("out")) {
    leaderboard::write_leaderboard_markdown(args.positional(), args.get("out"));
    return 0;
  }
  std::vector<nlohmann::json> results;
  for (const auto& p : args.positional()) results.push_back(read_json_file(p));
  std::fputs(leaderboard::render_markdown(results).c_str(), stdout);
  return 0;
}

}  // namespace dclm::harness
