// Curation throughput on one core (never run by CTest).
//   bench_curation [--recipe dclm_baseline_refinedweb] [--runs 5] [--mb 20] [--extract-docs 2000]
// Data: the real pool samples under the shared data folder (pool/warc/*.warc[.gz], pool/jsonl/*).
//   extraction: the HTML bodies of every WARC response (UTF-8, DCLM's rule), repeated round-robin to
//     --extract-docs pages, through extract_plain_text → pages/s and HTML MB/s;
//   chain, on unseen documents (the headline figure): the extracted texts plus every jsonl text, once,
//     through a fresh chain of the recipe's steps (as one worker runs it) that first ran over a perturbed
//     copy of the pool, so that its lazily built state (RE2 DFAs, the LID token cache) is in steady state
//     but the timed documents are new to it → per step docs/s and MB/s of the text that reached the step
//     (a timer around each step), and the whole chain's MB/s over the input text (another such pass with
//     one clock around the loop: per-step timers would add their own cost);
//   chain, repeated pool: the pool repeated to >= --mb MB through one chain (later copies find all their
//     tokens in the LID cache: optimistic, for comparison).
// Everything runs on the calling thread; each figure is the median of --runs; peak RSS from getrusage.
//   --cpu-steps: per-step times by thread CPU time instead of wall time (steadier on a shared machine).
//   --dump FILE: also writes every extracted text and, for every embedded recipe, every document's verdict
//     and output record (the pool's documents plus perturbed copies: Unicode whitespace, CRLF, invalid
//     UTF-8, repeated lines, upper case), so that two builds can be compared byte for byte.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fstream>

#include "common/data.h"
#include "common/io.h"
#include "common/progress.h"
#include "curation/extract.h"
#include "curation/readers.h"
#include "curation/recipe.h"
#include "curation/recipes.h"
#include "curation/warc.h"

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}
// CPU time of the calling thread: on a shared, oversubscribed machine it is a steadier figure than wall
// time (the benchmark is single-threaded), so both are printed.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// A deterministic perturbation of t (variant v): exercises the Unicode, whitespace and invalid-UTF-8 paths.
std::string perturb(const std::string& t, int v) {
  static const char* kWs[] = {"\xC2\xA0", "\xE2\x80\x83", "\xE3\x80\x80", "\x0b", "\x0c", "\r", "\t", "\xC2\x85",
                              "\xE2\x80\xA8", "\x1c", "\xE1\x9A\x80", "\xE2\x81\x9F"};
  uint64_t state = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(v + 1) + t.size();
  auto rnd = [&]() { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  std::string out;
  out.reserve(t.size() + t.size() / 8);
  size_t line_start = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    uint64_t r = rnd() % 1000;
    if (v % 4 == 0 && c == ' ' && r < 40) { out += kWs[rnd() % 12]; continue; }
    if (v % 4 == 1 && c == '\n' && r < 300) { out += "\r\n"; continue; }
    if (v % 4 == 1 && c == '\n' && r < 400) {  // repeat the previous line
      out += t.substr(line_start, i - line_start + 1);
    }
    if (v % 4 == 2 && r < 3) { out += static_cast<char>(0x80 + rnd() % 0x7F); continue; }
    if (v % 4 == 2 && r < 5) { out += "\xE2\x80"; continue; }  // truncated sequence
    if (v % 4 == 3 && c >= 'a' && c <= 'z' && r < 250) c = static_cast<char>(c - 32);
    if (v % 4 == 3 && c == '\n' && r < 100) out += "\n\n\n";
    if (c == '\n') line_start = i + 1;
    out += c;
  }
  return out;
}

int write_dump(const std::string& path, const std::vector<std::string>& extracted,
               const std::vector<dclm::curation::Document>& base) {
  using namespace dclm::curation;
  std::ofstream out(path, std::ios::binary);
  for (size_t i = 0; i < extracted.size(); ++i) out << "extract " << i << " " << nlohmann::json(extracted[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  std::vector<Document> docs = base;
  for (int v = 0; v < 4; ++v)
    for (const auto& d : base) {
      Document p = d;
      p.text = perturb(d.text, v);
      docs.push_back(std::move(p));
    }
  for (const auto& e : embedded_recipes()) {
    Recipe recipe;
    try {
      recipe = load_recipe(e.name);
    } catch (const std::exception& ex) {
      out << "recipe " << e.name << " unavailable: " << ex.what() << "\n";
      continue;
    }
    auto steps = build_steps(recipe);
    for (size_t i = 0; i < docs.size(); ++i) {
      Document d = docs[i];
      std::string reason;
      size_t s = 0;
      for (; s < steps.size(); ++s) {
        Verdict v = steps[s]->apply(d);
        if (!v.keep) { reason = v.reason; break; }
      }
      out << e.name << " " << i << " ";
      if (s < steps.size()) out << "drop " << s << " " << reason << "\n";
      else out << "keep " << d.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dclm;
  using namespace dclm::curation;
  std::string data = mirror_dir().value_or("../shared/data");
  if (const char* d = std::getenv("DCLM_DATA"); d && *d) data = d;
  std::string recipe_name = "dclm_baseline_refinedweb";
  int runs = 5;
  double mb = 20;
  size_t extract_docs = 2000;
  std::string dump;
  bool cpu_steps = false;  // --cpu-steps: time every step by thread CPU time (for A/B runs on a busy machine)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--recipe") recipe_name = val();
    else if (a == "--runs") runs = std::max(1, std::atoi(val().c_str()));
    else if (a == "--mb") mb = std::atof(val().c_str());
    else if (a == "--extract-docs") extract_docs = static_cast<size_t>(std::atol(val().c_str()));
    else if (a == "--data") data = val();
    else if (a == "--dump") dump = val();
    else if (a == "--cpu-steps") cpu_steps = true;
    else { std::fprintf(stderr, "usage: bench_curation [--recipe R] [--runs N] [--mb MB] [--extract-docs N] [--data DIR]\n"); return 2; }
  }
  Progress::set_enabled(false);
  ::setenv("DCLM_DATA", data.c_str(), 1);

  // HTML bodies of the pool WARCs.
  std::vector<std::string> html;
  std::vector<std::string> warcs, jsonls;
  for (const char* sub : {"pool/warc", "pool/wet", "pool/jsonl"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(data + "/" + sub, ec))
      (std::string(sub) == "pool/jsonl" ? jsonls : warcs).push_back(e.path().string());
  }
  std::sort(warcs.begin(), warcs.end());
  std::sort(jsonls.begin(), jsonls.end());
  if (warcs.empty()) { std::fprintf(stderr, "no pool WARCs under %s\n", data.c_str()); return 1; }
  for (const auto& w : warcs) {
    try {
      WarcReader r(w);
      WarcRecord rec;
      while (r.next(rec)) {
        if (rec.type() != "response") continue;
        HttpResponse http;
        std::string reason;
        bool fb = false;
        if (!parse_http_response(rec.block, http, reason, fb)) continue;
        auto body = decode_html_body(http.body, http.header("Content-Type"), CharsetMode::Utf8Only);
        if (body && !body->empty()) html.push_back(std::move(*body));
      }
    } catch (const std::exception&) {
    }
  }
  double html_mb = 0;
  for (const auto& h : html) html_mb += static_cast<double>(h.size()) / 1e6;
  std::printf("pool: %zu WARC/WET files, %zu HTML pages (%.2f MB), %zu jsonl files\n", warcs.size(), html.size(), html_mb,
              jsonls.size());

  // 1. Extraction.
  std::vector<std::string> extracted;
  {
    ExtractOptions eo;
    std::vector<double> secs, cpu_secs;
    double bytes = 0;
    for (int r = 0; r < runs; ++r) {
      extracted.clear();
      bytes = 0;
      double t0 = now_s(), c0 = thread_cpu_s();
      for (size_t i = 0; i < extract_docs; ++i) {
        const std::string& h = html[i % html.size()];
        bytes += static_cast<double>(h.size());
        std::string t = extract_plain_text(h, eo);
        if (i < html.size()) extracted.push_back(std::move(t));
      }
      secs.push_back(now_s() - t0);
      cpu_secs.push_back(thread_cpu_s() - c0);
    }
    double s = median(secs), cs = median(cpu_secs);
    std::printf("extraction: %zu pages, median of %d: %.3f s → %.0f pages/s, %.1f MB/s of HTML (one core)\n", extract_docs,
                runs, s, static_cast<double>(extract_docs) / s, bytes / 1e6 / s);
    std::printf("extraction, thread CPU time: %.3f s → %.0f pages/s, %.1f MB/s of HTML\n", cs,
                static_cast<double>(extract_docs) / cs, bytes / 1e6 / cs);
  }

  // 2. The chain after extraction.
  std::vector<Document> base;
  for (auto& t : extracted) {
    Document d;
    d.text = t;
    d.url = "http://bench.example/";
    d.has_url = true;
    d.record["metadata"] = {{"WARC-Target-URI", "http://bench.example/"}};
    base.push_back(std::move(d));
  }
  for (const auto& j : jsonls) {
    ReaderStats st;
    try {
      read_documents(j, ReaderOptions{}, [&](Document&& d) {
        // jsonl samples without a URL get one, so that move_url_modifier does not drop them
        if (!d.has_url && !(d.record.contains("metadata") && d.record["metadata"].is_object() &&
                            d.record["metadata"].contains("WARC-Target-URI")))
          d.record["metadata"]["WARC-Target-URI"] = "http://bench.example/" + std::to_string(base.size());
        base.push_back(std::move(d));
      }, st);
    } catch (const std::exception&) {
    }
  }
  double base_mb = 0;
  for (const auto& d : base) base_mb += static_cast<double>(d.text.size()) / 1e6;
  if (base.empty() || base_mb <= 0) { std::fprintf(stderr, "no documents\n"); return 1; }
  if (!dump.empty()) return write_dump(dump, extracted, base);
  const Recipe recipe = load_recipe(recipe_name);
  std::vector<std::string> names;
  for (const auto& s : build_steps(recipe)) names.push_back(s->name());
  const size_t ns = names.size();
  // Unseen documents: a worker that has run long enough for its lazily built state (RE2's DFA caches, the
  // LID token cache) to be in steady state, timed on documents it has not seen. Each run builds a fresh
  // chain, warms it on a perturbed copy of the pool (a quarter of the lower-case letters upper-cased, extra
  // blank lines: most long tokens differ from the pool's, frequent short ones do not), then times one pass
  // over the pool: once with a timer around every step (the table), once with one clock around the loop
  // (the whole-chain figure; reading the thread CPU clock is a system call of about 1 µs, 50 per document).
  std::vector<Document> warm_docs;
  for (const auto& d : base) {
    Document p = d;
    p.text = perturb(d.text, 3);
    warm_docs.push_back(std::move(p));
  }
  auto warmed_chain = [&]() {
    auto steps = build_steps(recipe);
    for (Document d : warm_docs)
      for (auto& st : steps)
        if (!st->apply(d).keep) break;
    return steps;
  };
  // Times docs through steps with one clock around the loop: {wall s, thread CPU s}.
  auto time_chain = [&](std::vector<std::unique_ptr<Step>>& steps, std::vector<Document>& docs) {
    const double t0 = now_s(), c0 = thread_cpu_s();
    for (Document& d : docs)
      for (auto& st : steps)
        if (!st->apply(d).keep) break;
    return std::make_pair(now_s() - t0, thread_cpu_s() - c0);
  };
  // Repeated pool: the pool repeated to --mb MB through one chain (the LID cache holds every token of the
  // later copies: an optimistic figure, kept for comparison with earlier measurements).
  const size_t n_rep = static_cast<size_t>(static_cast<double>(base.size()) * std::max(1.0, mb / base_mb)) + 1;
  std::vector<std::vector<double>> step_secs(ns);
  std::vector<double> step_bytes(ns), step_docs(ns), unseen_secs, unseen_cpu, rep_secs, rep_cpu;
  double total_bytes = 0, rep_bytes = 0;
  size_t kept = 0;
  long rss_mb = 0;
  for (int r = 0; r < runs; ++r) {
    auto steps = warmed_chain();
    std::vector<double> t_step(ns, 0.0);
    std::fill(step_bytes.begin(), step_bytes.end(), 0.0);
    std::fill(step_docs.begin(), step_docs.end(), 0.0);
    total_bytes = 0;
    kept = 0;
    for (const Document& doc : base) {
      Document d = doc;
      total_bytes += static_cast<double>(d.text.size());
      bool keep = true;
      for (size_t s = 0; s < ns && keep; ++s) {
        step_bytes[s] += static_cast<double>(d.text.size());
        step_docs[s] += 1;
        double t0 = cpu_steps ? thread_cpu_s() : now_s();
        keep = steps[s]->apply(d).keep;
        t_step[s] += (cpu_steps ? thread_cpu_s() : now_s()) - t0;
      }
      kept += keep;
    }
    for (size_t s = 0; s < ns; ++s) step_secs[s].push_back(t_step[s]);
    if (r == 0) rss_mb = peak_rss_mb();  // before the copies below, which only the benchmark holds
    auto chain = warmed_chain();
    std::vector<Document> docs(base);
    const auto [w, c] = time_chain(chain, docs);
    unseen_secs.push_back(w);
    unseen_cpu.push_back(c);
    auto rep_chain = build_steps(recipe);
    std::vector<Document> rep;
    rep.reserve(n_rep);
    rep_bytes = 0;
    for (size_t i = 0; i < n_rep; ++i) {
      rep.push_back(base[i % base.size()]);
      rep_bytes += static_cast<double>(rep.back().text.size());
    }
    const auto [rw, rc] = time_chain(rep_chain, rep);
    rep_secs.push_back(rw);
    rep_cpu.push_back(rc);
  }
  std::printf("\nchain %s on unseen documents: the pool's %zu docs (%.2f MB of text), %zu kept, after a warm-up on a "
              "perturbed copy; median of %d runs, one core\n",
              recipe_name.c_str(), base.size(), total_bytes / 1e6, kept, runs);
  std::printf("%-34s %10s %12s %10s %9s\n", "step", "docs", "docs/s", "MB/s", "time%");
  // Step shares are of the timed pass's own total, so that they add up to 100 %.
  double timed_total = 0;
  for (size_t s = 0; s < ns; ++s) timed_total += median(step_secs[s]);
  for (size_t s = 0; s < ns; ++s) {
    double t = median(step_secs[s]);
    std::printf("%-34s %10.0f %12.0f %10.1f %8.1f%%\n", names[s].c_str(), step_docs[s], step_docs[s] / std::max(t, 1e-9),
                step_bytes[s] / 1e6 / std::max(t, 1e-9), 100.0 * t / std::max(timed_total, 1e-9));
  }
  const double n_base = static_cast<double>(base.size());
  std::printf("%-34s %10zu %12.0f %10.1f\n", "whole chain (after extraction)", base.size(), n_base / median(unseen_secs),
              total_bytes / 1e6 / median(unseen_secs));
  std::printf("%-34s %10zu %12.0f %10.1f\n", "whole chain, thread CPU time", base.size(), n_base / median(unseen_cpu),
              total_bytes / 1e6 / median(unseen_cpu));
  std::printf("%-34s %10zu %12.0f %10.1f   (pool repeated to %.1f MB through one chain: warm caches)\n",
              "whole chain, repeated pool", n_rep, static_cast<double>(n_rep) / median(rep_cpu),
              rep_bytes / 1e6 / median(rep_cpu), rep_bytes / 1e6);
  std::printf("\npeak RSS: %ld MB (streaming the documents through the chain, before the benchmark's own copies)\n",
              rss_mb);
  return 0;
}
