// WARC / WET / jsonl readers: generated fixtures (exact expectations) and the real shared WARCs (record
// counts from ../shared/data/README.md and curation.md §16.1).
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/io.h"
#include "common/text.h"
#include "curation/readers.h"
#include "curation/warc.h"
#include "test_util.h"

using namespace dclm::curation;
using dclm::testing::TempDir;

namespace {

std::string record(const std::string& type, const std::string& block, const std::string& extra = "",
                   const std::string& eol = "\r\n", const std::string& version = "WARC/1.0") {
  std::string h = version + eol + "WARC-Type: " + type + eol + "WARC-Record-ID: <urn:uuid:" + type + ">" + eol + extra +
                  "Content-Length: " + std::to_string(block.size()) + eol + eol;
  return h + block + eol + eol;
}
std::string http(const std::string& head, const std::string& body) { return head + "\r\n\r\n" + body; }

std::vector<std::string> fixture_records() {
  std::string html = "<html><body><p>Hello chunked world</p></body></html>";
  std::string chunked = "10\r\n" + html.substr(0, 16) + "\r\n" + std::to_string(0) + "\r\n\r\n";
  // Two chunks: 16 bytes, then the rest in hex.
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", html.size() - 16);
  chunked = "10\r\n" + html.substr(0, 16) + "\r\n" + hex + "\r\n" + html.substr(16) + "\r\n0\r\n\r\n";
  const std::string uri = "WARC-Target-URI: http://example.com/a\r\n";
  return {
      record("warcinfo", "software: dclm-test\r\n"),
      record("request", "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n", uri),
      record("response", http("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked", chunked), uri),
      record("response", http("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1",
                              "<p>caf\xE9 au lait</p>"),
             "WARC-Target-URI: http://example.com/latin1\r\n"),
      record("response", "not an http message", "WARC-Target-URI: http://example.com/raw\r\n"),
      record("conversion", "Plain text document.\n\n", "WARC-Target-URI: http://example.com/wet\r\n"),
      record("metadata", "fetchTimeMs: 12\r\n", uri),
  };
}

void write(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

std::vector<Document> read_all(const std::string& path, ReaderStats& st, ReaderOptions o = {}) {
  std::vector<Document> out;
  read_documents(path, o, [&](Document&& d) { out.push_back(std::move(d)); }, st);
  return out;
}

}  // namespace

TEST(Warc, DecodeChunked) {
  std::string out;
  EXPECT_TRUE(decode_chunked("4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n", out));
  EXPECT_EQ(out, "Wikipedia");
  EXPECT_FALSE(decode_chunked("zz\r\nWiki\r\n", out));
  EXPECT_FALSE(decode_chunked("10\r\nshort\r\n", out));
}

TEST(Warc, GeneratedMultiMemberGzip) {
  TempDir tmp;
  std::string gz;
  for (const auto& r : fixture_records()) gz += dclm::gzip_compress(r);
  write(tmp / "f.warc.gz", gz);
  ReaderStats st;
  auto docs = read_all(tmp / "f.warc.gz", st);
  EXPECT_EQ(st.records, 7);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "Hello chunked world");
  EXPECT_EQ(docs[0].url, "http://example.com/a");
  EXPECT_EQ(docs[0].record["metadata"]["WARC-Type"], "response");
  EXPECT_EQ(docs[0].record["warcinfo"], "software: dclm-test\r\n");
  EXPECT_EQ(docs[1].text, "Plain text document.");
  EXPECT_EQ(docs[1].url, "http://example.com/wet");
  EXPECT_EQ(st.skipped["invalid_utf8"], 1);  // DCLM: .decode("utf-8") fails → dropped
  EXPECT_EQ(st.skipped["not_http"], 1);
  // With charset detection the latin-1 page is decoded from its declared charset.
  ReaderStats st2;
  ReaderOptions o;
  o.charset = CharsetMode::Detect;
  auto docs2 = read_all(tmp / "f.warc.gz", st2, o);
  ASSERT_EQ(docs2.size(), 3u);
  EXPECT_EQ(docs2[1].text, "caf\xC3\xA9 au lait");
}

TEST(Warc, LfLineEndingsAndWarc018) {
  TempDir tmp;
  std::string plain = record("conversion", "one\n", "WARC-Target-URI: http://a/\n", "\n") +
                      record("response", http("HTTP/1.0 200 OK", "<p>two</p>"), "WARC-Target-URI: http://b/\r\n",
                             "\r\n", "WARC/0.18");
  write(tmp / "f.warc", plain);
  ReaderStats st;
  auto docs = read_all(tmp / "f.warc", st);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "one");
  EXPECT_EQ(docs[1].text, "two");
  EXPECT_EQ(docs[1].url, "http://b/");
}

TEST(Warc, TruncatedTailIsCountedNotFatal) {
  TempDir tmp;
  std::string all;
  for (const auto& r : fixture_records()) all += r;
  // Cut inside the last (metadata) record's block.
  write(tmp / "t.warc", all.substr(0, all.size() - 10));
  ReaderStats st;
  auto docs = read_all(tmp / "t.warc", st);
  EXPECT_EQ(docs.size(), 2u);
  EXPECT_EQ(st.skipped["truncated_record"], 1);
  // Same with a truncated gzip member.
  std::string gz;
  auto recs = fixture_records();
  for (const auto& r : recs) gz += dclm::gzip_compress(r);
  size_t last = dclm::gzip_compress(recs.back()).size();
  write(tmp / "t.warc.gz", gz.substr(0, gz.size() - last / 2));
  ReaderStats st2;
  auto docs2 = read_all(tmp / "t.warc.gz", st2);
  EXPECT_EQ(docs2.size(), 2u);
  EXPECT_EQ(st2.skipped["truncated_record"], 1);
}

TEST(Warc, NotAWarcIsAnErrorNamingTheFile) {
  TempDir tmp;
  write(tmp / "x.warc", "hello\nthis is not a warc\n");
  ReaderStats st;
  try {
    read_all(tmp / "x.warc", st);
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.warc"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_all(tmp / "missing.warc", st), dclm::Error);
}

TEST(Warc, MaxDocs) {
  TempDir tmp;
  std::string all;
  for (const auto& r : fixture_records()) all += r;
  write(tmp / "f.warc", all);
  ReaderStats st;
  ReaderOptions o;
  o.max_docs = 1;
  EXPECT_EQ(read_all(tmp / "f.warc", st, o).size(), 1u);
}

TEST(Jsonl, DclmPoolAndDolmaRecords) {
  TempDir tmp;
  write(tmp / "p.jsonl",
        "{\"text\": \"pool text\", \"metadata\": {\"WARC-Target-URI\": \"http://pool/\", \"WARC-Date\": \"d\"}, \"warcinfo\": \"w\"}\n"
        "not json\n"
        "{\"id\": 3, \"metadata\": {\"url\": \"http://dolma/\"}, \"text\": \"dolma text\"}\n"
        "{\"no_text\": 1}\n"
        "{\"text\": \"top url\", \"url\": \"http://top/\", \"extra\": [1, 2]}\n");
  std::string zst = dclm::zstd_compress(dclm::read_file(tmp / "p.jsonl"));
  write(tmp / "p.jsonl.zst", zst);
  for (const char* name : {"p.jsonl", "p.jsonl.zst"}) {
    ReaderStats st;
    auto docs = read_all(tmp / name, st);
    ASSERT_EQ(docs.size(), 3u) << name;
    EXPECT_EQ(docs[0].url, "http://pool/");
    EXPECT_EQ(docs[0].record["warcinfo"], "w");
    EXPECT_EQ(docs[1].url, "http://dolma/");
    EXPECT_EQ(docs[1].record["id"], 3);
    EXPECT_EQ(docs[2].url, "http://top/");
    EXPECT_EQ(docs[2].to_json()["extra"], nlohmann::json::parse("[1,2]"));
    EXPECT_EQ(st.skipped["malformed_json"], 1);
    EXPECT_EQ(st.skipped["no_text"], 1);
  }
}

// ---- real shared data ------------------------------------------------------------------------------

namespace {
std::map<std::string, int> count_types(const std::string& path, WarcReader** keep = nullptr) {
  WarcReader r(path);
  WarcRecord rec;
  std::map<std::string, int> types;
  while (r.next(rec)) ++types[rec.type()];
  (void)keep;
  return types;
}
}  // namespace

TEST(WarcReal, ResiliparseCcSlice) {
  DCLM_REQUIRE_DATA("pool/warc/resiliparse_warcfile.warc.gz");
  auto path = dclm::testing::data_path("pool/warc/resiliparse_warcfile.warc.gz");
  auto types = count_types(path);
  // curation.md §16.1: 1 warcinfo, 17 request, 16 response, 16 metadata records.
  EXPECT_EQ(types["warcinfo"], 1);
  EXPECT_EQ(types["request"], 17);
  EXPECT_EQ(types["response"], 16);
  EXPECT_EQ(types["metadata"], 16);
  ReaderStats st;
  auto docs = read_all(path, st);
  int64_t skipped = 0;
  for (const auto& kv : st.skipped) skipped += kv.second;
  EXPECT_EQ(static_cast<int64_t>(docs.size()) + skipped, 16);
  EXPECT_GE(st.skipped["invalid_utf8"], 1);  // the windows-1251 page
  for (const auto& d : docs) EXPECT_TRUE(d.has_url);
}

TEST(WarcReal, DolmaSamples) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  auto t0 = count_types(dclm::testing::data_path("pool/warc/dolma_sample-0000.warc.gz"));
  auto t1 = count_types(dclm::testing::data_path("pool/warc/dolma_sample-0001.warc.gz"));
  // README: 22 + 15 request/response pairs.
  EXPECT_EQ(t0["response"] + t1["response"], 37);
  EXPECT_EQ(t0["request"] + t1["request"], 37);
}

TEST(WarcReal, ClueWebQuirkWarc018) {
  DCLM_REQUIRE_DATA("pool/warc/resiliparse_clueweb-quirk.warc.gz");
  auto t = count_types(dclm::testing::data_path("pool/warc/resiliparse_clueweb-quirk.warc.gz"));
  EXPECT_EQ(t["response"], 29);
}

TEST(WarcReal, ClippedGzipIsNotFatal) {
  DCLM_REQUIRE_DATA("pool/warc/resiliparse_clipped.warc.gz");
  ReaderStats st;
  EXPECT_NO_THROW(read_all(dclm::testing::data_path("pool/warc/resiliparse_clipped.warc.gz"), st));
  EXPECT_EQ(st.skipped["truncated_record"], 1);
}

TEST(WarcReal, BlockSizedRecords) {
  DCLM_REQUIRE_DATA("pool/warc/resiliparse_block-sized-records.warc.gz");
  auto t = count_types(dclm::testing::data_path("pool/warc/resiliparse_block-sized-records.warc.gz"));
  int total = 0;
  for (const auto& kv : t) total += kv.second;
  EXPECT_EQ(total, 3);
}

TEST(WarcReal, WarcioChunkedAndWrongChunks) {
  DCLM_REQUIRE_DATA("pool/warc/warcio_example-iana.org-chunked.warc");
  ReaderStats st;
  auto docs = read_all(dclm::testing::data_path("pool/warc/warcio_example-iana.org-chunked.warc"), st);
  ASSERT_FALSE(docs.empty());
  EXPECT_EQ(st.skipped.count("chunked_decode_fallback_raw"), 0u);
  for (const auto& d : docs) EXPECT_EQ(d.text.find("\r\n0\r\n"), std::string::npos);
  ReaderStats st2;
  EXPECT_GE(read_all(dclm::testing::data_path("pool/warc/warcio_example-wrong-chunks.warc.gz"), st2).size(), 1u);
}

TEST(WetReal, CcNetSampleAndWhirlwind) {
  DCLM_REQUIRE_DATA("pool/wet/cc_net_sample.warc.wet");
  ReaderStats st;
  auto docs = read_all(dclm::testing::data_path("pool/wet/cc_net_sample.warc.wet"), st);
  // 3 conversion records (LF line endings) whose hand-written Content-Lengths are wrong (370 for 362
  // bytes, 109 for 313, 355 for 653): the lenient reader re-synchronises on the "WARC/" lines.
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(st.skipped["content_length_mismatch"], 4);
  EXPECT_EQ(docs[1].url, "http://sample_chinese.zh");
  EXPECT_EQ(docs[2].url, "http://sample_russian.ru");
  EXPECT_TRUE(dclm::text::ends_with(docs[0].text, "Truth isn't."));
  ReaderStats st2;
  auto w = read_all(dclm::testing::data_path("pool/wet/whirlwind.warc.wet.gz"), st2);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].url.find("an.wikipedia.org/wiki/Escopete"), std::string::npos);
}

TEST(WarcReal, DolmaAngleBracketUriIsUnwrapped) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  ReaderStats st;
  auto docs = read_all(dclm::testing::data_path("pool/warc/dolma_sample-0000.warc.gz"), st);
  ASSERT_FALSE(docs.empty());
  for (const auto& d : docs) {
    EXPECT_TRUE(dclm::text::starts_with(d.url, "http")) << d.url;
    EXPECT_EQ(d.record["metadata"]["WARC-Type"], "response");
  }
}
