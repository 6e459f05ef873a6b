// The datatrove-style filters of the c4 and fineweb recipes, hand-made cases from curation.md §6 and §7.1:
// c4_quality_filter (line rules, document drops, sentence minimum), c4_badwords_filter (Unicode \W
// boundaries), fineweb_quality_filter (strict thresholds), and the spaCy approximations they count with.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "curation/steps/spacy_approx.h"
#include "helpers.h"
#include "test_util.h"

using namespace dclm::curation;
using namespace dclm::curation::testing;
using dclm::testing::TempDir;

namespace dclm::curation::steps {
std::string fineweb_quality_failure(const std::string& text);
}
using dclm::curation::steps::fineweb_quality_failure;
using dclm::curation::steps::spacy_sentence_count;
using dclm::curation::steps::spacy_token_count;

namespace {
const char* kC4 = "{func: c4_quality_filter}";
// n lines, each one sentence of 4 words ending with '.'.
std::string sentences(int n) {
  std::string t;
  for (int i = 0; i < n; ++i) t += (i ? "\n" : "") + std::string("The cat sat ") + std::to_string(i) + ".";
  return t;
}
Verdict c4(std::string& text, const std::string& yaml = kC4) { return run_step(yaml, text); }
}  // namespace

TEST(SpacyApprox, TokensAndSentences) {
  EXPECT_EQ(spacy_token_count("Hello, world!"), 4u);
  EXPECT_EQ(spacy_token_count("don't stop..."), 4u);  // do n't stop ...
  EXPECT_EQ(spacy_token_count("(see)"), 3u);
  EXPECT_EQ(spacy_token_count("\xE2\x80\x94"), 1u);  // an em dash alone
  EXPECT_EQ(spacy_token_count("  "), 0u);
  EXPECT_EQ(spacy_sentence_count(""), 0u);
  EXPECT_EQ(spacy_sentence_count("One sentence only"), 1u);
  EXPECT_EQ(spacy_sentence_count("One. Two! Three? Four"), 4u);
  EXPECT_EQ(spacy_sentence_count("Ends with a period."), 1u);  // nothing after the last end
  EXPECT_EQ(spacy_sentence_count("Mr. Smith went to the U.S. and e.g. Paris."), 1u);
  EXPECT_EQ(spacy_sentence_count("Wait... and then more."), 1u);  // "..." is not a sentence end
  EXPECT_EQ(spacy_sentence_count("He said \"Stop.\" Then he left."), 2u);
  EXPECT_EQ(spacy_sentence_count("It ended.Next one"), 2u);
  EXPECT_EQ(spacy_sentence_count("\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82 \xE5\x86\x8D\xE8\xA7\x81"), 2u);  // 你好。 再见
}

TEST(C4Quality, SentenceMinimumIsFiveAndStrict) {
  std::string t = sentences(5);
  EXPECT_TRUE(c4(t).keep);
  EXPECT_EQ(t, sentences(5));
  t = sentences(4);
  EXPECT_EQ(c4(t).reason, "too_few_sentences");
  // One line holding five sentences.
  t = "One two three. Four five six. Seven eight nine. Ten eleven twelve. Thirteen fourteen fifteen.";
  EXPECT_TRUE(c4(t).keep);
  t = "One two three. Four five six. Seven eight nine. Ten eleven twelve.";
  EXPECT_FALSE(c4(t).keep);
  t = "";
  EXPECT_EQ(c4(t).reason, "too_few_sentences");
  t = "\n\n   \n";
  EXPECT_EQ(c4(t).reason, "too_few_sentences");
  t = sentences(4);
  EXPECT_TRUE(c4(t, "{func: c4_quality_filter, min_num_sentences: 4}").keep);
  t = sentences(1);
  EXPECT_TRUE(c4(t, "{func: c4_quality_filter, min_num_sentences: -1}").keep);
}

TEST(C4Quality, LineRules) {
  const std::string keep5 = sentences(5);
  // Dropped lines: no terminal punctuation, "..." ending, fewer than 3 words, javascript, policy phrases.
  std::string t = "  Menu Home About\n" + keep5 + "\nTo be continued...\nTwo words.\nEnable JavaScript to see it.\n" +
                  "We use cookies on this site.\nRead our Privacy Policy now.\nShe said \"yes.\"\nIt's 'quoted'";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nShe said \"yes.\"");  // "It's 'quoted'" ends with ' but has 2 words
  // A line ending with ' is kept (END_PUNCTUATION includes the single quote).
  t = keep5 + "\nHe called it 'fine'";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nHe called it 'fine'");
  // Lines are stripped; \r\n, \x0b and U+2028 are line breaks (splitlines).
  t = "  The cat sat 0.  \r\nThe cat sat 1.\x0bThe cat sat 2.\xE2\x80\xA8The cat sat 3.\nThe cat sat 4.";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, sentences(5));
  // filter_no_terminal_punct: false (FineWeb) keeps unpunctuated lines.
  t = keep5 + "\nMenu Home About";
  ASSERT_TRUE(c4(t, "{func: c4_quality_filter, filter_no_terminal_punct: false}").keep);
  EXPECT_EQ(t, keep5 + "\nMenu Home About");
}

TEST(C4Quality, CitationsAndLongWords) {
  const std::string keep5 = sentences(5);
  std::string t = keep5 + "\nThis is a fact.[1]\nAnother fact here.[edit]\nA third one.[citation needed]\nNot a cite.[1a]";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nThis is a fact.\nAnother fact here.\nA third one.");
  // The line is not re-stripped after the removal: "fact. [12]" → "fact. " fails the punctuation rule.
  t = keep5 + "\nThis is a fact. [12]\nEmpty cite works.[]";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nEmpty cite works.");
  // Unicode digits are \d: "[٣]" (Arabic-Indic three) is a citation.
  t = keep5 + "\nArabic digit cite.[\xD9\xA3]";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nArabic digit cite.");
  // Words longer than 1000 code points drop the line; exactly 1000 (2-byte é) is kept.
  std::string e1000, a1001(1001, 'a');
  for (int i = 0; i < 1000; ++i) e1000 += "\xC3\xA9";
  t = keep5 + "\nLong word " + e1000 + " ends.\nLonger word " + a1001 + " ends.";
  ASSERT_TRUE(c4(t).keep);
  EXPECT_EQ(t, keep5 + "\nLong word " + e1000 + " ends.");
}

TEST(C4Quality, DocumentDrops) {
  const std::string keep5 = sentences(5);
  std::string t = keep5 + "\nSome Lorem Ipsum dolor sit.";
  EXPECT_EQ(c4(t).reason, "lorem_ipsum");
  t = keep5 + "\nfunction f() { return 1; }.";
  EXPECT_EQ(c4(t).reason, "curly_bracket");
  // Both checks only see lines that survived rules 1-4: an unpunctuated or short line does not drop the page.
  t = keep5 + "\nlorem ipsum dolor sit\n{x}.\nvar x = {a}";
  EXPECT_TRUE(c4(t).keep);
  t = keep5 + "\nSome lorem ipsum here.";
  EXPECT_TRUE(c4(t, "{func: c4_quality_filter, filter_lorem_ipsum: false}").keep);
}

namespace {
std::string write_list(const TempDir& tmp, const std::string& body) {
  std::ofstream(tmp / "bad.txt") << body;
  return "{func: c4_badwords_filter, banlist_from_fname: " + tmp / "bad.txt" + "}";
}
}  // namespace

TEST(C4BadWords, WordBoundariesArePythonUnicodeW) {
  TempDir tmp;
  const std::string f = write_list(tmp, "bad\n  two words  \n\n\xF0\x9F\x96\x95\n");
  EXPECT_FALSE(keeps(f, "this is bad."));
  EXPECT_FALSE(keeps(f, "bad"));
  EXPECT_FALSE(keeps(f, "BAD at the start"));  // lowercased
  EXPECT_FALSE(keeps(f, "a-bad-b"));
  EXPECT_FALSE(keeps(f, "say two words now"));
  EXPECT_FALSE(keeps(f, "\xF0\x9F\x96\x95"));  // an emoji entry between edges
  EXPECT_TRUE(keeps(f, "badge"));
  EXPECT_TRUE(keeps(f, "a bad_x"));            // '_' is a word character
  EXPECT_TRUE(keeps(f, "\xC3\xA9" "bad"));     // é is a word character in Python's Unicode \w
  EXPECT_TRUE(keeps(f, "bad\xC3\xA9"));
  EXPECT_TRUE(keeps(f, "two  words"));
  EXPECT_TRUE(keeps(f, ""));
  const std::string sub = "{func: c4_badwords_filter, word_boundary: false, banlist_from_fname: " + tmp / "bad.txt" + "}";
  EXPECT_FALSE(keeps(sub, "badge"));
  EXPECT_THROW(step_from("{func: c4_badwords_filter, keep_fraction: 0.1, banlist_from_fname: " + tmp / "bad.txt" + "}"),
               dclm::Error);
}

TEST(C4BadWords, LdnoobwList) {
  DCLM_REQUIRE_DATA("lists/dclm_ldnoobw.txt");
  const char* f = "{func: c4_badwords_filter}";
  EXPECT_FALSE(keeps(f, "You are such an asshole, really."));
  EXPECT_FALSE(keeps(f, "Welcome to the 2 girls 1 cup fan page"));  // multi-word entry
  EXPECT_TRUE(keeps(f, "The class assessment starts at nine."));    // no whole-word hit
}

namespace {
// n distinct lines of 45 characters (46 with the period), the first `punct` of them ending with '.'.
std::vector<std::string> long_lines(int n, int punct) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) {
    char num[16];
    std::snprintf(num, sizeof num, "%03d", i);
    v.push_back("This is a much longer line of text number " + std::string(num) + (i < punct ? "." : ""));
  }
  return v;
}
std::string joined(const std::vector<std::string>& v) {
  std::string t;
  for (size_t i = 0; i < v.size(); ++i) t += (i ? "\n" : "") + v[i];
  return t;
}
}  // namespace

TEST(FineWebQuality, Thresholds) {
  EXPECT_EQ(fineweb_quality_failure(""), "empty");
  EXPECT_EQ(fineweb_quality_failure("\n \n\t"), "empty");
  EXPECT_EQ(fineweb_quality_failure("A single line that is long enough to pass and ends here."), "");
  // line_punct_ratio < 0.12 drops: 12 of 100 passes, 11 of 100 fails.
  EXPECT_EQ(fineweb_quality_failure(joined(long_lines(100, 12))), "");
  EXPECT_EQ(fineweb_quality_failure(joined(long_lines(100, 11))), "line_punct_ratio");
  // Blank lines are not lines: 12 of 100 plus 50 empty lines still passes.
  EXPECT_EQ(fineweb_quality_failure(joined(long_lines(100, 12)) + std::string(50, '\n')), "");
  // short_line_ratio > 0.67 drops (len <= 30): 67 of 100 passes, 68 fails.
  auto with_short = [](int n_short) {
    auto v = long_lines(100 - n_short, 100);
    for (int i = 0; i < n_short; ++i) v.push_back("Short line " + std::to_string(i) + ".");
    return joined(v);
  };
  EXPECT_EQ(fineweb_quality_failure(with_short(67)), "");
  EXPECT_EQ(fineweb_quality_failure(with_short(68)), "short_line_ratio");
  // A line of exactly 30 code points is short; 31 is not (é is one character).
  std::string l30 = "\xC3\xA9" + std::string(28, 'x') + ".", l31 = "\xC3\xA9" + std::string(29, 'x') + ".";
  EXPECT_EQ(fineweb_quality_failure(l30), "short_line_ratio");
  EXPECT_EQ(fineweb_quality_failure(l31), "");
  // char_dup_ratio > 0.01: characters of the second and later copies of a line over the characters
  // without '\n'. 100 lines of 46 characters, one copy: 46 / 4600 = 0.01 exactly passes; two copies fail.
  auto v = long_lines(100, 100);
  v[99] = v[0];
  EXPECT_EQ(fineweb_quality_failure(joined(v)), "");
  v[98] = v[0];
  EXPECT_EQ(fineweb_quality_failure(joined(v)), "char_dup_ratio");
  // list_ratio: '\n' count / words > 0.3 — one long word per line is a list.
  std::vector<std::string> w;
  for (int i = 0; i < 10; ++i) w.push_back("Pneumonoultramicroscopicsilicovolcanoconiosis" + std::string(i + 1, 'a') + ".");
  EXPECT_EQ(fineweb_quality_failure(joined(w)), "list_ratio");  // 9 newlines / 20 tokens
  // Non-ASCII terminal punctuation: the ideographic full stop counts, the comma does not.
  std::vector<std::string> cjk;
  for (int i = 0; i < 10; ++i)
    cjk.push_back("\xE8\xBF\x99\xE6\x98\xAF\xE4\xB8\x80\xE4\xB8\xAA\xE5\xBE\x88\xE9\x95\xBF\xE7\x9A\x84\xE5\x8F\xA5\xE5\xAD\x90 "
                  "with enough latin words to be long " + std::to_string(i) + (i == 0 ? "\xE3\x80\x82" : ","));
  EXPECT_EQ(fineweb_quality_failure(joined(cjk)), "line_punct_ratio");  // 1/10 = 0.1 < 0.12
  cjk[1].replace(cjk[1].size() - 1, 1, "\xEF\xBC\x81");                   // fullwidth '!'
  EXPECT_EQ(fineweb_quality_failure(joined(cjk)), "");                   // 2/10
  // The step reports the same reasons.
  std::string t = joined(long_lines(100, 11));
  EXPECT_EQ(run_step("{func: fineweb_quality_filter}", t).reason, "line_punct_ratio");
  EXPECT_TRUE(keeps("{func: fineweb_quality_filter, line_punct_thr: 0.1}", joined(long_lines(100, 11))));
}
