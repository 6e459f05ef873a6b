// page_length_filter(length_type, min_length=1, max_length=inf, **split kwargs) (content_filters.py;
// curation.md §3 step 10). length_type: word (split_words(text, model, ignore_punctuation)), char (len in
// code points), line / paragraph (split_paragraphs on '\n' / '\n\n'). Keeps if min <= n <= max.
#include <limits>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/text_memo.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {
namespace {
struct PageLength : Step {
  std::string type, model;
  bool ignore_punct = false;
  double min_len = 1, max_len = std::numeric_limits<double>::infinity();
  Verdict apply(Document& d) override {
    double n = 0;
    if (type == "word") {
      n = (model == "fasttext" && ignore_punct) ? static_cast<double>(fasttext_word_count_memo(d.text))
                                                : static_cast<double>(py::split_words(d.text, model, ignore_punct).size());
    } else if (type == "char") {
      n = static_cast<double>(text::codepoint_count(d.text));
    } else if (type == "line") {
      n = static_cast<double>(py::split_paragraphs(d.text, "\n").size());
    } else {
      n = static_cast<double>(py::split_paragraphs(d.text, "\n\n").size());
    }
    if (n < min_len) return Verdict::drop("too_short");
    if (n > max_len) return Verdict::drop("too_long");
    return Verdict::ok();
  }
};
}  // namespace
std::unique_ptr<Step> make_page_length_filter(ConfigNode& cfg) {
  auto s = std::make_unique<PageLength>();
  s->type = cfg.get<std::string>("length_type");
  require(s->type == "word" || s->type == "char" || s->type == "line" || s->type == "paragraph", cfg,
          "length_type must be word, char, line or paragraph (sentence is not implemented)");
  s->min_len = cfg.get_or<double>("min_length", 1);
  s->max_len = cfg.get_or<double>("max_length", std::numeric_limits<double>::infinity());
  s->model = cfg.get_or<std::string>("model", "fasttext");
  require(s->model == "fasttext" || s->model == "uniseg" || s->model == "split", cfg, "model: fasttext|uniseg|split");
  s->ignore_punct = cfg.get_or<bool>("ignore_punctuation", false);
  return s;
}
}  // namespace dclm::curation::steps
