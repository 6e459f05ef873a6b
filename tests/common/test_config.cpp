#include <gtest/gtest.h>

#include "common/config.h"
#include "common/error.h"

using namespace dclm;

TEST(Config, StrictKeysNameTheLine) {
  std::string y = "a: 1\nb: hello\nc: 2.5\n";
  ConfigNode n(load_yaml_string(y, "cfg.yaml"), "cfg.yaml");
  EXPECT_EQ(n.get<int>("a"), 1);
  EXPECT_EQ(n.get<std::string>("b"), "hello");
  try {
    n.finish();
    FAIL() << "unknown key c not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos) << e.what();
  }
}

TEST(Config, BadValueAndMissingKey) {
  ConfigNode n(load_yaml_string("x: notanumber\n", "f.yaml"), "f.yaml");
  EXPECT_THROW(n.get<int>("x"), Error);
  EXPECT_THROW(n.get<int>("missing"), Error);
  EXPECT_EQ(n.get_or<int>("opt", 7), 7);
}

TEST(Config, InvalidYamlNamesFile) {
  try {
    load_yaml_string("a: [1, 2\n", "broken.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.yaml"), std::string::npos);
  }
}
