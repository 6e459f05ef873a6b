// Python string semantics and DCLM word tokenizers (curation.md §0, §5.0).
#include <gtest/gtest.h>

#include "curation/pytext.h"

namespace py = dclm::curation::py;

TEST(PyText, FastTextTokenizeEmitsEosPerNewline) {
  // fastText readWord: separators ' ' \n \r \t \v \f \0; each '\n' yields "</s>".
  auto t = py::fasttext_tokenize("a b\nc\n\nd\te");
  std::vector<std::string> want = {"a", "b", "</s>", "c", "</s>", "</s>", "d", "e"};
  EXPECT_EQ(t, want);
}

TEST(PyText, SplitWordsFastTextKeepsAlnumFirstChar) {
  // "</s>" and "-" start with non-alnum; "3rd" and "élan" start with alnum.
  auto w = py::split_words_fasttext("Hello - world\n3rd élan ...");
  std::vector<std::string> want = {"Hello", "world", "3rd", "élan"};
  EXPECT_EQ(w, want);
  EXPECT_EQ(py::count_words_fasttext("Hello - world\n3rd élan ..."), 4u);
  // Unicode whitespace (U+00A0) is not a fastText separator: "a\u00a0b" is one token.
  EXPECT_EQ(py::count_words_fasttext("a\xC2\xA0" "b c"), 2u);
}

TEST(PyText, Uax29Words) {
  auto w = py::uax29_words("Hello, world");
  std::vector<std::string> want = {"Hello", ",", " ", "world"};
  EXPECT_EQ(w, want);
  auto k = py::split_words_uniseg("Don't stop: 3.14 apples!");
  // UAX#29 keeps "Don't" and "3.14" whole (WB6/7, WB11/12).
  std::vector<std::string> want2 = {"Don't", "stop", "3.14", "apples"};
  EXPECT_EQ(k, want2);
}

TEST(PyText, CharacterClasses) {
  EXPECT_TRUE(py::isalpha(U'a'));
  EXPECT_TRUE(py::isalpha(U'\u00e9'));
  EXPECT_TRUE(py::isalpha(U'\u4e2d'));  // Lo
  EXPECT_FALSE(py::isalpha(U'1'));
  EXPECT_TRUE(py::isupper(U'A'));
  EXPECT_FALSE(py::isupper(U'a'));
  EXPECT_TRUE(py::isdigit(U'7'));
  EXPECT_TRUE(py::isdigit(U'\u00b2'));   // superscript two: Numeric_Type=Digit
  EXPECT_FALSE(py::isdigit(U'\u00bd'));  // ½ is numeric, not digit
  EXPECT_TRUE(py::isalnum(U'\u00bd'));
  EXPECT_FALSE(py::isalnum(U'_'));
}

TEST(PyText, SplitParagraphsStripsAndDropsEmpty) {
  auto p = py::split_paragraphs("  a \n\n b\n \n", "\n");
  std::vector<std::string> want = {"a", "b"};
  EXPECT_EQ(p, want);
  EXPECT_EQ(py::count_substr("......", "..."), 2u);
  EXPECT_EQ(py::count_substr("aaaa", "aa"), 2u);
}
