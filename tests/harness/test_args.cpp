#include <gtest/gtest.h>

#include "harness/cli.h"

using namespace dclm::harness;

TEST(Args, ParsesValuesFlagsAndPositionals) {
  Args a("x", "summary", {{"out", "h", ""}, {"n", "h", "3"}, {"fast", "h", "", true}}, "FILE...");
  ASSERT_TRUE(a.parse({"--out", "o.txt", "in1", "--n=7", "--fast", "in2"}));
  EXPECT_EQ(a.get("out"), "o.txt");
  EXPECT_EQ(a.get_int("n"), 7);
  EXPECT_TRUE(a.flag("fast"));
  EXPECT_EQ(a.positional(), (std::vector<std::string>{"in1", "in2"}));
}

TEST(Args, UsageErrors) {
  Args a("x", "s", {{"n", "h", "3"}, {"fast", "h", "", true}});
  EXPECT_THROW(Args(a).parse({"--bogus"}), UsageError);
  EXPECT_THROW(Args(a).parse({"--n"}), UsageError);
  EXPECT_THROW(Args(a).parse({"--fast=1"}), UsageError);
  EXPECT_THROW(Args(a).parse({"stray"}), UsageError);  // no positionals declared
  Args b(a);
  ASSERT_TRUE(b.parse({"--n", "abc"}));
  EXPECT_THROW(b.get_int("n"), UsageError);
  EXPECT_FALSE(Args(a).parse({"--help"}));
  EXPECT_NE(a.usage().find("--fast"), std::string::npos);
}
