// `dclm leaderboard`: render result JSONs as a leaderboard Markdown table (plain form), or manage a board
// folder: `add` (validated bundles, or --anchor for DCLM's published eval JSONs) and `render`.
#include <cstdio>

#include "common/jsonl.h"
#include "harness/cli.h"
#include "leaderboard/board.h"
#include "leaderboard/leaderboard.h"

namespace dclm::harness {

namespace {

int leaderboard_add(const std::vector<std::string>& argv) {
  Args args("leaderboard add",
            "Validate submission bundles (dclm submit) and add them to a board folder; a rejected bundle changes\n"
            "nothing and exits 1 with the reason. With --anchor, the arguments are DCLM's published eval JSONs\n"
            "(files or folders of *.json), added as read-only anchor rows.",
            {{"board", "board folder (created if absent)", ""}, {"anchor", "add published DCLM eval JSONs as anchors", "", true}},
            "BUNDLE_DIR... | --anchor FILE|DIR...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("board") || args.get("board").empty()) throw UsageError("--board DIR is required");
  if (args.positional().empty()) throw UsageError(args.flag("anchor") ? "no anchor files" : "no bundle folders");
  const std::string board = args.get("board");
  if (args.flag("anchor")) {
    int n = leaderboard::add_anchors(args.positional(), board);
    std::printf("added %d anchor(s) to %s\n", n, board.c_str());
    return 0;
  }
  for (const auto& b : args.positional()) {
    std::string id = leaderboard::add_bundle(b, board);
    std::printf("added %s as %s\n", b.c_str(), id.c_str());
  }
  return 0;
}

int leaderboard_render(const std::vector<std::string>& argv) {
  Args args("leaderboard render", "Write BOARD/leaderboard.md and BOARD/index.html (self-contained: inline CSS and SVG).",
            {{"board", "board folder", ""}});
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("board") || args.get("board").empty()) throw UsageError("--board DIR is required");
  const std::string board = args.get("board");
  size_t n = leaderboard::render_board(board);
  std::printf("%s/leaderboard.md\n%s/index.html\n(%zu rows)\n", board.c_str(), board.c_str(), n);
  return 0;
}

}  // namespace

int cmd_leaderboard(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "add") return leaderboard_add({argv.begin() + 1, argv.end()});
  if (!argv.empty() && argv[0] == "render") return leaderboard_render({argv.begin() + 1, argv.end()});
  Args args("leaderboard",
            "Render eval result JSONs (ours or DCLM's published ones) as a Markdown leaderboard with DCLM's\n"
            "columns: Model, Params, Tokens, CORE v1/v2, MMLU, EXTENDED v1/v2.\n\n"
            "Board folders:\n"
            "  dclm leaderboard add BUNDLE_DIR... --board DIR      validate submission bundles and add them\n"
            "  dclm leaderboard add --anchor FILE|DIR... --board DIR   add DCLM's published eval JSONs (read-only)\n"
            "  dclm leaderboard render --board DIR                 write DIR/leaderboard.md and DIR/index.html",
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
