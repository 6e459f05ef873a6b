// fastText quality classifier (curation.md §10): DCLM's training settings, scoring semantics, and an exact
// top-K % filter over a whole scored set.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dclm::curation::quality {

// DCLM's classifier input: " ".join(text.strip().splitlines()) (Python semantics).
std::string dclm_classifier_text(const std::string& text);
// DCLM's score from a top-1 prediction (label without "__label__"): 1 − p for "cc", else p.
double hq_score(const std::string& label, double p);

struct LabeledText {
  std::string text;
  bool hq = false;
};
// {text, label} jsonl(.gz/.zst): label 1 / "1" / true / "hq" / "__label__hq" → hq; 0 / "0" / false / "cc" /
// "__label__cc" → cc; anything else is an Error naming the file and line.
std::vector<LabeledText> read_labeled_jsonl(const std::string& path);
// Every record's text with one fixed label (a --pos / --neg file).
std::vector<LabeledText> read_texts_jsonl(const std::string& path, bool hq);

struct TrainOptions {
  std::vector<LabeledText> data;  // all examples; split into train / validation here
  std::string out_model;          // model .bin
  double val_fraction = 0.1;      // held-out share after a seeded shuffle: n_train = int(n · (1 − f)) as DCLM's script
  // Differences from DCLM's script: its split uses Python's random.shuffle(seed 42) (a different permutation)
  // and train_supervised runs on cpu_count − 1 threads (not reproducible); here one thread by default.
  uint64_t seed = 42;             // split seed and fastText's seed
  // DCLM (dclm:baselines/README.md): train_supervised defaults with wordNgrams 2.
  double lr = 0.1;
  int dim = 100, ws = 5, epoch = 5, min_count = 1, word_ngrams = 2;
  int bucket = 2000000;
  int threads = 1;  // fastText is deterministic only with one thread
  bool verbose = false;
};
struct TrainResult {
  int64_t n_train = 0, n_val = 0, train_hq = 0, train_cc = 0;
  int64_t val_correct = 0;
  double val_accuracy = 0, train_accuracy = 0;
};
TrainResult train_classifier(const TrainOptions& opts);

// Accuracy of a model (top-1 label vs the true label) over examples.
double classifier_accuracy(const std::string& model_path, const std::vector<LabeledText>& data,
                           int64_t* correct = nullptr);
// hq score of one text with a model (DCLM preprocessing applied).
double classifier_score(const std::string& model_path, const std::string& text);

// Exact percentile filter: pass 1 scores every document of every input; the top K % of the whole set
// (keep = round(K/100 · N) documents, ties at the cut broken by input order) are written in pass 2, one
// jsonl.zst per input (same name as dedup outputs) with the score under `key`, plus percentile_stats.json.
struct PercentileOptions {
  std::vector<std::string> inputs;
  std::string model, out_dir;
  std::string key = "fasttext_oh_eli5_vs_rw_v2_prob";
  double percentile = 10.0;  // keep the top K %
  int threads = 0;
};
struct PercentileResult {
  int64_t docs_in = 0, docs_out = 0;
  double threshold = 0;  // lowest kept score
  nlohmann::json stats;
};
PercentileResult run_percentile_filter(const PercentileOptions& opts);

}  // namespace dclm::curation::quality
