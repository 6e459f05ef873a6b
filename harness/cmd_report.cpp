// `dclm report RUN_DIR --out report.html`: one self-contained HTML page per run (leaderboard/report.h).
#include <cstdio>

#include "common/data.h"
#include "harness/cli.h"
#include "leaderboard/report.h"

namespace dclm::harness {

int cmd_report(const std::vector<std::string>& argv) {
  Args args("report",
            "Write one HTML page for a run folder: the curation funnel, the loss curve, training throughput and\n"
            "per-task scores against DCLM's published results for the same scale (none exist for CPU scales).",
            {{"out", "HTML file to write (default: RUN_DIR/report.html)", ""},
             {"anchors", "folder of DCLM's published eval JSONs (default: eval/dclm/results of the data mirror, if any)", ""}},
            "RUN_DIR");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.positional().size() != 1) throw UsageError("expected one run folder");
  leaderboard::ReportOptions o;
  o.run_dir = args.positional()[0];
  o.out_path = args.given("out") ? args.get("out") : o.run_dir + "/report.html";
  if (args.given("anchors")) o.anchors_dir = args.get("anchors");
  else if (auto d = find_data("eval/dclm/results")) o.anchors_dir = *d;
  leaderboard::write_report(o);
  std::printf("%s\n", o.out_path.c_str());
  return 0;
}

}  // namespace dclm::harness
