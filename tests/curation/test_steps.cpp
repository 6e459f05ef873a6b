// DCLM mapper semantics on hand-computed inputs (curation.md §3, §4.2). Expected values follow the spec's
// formulas, worked out in the comments.
#include <fasttext/args.h>
#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/text.h"
#include "curation/steps/fasttext_model.h"
#include "helpers.h"
#include "test_util.h"

using namespace dclm::curation;
using namespace dclm::curation::testing;

namespace dclm::curation::steps {
std::string repetition_failure(const std::string& text, bool skip_paragraph = false);
std::string url_netloc(const std::string& url);
}  // namespace dclm::curation::steps
using dclm::curation::steps::repetition_failure;

static std::string words(int n, const std::string& w = "word") {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + w;
  return s;
}

TEST(Steps, PageLengthCountsFastTextWordsWithAlnumStart) {
  const std::string y = "{func: page_length_filter, length_type: word, min_length: 50, max_length: 100000, ignore_punctuation: true}";
  EXPECT_TRUE(keeps(y, words(50)));
  EXPECT_FALSE(keeps(y, words(49)));
  // 49 words plus punctuation tokens and newlines (</s>) still count 49.
  EXPECT_FALSE(keeps(y, words(49) + " - ... !!\n\n"));
  EXPECT_TRUE(keeps(y, words(49) + "\n9th"));
  const std::string small = "{func: page_length_filter, length_type: word, min_length: 1, max_length: 3, ignore_punctuation: true}";
  EXPECT_TRUE(keeps(small, "a b c"));
  EXPECT_FALSE(keeps(small, "a b c d"));
}

TEST(Steps, WordLengthMeanInclusiveBounds) {
  const std::string y = "{func: word_length_filter, min_length: 3, max_length: 10}";
  EXPECT_TRUE(keeps(y, "abc abc"));       // mean 3
  EXPECT_FALSE(keeps(y, "ab abc"));       // mean 2.5
  EXPECT_TRUE(keeps(y, "ab abcd"));       // mean 3
  EXPECT_TRUE(keeps(y, "ééé ééé"));       // code points, not bytes: mean 3
  EXPECT_FALSE(keeps(y, "abcdefghijk"));  // 11
  EXPECT_FALSE(keeps(y, "   \n "));       // no words → drop
}

TEST(Steps, SymbolRatio) {
  const std::string y = "{func: symbol_ratio_filter, max_symbol_to_word_ratio: 0.1}";
  // 10 words, one '#': 0.1 is not > 0.1 → keep; two symbols → 0.2 → drop.
  EXPECT_TRUE(keeps(y, words(9) + " #tag"));
  EXPECT_FALSE(keeps(y, words(8) + " #tag wait..."));
  // "…" counts; ". . ." counts once as ". . ." (and contains no "...").
  EXPECT_FALSE(keeps(y, words(8) + " x\xE2\x80\xA6 y. . ."));
  EXPECT_FALSE(keeps(y, ""));
}

TEST(Steps, BulletAndEllipsisRatios) {
  const std::string b = "{func: bullet_count_filter, max_bullet_start_ratio: 0.9}";
  // 10 non-empty lines, 9 bullets: 9 > 9.0 is false → keep; 10 of 10 → drop.
  std::string nine = "plain\n";
  for (int i = 0; i < 9; ++i) nine += "  \xE2\x80\xA2 item\n\n";
  EXPECT_TRUE(keeps(b, nine));
  EXPECT_FALSE(keeps(b, "* a\n- b\n\xE2\x97\x8F c"));
  const std::string e = "{func: ellipsis_count_filter, max_ellipsis_end_ratio: 0.3}";
  // 10 lines, 3 ending with an ellipsis: 3 > 3.0 false → keep; 4 → drop.
  std::string t = "a...\nb. . .\nc\xE2\x80\xA6\n";
  for (int i = 0; i < 7; ++i) t += "line\n";
  EXPECT_TRUE(keeps(e, t));
  EXPECT_FALSE(keeps(e, "x...\n" + t));
}

TEST(Steps, AlphabeticWordRatio) {
  const std::string y = "{func: alphabetic_word_ratio_filter, max_ratio: 0.2}";
  EXPECT_TRUE(keeps(y, "one two three four 42"));    // 1/5 = 0.2 → keep
  EXPECT_FALSE(keeps(y, "one two three 42 -"));      // 2/5 = 0.4 → drop
  EXPECT_TRUE(keeps(y, "a1 b2 c3 d4 é5"));           // every word has a letter
  EXPECT_FALSE(keeps(y, ""));
}

TEST(Steps, StopWordsCountAllOccurrencesLowercased) {
  const std::string y = "{func: stop_word_filter, count_unique: false, min_stop_word: 2}";
  EXPECT_FALSE(keeps(y, "The cat sat"));
  EXPECT_TRUE(keeps(y, "THE cat and dog"));
  EXPECT_TRUE(keeps(y, "the the"));            // occurrences, not distinct
  EXPECT_FALSE(keeps(y, "the, cat, and,"));    // "the," is not "the"
  EXPECT_FALSE(keeps("{func: stop_word_filter, count_unique: true, min_stop_word: 2}", "the the"));
}

TEST(Steps, RepetitionLinesAndParagraphs) {
  // lines ["a x","a x","b y"]: duplicate count 2/3 = 0.667 > 0.3
  EXPECT_EQ(repetition_failure("a x\na x\nb y"), "dup_lines");
  // 8 lines, one pair duplicated: count 2/8 = 0.25 ≤ 0.3; chars 2·24/(2·24 + 6·2) = 0.8 > 0.2
  std::string t = "aaaa bbbb cccc dddd eeee\naaaa bbbb cccc dddd eeee\nu1\nu2\nu3\nu4\nu5\nu6";
  EXPECT_EQ(repetition_failure(t), "dup_lines_chars");
  // No segments at all → drop; a single line passes the segment checks.
  EXPECT_EQ(repetition_failure(" \n \n"), "no_lines");
  EXPECT_EQ(repetition_failure(""), "empty");
  EXPECT_EQ(repetition_failure("just one line here"), "");
  // Paragraphs ["aa\nbb", "aa\nbb", <10 lines of 12 chars>]: lines dup count 4/14 = 0.286 ≤ 0.3, line chars
  // 8/128 = 0.0625 ≤ 0.2, paragraphs dup count 2/3 = 0.667 > 0.3.
  std::string p = "aa\nbb\n\naa\nbb\n\n";
  for (int i = 0; i < 10; ++i) p += "uniqueline" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1) + "\n";
  EXPECT_EQ(repetition_failure(p), "dup_paragraphs");
  EXPECT_EQ(repetition_failure(p, /*skip_paragraph=*/true), "");
}

TEST(Steps, RepetitionTopNgram) {
  // 14 two-letter words; "aa bb" occurs twice: L=4, c=2, total 28 → 8/28 = 0.2857 > 0.20
  EXPECT_EQ(repetition_failure("aa bb aa bb cc dd ee ff gg hh ii jj kk ll"), "top_2gram");
  // "aa bb" twice + 10 distinct 5-letter words: 8/58 = 0.138 ≤ 0.20; no repeated 3/4/5-grams → pass
  EXPECT_EQ(repetition_failure("aa bb alpha bravo charl delta echoo aa bb foxtr golfs hotel india julie"), "");
}

TEST(Steps, RepetitionDuplicateNgramCoverage) {
  // "a b c d e" twice + 9 distinct 5-letter words: total = 10 + 45 = 55.
  // top 2/3/4-gram: 4/55, 6/55, 8/55 = 0.073, 0.109, 0.145 (≤ 0.20, 0.18, 0.16);
  // duplicate 5-grams cover 10 chars: 10/55 = 0.1818 > 0.15 → drop.
  EXPECT_EQ(repetition_failure("a b c d e alpha bravo charl delta a b c d e echoo foxtr golfs hotel india"),
            "dup_5gram");
  // With 12 filler words (total 70): 10/70 = 0.143 ≤ 0.15 → pass.
  EXPECT_EQ(repetition_failure("a b c d e alpha bravo charl delta a b c d e echoo foxtr golfs hotel india julie "
                               "kilos limas"),
            "");
}

TEST(Steps, UppercaseNumericCounterLines) {
  std::string t = "HELLO world\nABC\nfine line";  // 5/11 = 0.45 keep; 3/3 drop
  EXPECT_TRUE(run_step("{func: uppercase_ratio_line_modifier, max_ratio: 0.5}", t).keep);
  EXPECT_EQ(t, "HELLO world\nfine line");
  t = "12345\nabc 123\n";
  EXPECT_TRUE(run_step("{func: numeric_ratio_line_modifier, max_ratio: 0.999999}", t).keep);
  EXPECT_EQ(t, "abc 123");
  t = "1.2K likes\nreal text here\n  15 views!\n3 comments so far";
  EXPECT_TRUE(run_step("{func: counter_line_modifier}", t).keep);
  EXPECT_EQ(t, "real text here\n3 comments so far");
  t = "ABC\nDEF";
  EXPECT_FALSE(run_step("{func: uppercase_ratio_line_modifier, max_ratio: 0.5}", t).keep);
}

TEST(Steps, LineLengthKeepsEmptyLinesAndDoesNotStrip) {
  std::string t = "one\ntwo words\n\nthree word line\n";
  EXPECT_TRUE(run_step("{func: line_length_modifier, min_length: 2}", t).keep);
  EXPECT_EQ(t, "two words\n\nthree word line\n");
}

TEST(Steps, SubstringLineModifierQuirks) {
  std::string t = "Nice post Read more!!!\nRead more...\nkeep this line";
  // Unescaped "read more..." : the three dots match any three characters; "Read more..." alone becomes ''.
  EXPECT_TRUE(run_step("{func: substring_line_modifier, banlist: Read more..., location: suffix, max_length: 10, "
                       "remove_substring_only: true}", t).keep);
  EXPECT_EQ(t, "Nice post\nkeep this line");
  t = "3 items in cart\nITEMS IN CART";
  EXPECT_TRUE(run_step("{func: substring_line_modifier, banlist: items in cart, max_length: 10, remove_substring_only: true}", t).keep);
  EXPECT_EQ(t, "3");
  t = "Sign-in to continue\nPlease sign-in";
  EXPECT_TRUE(run_step("{func: substring_line_modifier, banlist: Sign-in, location: prefix, max_length: 10, remove_substring_only: true}", t).keep);
  EXPECT_EQ(t, "to continue\nPlease sign-in");
  // Lines with more than max_length words are untouched.
  t = "one two three four five six seven eight nine ten eleven Read more...";
  EXPECT_TRUE(run_step("{func: substring_line_modifier, banlist: Read more..., location: suffix, max_length: 10, remove_substring_only: true}", t).keep);
  EXPECT_EQ(t, "one two three four five six seven eight nine ten eleven Read more...");
}

TEST(Steps, WordRemovalRatio) {
  auto s = step_from("{func: word_removal_ratio_filter, prev_word_count_key: previous_word_count, max_removed_ratio: 0.05}");
  Document d = doc_with(words(95));
  d.record["previous_word_count"] = 100;  // (100-95)/100 = 0.05, not > 0.05
  EXPECT_TRUE(s->apply(d).keep);
  d.text = words(94);
  EXPECT_FALSE(s->apply(d).keep);
  d.record["previous_word_count"] = 0;
  EXPECT_FALSE(s->apply(d).keep);
  auto c = step_from("{func: word_counter_enricher, key: previous_word_count}");
  Document e = doc_with("a - b\nc ...");
  c->apply(e);
  EXPECT_EQ(e.record["previous_word_count"].get<int>(), 3);
}

TEST(Steps, NewlineRemoval) {
  std::string t = "a\n\n\n\nb\n\nc\n\n\n";
  run_step("{func: newline_removal_modifier, max_consecutive: 2}", t);
  EXPECT_EQ(t, "a\n\nb\n\nc\n\n");
}

TEST(Steps, UrlSubstringFilter) {
  const std::string strict = "{func: url_substring_filter, banlist: [porn], ignore_chars: ['-', '.']}";
  EXPECT_FALSE(keeps(strict, "x", "http://example.com/p-o.r.n"));
  EXPECT_TRUE(keeps(strict, "x", "http://example.com/p_orn"));
  const std::string hard = "{func: url_substring_filter, banlist: [sex], match_substrings: false}";
  EXPECT_TRUE(keeps(hard, "x", "http://example.com/sexy"));
  EXPECT_FALSE(keeps(hard, "x", "http://SEX.example.com/"));
  const std::string soft = "{func: url_substring_filter, banlist: [webcam, escort, girls], num_banned_substrs: 2, match_substrings: false}";
  EXPECT_TRUE(keeps(soft, "x", "http://example.com/webcam/webcam"));  // 1 distinct
  EXPECT_FALSE(keeps(soft, "x", "http://example.com/webcam-girls"));  // 2 distinct
  // exact domain: netloc lowercased, "www" removed anywhere.
  const std::string dom = "{func: url_substring_filter, banlist: [bad.com, ab.com], exact_domain_match: true, ignore_chars: [www]}";
  EXPECT_FALSE(keeps(dom, "x", "http://wwwBAD.com/page"));
  EXPECT_FALSE(keeps(dom, "x", "https://awwwb.com"));
  EXPECT_TRUE(keeps(dom, "x", "http://www.bad.com/"));  // → ".bad.com"
  EXPECT_EQ(steps::url_netloc("http://user@Host.com:80/a?b"), "user@Host.com:80");
  EXPECT_EQ(steps::url_netloc("example.com/a"), "");
}

TEST(Steps, UrlRemovalOnlyWhenTextStartsWithTld) {
  DCLM_REQUIRE_DATA("lists/dclm_iana_tlds.txt");
  const std::string y = "{func: url_removal_modifier, tlds_filepath: " +
                        dclm::testing::data_path("lists/dclm_iana_tlds.txt") + "}";
  std::string t = "in the morning visit example.com today";  // starts with "in" (a TLD)
  run_step(y, t);
  EXPECT_EQ(t, "in the morning visit today");
  t = "2 visits to example.com today";  // no TLD starts with a digit: URL kept
  run_step(y, t);
  EXPECT_EQ(t, "2 visits to example.com today");
  t = "2 servers: 192.168.0.1 is down";  // IPv4 always removed, with up to 10 leading spaces
  run_step(y, t);
  EXPECT_EQ(t, "2 servers: is down");
  t = "10.0.0.1";
  EXPECT_FALSE(run_step(y, t).keep);
}

TEST(Steps, LanguageFilterStrictThreshold) {
  auto f = step_from("{func: language_filter, key: language_id_whole_page_fasttext, keep_languages: [en], threshold: 0.65}");
  Document d = doc_with("x");
  d.record["language_id_whole_page_fasttext"] = {{"en", 0.65}};
  EXPECT_FALSE(f->apply(d).keep);
  d.record["language_id_whole_page_fasttext"] = {{"en", 0.6500001}};
  EXPECT_TRUE(f->apply(d).keep);
  d.record["language_id_whole_page_fasttext"] = nlohmann::json::object();
  EXPECT_FALSE(f->apply(d).keep);
}

TEST(Steps, FastTextLanguageId) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  const std::string y = "{func: detect_lang_whole_page_enricher, model: fasttext, key_prefix: language_id_whole_page, "
                        "model_file: " + dclm::testing::data_path("models/lid.176.ftz") + "}";
  auto s = step_from(y);
  Document en = doc_with("The quick brown fox jumps over the lazy dog.\nThis is a plain English sentence about the weather.");
  s->apply(en);
  ASSERT_TRUE(en.record["language_id_whole_page_fasttext"].contains("en"));
  EXPECT_GT(en.record["language_id_whole_page_fasttext"]["en"].get<double>(), 0.65);
  Document de = doc_with("Der schnelle braune Fuchs springt über den faulen Hund und die Katze schläft.");
  s->apply(de);
  EXPECT_TRUE(de.record["language_id_whole_page_fasttext"].contains("de"));
  Document punct = doc_with("... !!! -- ??");
  s->apply(punct);
  EXPECT_TRUE(punct.record["language_id_whole_page_fasttext"].empty());
  // is_space_or_punct only accepts ' ' as space: a newline makes fastText run.
  Document nl = doc_with("...\n!!!");
  s->apply(nl);
  EXPECT_EQ(nl.record["language_id_whole_page_fasttext"].size(), 1u);
}

TEST(Steps, UnknownStepAndParameterNameTheLine) {
  try {
    make_step(dclm::ConfigNode(dclm::load_yaml_string("\nfunc: no_such_step\n", "r.yaml"), "r.yaml"));
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("r.yaml:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no_such_step"), std::string::npos);
  }
  try {
    make_step(dclm::ConfigNode(dclm::load_yaml_string("func: word_length_filter\nmin_length: 3\nmin_lenght: 4\n", "r.yaml"), "r.yaml"));
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("r.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("min_lenght"), std::string::npos);
  }
}


TEST(Steps, FastTextQualityEnricherAndFilter) {
  // Train a tiny stand-in classifier (curation.md §10 "Stand-in for tests") with one thread.
  dclm::testing::TempDir tmp;
  {
    std::ofstream f(tmp / "train.txt");
    for (int i = 0; i < 30; ++i) {
      f << "__label__hq the theory explains how gravity and light interact in physics lesson " << i << "\n";
      f << "__label__cc buy cheap pills now click here free casino bonus offer " << i << "\n";
    }
  }
  fasttext::Args a;
  a.input = tmp / "train.txt";
  a.output = tmp / "q";
  a.model = fasttext::model_name::sup;
  a.loss = fasttext::loss_name::softmax;
  a.dim = 10;
  a.epoch = 30;
  a.lr = 0.5;
  a.wordNgrams = 2;
  a.minCount = 1;
  a.bucket = 10000;
  a.thread = 1;
  a.verbose = 0;
  fasttext::FastText ft;
  ft.train(a);
  ft.saveModel(tmp / "q.bin");

  auto e = step_from("{func: classify_fasttext_hq_prob_enricher, model_filename: " + (tmp / "q.bin") +
                     ", key: fasttext_oh_eli5_vs_rw_v2_prob}");
  auto model = FastTextModel::load(tmp / "q.bin");
  for (const std::string text : {"  physics lesson:\ngravity and light\r\ninteract  ", "free casino\nbuy pills now"}) {
    Document d = doc_with(text);
    e->apply(d);
    // Same prediction on " ".join(text.strip().splitlines()); __label__cc → 1 − p.
    std::string joined = dclm::text::join(dclm::text::splitlines(dclm::text::strip(text)), " ");
    auto [label, p] = model->predict(joined);
    double want = label == "cc" ? 1.0 - p : p;
    EXPECT_DOUBLE_EQ(d.record["fasttext_oh_eli5_vs_rw_v2_prob"].get<double>(), want);
  }
  Document hq = doc_with("the theory explains how gravity and light interact");
  Document cc = doc_with("buy cheap pills now click here");
  e->apply(hq);
  e->apply(cc);
  EXPECT_GT(hq.record["fasttext_oh_eli5_vs_rw_v2_prob"].get<double>(), 0.5);
  EXPECT_LT(cc.record["fasttext_oh_eli5_vs_rw_v2_prob"].get<double>(), 0.5);
  auto q = step_from("{func: quality_filter, key: fasttext_oh_eli5_vs_rw_v2_prob, threshold: 0.018112}");
  Document at = doc_with("x");
  at.record["fasttext_oh_eli5_vs_rw_v2_prob"] = 0.018112;  // >= keeps
  EXPECT_TRUE(q->apply(at).keep);
  at.record["fasttext_oh_eli5_vs_rw_v2_prob"] = 0.0181119;
  EXPECT_FALSE(q->apply(at).keep);
}

TEST(Steps, LineCounterEnricher) {
  auto s = step_from("{func: line_counter_enricher}");
  Document d = doc_with("Hello\n\nWorld and all\nand beyond");  // DCLM docstring example: 3
  s->apply(d);
  EXPECT_EQ(d.record["num_lines"].get<int>(), 3);
  auto p = step_from("{func: line_counter_enricher, paragraph_end: \"\\n\\n\", key: paras}");
  p->apply(d);
  EXPECT_EQ(d.record["paras"].get<int>(), 2);
}
