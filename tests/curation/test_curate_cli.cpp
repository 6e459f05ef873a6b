// `dclm curate` through the real binary: --shard I/N + --merge equal one run; --merge names missing shards
// (exit 1) and bad --shard values are usage errors (exit 2); a curate process SIGKILLed midway resumes on
// rerun without redoing finished inputs and ends byte-identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_util.h"

using dclm::testing::TempDir;
namespace fs = std::filesystem;

extern char** environ;

namespace {
void write(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
struct CmdResult {
  int code;
  std::string out;
};
CmdResult run(const std::string& args) {
  std::string cmd = dclm::testing::dclm_binary() + " " + args + " 2>&1";
  CmdResult r{0, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
const char* kRecipe = R"(steps:
  - func: move_url_modifier
  - func: stop_word_filter
    min_stop_word: 2
)";
// n jsonl inputs of 40 documents each (every third removed by the recipe).
std::string make_inputs(const TempDir& tmp, int n) {
  std::string args;
  for (int i = 0; i < n; ++i) {
    std::string data;
    for (int j = 0; j < 40; ++j) {
      std::string text = j % 3 == 0 ? "nothing here " + std::to_string(j) : "the file " + std::to_string(i) + " and the doc " + std::to_string(j);
      data += nlohmann::json({{"text", text}, {"url", "http://x/" + std::to_string(i)}}).dump() + "\n";
    }
    const std::string p = tmp / ("in" + std::to_string(i) + ".jsonl");
    write(p, data);
    args += " " + p;
  }
  return args;
}
std::map<std::string, std::string> outputs(const std::string& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    // manifest.json (wall seconds) and the shard file (wall seconds) carry timings.
    if (e.is_regular_file() && rel != "manifest.json" && rel.rfind("stats/shard-", 0) != 0) m[rel] = slurp(e.path());
  }
  return m;
}
}  // namespace

TEST(CurateCli, ShardMergeAndErrors) {
  TempDir tmp;
  const std::string inputs = make_inputs(tmp, 5);
  write(tmp / "r.yaml", kRecipe);
  const std::string recipe = " --recipe " + tmp / "r.yaml";
  CmdResult one = run("curate --threads 1" + recipe + " --out " + tmp / "one" + inputs);
  ASSERT_EQ(one.code, 0) << one.out;
  for (int i : {2, 0}) {
    CmdResult s = run("curate --shard " + std::to_string(i) + "/3" + recipe + " --out " + tmp / "sh" + inputs);
    ASSERT_EQ(s.code, 0) << s.out;
  }
  CmdResult miss = run("curate --merge --out " + tmp / "sh");
  EXPECT_EQ(miss.code, 1) << miss.out;
  EXPECT_NE(miss.out.find("1 of 3 shard(s) not complete: 1"), std::string::npos) << miss.out;
  CmdResult s1 = run("curate --shard 1/3" + recipe + " --out " + tmp / "sh" + inputs);
  ASSERT_EQ(s1.code, 0) << s1.out;
  EXPECT_NE(s1.out.find("curate --shard 1/3: 80 → 52 documents, 2 file(s)"), std::string::npos) << s1.out;
  CmdResult merge = run("curate --merge --out " + tmp / "sh");
  ASSERT_EQ(merge.code, 0) << merge.out;
  EXPECT_NE(merge.out.find("stop_word_filter"), std::string::npos) << merge.out;
  EXPECT_NE(merge.out.find("200 → 130 documents, 5 file(s)"), std::string::npos) << merge.out;
  EXPECT_EQ(outputs(tmp / "sh"), outputs(tmp / "one"));

  EXPECT_EQ(run("curate --shard 3/3 --out " + tmp / "x" + inputs).code, 2);
  EXPECT_EQ(run("curate --shard 1-3 --out " + tmp / "x" + inputs).code, 2);
  EXPECT_EQ(run("curate --merge --out " + tmp / "sh" + inputs).code, 2);
  CmdResult missing = run("curate" + recipe + " --out " + tmp / "x " + tmp / "no_such.jsonl");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("no_such.jsonl"), std::string::npos) << missing.out;
}

TEST(CurateCli, SigkillMidwayThenResumeIsByteIdentical) {
  TempDir tmp;
  const std::string inputs = make_inputs(tmp, 6);
  write(tmp / "r.yaml", kRecipe);
  CmdResult ref = run("curate --threads 1 --recipe " + tmp / "r.yaml" + " --out " + tmp / "ref" + inputs);
  ASSERT_EQ(ref.code, 0) << ref.out;

  // The child pauses inside input 3 (after 3 inputs are done) until it is killed.
  const std::string out = tmp / "killed";
  std::vector<std::string> args = {dclm::testing::dclm_binary(), "curate", "--threads", "1", "--recipe", tmp / "r.yaml",
                                   "--out", out};
  for (int i = 0; i < 6; ++i) args.push_back(tmp / ("in" + std::to_string(i) + ".jsonl"));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = {"DCLM_CURATE_PAUSE_AFTER_FILES=3"};
  for (char** e = environ; *e; ++e) env_s.push_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  // Wait until input 3 is being written (its temp file exists), i.e. the child sits in the pause.
  bool paused = false;
  for (int i = 0; i < 600 && !paused; ++i) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out, ec))
      if (e.path().filename().string().rfind("documents_00003.jsonl.zst.tmp.", 0) == 0) paused = true;
    if (!paused) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(paused) << "the child never reached input 3";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(fs::exists(out + "/stats/file-00002.json"));
  EXPECT_FALSE(fs::exists(out + "/stats/file-00003.json"));
  EXPECT_FALSE(fs::exists(out + "/documents_00003.jsonl.zst"));
  EXPECT_FALSE(fs::exists(out + "/stats.json"));
  struct stat before {};
  ASSERT_EQ(::stat((out + "/documents_00000.jsonl.zst").c_str(), &before), 0);

  CmdResult resumed = run("curate --threads 1 --recipe " + tmp / "r.yaml" + " --out " + out + inputs);
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("6 file(s) (3 resumed)"), std::string::npos) << resumed.out;
  struct stat after {};
  ASSERT_EQ(::stat((out + "/documents_00000.jsonl.zst").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // finished inputs were not redone
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  auto a = outputs(out), b = outputs(tmp / "ref");
  EXPECT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : b) EXPECT_EQ(a[name], bytes) << name;  // no temp files, same bytes
  EXPECT_EQ(a, b);
}
