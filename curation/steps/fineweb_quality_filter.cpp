// fineweb_quality_filter: datatrove FineWebQualityFilter with its defaults (curation.md §7.1). Lines are
// text.split("\n") with strip() non-empty; none → drop ("empty"). Then, in order, each failure drops:
//   line_punct_ratio: fraction of lines (unstripped) ending with a terminal punctuation char < 0.12
//     (line_punct_thr; with line_punct_exclude_zero a ratio of exactly 0 passes);
//   short_line_ratio: fraction of lines with len(line) <= 30 (short_line_length) > 0.67 (short_line_thr);
//   char_dup_ratio: characters of the second and later occurrences of repeated lines (find_duplicates)
//     / len(text.replace("\n", "")) > 0.01 (char_duplicates_ratio);
//   list_ratio: text.count("\n") / number of words > 0.3 (new_line_ratio).
// Open points decided here: datatrove's TERMINAL_PUNCTUATION set is taken as Unicode's Sentence_Terminal
// property (ICU) plus the ASCII quotes " and ' of FineWeb's original stop_chars; words are counted with
// spacy_token_count (an approximation of spaCy's tokenizer, spacy_approx.h). Lengths are code points.
#include <unicode/uchar.h>

#include <unordered_set>

#include "common/text.h"
#include "curation/step.h"
#include "curation/steps/spacy_approx.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

// Exposed for tests: the reason a text fails with the default thresholds ("" = passes).
std::string fineweb_quality_failure(const std::string& text);

namespace {

bool is_terminal(char32_t c) {
  return c == U'"' || c == U'\'' || u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_S_TERM);
}

struct FineWebQuality : Step {
  double punct_thr = 0.12, short_thr = 0.67, dup_thr = 0.01, newline_thr = 0.3;
  bool punct_exclude_zero = false;
  size_t short_len = 30;

  std::string failure(const std::string& t) const {
    std::vector<std::string> lines;
    for (auto& l : split_nl(t))
      if (!text::strip(l).empty()) lines.push_back(std::move(l));
    if (lines.empty()) return "empty";
    const double n = static_cast<double>(lines.size());
    size_t punct = 0, short_lines = 0;
    for (const auto& l : lines) {
      std::u32string u = text::utf8_to_u32(l);
      if (is_terminal(u.back())) ++punct;
      if (u.size() <= short_len) ++short_lines;
    }
    const double pr = static_cast<double>(punct) / n;
    if (pr < punct_thr && !(pr == 0 && punct_exclude_zero)) return "line_punct_ratio";
    if (static_cast<double>(short_lines) / n > short_thr) return "short_line_ratio";
    std::unordered_set<std::string> seen;
    size_t dup_chars = 0, newlines = 0;
    for (const auto& l : lines)
      if (!seen.insert(l).second) dup_chars += text::codepoint_count(l);
    for (char c : t) newlines += c == '\n';
    const size_t chars = text::codepoint_count(t) - newlines;
    if (static_cast<double>(dup_chars) / static_cast<double>(chars) > dup_thr) return "char_dup_ratio";
    const size_t words = spacy_token_count(t);
    if (words == 0 || static_cast<double>(newlines) / static_cast<double>(words) > newline_thr) return "list_ratio";
    return "";
  }
  Verdict apply(Document& d) override {
    std::string why = failure(d.text);
    return why.empty() ? Verdict::ok() : Verdict::drop(why);
  }
};

}  // namespace

std::string fineweb_quality_failure(const std::string& text) { return FineWebQuality().failure(text); }

std::unique_ptr<Step> make_fineweb_quality_filter(ConfigNode& cfg) {
  auto s = std::make_unique<FineWebQuality>();
  s->punct_thr = cfg.get_or<double>("line_punct_thr", 0.12);
  s->punct_exclude_zero = cfg.get_or<bool>("line_punct_exclude_zero", false);
  s->short_thr = cfg.get_or<double>("short_line_thr", 0.67);
  s->short_len = static_cast<size_t>(cfg.get_or<int>("short_line_length", 30));
  s->dup_thr = cfg.get_or<double>("char_duplicates_ratio", 0.01);
  s->newline_thr = cfg.get_or<double>("new_line_ratio", 0.3);
  return s;
}

}  // namespace dclm::curation::steps
