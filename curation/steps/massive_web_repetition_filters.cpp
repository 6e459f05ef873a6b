// massive_web_repetition_filters (DCLM repetition_filter semantics, curation.md §4.1–§4.2):
//   lines (split_paragraphs '\n') and paragraphs (split_paragraphs '\n\n'): 0 segments → drop, 1 → pass;
//     duplicate fraction by count (first occurrence included) > 0.3 → drop;
//     duplicate character fraction Σ len·count over repeated / Σ len over all > 0.2 → drop;
//   words = UAX#29 words with alnum first char, total_chars = Σ len(w);
//     top n-gram n=2,3,4 (0.20, 0.18, 0.16): max count c (c == 1 passes), longest char length L among the
//     n-grams with count c, drop if L·c / total_chars > threshold;
//     duplicate n-grams n=5..10 (0.15 … 0.10): characters of words covered by any occurrence of an n-gram
//     occurring more than once / total_chars > threshold → drop.
// Check order as DCLM: line count, paragraph count, line chars, paragraph chars, n-grams (the first failure
// names the reason). skip_paragraph: DCLM's parameter. All comparisons strict.
#include <string_view>
#include <unordered_map>

#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

// Exposed for tests: the reason a text fails (empty string = passes).
std::string repetition_failure(const std::string& text, bool skip_paragraph = false);

namespace {

struct Segments {
  size_t n = 0;
  int64_t total_chars = 0, dup_count = 0, dup_chars = 0;
};
Segments segment_stats(const std::vector<std::string>& segs) {
  Segments r;
  r.n = segs.size();
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& s : segs) {
    ++counts[s];
    r.total_chars += static_cast<int64_t>(text::codepoint_count(s));
  }
  for (const auto& [s, c] : counts)
    if (c > 1) {
      r.dup_count += c;
      r.dup_chars += static_cast<int64_t>(text::codepoint_count(s)) * c;
    }
  return r;
}
// repetition_filter(granularity line/paragraph): "" = passes. 1 segment passes, 0 segments drop.
std::string segment_check(const Segments& s, const char* what, bool count_characters, double thr) {
  if (s.n == 1) return "";
  if (s.n == 0) return std::string("no_") + what;
  double frac = count_characters ? static_cast<double>(s.dup_chars) / static_cast<double>(s.total_chars)
                                 : static_cast<double>(s.dup_count) / static_cast<double>(s.n);
  if (frac > thr) return std::string("dup_") + what + (count_characters ? "_chars" : "");
  return "";
}

}  // namespace

std::string repetition_failure(const std::string& text, bool skip_paragraph) {
  // DCLM order: line count 0.3, paragraph count 0.3, line chars 0.2, paragraph chars 0.2, then n-grams.
  if (text.empty()) return "empty";
  Segments lines = segment_stats(py::split_paragraphs(text, "\n"));
  Segments paras;
  if (!skip_paragraph) paras = segment_stats(py::split_paragraphs(text, "\n\n"));
  if (auto r = segment_check(lines, "lines", false, 0.3); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = segment_check(paras, "paragraphs", false, 0.3); !r.empty()) return r;
  if (auto r = segment_check(lines, "lines", true, 0.2); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = segment_check(paras, "paragraphs", true, 0.2); !r.empty()) return r;

  std::vector<std::string> words = py::split_words_uniseg(text);
  // Intern words: n-grams become sequences of word ids (stored as char32_t strings for hashing).
  std::unordered_map<std::string, char32_t> ids;
  std::u32string seq;
  std::vector<int64_t> lens;
  seq.reserve(words.size());
  lens.reserve(words.size());
  int64_t total_chars = 0;
  for (const auto& w : words) {
    auto it = ids.emplace(w, static_cast<char32_t>(ids.size())).first;
    seq.push_back(it->second);
    int64_t l = static_cast<int64_t>(text::codepoint_count(w));
    lens.push_back(l);
    total_chars += l;
  }
  const size_t n_words = seq.size();
  static const double top_thr[] = {0.20, 0.18, 0.16};
  for (size_t n = 2; n <= 4; ++n) {
    if (n_words < n || total_chars == 0) continue;
    const size_t positions = n_words - n + 1;
    std::unordered_map<std::u32string_view, int64_t> counts;
    counts.reserve(positions);
    std::vector<const int64_t*> slot(positions);  // element references survive rehashing
    for (size_t i = 0; i < positions; ++i) {
      int64_t& c = counts[std::u32string_view(seq).substr(i, n)];
      ++c;
      slot[i] = &c;
    }
    int64_t best = 0;
    for (const auto& kv : counts) best = std::max(best, kv.second);
    if (best <= 1) continue;
    int64_t best_len = 0;
    for (size_t i = 0; i < positions; ++i) {
      if (*slot[i] != best) continue;
      int64_t l = 0;
      for (size_t k = 0; k < n; ++k) l += lens[i + k];
      best_len = std::max(best_len, l);
    }
    if (static_cast<double>(best_len * best) / static_cast<double>(total_chars) > top_thr[n - 2])
      return "top_" + std::to_string(n) + "gram";
  }
  static const double dup_thr[] = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10};
  for (size_t n = 5; n <= 10; ++n) {
    if (n_words < n || total_chars == 0) continue;
    const size_t positions = n_words - n + 1;
    std::unordered_map<std::u32string_view, int64_t> counts;
    counts.reserve(positions);
    std::vector<const int64_t*> slot(positions);
    for (size_t i = 0; i < positions; ++i) {
      int64_t& c = counts[std::u32string_view(seq).substr(i, n)];
      ++c;
      slot[i] = &c;
    }
    std::vector<char> covered(n_words, 0);
    for (size_t i = 0; i < positions; ++i)
      if (*slot[i] > 1)
        for (size_t k = 0; k < n; ++k) covered[i + k] = 1;
    int64_t c = 0;
    for (size_t i = 0; i < n_words; ++i)
      if (covered[i]) c += lens[i];
    if (static_cast<double>(c) / static_cast<double>(total_chars) > dup_thr[n - 5])
      return "dup_" + std::to_string(n) + "gram";
  }
  return "";
}

namespace {
struct Repetition : Step {
  bool skip_paragraph = false;
  Verdict apply(Document& d) override {
    std::string r = repetition_failure(d.text, skip_paragraph);
    return r.empty() ? Verdict::ok() : Verdict::drop(r);
  }
};
}  // namespace

std::unique_ptr<Step> make_massive_web_repetition_filters(ConfigNode& cfg) {
  auto s = std::make_unique<Repetition>();
  s->skip_paragraph = cfg.get_or<bool>("skip_paragraph", false);
  return s;
}

}  // namespace dclm::curation::steps
