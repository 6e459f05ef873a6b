#include <gtest/gtest.h>

#include "common/config.h"
#include "common/error.h"
#include "curation/step.h"

using namespace dclm::curation;

namespace {
std::unique_ptr<Step> make(const std::string& yaml) {
  return make_step(dclm::ConfigNode(dclm::load_yaml_string(yaml, "<t>"), "<t>"));
}
Document doc(const std::string& text, const std::string& url = "", bool has_url = true) {
  Document d;
  d.text = text;
  d.url = url;
  d.has_url = has_url;
  return d;
}
}  // namespace

TEST(ExactDedup, TextKeepsFirstOccurrence) {
  auto s = make("{func: exact_dedup_filter}");
  std::vector<std::string> texts = {"a", "b", "a", "a ", "b", "c", "a"};
  std::vector<bool> expect = {true, true, false, true, false, true, false};
  for (size_t i = 0; i < texts.size(); ++i) {
    Document d = doc(texts[i], "u" + std::to_string(i));
    Verdict v = s->apply(d);
    EXPECT_EQ(v.keep, expect[i]) << i;
    if (!v.keep) {
      EXPECT_EQ(v.reason, "duplicate_text");
    }
  }
}

TEST(ExactDedup, UrlKeyAndFreshInstances) {
  auto s = make("{func: exact_dedup_filter, key: url}");
  Document a = doc("one", "http://x/1"), b = doc("two", "http://x/1"), c = doc("two", "http://x/2"),
           n1 = doc("n", "", false), n2 = doc("n", "", false);
  EXPECT_TRUE(s->apply(a).keep);
  EXPECT_FALSE(s->apply(b).keep);
  EXPECT_TRUE(s->apply(c).keep);
  EXPECT_TRUE(s->apply(n1).keep);  // no url: kept
  EXPECT_TRUE(s->apply(n2).keep);
  auto fresh = make("{func: exact_dedup_filter, key: url}");
  EXPECT_TRUE(fresh->apply(b).keep);  // state is per step instance
  EXPECT_THROW(make("{func: exact_dedup_filter, key: title}"), dclm::Error);
}
