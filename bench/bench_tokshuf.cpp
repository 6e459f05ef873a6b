// Tokenize–shuffle throughput (never run by CTest).
//   bench_tokshuf [--tokenizer PATH] [--mb 20] [--files 8] [--runs 3] [--threads 1,2] [--work DIR]
//                 [--seq-len 2049] [--chunk-size 8192] [--num-cells 128] [INPUT.jsonl[.gz] ...]
// Takes the "text" field of every line of the inputs (default: the pool/jsonl files under the shared
// data), repeats them round-robin into --files jsonl files until they hold >= --mb MB of text, then runs
// run_tokshuf (GPT-NeoX tokenizer) on 1 and 2 threads: each run in a forked child, median wall time of
// --runs, reported as tokens/s and MB/s of input text, with the child's CPU time (user + sys, median) and
// peak RSS (max over runs).
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/data.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/progress.h"
#include "curation/tokshuf.h"
#include "tokenizer/tokenizer.h"

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct RunOut {
  double seconds = 0;
  long long tokens = 0, sequences = 0, shards = 0;
  long peak_rss_kb = 0;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace dclm;
  std::string data = mirror_dir().value_or("../shared/data");
  std::string tok_path = data + "/tokenizer/gpt-neox-20b-tokenizer.json";
  std::string work = (std::filesystem::temp_directory_path() / "dclm-bench-tokshuf").string();
  double mb = 20;
  int files = 8, runs = 3;
  std::vector<int> thread_counts = {1, 2};
  curation::TokshufOptions base;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "missing value for %s\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--tokenizer") tok_path = val();
    else if (a == "--mb") mb = std::atof(val().c_str());
    else if (a == "--files") files = std::max(1, std::atoi(val().c_str()));
    else if (a == "--runs") runs = std::max(1, std::atoi(val().c_str()));
    else if (a == "--work") work = val();
    else if (a == "--seq-len") base.seq_len = std::atoll(val().c_str());
    else if (a == "--chunk-size") base.chunk_size = std::atoll(val().c_str());
    else if (a == "--num-cells") base.num_cells = std::atoll(val().c_str());
    else if (a == "--threads") {
      thread_counts.clear();
      std::stringstream ss(val());
      for (std::string t; std::getline(ss, t, ',');) thread_counts.push_back(std::max(1, std::atoi(t.c_str())));
    } else if (a == "-h" || a == "--help") {
      std::puts("bench_tokshuf [--tokenizer PATH] [--mb 20] [--files 8] [--runs 3] [--threads 1,2] [--work DIR] "
                "[--seq-len N] [--chunk-size N] [--num-cells N] [INPUT...]");
      return 0;
    } else inputs.push_back(a);
  }
  if (inputs.empty())
    for (const char* f : {"dclm_agreement_data.jsonl", "dclm_majority_data.jsonl", "dolma_cc_en_head-0091.jsonl.gz",
                          "dolma_cc_en_head-0174.jsonl.gz", "dolma_documents_000.json.gz"})
      if (file_exists(data + "/pool/jsonl/" + f)) inputs.push_back(data + "/pool/jsonl/" + f);
  Progress::set_enabled(false);
  try {
    auto tok = tokenizer::load_tokenizer(tok_path);
    // Build the inputs.
    std::filesystem::remove_all(work);
    make_dirs(work + "/in");
    std::vector<std::string> texts;
    for (const auto& in : inputs) {
      JsonlReader r(in);
      json j;
      while (r.next(j))
        if (j.contains("text") && j["text"].is_string()) texts.push_back(j["text"].get<std::string>());
    }
    if (texts.empty()) { std::fprintf(stderr, "no texts found\n"); return 1; }
    const double target = mb * 1e6;
    double text_bytes = 0;
    long long docs = 0;
    {
      std::vector<std::unique_ptr<AtomicWriter>> w;
      for (int f = 0; f < files; ++f) {
        char b[64];
        std::snprintf(b, sizeof b, "/in/part_%03d.jsonl", f);
        base.inputs.push_back(work + b);
        w.push_back(std::make_unique<AtomicWriter>(base.inputs.back()));
      }
      for (size_t i = 0; text_bytes < target; ++i, ++docs) {
        const std::string& t = texts[i % texts.size()];
        w[i % files]->write_line(json({{"text", t}}).dump());
        text_bytes += static_cast<double>(t.size());
      }
      for (auto& x : w) x->commit();
    }
    const size_t distinct = texts.size();
    std::vector<std::string>().swap(texts);
    malloc_trim(0);
    std::printf("bench_tokshuf: %lld docs (%zu distinct texts from %zu files), %.1f MB of text in %d files; tokenizer %s;"
                " seq_len %lld, chunk %lld, cells %lld; %d runs each (median), each run in a fresh child process\n",
                docs, distinct, inputs.size(), text_bytes / 1e6, files, tok->kind().c_str(),
                static_cast<long long>(base.seq_len), static_cast<long long>(base.chunk_size),
                static_cast<long long>(base.num_cells), runs);
    std::fflush(stdout);

    for (int threads : thread_counts) {
      std::vector<double> secs;
      RunOut last;
      long peak = 0;
      std::vector<double> cpu;
      for (int run = 0; run < runs; ++run) {
        int fd[2];
        if (pipe(fd) != 0) { std::perror("pipe"); return 1; }
        pid_t pid = fork();
        if (pid == 0) {
          close(fd[0]);
          RunOut o;
          try {
            curation::TokshufOptions opt = base;
            opt.threads = threads;
            opt.out_dir = work + "/out";
            std::filesystem::remove_all(opt.out_dir);
            double t0 = now_s();
            auto r = curation::run_tokshuf(opt, *tok);
            o.seconds = now_s() - t0;
            o.tokens = r.tokens;
            o.sequences = r.sequences;
            o.shards = static_cast<long long>(r.shards.size());
          } catch (const std::exception& e) {
            std::fprintf(stderr, "run failed: %s\n", e.what());
            _exit(1);
          }
          if (write(fd[1], &o, sizeof o) != static_cast<ssize_t>(sizeof o)) _exit(1);
          _exit(0);
        }
        close(fd[1]);
        RunOut o;
        bool ok = read(fd[0], &o, sizeof o) == static_cast<ssize_t>(sizeof o);
        close(fd[0]);
        int status = 0;
        struct rusage ru {};
        wait4(pid, &status, 0, &ru);
        if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) { std::fprintf(stderr, "child failed\n"); return 1; }
        secs.push_back(o.seconds);
        peak = std::max(peak, ru.ru_maxrss);
        cpu.push_back(ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6);
        last = o;
      }
      std::vector<double> sorted = secs;
      std::sort(sorted.begin(), sorted.end());
      double med = sorted[sorted.size() / 2];
      std::printf("threads %d: median %.2f s (runs:", threads, med);
      for (double s : secs) std::printf(" %.2f", s);
      std::sort(cpu.begin(), cpu.end());
      std::printf(", median CPU %.2f s)  %.3g tokens/s  %.2f MB/s  tokens %lld  sequences %lld  shards %lld  peak RSS %ld MB\n",
                  cpu[cpu.size() / 2], static_cast<double>(last.tokens) / med, text_bytes / 1e6 / med, last.tokens, last.sequences,
                  last.shards, peak / 1024);
      std::fflush(stdout);
    }
    std::filesystem::remove_all(work);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokshuf: %s\n", e.what());
    return 1;
  }
  return 0;
}
