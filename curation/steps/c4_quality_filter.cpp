// c4_quality_filter: datatrove C4QualityFilter with its defaults (curation.md §6). Lines = splitlines(),
// each strip()ped; per line, in order:
//   1. any split() word longer than max_word_length (1000) code points → drop the line;
//   2. remove_citations: re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line) (\d: Unicode digits);
//   3. filter_no_terminal_punct: drop the line unless it ends with . ? ! " ' or if it ends with "...";
//   4. fewer than min_words_per_line (3) split() words → drop the line (the words are counted before the
//      citation removal, as datatrove does);
//   5. "lorem ipsum" in line.lower() → drop the document ("lorem_ipsum");
//   6. filter_javascript: "javascript" in line.lower() → drop the line;
//   7. filter_curly_bracket: '{' in the line → drop the document ("curly_bracket");
//   8. filter_policy: any of the policy phrases in line.lower() → drop the line;
//   9. keep the line; add its sentence count.
// Fewer than min_num_sentences (5) sentences → drop ("too_few_sentences"); else text = '\n'.join(kept).strip().
// Open points decided here: the line is not re-stripped after citation removal (datatrove does not, so
// "Text. [1]" ends with a space and fails rule 3); sentences are counted with spacy_sentence_count (an
// approximation of spaCy's Sentencizer, spacy_approx.h); lower() uses the simple Unicode mapping.
// min_num_sentences, min_words_per_line, max_word_length: -1 disables the rule.
#include "common/text.h"
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/spacy_approx.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

namespace {

// re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", s)
std::string remove_citations(const std::string& s) {
  if (s.find('[') == std::string::npos) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '[') {
      if (s.compare(i, 6, "[edit]") == 0) { i += 6; continue; }
      if (s.compare(i, 17, "[citation needed]") == 0) { i += 17; continue; }
      size_t j = i + 1;
      while (j < s.size()) {  // Unicode decimal digits
        size_t len = 1;
        unsigned char b = static_cast<unsigned char>(s[j]);
        if (b >= 0x80) len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (j + len > s.size()) break;
        char32_t c = text::utf8_to_u32(std::string_view(s).substr(j, len))[0];
        if (!py::isdecimal(c)) break;
        j += len;
      }
      if (j < s.size() && s[j] == ']') { i = j + 1; continue; }
    }
    out.push_back(s[i++]);
  }
  return out;
}

struct C4Quality : Step {
  bool split_paragraph = true, remove_cites = true, no_terminal_punct = true;
  int min_sentences = 5, min_words = 3, max_word_length = 1000;
  bool lorem = true, javascript = true, curly = true, policy = true;

  Verdict apply(Document& d) override {
    static const char* kPolicy[] = {"terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                                    "use cookies"};
    std::vector<std::string> kept;
    int64_t sentences = 0;
    for (const auto& raw : text::splitlines(d.text)) {
      std::string line = text::strip(raw);
      const auto words = text::split_whitespace(line);
      if (max_word_length >= 0) {
        bool too_long = false;
        for (const auto& w : words)
          if (w.size() > static_cast<size_t>(max_word_length) && text::codepoint_count(w) > static_cast<size_t>(max_word_length))
            too_long = true;
        if (too_long) continue;
      }
      if (remove_cites) line = remove_citations(line);
      if (no_terminal_punct) {
        const bool ends = !line.empty() && (line.back() == '.' || line.back() == '?' || line.back() == '!' ||
                                            line.back() == '"' || line.back() == '\'');
        if (!ends || text::ends_with(line, "...")) continue;
      }
      if (min_words >= 0 && words.size() < static_cast<size_t>(min_words)) continue;
      const std::string low = py_lower(line);
      if (lorem && low.find("lorem ipsum") != std::string::npos) return Verdict::drop("lorem_ipsum");
      if (javascript && low.find("javascript") != std::string::npos) continue;
      if (curly && line.find('{') != std::string::npos) return Verdict::drop("curly_bracket");
      if (policy) {
        bool hit = false;
        for (const char* p : kPolicy) hit = hit || low.find(p) != std::string::npos;
        if (hit) continue;
      }
      sentences += split_paragraph ? static_cast<int64_t>(spacy_sentence_count(line)) : 1;
      kept.push_back(std::move(line));
    }
    if (min_sentences >= 0 && sentences < min_sentences) return Verdict::drop("too_few_sentences");
    d.text = text::strip(text::join(kept, split_paragraph ? "\n" : " "));
    return Verdict::ok();
  }
};

}  // namespace

std::unique_ptr<Step> make_c4_quality_filter(ConfigNode& cfg) {
  auto s = std::make_unique<C4Quality>();
  s->split_paragraph = cfg.get_or<bool>("split_paragraph", true);
  require(s->split_paragraph, cfg, "split_paragraph: false (nltk sentence splitting) is not supported");
  s->remove_cites = cfg.get_or<bool>("remove_citations", true);
  s->no_terminal_punct = cfg.get_or<bool>("filter_no_terminal_punct", true);
  s->min_sentences = cfg.get_or<int>("min_num_sentences", 5);
  s->min_words = cfg.get_or<int>("min_words_per_line", 3);
  s->max_word_length = cfg.get_or<int>("max_word_length", 1000);
  s->lorem = cfg.get_or<bool>("filter_lorem_ipsum", true);
  s->javascript = cfg.get_or<bool>("filter_javascript", true);
  s->curly = cfg.get_or<bool>("filter_curly_bracket", true);
  s->policy = cfg.get_or<bool>("filter_policy", true);
  return s;
}

}  // namespace dclm::curation::steps
