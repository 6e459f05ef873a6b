// c4_badwords_filter: datatrove C4BadWordsFilter with its defaults (keep_fraction 0, language en;
// curation.md §6). The page is dropped ("badwords") if the lowercased text matches
// (?:\W|^)(w1|w2|…)(?:\W|$) for the words of banlist_from_fname (LDNOOBW, default lists/dclm_ldnoobw.txt,
// DCLM's copy of the list datatrove downloads), i.e. a word occurs with a non-word character (Python's
// Unicode \W) or the text edge on both sides. word_boundary: false gives datatrove's ja/th/zh plain
// substring match. Lines of the list are strip()ped; empty lines are skipped (an empty alternative would
// match between any two non-word characters). keep_fraction > 0 (random keeping) is not supported.
#include <array>
#include <vector>

#include "common/io.h"
#include "common/text.h"
#include "curation/pytext.h"
#include "curation/step.h"
#include "curation/steps/spacy_approx.h"
#include "curation/steps/util.h"

namespace dclm::curation::steps {

namespace {

// Code point at s[i] (valid UTF-8) and its length.
char32_t decode(const std::string& s, size_t i, size_t& len) {
  const unsigned char b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) { len = 1; return b; }
  len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  if (i + len > s.size()) { len = 1; return 0xFFFD; }
  char32_t c = b & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return c;
}

struct C4BadWords : Step {
  bool word_boundary = true;
  std::array<std::vector<std::string>, 256> by_first;  // words by their first byte

  Verdict apply(Document& d) override {
    const std::string low = py_lower(d.text);
    bool prev_word = false;  // the code point before i is a \w character
    for (size_t i = 0; i < low.size();) {
      size_t len = 1;
      const char32_t c = decode(low, i, len);
      if (!prev_word || !word_boundary)
        for (const auto& w : by_first[static_cast<unsigned char>(low[i])]) {
          if (low.compare(i, w.size(), w) != 0) continue;
          if (!word_boundary) return Verdict::drop("badwords");
          const size_t e = i + w.size();
          size_t l2 = 1;
          if (e == low.size() || !py::is_word_char(decode(low, e, l2))) return Verdict::drop("badwords");
        }
      prev_word = py::is_word_char(c);
      i += len;
    }
    return Verdict::ok();
  }
};

}  // namespace

std::unique_ptr<Step> make_c4_badwords_filter(ConfigNode& cfg) {
  auto s = std::make_unique<C4BadWords>();
  const std::string fname = cfg.get_or<std::string>("banlist_from_fname", "lists/dclm_ldnoobw.txt");
  s->word_boundary = cfg.get_or<bool>("word_boundary", true);
  require(cfg.get_or<double>("keep_fraction", 0.0) == 0.0, cfg, "keep_fraction must be 0 (random keeping is not supported)");
  for (const auto& raw : text::splitlines(read_file(resolve_data_file(fname, cfg)))) {
    std::string w = text::strip(raw);
    if (w.empty()) continue;
    s->by_first[static_cast<unsigned char>(w[0])].push_back(w);
  }
  return s;
}

}  // namespace dclm::curation::steps
