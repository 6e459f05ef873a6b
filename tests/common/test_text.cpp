#include <gtest/gtest.h>

#include "common/text.h"

using namespace dclm::text;
using V = std::vector<std::string>;

// Expected values are what CPython 3 returns for the same calls.
TEST(Text, SplitWhitespaceLikePython) {
  EXPECT_EQ(split_whitespace("  a b\t\tc\n"), (V{"a", "b", "c"}));
  EXPECT_EQ(split_whitespace(""), V{});
  // U+00A0 (no-break space) and U+3000 are whitespace for str.split(); U+200B is not.
  EXPECT_EQ(split_whitespace("a\u00a0b\u3000c\u200bd"), (V{"a", "b", "c\u200bd"}));
  EXPECT_EQ(split_whitespace("x\x1cy\x1fz"), (V{"x", "y", "z"}));
}

TEST(Text, SplitWithSeparatorKeepsEmpties) {
  EXPECT_EQ(split("a,,b,", ","), (V{"a", "", "b", ""}));
  EXPECT_EQ(split("abc", "\n"), (V{"abc"}));
}

TEST(Text, StripLikePython) {
  EXPECT_EQ(strip(" \t\n x y \u2003"), "x y");
  EXPECT_EQ(lstrip("  x "), "x ");
  EXPECT_EQ(rstrip("  x "), "  x");
  EXPECT_EQ(strip("\u00a0"), "");
}

TEST(Text, SplitlinesLikePython) {
  // "a\nb\r\nc\rd\x0be\x0cf\x1cg\u2028h\u0085i\n".splitlines()
  EXPECT_EQ(splitlines("a\nb\r\nc\rd\x0b" "e\x0c" "f\x1cg\u2028h\u0085i\n"),
            (V{"a", "b", "c", "d", "e", "f", "g", "h", "i"}));
  EXPECT_EQ(splitlines("\n\nx"), (V{"", "", "x"}));
  EXPECT_EQ(splitlines(""), V{});
}

TEST(Text, Utf8Helpers) {
  EXPECT_EQ(codepoint_count("h\u00e9llo \U0001F600"), 7u);
  EXPECT_TRUE(is_valid_utf8("h\u00e9llo"));
  EXPECT_FALSE(is_valid_utf8("bad \xff byte"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));          // truncated sequence
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(u32_to_utf8(utf8_to_u32("a\u00e9\U0001F600")), "a\u00e9\U0001F600");
}
