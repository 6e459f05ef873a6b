// url_removal_modifier runs the URL regex only on the pieces of the text around a candidate '.'
// (between bytes no match can contain); it must edit every text exactly as one GlobalReplace over the
// whole text does. A small TLD list written here always runs; DCLM's 1590 TLDs when the data is present.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/config.h"
#include "curation/step.h"
#include "helpers.h"
#include "test_util.h"

using namespace dclm::curation;
using namespace dclm::curation::testing;
namespace dclm::curation::steps {
std::unique_ptr<Step> make_url_removal_modifier_unsegmented(dclm::ConfigNode& cfg);
}

namespace {

void expect_same_edits(const std::string& tlds_file, int rounds, uint64_t seed) {
  const std::string yaml = "{func: url_removal_modifier, tlds_filepath: '" + tlds_file + "'}";
  auto fast = step_from(yaml);
  dclm::ConfigNode cfg(dclm::load_yaml_string(yaml, "<test>"), "<test>");
  auto ref = steps::make_url_removal_modifier_unsegmented(cfg);
  // Texts start with a TLD (the quirk: otherwise the URL regex does not run) and mix URLs, e-mails, IPs,
  // dotted words, every kind of stop byte, whitespace (ASCII, NBSP, U+0085, U+3000) and long host runs.
  const std::vector<std::string> pieces = {
      "com ", "org", "io", " see ", "www.example.com", "http://a.b.org/x?y=1&z=(2)", "https://", "ftp://", "e.g.",
      "mail@host.net", ".com", ".co", ".c", ".", "..", "a", "Z9", "-", "_", "~", "#", "=", "%", ":", "/", "(", ")",
      ",", "\"", "'", "!", ";", "<", ">", "[", "]", "|", "\\", "*", "$", "^", "`", "{", "}", "\x7f", "\x01",
      " ", "  ", "\n", "\t", "\x0b", "\x1c", "\xC2\xA0", "\xC2\x85", "\xE3\x80\x80", "\xC3\xA9", "\xE4\xB8\xAD",
      "192.168.0.1", "10.0.0.", "x.io.", "comx", std::string(300, 'h') + ".com", std::string(256, 'k') + ".org", std::string(257, 'k') + ".org", std::string(255, '.') + "x.com", "foo.ORG", "bar.com_", "q.org9"};
  uint64_t state = seed;
  auto rnd = [&]() { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  for (int round = 0; round < rounds; ++round) {
    std::string t = round % 5 ? "com" : "";  // a fifth do not start with a TLD
    const size_t len = rnd() % 40;
    for (size_t k = 0; k < len; ++k) t += pieces[rnd() % pieces.size()];
    Document a = doc_with(t), b = doc_with(t);
    const Verdict va = fast->apply(a), vb = ref->apply(b);
    EXPECT_EQ(va.keep, vb.keep) << t;
    EXPECT_EQ(a.text, b.text) << t;
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace

TEST(UrlRemovalFast, PiecesEqualOneReplaceOverTheText) {
  const std::string dir = ::testing::TempDir() + "/url_removal_fast";
  std::filesystem::create_directories(dir);
  const std::string tlds = dir + "/tlds.txt";
  std::ofstream(tlds) << "com\norg\nco\nio\nnet\nc\nx\n";
  expect_same_edits(tlds, 4000, 1);
}

TEST(UrlRemovalFast, PiecesEqualOneReplaceWithDclmTlds) {
  DCLM_REQUIRE_DATA("lists/dclm_iana_tlds.txt");
  expect_same_edits(dclm::testing::data_path("lists/dclm_iana_tlds.txt"), 2000, 2);
}
