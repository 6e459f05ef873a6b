#include "curation/dedup/minhash.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <xxhash.h>

#include <chrono>
#include <numeric>
#include <random>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "common/text.h"
#include "curation/dedup/bff.h"

namespace dclm::dedup {

std::string simplify_text(const std::string& t) {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(st);
  if (U_FAILURE(st)) throw Error(std::string("ICU NFD: ") + u_errorName(st));
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(t);
  u.toLower(icu::Locale::getRoot());
  icu::UnicodeString n = nfd->normalize(u, st);
  if (U_FAILURE(st)) throw Error(std::string("ICU NFD: ") + u_errorName(st));
  std::string out;
  bool space = true;  // strip leading
  for (int32_t i = 0; i < n.length();) {
    UChar32 c = n.char32At(i);
    i += U16_LENGTH(c);
    int8_t cat = u_charType(c);
    if (cat == U_NON_SPACING_MARK) continue;  // diacritics
    bool punct = cat == U_DASH_PUNCTUATION || cat == U_START_PUNCTUATION || cat == U_END_PUNCTUATION ||
                 cat == U_CONNECTOR_PUNCTUATION || cat == U_OTHER_PUNCTUATION || cat == U_INITIAL_PUNCTUATION ||
                 cat == U_FINAL_PUNCTUATION;
    if (punct || u_isUWhiteSpace(c) || text::py_isspace(static_cast<char32_t>(c))) {
      if (!space) out.push_back(' ');
      space = true;
      continue;
    }
    if (u_isdigit(c)) c = '0';
    text::append_utf8(out, static_cast<char32_t>(c));
    space = false;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {
constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;
inline uint64_t mod61(unsigned __int128 x) {
  uint64_t lo = static_cast<uint64_t>(x & kPrime), hi = static_cast<uint64_t>(x >> 61);
  uint64_t r = lo + hi;  // < 2^62 for x < 2^122
  r = (r & kPrime) + (r >> 61);
  return r >= kPrime ? r - kPrime : r;
}
struct Perms {
  std::vector<uint64_t> a, b;
};
Perms make_perms(const MinhashParams& p) {
  Perms pm;
  std::mt19937_64 rng(p.seed);
  size_t n = static_cast<size_t>(p.bands) * static_cast<size_t>(p.rows);
  for (size_t i = 0; i < n; ++i) {
    pm.a.push_back(1 + rng() % (kPrime - 1));
    pm.b.push_back(rng() % kPrime);
  }
  return pm;
}
}  // namespace

std::vector<uint64_t> minhash_signature(const std::string& t, const MinhashParams& p) {
  if (p.ngram < 1 || p.bands < 1 || p.rows < 1) throw Error("minhash: ngram, bands and rows must be >= 1");
  thread_local uint64_t cached_seed = ~uint64_t{0};
  thread_local size_t cached_n = 0;
  thread_local Perms pm;
  size_t n = static_cast<size_t>(p.bands) * static_cast<size_t>(p.rows);
  if (cached_seed != p.seed || cached_n != n) { pm = make_perms(p); cached_seed = p.seed; cached_n = n; }
  std::vector<std::string> words = text::split(simplify_text(t), " ");
  if (words.size() == 1 && words[0].empty()) words.clear();
  std::vector<uint64_t> sig;
  if (words.empty()) return sig;
  std::vector<uint64_t> wh(words.size());
  for (size_t i = 0; i < words.size(); ++i) wh[i] = XXH3_64bits_withSeed(words[i].data(), words[i].size(), p.seed);
  const size_t g = static_cast<size_t>(p.ngram);
  std::vector<uint64_t> shingles;
  if (words.size() < g) shingles.push_back(XXH3_64bits_withSeed(wh.data(), wh.size() * 8, p.seed) % kPrime);
  else
    for (size_t s = 0; s + g <= words.size(); ++s) shingles.push_back(XXH3_64bits_withSeed(&wh[s], g * 8, p.seed) % kPrime);
  sig.assign(n, kPrime);
  for (uint64_t h : shingles)
    for (size_t i = 0; i < n; ++i) {
      uint64_t v = mod61(static_cast<unsigned __int128>(pm.a[i]) * h + pm.b[i]);
      if (v < sig[i]) sig[i] = v;
    }
  return sig;
}

namespace {
struct UnionFind {
  std::vector<uint64_t> parent;
  uint64_t find(uint64_t x) {
    while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
  }
  void unite(uint64_t a, uint64_t b) {  // the smaller index becomes the root: the first document in input order
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
  }
};
}  // namespace

MinhashResult run_minhash(const MinhashOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  if (o.inputs.empty()) throw Error("minhash: no input files");
  std::set<std::string> names;
  for (const auto& in : o.inputs) {
    if (!file_exists(in)) throw Error("input file not found", {in, -1, -1, "minhash"});
    if (!names.insert(bff_output_name(in)).second)
      throw Error("two inputs map to the same output name '" + bff_output_name(in) + "'", {in, -1, -1, "minhash"});
  }
  const int threads = o.threads > 0 ? o.threads : default_threads();
  const size_t B = static_cast<size_t>(o.params.bands), R = static_cast<size_t>(o.params.rows);
  std::vector<std::unordered_map<uint64_t, uint64_t>> buckets(B);  // band key → first document
  UnionFind uf;
  std::vector<int64_t> per_file(o.inputs.size(), 0);
  // Pass 1: band keys in input order.
  const size_t batch = 2048;
  std::vector<std::string> lines(batch);
  std::vector<std::vector<uint64_t>> keys(batch);
  std::vector<int64_t> line_nos(batch);
  uint64_t doc = 0;
  for (size_t f = 0; f < o.inputs.size(); ++f) {
    LineReader r(o.inputs[f]);
    for (;;) {
      size_t n = 0;
      while (n < batch && r.next(lines[n])) {
        if (lines[n].find_first_not_of(" \t\r") == std::string::npos) continue;
        line_nos[n++] = r.line_number();
      }
      if (n == 0) break;
      parallel_for(n, threads, [&](size_t i) {
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(lines[i]);
        } catch (const std::exception& e) {
          throw Error(std::string("malformed JSON line: ") + e.what(), {o.inputs[f], line_nos[i], -1, "minhash"});
        }
        if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
          throw Error("record has no string field 'text'", {o.inputs[f], line_nos[i], -1, "minhash"});
        std::vector<uint64_t> sig = minhash_signature(j["text"].get<std::string>(), o.params);
        keys[i].clear();
        if (sig.empty()) return;
        for (size_t b = 0; b < B; ++b) keys[i].push_back(XXH3_64bits_withSeed(&sig[b * R], R * 8, b));
      });
      for (size_t i = 0; i < n; ++i, ++doc) {
        uf.parent.push_back(doc);
        for (size_t b = 0; b < keys[i].size(); ++b) {
          auto [it, fresh] = buckets[b].emplace(keys[i][b], doc);
          if (!fresh) uf.unite(it->second, doc);
        }
      }
      per_file[f] += static_cast<int64_t>(n);
    }
  }
  MinhashResult res;
  res.docs_in = static_cast<int64_t>(doc);
  std::vector<int64_t> comp_size(doc, 0);
  for (uint64_t d = 0; d < doc; ++d) ++comp_size[uf.find(d)];
  for (uint64_t d = 0; d < doc; ++d) res.clusters += comp_size[d] > 1 ? 1 : 0;
  // Pass 2: keep the first document of each component.
  make_dirs(o.out_dir);
  nlohmann::json files = nlohmann::json::array();
  uint64_t base = 0;
  for (size_t f = 0; f < o.inputs.size(); ++f) {
    std::string name = bff_output_name(o.inputs[f]);
    AtomicWriter w(o.out_dir + "/" + name);
    LineReader r(o.inputs[f]);
    std::string line;
    uint64_t d = base;
    int64_t kept = 0;
    while (r.next(line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (uf.find(d) == d) { w.write_line(line); ++kept; }
      ++d;
    }
    w.commit();
    base = d;
    res.docs_out += kept;
    res.output_files.push_back(name);
    files.push_back({{"input", o.inputs[f]}, {"output", name}, {"docs_in", per_file[f]}, {"docs_out", kept}});
  }
  res.docs_removed = res.docs_in - res.docs_out;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.stats = {{"mode", "minhash"}, {"ngram", o.params.ngram}, {"bands", o.params.bands}, {"rows", o.params.rows},
               {"seed", o.params.seed}, {"docs_in", res.docs_in}, {"docs_out", res.docs_out},
               {"docs_removed", res.docs_removed}, {"clusters", res.clusters}, {"seconds", secs}, {"files", files}};
  write_json_file(o.out_dir + "/minhash_stats.json", res.stats);
  return res;
}

}  // namespace dclm::dedup
