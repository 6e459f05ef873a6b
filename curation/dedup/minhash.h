// MinHash-LSH near-duplicate removal (curation.md §12), as a standalone ordered pass like BFF.
// Defaults follow datatrove / FineWeb: word 5-grams of simplify_text(text), 14 bands × 8 rows = 112
// hashes (≈ threshold (1/14)^(1/8) = 0.72), 64-bit shingle hashes, universal-hash permutations
// (a·h + b) mod (2^61 − 1) seeded from `seed`. Documents sharing any band bucket are linked (union-find);
// per connected component the first document in input order is kept and the rest removed, as datatrove's
// cluster → filter stages do. Pass 1 hashes (parallel per batch, results in input order); pass 2 writes.
// Output does not depend on the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dclm::dedup {

// datatrove simplify_text: lowercase, NFD with combining marks removed, digits → '0', punctuation → ' ',
// whitespace runs collapsed to one space, stripped.
std::string simplify_text(const std::string& text);

struct MinhashParams {
  int ngram = 5;
  int bands = 14, rows = 8;
  uint64_t seed = 1;
};
// bands·rows min-hashes of the word n-grams of simplify_text(text) (a text with fewer than `ngram` words
// is one shingle; an empty one has no shingles → empty vector).
std::vector<uint64_t> minhash_signature(const std::string& text, const MinhashParams& p);

struct MinhashOptions {
  std::vector<std::string> inputs;
  std::string out_dir;
  MinhashParams params;
  int threads = 0;
  bool quiet = false;
};
struct MinhashResult {
  int64_t docs_in = 0, docs_out = 0, docs_removed = 0, clusters = 0;  // clusters: components of size > 1
  std::vector<std::string> output_files;
  nlohmann::json stats;
};
MinhashResult run_minhash(const MinhashOptions& opts);

}  // namespace dclm::dedup
