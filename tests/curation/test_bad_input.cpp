// Bad input through the whole curation run: each case is skipped and counted with a reason (the run goes
// on and keeps the good documents) or is an error naming the file. Covers truncated gzip, invalid UTF-8,
// malformed JSON lines, broken WARC headers, binary junk, unreadable inputs and a 100 MB document
// (skipped while streaming, with bounded memory).
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <fstream>

#include "common/error.h"
#include "common/io.h"
#include "common/progress.h"
#include "curation/curate.h"
#include "curation/readers.h"
#include "test_util.h"

using namespace dclm::curation;
using dclm::testing::TempDir;

namespace {
void write(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}
std::string jline(const std::string& text) {
  return nlohmann::json({{"text", text}, {"url", "http://j/"}}).dump() + "\n";
}
std::string warc_record(const std::string& type, const std::string& block, const std::string& content_length) {
  return "WARC/1.0\r\nWARC-Type: " + type + "\r\nWARC-Target-URI: http://e/\r\nContent-Length: " + content_length +
         "\r\n\r\n" + block + "\r\n\r\n";
}
std::string warc_record(const std::string& type, const std::string& block) {
  return warc_record(type, block, std::to_string(block.size()));
}
const char* kRecipe = "steps:\n  - func: move_url_modifier\n";

CurateResult curate(const TempDir& tmp, const std::vector<std::string>& inputs, const std::string& out = "out") {
  dclm::Progress::set_enabled(false);
  write(tmp / "r.yaml", kRecipe);
  CurateOptions o;
  o.inputs = inputs;
  o.recipe = tmp / "r.yaml";
  o.out_dir = tmp / out;
  o.threads = 2;
  return run_curation(o);
}
int64_t skipped(const CurateResult& r, const std::string& reason) {
  return r.stats["reader_skipped"].value(reason, int64_t{0});
}
long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}
}  // namespace

TEST(BadInput, TruncatedGzipKeepsWhatWasRead) {
  TempDir tmp;
  std::string data;
  for (int i = 0; i < 2000; ++i) data += jline("document number " + std::to_string(i) + " with some padding text");
  const std::string gz = dclm::gzip_compress(data);
  write(tmp / "cut.jsonl.gz", gz.substr(0, gz.size() * 2 / 3));
  write(tmp / "good.jsonl", jline("a good one"));
  CurateResult r = curate(tmp, {tmp / "cut.jsonl.gz", tmp / "good.jsonl"});
  EXPECT_EQ(skipped(r, "truncated_stream"), 1);
  EXPECT_GT(r.docs_in, 500);  // the complete lines decompressed before the cut
  EXPECT_LT(r.docs_in, 2001);
  EXPECT_EQ(r.stats["readers"][1]["docs"], 1);
}

TEST(BadInput, InvalidUtf8MalformedJsonAndBinaryJunk) {
  TempDir tmp;
  // Raw invalid UTF-8 inside a JSON string is not JSON (RFC 8259): malformed. In a WET conversion record it
  // is counted as invalid_utf8.
  write(tmp / "a.jsonl", jline("fine") + "{\"text\": \"bad \xC3\x28 byte\"}\n{\"text\": \"unterminated\n[1, 2]\n" +
                             "{\"text\": 5}\n\n   \n" + jline("caf\xC3\xA9 ok"));
  write(tmp / "b.warc", warc_record("conversion", "ok text\n") + warc_record("conversion", "bad \xFF\xFE text\n"));
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245u + 12345u;
    char c = static_cast<char>((x >> 16) & 0xFF);
    junk.push_back(c == '\n' ? ' ' : c);
  }
  junk[0] = 'x';  // neither "WARC/" nor '{' nor a compression magic: by its name, one jsonl line
  write(tmp / "c.jsonl", junk);
  CurateResult r = curate(tmp, {tmp / "a.jsonl", tmp / "b.warc", tmp / "c.jsonl"});
  EXPECT_EQ(r.docs_in, 3);  // "fine", "café ok", "ok text"
  EXPECT_EQ(r.stats["readers"][0]["skipped"]["malformed_json"], 2);
  EXPECT_EQ(r.stats["readers"][0]["skipped"]["not_an_object"], 1);
  EXPECT_EQ(r.stats["readers"][0]["skipped"]["no_text"], 1);
  EXPECT_EQ(r.stats["readers"][1]["skipped"]["invalid_utf8"], 1);
  EXPECT_EQ(r.stats["readers"][2]["skipped"]["malformed_json"], 1);
  EXPECT_EQ(r.stats["readers"][2]["docs"], 0);
}

TEST(BadInput, BrokenWarcHeaders) {
  TempDir tmp;
  // A non-numeric Content-Length (the reader resynchronises on the next "WARC/" line, counting the skipped
  // block as junk) and a header line without a colon: counted, the other records kept.
  write(tmp / "h.warc", warc_record("conversion", "first\n") + warc_record("conversion", "lost\n", "12x") +
                            "WARC/1.0\r\nWARC-Type: conversion\r\nthis line has no colon\r\nWARC-Target-URI: http://e/\r\nContent-Length: 6\r\n\r\n"
                            "third\n\r\n\r\n" + warc_record("conversion", "fourth\n"));
  // Binary junk after a record's block: the block's Content-Length no longer fits (counted as
  // content_length_mismatch), the record takes the junk up to the next "WARC/" line and is then dropped
  // as invalid UTF-8; the next record is read normally.
  write(tmp / "j.warc", warc_record("conversion", "alpha\n") + std::string("\x01\x02\xFF\xFE junk\r\n", 11) +
                            warc_record("conversion", "beta\n"));
  CurateResult r = curate(tmp, {tmp / "h.warc", tmp / "j.warc"});
  const auto& sk = r.stats["readers"][0]["skipped"];
  EXPECT_EQ(sk["bad_content_length"], 1);
  EXPECT_EQ(sk["malformed_header_line"], 1);
  EXPECT_EQ(sk["junk_between_records"], 1);
  const auto& sj = r.stats["readers"][1]["skipped"];
  EXPECT_EQ(sj["content_length_mismatch"], 1);
  EXPECT_EQ(sj["invalid_utf8"], 1);
  std::vector<std::string> texts;
  for_each_curated_text(tmp / "out", [&](const std::string& t) { texts.push_back(t); });
  EXPECT_EQ(texts, (std::vector<std::string>{"first", "third", "fourth", "beta"}));
}

TEST(BadInput, UnreadableInputIsAnErrorNamingIt) {
  TempDir tmp;
  write(tmp / "ok.jsonl", jline("x"));
  dclm::make_dirs(tmp / "a_directory.jsonl");
  for (const std::string& bad : {tmp / "missing.jsonl", tmp / "a_directory.jsonl"}) {
    try {
      curate(tmp, {tmp / "ok.jsonl", bad});
      FAIL() << bad;
    } catch (const dclm::Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  // Binary junk that is neither WARC nor jsonl by content or name: an error naming it.
  write(tmp / "junk.bin", std::string("\x01\x02\x03\xFF binary", 11));
  try {
    curate(tmp, {tmp / "junk.bin"}, "out3");
    FAIL();
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown input type"), std::string::npos) << e.what();
  }
  // A file named .warc that is not a WARC: an error naming it and the offset.
  write(tmp / "fake.warc", "hello\nnot a warc\n");
  try {
    curate(tmp, {tmp / "fake.warc"}, "out2");
    FAIL();
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fake.warc"), std::string::npos) << e.what();
  }
}

TEST(BadInput, HundredMegabyteDocumentIsSkippedWithBoundedMemory) {
  TempDir tmp;
  const size_t kBig = 100u << 20;
  const std::string chunk(1 << 20, 'a');
  {
    // jsonl: a good line, a 100 MB line, a good line — written in 1 MB pieces, never held whole.
    std::ofstream f(tmp / "big.jsonl", std::ios::binary);
    f << jline("before") << "{\"text\": \"";
    for (size_t i = 0; i < kBig / chunk.size(); ++i) f << chunk;
    f << "\"}\n" << jline("after");
  }
  {
    // WARC: a conversion record with a 100 MB block between two small ones.
    std::ofstream f(tmp / "big.warc", std::ios::binary);
    f << warc_record("conversion", "small one\n") << "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: " << kBig
      << "\r\n\r\n";
    for (size_t i = 0; i < kBig / chunk.size(); ++i) f << chunk;
    f << "\r\n\r\n" << warc_record("conversion", "small two\n");
  }
  const long before = peak_rss_kb();
  CurateResult r = curate(tmp, {tmp / "big.jsonl", tmp / "big.warc"});
  const long grown_mb = (peak_rss_kb() - before) / 1024;
  EXPECT_EQ(skipped(r, "record_too_large"), 2);
  EXPECT_EQ(r.docs_in, 4);
  std::vector<std::string> texts;
  for_each_curated_text(tmp / "out", [&](const std::string& t) { texts.push_back(t); });
  EXPECT_EQ(texts, (std::vector<std::string>{"before", "after", "small one", "small two"}));
  EXPECT_LT(grown_mb, 48) << "peak RSS grew by " << grown_mb << " MB reading two 100 MB records";

  // The limit is a reader option (recipe key reader.max_record_bytes).
  ReaderOptions o;
  o.max_record_bytes = 5;
  ReaderStats st;
  int n = 0;
  read_documents(tmp / "big.warc", o, [&](Document&&) { ++n; }, st);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(st.skipped["record_too_large"], 3);
}
