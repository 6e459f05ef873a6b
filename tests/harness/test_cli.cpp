// Runs the real `dclm` binary: usage errors exit 2, failures exit 1 with one line naming what failed.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

#include "test_util.h"

struct Result { int code; std::string out; };

static Result run(const std::string& args) {
  std::string cmd = dclm::testing::dclm_binary() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* c : {"run", "curate", "tokenize", "tokenizer", "train", "eval", "leaderboard", "scales", "fetch", "status"}) {
    Result r = run(std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.out;
    EXPECT_NE(r.out.find("usage: dclm " + std::string(c)), std::string::npos) << r.out;
  }
}

TEST(Cli, UnknownCommandOrFlagExitsTwoWithUsage) {
  Result r = run("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_NE(r.out.find("commands:"), std::string::npos);
  r = run("scales --bogus");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown flag --bogus"), std::string::npos);
  r = run("curate --out /tmp/x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("no input files"), std::string::npos);
}

TEST(Cli, FailureExitsOneWithOneLineNamingTheFile) {
  dclm::testing::TempDir t;
  Result r = run("tokenize --tokenizer " + t / "missing.model" + " --out " + t / "o" + " x.jsonl");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("missing.model"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(Cli, ScalesShowsDclmParameterCounts) {
  Result r = run("scales");
  EXPECT_EQ(r.code, 0);
  for (const char* n : {"411,616,256", "1,439,795,200", "2,795,932,160", "6,889,410,560"})
    EXPECT_NE(r.out.find(n), std::string::npos) << n;
}
