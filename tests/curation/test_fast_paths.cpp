// The optimised curation paths give exactly what the straightforward ones give: fastText input ids and
// predictions against FastText::predictLine, on the real pool texts, perturbed copies of them (Unicode
// whitespace, CRLF, invalid UTF-8, repeated lines, upper case) and hand-made edge cases; for lid.176 and
// for small models trained here in the other layouts (dense, quantised with and without norms, pruned).
#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/progress.h"
#include "curation/pytext.h"
#include "curation/readers.h"
#include "curation/steps/fasttext_model.h"
#include "test_util.h"

using namespace dclm::curation;
namespace dclm::curation::steps {
std::string repetition_failure(const std::string& text, bool skip_paragraph);
}

namespace {

// A deterministic perturbation of t (variant v).
std::string perturb(const std::string& t, int v) {
  static const char* kWs[] = {"\xC2\xA0", "\xE2\x80\x83", "\xE3\x80\x80", "\x0b", "\x0c", "\r", "\t", "\xC2\x85",
                              "\xE2\x80\xA8", "\x1c", "\xE1\x9A\x80", "\xE2\x81\x9F"};
  uint64_t state = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(v + 1) + t.size();
  auto rnd = [&]() { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  std::string out;
  size_t line_start = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    uint64_t r = rnd() % 1000;
    if (v % 4 == 0 && c == ' ' && r < 40) { out += kWs[rnd() % 12]; continue; }
    if (v % 4 == 1 && c == '\n' && r < 300) { out += "\r\n"; continue; }
    if (v % 4 == 1 && c == '\n' && r < 400) out += t.substr(line_start, i - line_start + 1);
    if (v % 4 == 2 && r < 3) { out += static_cast<char>(0x80 + rnd() % 0x7F); continue; }
    if (v % 4 == 2 && r < 5) { out += "\xE2\x80"; continue; }
    if (v % 4 == 3 && c >= 'a' && c <= 'z' && r < 250) c = static_cast<char>(c - 32);
    if (v % 4 == 3 && c == '\n' && r < 100) out += "\n\n\n";
    if (c == '\n') line_start = i + 1;
    out += c;
  }
  return out;
}

// Every pool jsonl text, each with its four perturbations, plus edge cases.
std::vector<std::string> corpus() {
  std::vector<std::string> texts = {
      "", " ", "\n", "a", "__label__en", "__label__en hello world", "</s>", "hello </s> world", "x\ny z",
      std::string("nul\0inside text", 15), "tabs\tand\vvertical\fform\rfeed", "日本語のテキストです。",
      "Ünïcödé wörds ñ and emoji 😀😀 and \xF0\x9F", "\xC3", std::string(3000, 'a'), "a  b   c    ",
      "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."};
  dclm::Progress::set_enabled(false);
  for (const char* f : {"pool/jsonl/dclm_agreement_data.jsonl", "pool/jsonl/dolma_cc_en_head-0091.jsonl.gz",
                        "pool/jsonl/dolma_cc_en_head-0174.jsonl.gz"}) {
    if (!dclm::testing::have_data(f)) continue;
    ReaderStats st;
    size_t n = 0;
    read_documents(dclm::testing::data_path(f), ReaderOptions{}, [&](Document&& d) {
      if (n++ >= 150) return;
      texts.push_back(d.text);
      for (int v = 0; v < 4; ++v) texts.push_back(perturb(d.text, v));
    }, st);
  }
  return texts;
}

std::string no_newlines(const std::string& t) {
  std::string s;
  for (char c : t)
    if (c != '\n') s += c;
  return s;
}

// The repetition filter as first written (curation.md §4.2 step by step, strings and std::unordered_map).
struct RefSegments {
  size_t n = 0;
  int64_t total_chars = 0, dup_count = 0, dup_chars = 0;
};
RefSegments ref_segment_stats(const std::vector<std::string>& segs) {
  RefSegments r;
  r.n = segs.size();
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& s : segs) {
    ++counts[s];
    r.total_chars += static_cast<int64_t>(dclm::text::codepoint_count(s));
  }
  for (const auto& [s, c] : counts)
    if (c > 1) {
      r.dup_count += c;
      r.dup_chars += static_cast<int64_t>(dclm::text::codepoint_count(s)) * c;
    }
  return r;
}
std::string ref_segment_check(const RefSegments& s, const char* what, bool count_characters, double thr) {
  if (s.n == 1) return "";
  if (s.n == 0) return std::string("no_") + what;
  double frac = count_characters ? static_cast<double>(s.dup_chars) / static_cast<double>(s.total_chars)
                                 : static_cast<double>(s.dup_count) / static_cast<double>(s.n);
  if (frac > thr) return std::string("dup_") + what + (count_characters ? "_chars" : "");
  return "";
}
std::string ref_repetition_failure(const std::string& text, bool skip_paragraph) {
  if (text.empty()) return "empty";
  RefSegments lines = ref_segment_stats(py::split_paragraphs(text, "\n"));
  RefSegments paras;
  if (!skip_paragraph) paras = ref_segment_stats(py::split_paragraphs(text, "\n\n"));
  if (auto r = ref_segment_check(lines, "lines", false, 0.3); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = ref_segment_check(paras, "paragraphs", false, 0.3); !r.empty()) return r;
  if (auto r = ref_segment_check(lines, "lines", true, 0.2); !r.empty()) return r;
  if (!skip_paragraph)
    if (auto r = ref_segment_check(paras, "paragraphs", true, 0.2); !r.empty()) return r;
  std::vector<std::string> words = py::split_words_uniseg(text);
  std::vector<int64_t> lens;
  int64_t total_chars = 0;
  for (const auto& w : words) {
    lens.push_back(static_cast<int64_t>(dclm::text::codepoint_count(w)));
    total_chars += lens.back();
  }
  auto gram = [&](size_t i, size_t n) {
    std::string g;
    for (size_t k = 0; k < n; ++k) g += words[i + k] + '\x01';
    return g;
  };
  const size_t n_words = words.size();
  static const double top_thr[] = {0.20, 0.18, 0.16};
  for (size_t n = 2; n <= 4; ++n) {
    if (n_words < n || total_chars == 0) continue;
    std::unordered_map<std::string, int64_t> counts;
    for (size_t i = 0; i + n <= n_words; ++i) ++counts[gram(i, n)];
    int64_t best = 0;
    for (const auto& kv : counts) best = std::max(best, kv.second);
    if (best <= 1) continue;
    int64_t best_len = 0;
    for (size_t i = 0; i + n <= n_words; ++i) {
      if (counts[gram(i, n)] != best) continue;
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
    std::unordered_map<std::string, int64_t> counts;
    for (size_t i = 0; i + n <= n_words; ++i) ++counts[gram(i, n)];
    std::vector<char> covered(n_words, 0);
    for (size_t i = 0; i + n <= n_words; ++i)
      if (counts[gram(i, n)] > 1)
        for (size_t k = 0; k < n; ++k) covered[i + k] = 1;
    int64_t c = 0;
    for (size_t i = 0; i < n_words; ++i)
      if (covered[i]) c += lens[i];
    if (static_cast<double>(c) / static_cast<double>(total_chars) > dup_thr[n - 5])
      return "dup_" + std::to_string(n) + "gram";
  }
  return "";
}

// Repetitive texts that reach the n-gram checks: a pool text's words with a stretch repeated.
std::vector<std::string> repetitive(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (size_t k = 0; k < texts.size(); k += 7) {
    const std::string& t = texts[k];
    std::string flat;
    for (char c : t) flat += c == '\n' ? ' ' : c;
    for (size_t frac : {4, 25}) {
      size_t cut = flat.size() / frac;
      out.push_back(flat + " " + flat.substr(flat.size() / 2, cut));
      out.push_back(flat.substr(0, cut) + " " + flat + " " + flat.substr(0, cut / 2));
    }
  }
  return out;
}

}  // namespace

// str.strip() as first written: decode forwards, keep the span from the first to the last non-space.
std::string ref_strip(const std::string& s) {
  size_t begin = s.size(), end = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = dclm::text::decode_utf8(s, i, cp);
    if (!dclm::text::py_isspace(cp)) {
      if (begin == s.size()) begin = i;
      end = i + n;
    }
    i += n;
  }
  return begin < end ? s.substr(begin, end - begin) : std::string();
}

TEST(FastPaths, TextHelpersEqualReference) {
  auto texts = corpus();
  for (const char* extra : {"  \xC2\xA0 x \xE3\x80\x80", "\xE2\x80", "x\xE2\x80 \n", " \x1c\x1d" "abc\x1e\x1f ", "\xC2",
                            "\n\n\na\n\n\n\nb\n\n", "\xE2\x80\x83\xE2\x80\x83"})
    texts.push_back(extra);
  for (const auto& t : texts) {
    ASSERT_EQ(dclm::text::strip(t), ref_strip(t));
    const auto words = dclm::text::split_whitespace(t);
    std::vector<std::string> viewed;
    py::for_each_split_word(t, [&](std::string_view w) { viewed.emplace_back(w); });
    ASSERT_EQ(viewed, words);
    for (size_t limit : {0, 1, 2, 3, 11, 100000})
      ASSERT_EQ(py::count_split_words_upto(t, limit), std::min(words.size(), limit));
    for (const char* sep : {"\n", "\n\n"}) {
      std::vector<std::string> parts;
      py::for_each_paragraph(t, sep, [&](std::string_view p) { parts.emplace_back(p); });
      ASSERT_EQ(parts, py::split_paragraphs(t, sep));
    }
    ASSERT_EQ(py::count_words_fasttext(t), py::split_words_fasttext(t).size());
    ASSERT_EQ(dclm::text::codepoint_count(t), dclm::text::utf8_to_u32(t).size());
  }
}

TEST(FastPaths, RepetitionFilterEqualsReference) {
  auto texts = corpus();
  auto rep = repetitive(texts);
  texts.insert(texts.end(), rep.begin(), rep.end());
  texts.push_back("a b a b a b a b");
  texts.push_back("x y z x y z x y z x y z w");
  texts.push_back("!!! ??? ...");
  std::map<std::string, int> reasons;
  for (const auto& t : texts)
    for (bool skip : {false, true}) {
      std::string got = steps::repetition_failure(t, skip);
      ASSERT_EQ(got, ref_repetition_failure(t, skip)) << t.substr(0, 300);
      ++reasons[got];
    }
  // The corpus reaches every kind of outcome, n-gram failures included.
  for (const char* r : {"", "dup_lines", "top_2gram", "dup_5gram"}) EXPECT_GT(reasons[r], 0) << r;
  for (const auto& [r, n] : reasons) std::cout << (r.empty() ? "pass" : r) << ": " << n << "\n";
}

TEST(FastPaths, FastTextIdsAndPredictionsEqualPredictLine) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  auto m = FastTextModel::load(dclm::testing::data_path("models/lid.176.ftz"));
  size_t n = 0;
  FastTextModel::Scratch scratch;  // one cache across all texts, as a worker uses it
  for (const auto& raw : corpus()) {
    // Both the LID input (newlines removed) and raw text (getLine stops at the first newline).
    for (const std::string& t : {no_newlines(raw), raw}) {
      ASSERT_EQ(m->input_ids(t), m->input_ids_reference(t)) << t.substr(0, 200);
      ASSERT_EQ(m->input_ids(t, &scratch), m->input_ids_reference(t)) << t.substr(0, 200);
      auto a = m->predict(t, &scratch), b = m->predict_reference(t);
      ASSERT_EQ(a.first, b.first) << t.substr(0, 200);
      ASSERT_EQ(a.second, b.second) << t.substr(0, 200);
      ++n;
    }
  }
  EXPECT_GT(n, 100u);
}

namespace {

// predict() through `scratch`, through a fresh scratch, and predictLine agree to the bit; so do the ids.
void expect_same_as_predict_line(const FastTextModel& m, FastTextModel::Scratch& scratch, const std::string& t) {
  const auto want_ids = m.input_ids_reference(t);
  ASSERT_EQ(m.input_ids(t, &scratch), want_ids) << t.substr(0, 200);
  FastTextModel::Scratch fresh;
  ASSERT_EQ(m.input_ids(t, &fresh), want_ids) << t.substr(0, 200);
  const auto want = m.predict_reference(t);
  for (FastTextModel::Scratch* s : {&scratch, &fresh, &scratch}) {
    const auto got = m.predict(t, s);
    ASSERT_EQ(got.first, want.first) << t.substr(0, 200);
    float a = static_cast<float>(got.second), b = static_cast<float>(want.second);
    uint32_t ab, bb;
    std::memcpy(&ab, &a, 4);
    std::memcpy(&bb, &b, 4);
    ASSERT_EQ(ab, bb) << t.substr(0, 200);
    ASSERT_EQ(got.second, want.second) << t.substr(0, 200);
  }
}

// A deterministic word of `len` bytes drawn from an alphabet with multi-byte characters.
std::string word_of(uint64_t& state, size_t len) {
  static const char* kPieces[] = {"a", "e", "t", "n", "s", "r", "é", "ü", "ж", "и", "中", "語", "-", "'", "0", "X"};
  std::string w;
  while (w.size() < len) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    w += kPieces[(state >> 33) % 16];
  }
  return w;
}

// Tokens around the cache's boundaries: 8 and 9 bytes (a key word), up to 255 and past it (never
// cached), keys that share their first 8 bytes or all but the last one, labels, "</s>", vocabulary words.
std::vector<std::string> crafted_texts() {
  std::vector<std::string> texts;
  std::string prefixes;
  for (const char* w : {"abcdefgh", "abcdefghi", "abcdefgh1", "abcdefghij", "abcdefghijklmnop", "abcdefghijklmnopq",
                        "abcdefghijklmnopr", "abcdefg", "abcdefgi", "a", "ab", "abc"})
    prefixes += std::string(w) + " ";
  texts.push_back(prefixes);
  texts.push_back(prefixes + prefixes + "the of and the of and");
  for (size_t len : {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 254, 255, 256, 300, 1000}) {
    std::string t;
    for (int k = 0; k < 3; ++k) t += std::string(len, static_cast<char>('a' + k)) + " x" + std::string(len, 'q') + " ";
    texts.push_back(t);
    texts.push_back(t + t);
  }
  texts.push_back("__label__en __label__fr hello __label__zz __label__ __label__en world");
  texts.push_back("__label__ __label__zz __label__en");
  texts.push_back("one two </s> three four");
  texts.push_back("</s>");
  texts.push_back("</s></s> </s>x x</s>");
  texts.push_back("ÄÖÜ äöü ß Ελληνικά русский 中文 日本語 한국어 العربية עברית हिन्दी");
  // Many repeated and many distinct tokens in one text.
  uint64_t state = 7;
  std::string mixed;
  for (int i = 0; i < 3000; ++i) {
    mixed += (i % 3 == 0) ? word_of(state, 1 + i % 23) : std::string(i % 2 ? "the" : "Wörter");
    mixed += i % 17 == 0 ? "\t" : " ";
  }
  texts.push_back(mixed);
  return texts;
}

}  // namespace

// The token cache gives what no cache gives, on a first and a repeated sight of a token, including the
// tokens it does not keep; a second sight of a text is all hits.
TEST(FastPaths, FastTextCacheEqualsPredictLine) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  auto m = FastTextModel::load(dclm::testing::data_path("models/lid.176.ftz"));
  FastTextModel::Scratch scratch;
  for (const auto& t : crafted_texts()) {
    expect_same_as_predict_line(*m, scratch, t);
    bool cacheable = true;
    for (size_t i = 0, run = 0; i <= t.size(); ++i) {
      const bool sep = i == t.size() || std::strchr(" \t\n\r\v\f", t[i]);
      run = sep ? 0 : run + 1;
      if (run > 255) cacheable = false;
    }
    if (!cacheable) continue;
    const uint64_t lookups = scratch.cache_lookups(), hits = scratch.cache_hits();
    m->predict(t, &scratch);
    EXPECT_EQ(scratch.cache_hits() - hits, scratch.cache_lookups() - lookups) << t.substr(0, 200);
    EXPECT_GT(scratch.cache_lookups(), lookups);
  }
}

// The cache starts over when it holds its most tokens, or its records their most bytes; the ids stay
// right across that.
TEST(FastPaths, FastTextCacheStartsOver) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  auto m = FastTextModel::load(dclm::testing::data_path("models/lid.176.ftz"));
  FastTextModel::Scratch scratch;
  uint64_t state = 11;
  auto check_pool_sample = [&] {
    for (const auto& t : crafted_texts()) expect_same_as_predict_line(*m, scratch, t);
  };
  check_pool_sample();
  // 150K distinct short tokens: more than the cache keeps (64K).
  for (int k = 0; k < 50; ++k) {
    std::string t;
    for (int i = 0; i < 3000; ++i) t += word_of(state, 3 + (i % 9)) + std::to_string(k * 3000 + i) + " ";
    ASSERT_EQ(m->input_ids(t, &scratch), m->input_ids_reference(t));
  }
  check_pool_sample();
  // 12K distinct long tokens with many ids each: more record bytes than the cache keeps.
  for (int k = 0; k < 40; ++k) {
    std::string t;
    for (int i = 0; i < 300; ++i) t += word_of(state, 120 + (i % 130)) + " ";
    ASSERT_EQ(m->input_ids(t, &scratch), m->input_ids_reference(t));
    ASSERT_EQ(m->input_ids(t, &scratch), m->input_ids_reference(t));  // now from the cache
  }
  check_pool_sample();
}

// The other layouts predict() handles: a dense matrix (dim 16 and not), quantised ones with and without
// norms, with a last sub-quantiser of another width, pruned to a few n-grams; softmax and hierarchical
// softmax; word bigrams (hashes of cached tokens).
TEST(FastPaths, FastTextOtherLayoutsEqualPredictLine) {
  dclm::testing::TempDir tmp;
  auto texts = corpus();
  for (const auto& t : crafted_texts()) texts.push_back(t);
  {
    std::ofstream f(tmp / "train.txt");
    size_t i = 0;
    for (const auto& t : texts) {
      if (t.size() < 40) continue;
      f << (i++ % 3 == 0 ? "__label__hq " : i % 3 == 1 ? "__label__cc " : "__label__xx ") << no_newlines(t.substr(0, 400))
        << "\n";
    }
  }
  struct Layout {
    const char* name;
    int dim;
    fasttext::loss_name loss;
    int word_ngrams;
    bool quantise, qnorm;
    size_t dsub, cutoff;
    int bucket;
  };
  const Layout layouts[] = {
      {"dense16_hs", 16, fasttext::loss_name::hs, 1, false, false, 2, 0, 50000},
      {"dense10_softmax_bigrams", 10, fasttext::loss_name::softmax, 2, false, false, 2, 0, 50000},
      // Quantised with a cutoff (the library's k-means is slow on many rows).
      {"q16_qnorm", 16, fasttext::loss_name::hs, 1, true, true, 2, 1000, 50000},
      {"q10_dsub4_bigrams", 10, fasttext::loss_name::softmax, 2, true, false, 4, 1500, 50000},
      {"q10_qnorm_dsub3", 10, fasttext::loss_name::softmax, 2, true, true, 3, 1000, 50000},
  };
  for (const Layout& l : layouts) {
    SCOPED_TRACE(l.name);
    fasttext::Args a;
    a.input = tmp / "train.txt";
    a.output = tmp / l.name;
    a.model = fasttext::model_name::sup;
    a.loss = l.loss;
    a.dim = l.dim;
    a.epoch = 3;
    a.lr = 0.5;
    a.wordNgrams = l.word_ngrams;
    a.minCount = 2;
    a.minn = 2;
    a.maxn = 4;
    a.bucket = l.bucket;
    a.thread = 1;
    a.verbose = 0;
    fasttext::FastText ft;
    ft.train(a);
    std::string path = tmp / (std::string(l.name) + ".bin");
    if (l.quantise) {
      fasttext::Args q = a;
      q.qnorm = l.qnorm;
      q.dsub = l.dsub;
      q.cutoff = l.cutoff;
      q.retrain = false;
      q.qout = false;
      ft.quantize(q);
      path = tmp / (std::string(l.name) + ".ftz");
    }
    ft.saveModel(path);
    auto m = FastTextModel::load(path);
    FastTextModel::Scratch scratch;
    size_t n = 0;
    for (const auto& t : texts) {
      if (n++ % (t.size() > 3000 ? 6 : 2) != 0) continue;  // a sample keeps the test short
      expect_same_as_predict_line(*m, scratch, no_newlines(t));
    }
  }
}
