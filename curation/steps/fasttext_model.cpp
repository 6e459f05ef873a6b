#include "curation/steps/fasttext_model.h"

#include <fasttext/fasttext.h>

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace dclm::curation {

FastTextModel::~FastTextModel() = default;

std::shared_ptr<const FastTextModel> FastTextModel::load(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const FastTextModel>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::shared_ptr<FastTextModel> m(new FastTextModel());
  m->ft_ = std::make_unique<fasttext::FastText>();
  try {
    m->ft_->loadModel(path);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot load fastText model: ") + e.what(), {path, -1, -1, "lang_id"});
  }
  cache[path] = m;
  return m;
}

std::pair<std::string, double> FastTextModel::predict(const std::string& text) const {
  std::istringstream in(text + "\n");
  std::vector<std::pair<fasttext::real, std::string>> preds;
  ft_->predictLine(in, preds, 1, 0.0);
  if (preds.empty()) return {"", 0.0};
  std::string label = preds[0].second;
  const std::string prefix = "__label__";
  if (label.compare(0, prefix.size(), prefix) == 0) label = label.substr(prefix.size());
  return {label, static_cast<double>(preds[0].first)};
}

}  // namespace dclm::curation
