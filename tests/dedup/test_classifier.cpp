// Quality classifier: training on a separable fixture, DCLM score semantics, the filter step, percentiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/config.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/quality/classifier.h"
#include "curation/step.h"
#include "curation/steps/fasttext_model.h"
#include "test_util.h"

using namespace dclm::curation;
using namespace dclm::curation::quality;

namespace {
// hq: explanatory prose words; cc: spammy boilerplate words. Disjoint vocabularies → separable.
std::string sample(std::mt19937_64& rng, bool hq) {
  static const std::vector<std::string> a = {"explain", "because", "energy", "molecules", "theory", "science",
                                             "therefore", "reason", "history", "analysis", "example", "answer"};
  static const std::vector<std::string> b = {"click", "buy", "cheap", "login", "cookie", "subscribe", "casino",
                                             "deal", "free", "shipping", "cart", "promo"};
  const auto& v = hq ? a : b;
  std::string s;
  int n = 8 + static_cast<int>(rng() % 10);
  for (int i = 0; i < n; ++i) s += (i ? (rng() % 7 == 0 ? "\n" : " ") : "") + v[rng() % v.size()];
  return s;
}
std::vector<LabeledText> fixture(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<LabeledText> out;
  for (int i = 0; i < n; ++i) out.push_back({sample(rng, i % 2 == 0), i % 2 == 0});
  return out;
}
std::string train_small(const std::string& path, TrainResult* res = nullptr) {
  TrainOptions o;
  o.data = fixture(1, 400);
  o.out_model = path;
  o.bucket = 10000;  // DCLM's 2M buckets would make an 800 MB test model
  o.epoch = 10;
  TrainResult r = train_classifier(o);
  if (res) *res = r;
  return path;
}
}  // namespace

TEST(Classifier, DclmPreprocessing) {
  EXPECT_EQ(dclm_classifier_text("  a b\nc\r\nd\u2028e \n"), "a b c d e");
  EXPECT_DOUBLE_EQ(hq_score("cc", 0.9), 1.0 - 0.9);
  EXPECT_DOUBLE_EQ(hq_score("__label__cc", 0.75), 0.25);
  EXPECT_DOUBLE_EQ(hq_score("hq", 0.75), 0.75);
}

TEST(Classifier, TrainsSeparableFixtureAndScoresAsDclm) {
  dclm::testing::TempDir tmp;
  TrainResult r;
  std::string model = train_small(tmp / "m.bin", &r);
  EXPECT_EQ(r.n_val, 40);   // 400 − int(400 · 0.9)
  EXPECT_EQ(r.n_train, 360);
  EXPECT_GE(r.val_accuracy, 0.95);
  // Fresh held-out examples from another seed.
  EXPECT_GE(classifier_accuracy(model, fixture(99, 200)), 0.95);
  auto ft = FastTextModel::load(model);
  std::mt19937_64 rng(5);
  std::string cc = sample(rng, false), hq = sample(rng, true);
  auto [lc, pc] = ft->predict(dclm_classifier_text(cc));
  auto [lh, ph] = ft->predict(dclm_classifier_text(hq));
  EXPECT_EQ(lc, "cc");
  EXPECT_EQ(lh, "hq");
  EXPECT_DOUBLE_EQ(classifier_score(model, cc), 1.0 - pc);
  EXPECT_DOUBLE_EQ(classifier_score(model, hq), ph);
  EXPECT_LT(classifier_score(model, cc), 0.5);
  EXPECT_GT(classifier_score(model, hq), 0.5);

  // The step: score field + keep >= threshold.
  auto step = make_step(dclm::ConfigNode(
      dclm::load_yaml_string("{func: fasttext_quality_filter, model_filename: '" + model + "', threshold: 0.5, key: q}",
                             "<t>"),
      "<t>"));
  Document dh, dc;
  dh.text = hq;
  dc.text = cc;
  EXPECT_TRUE(step->apply(dh).keep);
  EXPECT_FALSE(step->apply(dc).keep);
  EXPECT_DOUBLE_EQ(dh.record["q"].get<double>(), ph);
  EXPECT_DOUBLE_EQ(dc.record["q"].get<double>(), 1.0 - pc);
  // threshold = the document's own score keeps it (>=)
  auto at = make_step(dclm::ConfigNode(
      dclm::load_yaml_string("{func: fasttext_quality_filter, model_filename: '" + model +
                                 "', threshold: " + nlohmann::json(1.0 - pc).dump() + "}",
                             "<t>"),
      "<t>"));
  Document dc2;
  dc2.text = cc;
  EXPECT_TRUE(at->apply(dc2).keep);
  EXPECT_TRUE(dc2.record.contains("fasttext_oh_eli5_vs_rw_v2_prob"));
}

TEST(Classifier, LabelsIntOrString) {
  dclm::testing::TempDir tmp;
  dclm::write_file_atomic(tmp / "l.jsonl",
                          "{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":\"0\"}\n{\"text\":\"c\",\"label\":\"hq\"}\n");
  auto v = read_labeled_jsonl(tmp / "l.jsonl");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_TRUE(v[0].hq);
  EXPECT_FALSE(v[1].hq);
  EXPECT_TRUE(v[2].hq);
  dclm::write_file_atomic(tmp / "bad.jsonl", "{\"text\":\"a\",\"label\":7}\n");
  EXPECT_THROW(read_labeled_jsonl(tmp / "bad.jsonl"), dclm::Error);
}

TEST(Classifier, PercentileKeepsExactlyTopK) {
  dclm::testing::TempDir tmp;
  std::string model = train_small(tmp / "m.bin");
  std::mt19937_64 rng(11);
  std::vector<std::string> texts;
  std::string f1, f2;
  for (int i = 0; i < 20; ++i) {
    // mixed documents: a varying share of hq words gives varying scores
    std::string t = sample(rng, i % 3 == 0) + " " + sample(rng, i % 2 == 0);
    texts.push_back(t);
    (i < 12 ? f1 : f2) += nlohmann::json{{"text", t}, {"i", i}}.dump() + "\n";
  }
  dclm::write_file_atomic(tmp / "a.jsonl", f1);
  dclm::write_file_atomic(tmp / "b.jsonl", f2);
  PercentileOptions o;
  o.inputs = {tmp / "a.jsonl", tmp / "b.jsonl"};
  o.model = model;
  o.out_dir = tmp / "out";
  o.percentile = 25;  // 5 of 20
  o.threads = 2;
  auto r = run_percentile_filter(o);
  EXPECT_EQ(r.docs_in, 20);
  EXPECT_EQ(r.docs_out, 5);
  std::vector<std::pair<double, int>> ranked;
  for (int i = 0; i < 20; ++i) ranked.push_back({-classifier_score(model, texts[i]), i});
  std::stable_sort(ranked.begin(), ranked.end());
  std::set<int> expect;
  for (int k = 0; k < 5; ++k) expect.insert(ranked[k].second);
  std::set<int> got;
  for (const char* f : {"out/a.jsonl.zst", "out/b.jsonl.zst"}) {
    dclm::JsonlReader rd(tmp / f, true);
    nlohmann::json j;
    while (rd.next(j)) {
      got.insert(j["i"].get<int>());
      EXPECT_GE(j["fasttext_oh_eli5_vs_rw_v2_prob"].get<double>(), r.threshold);
    }
  }
  EXPECT_EQ(got, expect);
}

// Ties at the cut: every document has the same score, so exactly round(K/100 · N) documents are kept and
// they are the first ones in input order (across files).
TEST(Classifier, PercentileTiesBrokenByInputOrder) {
  dclm::testing::TempDir tmp;
  std::string model = train_small(tmp / "m.bin");
  std::mt19937_64 rng(5);
  const std::string same = sample(rng, true);
  std::string f1, f2;
  for (int i = 0; i < 10; ++i) (i < 4 ? f1 : f2) += nlohmann::json{{"text", same}, {"i", i}}.dump() + "\n";
  dclm::write_file_atomic(tmp / "a.jsonl", f1);
  dclm::write_file_atomic(tmp / "b.jsonl", f2);
  PercentileOptions o;
  o.inputs = {tmp / "a.jsonl", tmp / "b.jsonl"};
  o.model = model;
  o.out_dir = tmp / "out";
  o.percentile = 60;  // 6 of 10: all 4 of a.jsonl, the first 2 of b.jsonl
  o.threads = 3;
  auto r = run_percentile_filter(o);
  EXPECT_EQ(r.docs_out, 6);
  EXPECT_DOUBLE_EQ(r.threshold, classifier_score(model, same));
  std::vector<int> got;
  for (const char* f : {"out/a.jsonl.zst", "out/b.jsonl.zst"}) {
    dclm::JsonlReader rd(tmp / f, true);
    nlohmann::json j;
    while (rd.next(j)) got.push_back(j["i"].get<int>());
  }
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}
