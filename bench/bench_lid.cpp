// fastText language identification alone (FastTextModel::predict with lid.176.ftz) on one core, never
// run by CTest.
//   bench_lid [--runs 5] [--warm 3] [--data DIR]
// Texts: every pool jsonl text with its newlines removed, as detect_lang_whole_page_enricher feeds them.
// Each run makes a fresh Scratch: a first pass over the texts (every token is new to the cache once:
// the single-pass hit rate, what a worker sees on text it has not met) and then --warm more passes with
// the filled cache (what bench_curation's chain mostly measures, as it repeats the pool). Thread CPU
// time; medians of --runs. The checksum of every prediction's label and probability bits lets two
// builds be compared.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/data.h"
#include "common/progress.h"
#include "curation/readers.h"
#include "curation/steps/fasttext_model.h"

using namespace dclm;
using namespace dclm::curation;

namespace {
double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  int runs = 5, warm = 3;
  std::string data = mirror_dir().value_or("../shared/data");
  if (const char* d = std::getenv("DCLM_DATA"); d && *d) data = d;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--runs") runs = std::max(1, std::atoi(val().c_str()));
    else if (a == "--warm") warm = std::max(0, std::atoi(val().c_str()));
    else if (a == "--data") data = val();
    else { std::fprintf(stderr, "usage: bench_lid [--runs N] [--warm N] [--data DIR]\n"); return 2; }
  }
  Progress::set_enabled(false);
  std::vector<std::string> jsonls;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data + "/pool/jsonl", ec)) jsonls.push_back(e.path().string());
  std::sort(jsonls.begin(), jsonls.end());
  std::vector<std::string> texts;
  double mb = 0;
  for (const auto& j : jsonls) {
    ReaderStats st;
    read_documents(j, ReaderOptions{}, [&](Document&& d) {
      std::string t;
      for (char c : d.text)
        if (c != '\n') t += c;
      mb += static_cast<double>(t.size()) / 1e6;
      texts.push_back(std::move(t));
    }, st);
  }
  if (texts.empty()) { std::fprintf(stderr, "no pool jsonl texts under %s\n", data.c_str()); return 1; }
  auto model = FastTextModel::load(data + "/models/lid.176.ftz");

  std::vector<double> first, later;
  uint64_t lookups = 0, hits = 0, checksum = 0;
  for (int r = 0; r < runs; ++r) {
    FastTextModel::Scratch scratch;
    const double t0 = thread_cpu_s();
    for (const auto& t : texts) {
      auto [label, p] = model->predict(t, &scratch);
      const float f = static_cast<float>(p);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      if (r == 0) checksum = (checksum * 1000003u + bits) * 31 + std::hash<std::string>{}(label);
    }
    const double t1 = thread_cpu_s();
    lookups = scratch.cache_lookups();
    hits = scratch.cache_hits();
    for (int w = 0; w < warm; ++w)
      for (const auto& t : texts) model->predict(t, &scratch);
    first.push_back(t1 - t0);
    if (warm > 0) later.push_back((thread_cpu_s() - t1) / warm);
  }
  std::printf("%zu texts, %.2f MB; single pass: %llu tokens, %.1f %% cache hits\n", texts.size(), mb,
              static_cast<unsigned long long>(lookups), 100.0 * static_cast<double>(hits) / static_cast<double>(lookups));
  std::printf("first pass (fresh cache): median of %d %.1f ms → %.1f MB/s\n", runs, median(first) * 1e3, mb / median(first));
  if (warm > 0)
    std::printf("later passes (filled cache): median %.1f ms → %.1f MB/s\n", median(later) * 1e3, mb / median(later));
  std::printf("checksum %016llx\n", static_cast<unsigned long long>(checksum));
}
