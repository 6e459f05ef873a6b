// `dclm status RUN`: each stage's state (done / interrupted / not run), wall time and counts.
#include <cstdio>

#include "common/error.h"
#include "common/io.h"
#include "common/manifest.h"
#include "common/progress.h"
#include "harness/cli.h"
#include "harness/pipeline.h"

namespace dclm::harness {

int cmd_status(const std::vector<std::string>& argv) {
  Args args("status", "Show the state of each stage of a run folder (as written by dclm run).", {}, "RUN_DIR");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.positional().size() != 1) throw UsageError("expected one run folder");
  const std::string root = args.positional()[0];
  if (!file_exists(root)) throw Error("no such run folder", {root});
  std::printf("%-12s %-12s %10s  %s\n", "stage", "state", "wall", "counts");
  for (const auto& s : kStages) {
    std::string dir = root + "/" + s;
    std::string state = "not run", wall = "", counts = "";
    if (Manifest::is_complete(dir)) {
      Manifest m = Manifest::read(dir);
      std::string bad = m.verify(dir);
      state = bad.empty() ? "done" : "damaged";
      wall = format_duration(m.wall_seconds);
      counts = bad.empty() ? m.counts.dump() : bad;
    } else if (file_exists(root + "/.tmp-" + s)) {
      state = "interrupted";
    }
    std::printf("%-12s %-12s %10s  %s\n", s.c_str(), state.c_str(), wall.c_str(), counts.c_str());
  }
  return 0;
}

}  // namespace dclm::harness
