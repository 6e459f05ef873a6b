// HTML extraction rules (curation.md §2.2) on small hand-written pages, and charset handling.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/io.h"
#include "common/text.h"
#include "curation/extract.h"
#include "test_util.h"

using namespace dclm::curation;

TEST(Extract, ParagraphsHeadingsAndWhitespace) {
  std::string html =
      "<html><head><title>T</title><style>p{}</style></head><body>"
      "<h1>Title</h1><p>First   paragraph\n with  spaces.</p><p>Second<br>line</p>"
      "<script>var x = 1;</script><div>Block</div></body></html>";
  EXPECT_EQ(extract_plain_text(html), "Title\n\nFirst paragraph with spaces.\n\nSecond\nline\n\nBlock");
}

TEST(Extract, SkipSetAndHiddenElements) {
  std::string html =
      "<body><p>Keep</p><noscript>no</noscript><iframe>f</iframe><template>t</template>"
      "<p hidden>hidden attr</p><p aria-hidden=\"true\">aria</p><p style=\"display: none\">css</p>"
      "<form><label>L</label><input value=v><button>B</button><select><option>O</option></select></form>"
      "<p>End</p></body>";
  EXPECT_EQ(extract_plain_text(html), "Keep\n\nEnd");
}

TEST(Extract, NavAsideFooterDropped) {
  std::string html =
      "<body><nav><a href=/>Home</a></nav><aside>Side</aside>"
      "<div><p>Main text here.</p></div><footer>Copyright</footer></body>";
  EXPECT_EQ(extract_plain_text(html), "Main text here.");
  ExtractOptions all;
  all.main_content = false;
  std::string t = extract_plain_text(html, all);
  EXPECT_NE(t.find("Home"), std::string::npos);
  EXPECT_NE(t.find("Copyright"), std::string::npos);
}

TEST(Extract, MainContentRootWhenExactlyOneMatch) {
  std::string one = "<body><div>Header junk</div><div class=\"article-body\"><p>Story.</p></div><div>Other</div></body>";
  EXPECT_EQ(extract_plain_text(one), "Story.");
  std::string two = "<body><div class=\"article-body\"><p>A.</p></div><div class=\"post-content\"><p>B.</p></div></body>";
  EXPECT_EQ(extract_plain_text(two), "A.\n\nB.");
}

TEST(Extract, ListsGetBulletsAndNumbers) {
  // ul/ol deeper than 3 below body (shallow ul is global navigation and dropped in main-content mode).
  std::string html =
      "<body><div><div><div><div><ul><li>one</li><li>two</li></ul>"
      "<ol><li>first</li><li>second</li></ol></div></div></div></div></body>";
  std::string t = extract_plain_text(html);
  EXPECT_NE(t.find("\xE2\x80\xA2 one\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\xE2\x80\xA2 two"), std::string::npos) << t;
  EXPECT_NE(t.find("1. first\n"), std::string::npos) << t;
  EXPECT_NE(t.find("2. second"), std::string::npos) << t;
  // A block inside <li> stays on the bullet's line; an empty item leaves no bullet.
  std::string nested = "<body><div><div><div><div><ul><li><p>para item</p></li><li></li><li>last</li></ul></div></div></div></div></body>";
  EXPECT_EQ(extract_plain_text(nested), "\xE2\x80\xA2 para item\n  \xE2\x80\xA2 last");
  std::string shallow = "<body><ul><li>menu</li></ul><p>Body.</p></body>";
  EXPECT_EQ(extract_plain_text(shallow), "Body.");
}

TEST(Extract, AltTextsPreAndPrivateUse) {
  std::string html = "<body><p>See <img alt=\"a cat\"> here</p><pre>x  =  1\n  y</pre><p><i>\xEE\x80\x80</i>ok</p></body>";
  std::string t = extract_plain_text(html);
  EXPECT_NE(t.find("See a cat here"), std::string::npos) << t;
  EXPECT_NE(t.find("x  =  1\n  y"), std::string::npos) << t;
  EXPECT_EQ(t.find("\xEE\x80\x80"), std::string::npos);
  EXPECT_EQ(dclm::text::rstrip(t), t);  // output is rstripped
}

TEST(Extract, ClassAndIdPatterns) {
  std::string html =
      "<body><div class=\"social-share\"><p>Share this</p></div><div id=\"sidebar\"><p>Side</p></div>"
      "<div class=\"comments\"><p>Comment</p></div><div class=\"ad-banner\"><p>Buy</p></div>"
      "<div class=\"entry-content\"><p>Real content.</p></div></body>";
  EXPECT_EQ(extract_plain_text(html), "Real content.");
}

TEST(Extract, LinkClustersDropped) {
  std::string links;
  for (int i = 0; i < 10; ++i) links += "<a href=\"/" + std::to_string(i) + "\">Link number " + std::to_string(i) + "</a> ";
  // div deeper than 5 without class/id that is mostly link text (> 60 %, ≤ 800 chars) is dropped.
  std::string html = "<body><div><div><div><div><div><div><div>" + links +
                     "</div></div></div></div></div></div><p>Article text stays.</p></div></body>";
  EXPECT_EQ(extract_plain_text(html), "Article text stays.");
}

TEST(Charset, Utf8OnlyDropsInvalid) {
  EXPECT_FALSE(decode_html_body("caf\xE9", "text/html", CharsetMode::Utf8Only).has_value());
  EXPECT_EQ(*decode_html_body("caf\xC3\xA9", "text/html", CharsetMode::Utf8Only), "caf\xC3\xA9");
  EXPECT_EQ(charset_from_content_type("text/html; charset=\"ISO-8859-1\""), "ISO-8859-1");
}

TEST(Charset, DetectUsesDeclaredOrMetaCharset) {
  EXPECT_EQ(*decode_html_body("caf\xE9", "text/html; charset=iso-8859-1", CharsetMode::Detect), "caf\xC3\xA9");
  // windows-1251 "Привет" declared in <meta>.
  std::string body = "<meta charset=\"windows-1251\"><p>\xCF\xF0\xE8\xE2\xE5\xF2</p>";
  auto out = decode_html_body(body, "text/html", CharsetMode::Detect);
  ASSERT_TRUE(out.has_value());
  EXPECT_NE(out->find("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"), std::string::npos);
}

TEST(ExtractReal, ArticleBenchmarkPagesAreValidUtf8) {
  DCLM_REQUIRE_DATA("extraction/ground-truth.json");
  // Every benchmark page yields valid UTF-8 text without markup residue.
  auto gt = nlohmann::json::parse(dclm::read_file(dclm::testing::data_path("extraction/ground-truth.json")));
  int n = 0, nonempty = 0;
  for (auto it = gt.begin(); it != gt.end() && n < 20; ++it, ++n) {
    std::string html = dclm::read_file_decompressed(dclm::testing::data_path("extraction/html/" + it.key() + ".html.gz"));
    auto body = decode_html_body(html, "", CharsetMode::Detect);
    if (!body) continue;
    std::string t = extract_plain_text(*body);
    EXPECT_TRUE(dclm::text::is_valid_utf8(t));
    EXPECT_EQ(t.find("<script"), std::string::npos);
    nonempty += !t.empty();
  }
  EXPECT_GE(nonempty, n * 3 / 4);
}

TEST(Extract, FixtureArticle) {
  // Expected text derived by hand from the §2.2 rules: site header (depth 0), nav, post-meta, share
  // buttons, aside and footer dropped; h1/p blank-line margins; br line break; whitespace collapsed.
  std::string html = dclm::read_file(dclm::testing::fixture("curation/article.html"));
  std::string want = dclm::read_file(dclm::testing::fixture("curation/article.txt"));
  EXPECT_EQ(extract_plain_text(html), want);
}

TEST(Extract, DeepNestingIsBounded) {
  std::string html = "<body><p>top</p>";
  for (int i = 0; i < 5000; ++i) html += "<div>";
  html += "deep";
  EXPECT_EQ(extract_plain_text(html), "top");
}
