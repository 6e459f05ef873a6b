// The rendered board opened in headless Chromium (Debian's `chromium`): the DOM it builds holds the
// expected rows, plot markers and loss curves, and a 1200×900 screenshot is produced
// (kept as ./leaderboard_screenshot.png in the test's working folder for a human look).
// Skipped with a message when chromium is not installed (scripts/setup.sh installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "common/io.h"
#include "common/jsonl.h"
#include "fake_run.h"
#include "leaderboard/board.h"
#include "leaderboard/bundle.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::leaderboard;
using dclm::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(p)) return p;
  return "";
}

std::string chromium_cmd(const std::string& bin, const std::string& profile) {
  return "timeout 180 " + bin +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars --user-data-dir=" + profile;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

// PNG IHDR width/height.
std::pair<uint32_t, uint32_t> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {0, 0};
  auto be = [&](size_t o) {
    return (uint32_t(uint8_t(png[o])) << 24) | (uint32_t(uint8_t(png[o + 1])) << 16) | (uint32_t(uint8_t(png[o + 2])) << 8) |
           uint32_t(uint8_t(png[o + 3]));
  };
  return {be(16), be(20)};
}

}  // namespace

TEST(Chromium, BoardPageRendersInHeadlessBrowser) {
  const std::string bin = find_chromium();
  if (bin.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium; scripts/setup.sh lists it)";
  TempDir t;
  const std::string board = t / "board";
  std::vector<std::string> ids;
  for (const auto& [name, scale, track] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"a", "nano", "filtering"}, {"b", "micro", "mixing"}, {"c", "400M-1x", "filtering"}}) {
    dclm::testing::make_fake_run(t / ("run-" + name), scale, track);
    BundleOptions o;
    o.run_dir = t / ("run-" + name);
    o.out_dir = t / ("bundle-" + name);
    create_bundle(o);
    ids.push_back(add_bundle(o.out_dir, board));
  }
  size_t anchors = 0;
  if (dclm::testing::have_data("eval/dclm/results"))
    anchors = static_cast<size_t>(add_anchors({dclm::testing::data_path("eval/dclm/results")}, board));
  render_board(board);
  const std::string page = "file://" + board + "/index.html";

  // DOM as Chromium built it
  const std::string dom_path = t / "dom.html";
  const std::string cmd = chromium_cmd(bin, t / "profile1") + " --dump-dom '" + page + "' > " + dom_path + " 2> " + (t / "chromium1.log");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(t / "chromium1.log");
  const std::string dom = read_file(dom_path);
  ASSERT_NE(dom.find("<h1>DCLM leaderboard</h1>"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("<title>DCLM leaderboard</title>"), std::string::npos);
  for (const auto& id : ids) EXPECT_NE(dom.find("<tr class=\"submission\" data-id=\"" + id + "\">"), std::string::npos) << id;
  EXPECT_EQ(count(dom, "<tr class=\"submission\""), 3u);
  EXPECT_EQ(count(dom, "<tr class=\"anchor\""), anchors);
  // tracks and scales
  EXPECT_NE(dom.find("id=\"track-filtering\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"track-mixing\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"filtering-400M-1x\">Scale 400M-1x</h3>"), std::string::npos);
  EXPECT_NE(dom.find("id=\"mixing-micro\">Scale micro</h3>"), std::string::npos);
  // DCLM's columns
  for (const char* col : {"Model", "Params", "Tokens", "CORE (v1)", "CORE (v2)", "MMLU", "EXTENDED (v1)", "EXTENDED (v2)"})
    EXPECT_NE(dom.find(std::string(">") + col + "</th>"), std::string::npos) << col;
  // the 400M-1x run: 14.80 CORE v2, 411.6M params, 8.2B tokens (7850 × 512 × 2048)
  EXPECT_NE(dom.find("<td class=\"num\">411.6M</td><td class=\"num\">8.23B</td><td class=\"num\">2.0e19</td><td class=\"num\">17.10</td><td class=\"num\">14.80</td>"),
            std::string::npos);
  // CORE-vs-compute plot: one square per submission (the CPU runs hollow, at their partial CORE), one dot per placed anchor
  const size_t svg_begin = dom.find("class=\"core-vs-compute\"");
  ASSERT_NE(svg_begin, std::string::npos);
  const std::string plot = dom.substr(svg_begin, dom.find("</svg>", svg_begin) - svg_begin);
  EXPECT_EQ(count(plot, "<rect class=\"pt\""), 3u);
  EXPECT_EQ(count(plot, "fill=\"#ffffff\" fill-opacity=\"1\""), 2u);  // nano + micro: partial CORE
  if (anchors > 0) {
    EXPECT_GT(count(plot, "<circle class=\"pt\""), 100u);
  }
  for (const auto& id : ids) EXPECT_NE(plot.find(id.substr(0, 20)), std::string::npos) << id;
  // loss curves: one per submission, each a drawn path
  EXPECT_EQ(count(dom, "class=\"loss-curve\""), 3u);
  std::regex path_re("<path class=\"series\"[^>]* d=\"M[0-9.]+,[0-9.]+( L[0-9.]+,[0-9.]+){100,}");
  EXPECT_EQ(std::distance(std::sregex_iterator(dom.begin(), dom.end(), path_re), std::sregex_iterator()), 3);
  // per-task table
  // per-task table: columns in board order (400M-1x, micro, nano); lambada_openai only in the CPU suite
  EXPECT_NE(dom.find("<tr data-task=\"copa\"><td>copa</td><td class=\"num\">66.00</td><td class=\"num\">58.00</td><td "
                     "class=\"num\">58.00</td></tr>"),
            std::string::npos);
  EXPECT_NE(dom.find("<tr data-task=\"lambada_openai\"><td>lambada_openai</td><td class=\"num\">—</td>"), std::string::npos);

  // screenshot at 1200×900, and a tall one of the whole page for a human look
  const std::string shot = t / "shot.png";
  const std::string cmd2 = chromium_cmd(bin, t / "profile2") + " --window-size=1200,900 --screenshot=" + shot + " '" + page + "' > " +
                           (t / "chromium2.log") + " 2>&1";
  ASSERT_EQ(std::system(cmd2.c_str()), 0) << read_file(t / "chromium2.log");
  ASSERT_TRUE(fs::exists(shot)) << read_file(t / "chromium2.log");
  const std::string png = read_file(shot);
  EXPECT_EQ(png_size(png), std::make_pair(uint32_t(1200), uint32_t(900)));
  EXPECT_GT(png.size(), 30000u) << "a nearly blank screenshot";  // a blank page compresses to a few KB
  std::error_code ec;
  fs::copy_file(shot, "leaderboard_screenshot.png", fs::copy_options::overwrite_existing, ec);
  const std::string tall = t / "tall.png";
  const std::string cmd3 = chromium_cmd(bin, t / "profile3") + " --window-size=1200,3600 --screenshot=" + tall + " '" + page + "' > " +
                           (t / "chromium3.log") + " 2>&1";
  if (std::system(cmd3.c_str()) == 0) fs::copy_file(tall, "leaderboard_screenshot_full.png", fs::copy_options::overwrite_existing, ec);
}
