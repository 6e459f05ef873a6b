// Tokenizer throughput on real web text (never run by CTest).
//   bench_tokenizer [--tokenizer PATH] [--runs 5] [--threads N] [--check-ids FILE]
//                   [--sentencepiece | --sp-model PATH] [INPUT.jsonl[.gz] ...]
// Reads the "text" field of every line of the inputs (default: the pool/jsonl files under the shared
// data), then reports MB/s (input UTF-8 bytes) and tokens/s single-threaded and on N threads (default:
// all cores), median of --runs runs (after one warm-up run that fills the pre-token caches, reported
// separately as "cold"), and the peak RSS. --check-ids compares every document's ids with a JSON-lines
// file of id arrays (one per document, same order), e.g. written by bench/bench_tokenizer_hf.mjs.
// --sentencepiece then also trains a 4096-piece SentencePiece model (BPE, tokenizer::train_sentencepiece
// with its default options) on the same texts in a temporary folder, reports the training time, and
// measures it the same way; --sp-model PATH measures an existing .model instead of training one.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/data.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "tokenizer/tokenizer.h"

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long peak_rss_mb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;  // KiB on Linux
}

std::string default_data() { return dclm::mirror_dir().value_or("../shared/data"); }

}  // namespace

int main(int argc, char** argv) {
  using namespace dclm;
  std::string data = default_data();
  std::string tok_path = data + "/tokenizer/gpt-neox-20b-tokenizer.json";
  std::string check_ids, sp_model;
  bool sentencepiece = false;
  int runs = 5, threads = default_threads();
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "missing value for %s\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--tokenizer") tok_path = val();
    else if (a == "--runs") runs = std::max(1, std::atoi(val().c_str()));
    else if (a == "--threads") threads = std::max(1, std::atoi(val().c_str()));
    else if (a == "--check-ids") check_ids = val();
    else if (a == "--sentencepiece") sentencepiece = true;
    else if (a == "--sp-model") sp_model = val(), sentencepiece = true;
    else if (a == "-h" || a == "--help") {
      std::printf("usage: bench_tokenizer [--tokenizer PATH] [--runs N] [--threads N] [--check-ids FILE] [--sentencepiece | --sp-model PATH] [INPUT...]\n");
      return 0;
    } else inputs.push_back(a);
  }
  if (inputs.empty())
    for (const char* f : {"dclm_agreement_data.jsonl", "dclm_majority_data.jsonl", "dolma_cc_en_head-0091.jsonl.gz",
                          "dolma_cc_en_head-0174.jsonl.gz", "dolma_documents_000.json.gz"})
      inputs.push_back(data + "/pool/jsonl/" + f);

  try {
    std::vector<std::string> docs;
    size_t bytes = 0;
    for (const auto& in : inputs) {
      JsonlReader r(in);
      nlohmann::json j;
      while (r.next(j))
        if (j.contains("text") && j["text"].is_string()) {
          docs.push_back(j["text"].get<std::string>());
          bytes += docs.back().size();
        }
    }
    double t0 = now_s();
    auto tok = tokenizer::load_tokenizer(tok_path);
    double load_s = now_s() - t0;
    std::printf("tokenizer %s (%s), load %.3f s; %zu documents, %.2f MB, %zu input files\n", tok_path.c_str(),
                tok->kind().c_str(), load_s, docs.size(), bytes / 1e6, inputs.size());

    std::vector<std::vector<int32_t>> ids(docs.size());
    auto count_tokens = [&] {
      size_t n = 0;
      for (const auto& v : ids) n += v.size();
      return n;
    };
    // Single-threaded and on `threads` threads: median of `runs` runs after one cold (warm-up) run.
    auto measure = [&](const tokenizer::Tokenizer& t) {
      auto run = [&](int nthreads) {
        double s = now_s();
        parallel_for(docs.size(), nthreads, [&](size_t i) { ids[i] = t.encode(docs[i]); });
        return now_s() - s;
      };
      for (int nth : {1, threads}) {
        double cold = run(nth);
        std::vector<double> times;
        for (int r = 0; r < runs; ++r) times.push_back(run(nth));
        double m = median(times);
        size_t ntok = count_tokens();
        std::printf("threads=%-3d median of %d: %.3f s  %.2f MB/s  %.3f Mtok/s  (%.2f MB/s per thread; cold first run %.2f MB/s)\n",
                    nth, runs, m, bytes / 1e6 / m, ntok / 1e6 / m, bytes / 1e6 / m / nth, bytes / 1e6 / cold);
        if (nth == threads && threads == 1) break;
      }
      std::printf("tokens %zu (%.3f bytes/token); peak RSS %ld MB\n", count_tokens(),
                  double(bytes) / count_tokens(), peak_rss_mb());
    };
    measure(*tok);

    if (!check_ids.empty()) {
      LineReader lr(check_ids);
      std::string line;
      size_t i = 0, mismatched = 0;
      while (lr.next(line)) {
        if (line.empty()) continue;
        auto want = nlohmann::json::parse(line).get<std::vector<int32_t>>();
        if (i >= ids.size()) { std::printf("check-ids: more reference lines than documents\n"); return 1; }
        if (want != ids[i]) {
          if (mismatched < 5) {
            size_t k = 0;
            while (k < want.size() && k < ids[i].size() && want[k] == ids[i][k]) ++k;
            std::printf("check-ids: document %zu differs at token %zu (ours %zu tokens, reference %zu)\n", i, k,
                        ids[i].size(), want.size());
          }
          ++mismatched;
        }
        ++i;
      }
      std::printf("check-ids: %zu/%zu documents identical to %s\n", i - mismatched, i, check_ids.c_str());
      if (mismatched || i != ids.size()) return 1;
    }

    if (sentencepiece) {
      struct RemoveAtExit {
        std::string dir;
        ~RemoveAtExit() {
          std::error_code ec;
          if (!dir.empty()) std::filesystem::remove_all(dir, ec);
        }
      } tmp;
      if (sp_model.empty()) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "bench-tokenizer-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        tmp.dir = tmpl;
        sp_model = tmp.dir + "/sp4096.model";
        tokenizer::SentencePieceTrainOptions o;  // 4096 pieces, BPE, 2 trainer threads
        o.vocab_size = 4096;
        double s = now_s();
        tokenizer::train_sentencepiece(docs, sp_model, o);
        std::printf("trained SentencePiece %s, %lld pieces, on %zu documents (max %lld sentences, %d threads): %.1f s\n",
                    o.model_type.c_str(), static_cast<long long>(o.vocab_size), docs.size(),
                    static_cast<long long>(o.max_sentences), o.num_threads, now_s() - s);
      }
      double s = now_s();
      auto sp = tokenizer::load_tokenizer(sp_model);
      std::printf("\ntokenizer %s (%s, vocab %lld), load %.3f s\n", sp_model.c_str(), sp->kind().c_str(),
                  static_cast<long long>(sp->vocab_size()), now_s() - s);
      measure(*sp);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
