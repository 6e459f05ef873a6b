// `dclm train`: train DCLM's fixed OpenLM model at a scale on token shards.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <cstdlib>

#include "common/error.h"
#include "harness/cli.h"
#include "scales/scale.h"
#include "trainer/comm.h"
#include "trainer/train.h"

namespace dclm::harness {
namespace {

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 29500;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

// `dclm train --nproc N …`: runs N copies of this command (without --nproc) on this machine as ranks
// 0..N−1 with torchrun-style variables (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR =
// 127.0.0.1, MASTER_PORT = $MASTER_PORT or a free port). When one rank fails the others are terminated.
int launch_local(int nproc, const std::vector<std::string>& argv) {
  std::vector<std::string> child_args = {"dclm", "train"};
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--nproc") { ++i; continue; }
    if (argv[i].rfind("--nproc=", 0) == 0) continue;
    child_args.push_back(argv[i]);
  }
  const char* mp = std::getenv("MASTER_PORT");
  const std::string port = mp && *mp ? std::string(mp) : std::to_string(free_local_port());
  std::fflush(nullptr);
  std::vector<pid_t> pids;
  for (int r = 0; r < nproc; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("train --nproc: fork failed");
    if (pid == 0) {
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      std::vector<char*> cargv;
      for (auto& a : child_args) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv("/proc/self/exe", cargv.data());
      std::perror("dclm train --nproc: exec");
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  int rc = 0;
  for (size_t left = pids.size(); left > 0; --left) {
    int status = 0;
    pid_t done = -1;
    do done = ::waitpid(-1, &status, 0);
    while (done < 0 && errno == EINTR);
    if (done < 0) break;
    auto it = std::find(pids.begin(), pids.end(), done);
    if (it == pids.end()) { ++left; continue; }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    *it = -1;
    if (code != 0 && rc == 0) {
      rc = code;
      std::fprintf(stderr, "dclm train --nproc: rank %d exited with %d; stopping the others\n",
                   int(it - pids.begin()), code);
      for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGTERM);
    }
  }
  return rc;
}

}  // namespace

int cmd_train(const std::vector<std::string>& argv) {
  Args args("train",
            "Train the scale's model with its fixed hyper-parameters on token shards (dclm tokenize).\n"
            "Resumes from the latest good checkpoint in --out.",
            {{"scale", "scale name or YAML", "micro"},
             {"data", "token shard folder (required)", ""},
             {"out", "output folder (required)", ""},
             {"checkpoint-every", "steps between checkpoints (0 = final only)", "0"},
             {"threads", "torch threads per process", "all cores / local processes"},
             {"nproc", "data-parallel processes to start on this machine (sharded, Gloo on CPU)", "1"},
             {"no-resume", "start from scratch even when checkpoints exist", "", true}});
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("data") || !args.given("out")) throw UsageError("--data and --out are required");
  if (args.given("nproc")) {
    const int64_t n = args.get_int("nproc");
    if (n < 1 || n > 1024) throw UsageError("--nproc must be in [1, 1024]");
    if (n > 1) return launch_local(int(n), argv);
  }
  auto s = scales::get_scale(args.get("scale"));
  trainer::TrainOptions t;
  t.model = s.model;
  t.data_dir = args.get("data");
  t.out_dir = args.get("out");
  t.global_batch_size = s.train.global_batch_size;
  t.accum_freq = s.train.accum_freq;
  t.warmup = s.train.warmup;
  t.total_steps = s.train.total_steps;
  t.seed = s.train.seed;
  t.lr = s.train.lr;
  t.weight_decay = s.train.weight_decay;
  t.cooldown_lr = s.train.cooldown_lr;
  t.z_loss = s.train.z_loss;
  t.precision = s.train.precision;
  t.checkpoint_every = args.get_int("checkpoint-every");
  t.resume = !args.flag("no-resume");
  if (args.given("threads")) t.threads = static_cast<int>(args.get_int("threads"));
  auto r = trainer::train(t);
  if (trainer::comm_config_from_env().rank != 0) return 0;  // rank 0 reports
  std::printf("train: %lld steps, final loss %.4f, %.0f tokens/s → %s\n", (long long)r.steps, r.final_loss,
              r.tokens_per_second, r.model_path.c_str());
  return 0;
}

}  // namespace dclm::harness
