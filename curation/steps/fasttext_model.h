// A loaded fastText model shared by detect_lang_whole_page_enricher (§9) and
// classify_fasttext_hq_prob_enricher (§10): predictions as the Python binding makes them.
#pragma once
#include <memory>
#include <string>
#include <utility>

namespace fasttext { class FastText; }

namespace dclm::curation {

class FastTextModel {
 public:
  // Loaded once per path and shared (predictLine is const and thread-safe).
  static std::shared_ptr<const FastTextModel> load(const std::string& path);
  // Top-1 (label without "__label__", probability) of `text` + "\n" as the Python binding predicts;
  // the caller removes newlines first. Empty label when fastText returns nothing.
  std::pair<std::string, double> predict(const std::string& text) const;
  ~FastTextModel();

 private:
  FastTextModel() = default;
  std::unique_ptr<fasttext::FastText> ft_;
};

}  // namespace dclm::curation
