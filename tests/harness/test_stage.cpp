#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "common/io.h"
#include "harness/stage.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::harness;
using dclm::testing::TempDir;

static StageSpec spec(const std::string& cfg, bool resumable = false) {
  return StageSpec{"s", {{"k", cfg}}, {{"in", "h1"}}, resumable};
}

TEST(RunFolder, RunsOnceThenSkipsUntilConfigOrInputsChange) {
  TempDir t;
  RunFolder run(t / "run");
  int calls = 0;
  auto body = [&](const std::string& work, Manifest& m) {
    ++calls;
    write_file_atomic(work + "/out.txt", "v" + std::to_string(calls));
    m.add_output(work, "out.txt");
  };
  EXPECT_EQ(run.run(spec("a"), body), StageOutcome::Ran);
  EXPECT_EQ(read_file(t / "run/s/out.txt"), "v1");
  EXPECT_EQ(run.run(spec("a"), body), StageOutcome::Skipped);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(run.stale_reason(spec("b")), "config changed");
  EXPECT_EQ(run.run(spec("b"), body), StageOutcome::Ran);
  StageSpec other = spec("b");
  other.inputs["in"] = "h2";
  EXPECT_EQ(run.stale_reason(other), "inputs changed");
  // A tampered output makes the stage stale.
  write_file_atomic(t / "run/s/out.txt", "tampered");
  EXPECT_NE(run.stale_reason(spec("b")).find("out.txt"), std::string::npos);
  EXPECT_EQ(run.run(spec("b"), body), StageOutcome::Ran);
  EXPECT_EQ(read_file(t / "run/s/out.txt"), "v3");
}

TEST(RunFolder, FailedStageLeavesNoStageFolderAndIsRedone) {
  TempDir t;
  RunFolder run(t / "run");
  auto failing = [&](const std::string& work, Manifest&) {
    write_file_atomic(work + "/partial.txt", "half");
    throw Error("boom");
  };
  try {
    run.run(spec("a"), failing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stage s"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(t / "run/s"));  // never half-written under the stage name
  bool saw_partial = true;
  run.run(spec("a"), [&](const std::string& work, Manifest& m) {
    saw_partial = std::filesystem::exists(work + "/partial.txt");  // non-resumable: wiped
    write_file_atomic(work + "/out.txt", "ok");
    m.add_output(work, "out.txt");
  });
  EXPECT_FALSE(saw_partial);
  EXPECT_EQ(read_file(t / "run/s/out.txt"), "ok");
}

TEST(RunFolder, ResumableStageGetsItsInterruptedWorkBack) {
  TempDir t;
  RunFolder run(t / "run");
  EXPECT_THROW(run.run(spec("a", true), [&](const std::string& work, Manifest&) {
    write_file_atomic(work + "/checkpoint.txt", "step 5");
    throw Error("killed");
  }), Error);
  std::string seen;
  run.run(spec("a", true), [&](const std::string& work, Manifest& m) {
    if (file_exists(work + "/checkpoint.txt")) seen = read_file(work + "/checkpoint.txt");
    write_file_atomic(work + "/out.txt", "done");
    m.add_output(work, "out.txt");
  });
  EXPECT_EQ(seen, "step 5");
  // With a different config, the interrupted work is not reused.
  EXPECT_THROW(run.run(spec("z", true), [&](const std::string& work, Manifest&) {
    write_file_atomic(work + "/checkpoint.txt", "step 9");
    throw Error("killed");
  }), Error);
  seen.clear();
  run.run(spec("y", true), [&](const std::string& work, Manifest& m) {
    if (file_exists(work + "/checkpoint.txt")) seen = read_file(work + "/checkpoint.txt");
    write_file_atomic(work + "/out.txt", "done");
    m.add_output(work, "out.txt");
  });
  EXPECT_EQ(seen, "");
}
