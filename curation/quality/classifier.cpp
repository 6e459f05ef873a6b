#include "curation/quality/classifier.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/parallel.h"
#include "common/text.h"
#include "curation/dedup/bff.h"
#include "curation/steps/fasttext_model.h"

namespace dclm::curation::quality {

std::string dclm_classifier_text(const std::string& t) { return text::join(text::splitlines(text::strip(t)), " "); }

double hq_score(const std::string& label, double p) {
  std::string l = label;
  if (l.rfind("__label__", 0) == 0) l = l.substr(9);
  return l == "cc" ? 1.0 - p : p;
}

namespace {
bool parse_label(const nlohmann::json& v, const std::string& path, int64_t line) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (i == 0 || i == 1) return i == 1;
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == 0.0 || d == 1.0) return d == 1.0;
  }
  if (v.is_string()) {
    std::string s = text::strip(v.get<std::string>());
    if (s == "1" || s == "hq" || s == "__label__hq" || s == "true") return true;
    if (s == "0" || s == "cc" || s == "__label__cc" || s == "false") return false;
  }
  throw Error("unrecognised label " + v.dump() + " (expected 1/0, \"hq\"/\"cc\")", {path, line, -1, "classifier"});
}
}  // namespace

std::vector<LabeledText> read_labeled_jsonl(const std::string& path) {
  std::vector<LabeledText> out;
  JsonlReader r(path, true);
  nlohmann::json j;
  while (r.next(j)) {
    if (!j.contains("text") || !j["text"].is_string())
      throw Error("record without a string 'text'", {path, r.line_number(), -1, "classifier"});
    if (!j.contains("label")) throw Error("record without 'label'", {path, r.line_number(), -1, "classifier"});
    out.push_back({j["text"].get<std::string>(), parse_label(j["label"], path, r.line_number())});
  }
  return out;
}

std::vector<LabeledText> read_texts_jsonl(const std::string& path, bool hq) {
  std::vector<LabeledText> out;
  JsonlReader r(path, true);
  nlohmann::json j;
  while (r.next(j)) {
    if (!j.contains("text") || !j["text"].is_string())
      throw Error("record without a string 'text'", {path, r.line_number(), -1, "classifier"});
    out.push_back({j["text"].get<std::string>(), hq});
  }
  return out;
}

namespace {
std::unique_ptr<fasttext::FastText> load_ft(const std::string& path) {
  auto ft = std::make_unique<fasttext::FastText>();
  try {
    ft->loadModel(path);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot load fastText model: ") + e.what(), {path, -1, -1, "classifier"});
  }
  return ft;
}
std::pair<std::string, double> predict(const fasttext::FastText& ft, const std::string& t) {
  std::istringstream in(dclm_classifier_text(t) + "\n");
  std::vector<std::pair<fasttext::real, std::string>> preds;
  ft.predictLine(in, preds, 1, 0.0);
  if (preds.empty()) return {"", 0.0};
  std::string label = preds[0].second;
  if (label.rfind("__label__", 0) == 0) label = label.substr(9);
  return {label, static_cast<double>(preds[0].first)};
}
}  // namespace

double classifier_accuracy(const std::string& model_path, const std::vector<LabeledText>& data, int64_t* correct) {
  auto ft = load_ft(model_path);
  int64_t ok = 0;
  for (const auto& d : data) {
    auto [label, p] = predict(*ft, d.text);
    if ((label == "hq") == d.hq && !label.empty()) ++ok;
  }
  if (correct) *correct = ok;
  return data.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(data.size());
}

double classifier_score(const std::string& model_path, const std::string& t) {
  auto m = FastTextModel::load(model_path);
  auto [label, p] = m->predict(dclm_classifier_text(t));
  return hq_score(label, p);
}

TrainResult train_classifier(const TrainOptions& o) {
  if (o.data.empty()) throw Error("classifier: no training examples");
  if (o.out_model.empty()) throw Error("classifier: no output model path");
  if (!(o.val_fraction >= 0.0 && o.val_fraction < 1.0)) throw Error("classifier: validation fraction must be in [0, 1)");
  std::vector<size_t> idx(o.data.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::mt19937_64 rng(o.seed);
  for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng() % i]);  // seeded Fisher–Yates
  // As dclm:baselines/train_fasttext_classifier.py: num_train = int(len · (1 − valid_frac)), the rest validates.
  size_t n_train = static_cast<size_t>(static_cast<double>(idx.size()) * (1.0 - o.val_fraction));
  std::vector<LabeledText> val, train;
  for (size_t i = 0; i < idx.size(); ++i) (i < n_train ? train : val).push_back(o.data[idx[i]]);
  if (train.empty()) throw Error("classifier: no training examples left after the validation split");

  std::filesystem::path out(o.out_model);
  if (out.has_parent_path()) make_dirs(out.parent_path().string());
  std::string train_file = o.out_model + ".train." + std::to_string(::getpid()) + ".txt";
  TrainResult r;
  {
    std::ofstream f(train_file, std::ios::binary);
    if (!f) throw Error("cannot write training file", {train_file});
    for (const auto& d : train) {
      f << (d.hq ? "__label__hq " : "__label__cc ") << dclm_classifier_text(d.text) << "\n";
      (d.hq ? r.train_hq : r.train_cc)++;
    }
  }
  fasttext::Args a;
  a.input = train_file;
  a.output = o.out_model;
  a.model = fasttext::model_name::sup;
  a.loss = fasttext::loss_name::softmax;
  a.lr = o.lr;
  a.dim = o.dim;
  a.ws = o.ws;
  a.epoch = o.epoch;
  a.minCount = o.min_count;
  a.minCountLabel = 0;
  a.minn = 0;
  a.maxn = 0;
  a.neg = 5;
  a.wordNgrams = o.word_ngrams;
  a.bucket = o.bucket;
  a.thread = std::max(1, o.threads);
  a.lrUpdateRate = 100;
  a.t = 1e-4;
  a.label = "__label__";
  a.verbose = o.verbose ? 2 : 0;
  a.seed = static_cast<int>(o.seed & 0x7fffffff);
  try {
    fasttext::FastText ft;
    ft.train(a);
    ft.saveModel(o.out_model);
  } catch (const std::exception& e) {
    std::filesystem::remove(train_file);
    throw Error(std::string("fastText training failed: ") + e.what(), {o.out_model, -1, -1, "classifier"});
  }
  std::filesystem::remove(train_file);
  r.n_train = static_cast<int64_t>(train.size());
  r.n_val = static_cast<int64_t>(val.size());
  r.train_accuracy = classifier_accuracy(o.out_model, train);
  if (!val.empty()) r.val_accuracy = classifier_accuracy(o.out_model, val, &r.val_correct);
  return r;
}

PercentileResult run_percentile_filter(const PercentileOptions& o) {
  if (o.inputs.empty()) throw Error("classifier filter: no input files");
  if (!(o.percentile >= 0.0 && o.percentile <= 100.0)) throw Error("classifier filter: percentile must be in [0, 100]");
  std::set<std::string> names;
  for (const auto& in : o.inputs) {
    if (!file_exists(in)) throw Error("input file not found", {in, -1, -1, "classifier"});
    if (!names.insert(dedup::bff_output_name(in)).second)
      throw Error("two inputs map to the same output name", {in, -1, -1, "classifier"});
  }
  auto model = FastTextModel::load(o.model);
  const int threads = o.threads > 0 ? o.threads : default_threads();
  // Pass 1: scores of every document, per file (parallel by file; scores land in their slots).
  std::vector<std::vector<double>> scores(o.inputs.size());
  parallel_for(o.inputs.size(), threads, [&](size_t f) {
    JsonlReader r(o.inputs[f], true);
    nlohmann::json j;
    while (r.next(j)) {
      if (!j.contains("text") || !j["text"].is_string())
        throw Error("record without a string 'text'", {o.inputs[f], r.line_number(), -1, "classifier"});
      auto [label, p] = model->predict(dclm_classifier_text(j["text"].get<std::string>()));
      scores[f].push_back(hq_score(label, p));
    }
  });
  struct Ref { double s; size_t f, i; };
  std::vector<Ref> all;
  for (size_t f = 0; f < scores.size(); ++f)
    for (size_t i = 0; i < scores[f].size(); ++i) all.push_back({scores[f][i], f, i});
  PercentileResult res;
  res.docs_in = static_cast<int64_t>(all.size());
  const size_t keep = static_cast<size_t>(std::llround(o.percentile / 100.0 * static_cast<double>(all.size())));
  std::stable_sort(all.begin(), all.end(), [](const Ref& a, const Ref& b) { return a.s > b.s; });  // input order on ties
  std::vector<std::vector<char>> kept(scores.size());
  for (size_t f = 0; f < scores.size(); ++f) kept[f].assign(scores[f].size(), 0);
  for (size_t k = 0; k < keep; ++k) kept[all[k].f][all[k].i] = 1;
  res.threshold = keep ? all[keep - 1].s : 0.0;
  // Pass 2: write the kept documents with their score.
  make_dirs(o.out_dir);
  nlohmann::json files = nlohmann::json::array();
  std::vector<int64_t> outs(o.inputs.size(), 0);
  parallel_for(o.inputs.size(), threads, [&](size_t f) {
    std::string name = dedup::bff_output_name(o.inputs[f]);
    AtomicWriter w(o.out_dir + "/" + name);
    JsonlReader r(o.inputs[f], true);
    nlohmann::json j;
    size_t i = 0;
    while (r.next(j)) {
      if (i < kept[f].size() && kept[f][i]) {
        j[o.key] = scores[f][i];
        w.write_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        ++outs[f];
      }
      ++i;
    }
    w.commit();
  });
  for (size_t f = 0; f < o.inputs.size(); ++f) {
    res.docs_out += outs[f];
    files.push_back({{"input", o.inputs[f]}, {"output", dedup::bff_output_name(o.inputs[f])},
                     {"docs_in", static_cast<int64_t>(scores[f].size())}, {"docs_out", outs[f]}});
  }
  res.stats = {{"model", o.model}, {"key", o.key}, {"percentile", o.percentile}, {"docs_in", res.docs_in},
               {"docs_out", res.docs_out}, {"threshold", res.threshold}, {"files", files}};
  write_json_file(o.out_dir + "/percentile_stats.json", res.stats);
  return res;
}

}  // namespace dclm::curation::quality
