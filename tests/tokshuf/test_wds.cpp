// DCLM webdataset export/import (curation/wds.h). Tars are checked with a hand-written ustar reader and
// fed from a hand-written ustar writer, independent of libarchive.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <set>
#include <random>
#include <regex>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/shard.h"
#include "curation/wds.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::curation;
using dclm::testing::TempDir;

namespace {

// Sequences with ids spread over the whole GPT-NeoX model vocabulary.
std::vector<std::vector<int32_t>> make_dataset(const std::string& dir, int64_t seq_len, int64_t vocab,
                                               const std::vector<int64_t>& per_shard) {
  std::mt19937 g(7);
  std::vector<std::vector<int32_t>> all;
  std::vector<ShardEntry> entries;
  for (size_t s = 0; s < per_shard.size(); ++s) {
    std::vector<int32_t> ids;
    for (int64_t i = 0; i < per_shard[s]; ++i) {
      std::vector<int32_t> seq;
      for (int64_t k = 0; k < seq_len; ++k) seq.push_back(static_cast<int32_t>(g() % vocab));
      ids.insert(ids.end(), seq.begin(), seq.end());
      all.push_back(seq);
    }
    std::string name = shard_name(s);
    write_shard(dir + "/" + name + ".bin", ids, seq_len, vocab);
    entries.push_back({name, per_shard[s], sha256_file(dir + "/" + name + ".bin")});
  }
  write_dataset_manifest(dir, entries, seq_len, vocab);
  return all;
}

struct Member {
  std::string name, data;
  char type = '0';
};

// Minimal ustar reader (POSIX.1-1988 headers: name[100] @0, size octal @124, typeflag @156, magic @257).
std::vector<Member> read_tar(const std::string& path) {
  std::string t = read_file(path);
  std::vector<Member> out;
  size_t pos = 0;
  while (pos + 512 <= t.size()) {
    const char* h = t.data() + pos;
    if (std::all_of(h, h + 512, [](char c) { return c == 0; })) break;
    EXPECT_EQ(std::string(h + 257, 5), "ustar");
    Member m;
    m.name = std::string(h, strnlen(h, 100));
    m.type = h[156];
    size_t size = std::stoull(std::string(h + 124, 11), nullptr, 8);
    m.data = t.substr(pos + 512, size);
    out.push_back(m);
    pos += 512 + (size + 511) / 512 * 512;
  }
  return out;
}

// Minimal ustar writer.
void write_tar(const std::string& path, const std::vector<Member>& members) {
  std::string t;
  for (const auto& m : members) {
    char h[512] = {0};
    std::snprintf(h, 100, "%s", m.name.c_str());
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(m.data.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = m.type;
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(h[i]);
    std::snprintf(h + 148, 8, "%06o", sum);
    t.append(h, 512);
    t += m.data;
    t.append((512 - m.data.size() % 512) % 512, '\0');
  }
  t.append(1024, '\0');
  write_file_atomic(path, t);
}

std::string json_array(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

}  // namespace

TEST(Wds, Uuid4Format) {
  EXPECT_EQ(format_uuid4(0, 0), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(format_uuid4(~0ULL, ~0ULL), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(format_uuid4(0x0123456789abcdefULL, 0xfedcba9876543210ULL), "01234567-89ab-4def-bedc-ba9876543210");
}

TEST(Wds, ExportWritesDclmTarsAndRoundTripsByteForByte) {
  TempDir t;
  const std::string ours = t / "ours", tars = t / "tars", back = t / "back";
  make_dirs(ours);
  auto seqs = make_dataset(ours, 2049, 50432, {3, 2});
  WdsResult ex = export_wds(ours, tars, 99);
  EXPECT_EQ(ex.shards, 2);
  EXPECT_EQ(ex.sequences, 5);
  // dclm-reference.md §3.4: manifest lines {"shard", "num_sequences"}.
  EXPECT_EQ(read_file(tars + "/manifest.jsonl"),
            "{\"shard\": \"shard_00000000\", \"num_sequences\": 3}\n"
            "{\"shard\": \"shard_00000001\", \"num_sequences\": 2}\n");
  const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json\.gz)");
  size_t k = 0;
  for (std::string shard : {"shard_00000000.tar", "shard_00000001.tar"}) {
    auto members = read_tar(tars + "/" + shard);
    ASSERT_EQ(members.size(), shard == "shard_00000000.tar" ? 3u : 2u);
    for (const auto& m : members) {
      EXPECT_TRUE(std::regex_match(m.name, uuid)) << m.name;
      EXPECT_EQ(m.type, '0');
      ASSERT_EQ(m.data.substr(0, 2), "\x1f\x8b");  // gzip
      json arr = json::parse(gzip_decompress(m.data));
      ASSERT_TRUE(arr.is_array());
      ASSERT_EQ(arr.size(), 2049u);
      EXPECT_EQ(arr.get<std::vector<int32_t>>(), seqs[k]);
      ++k;
    }
  }
  WdsResult im = import_wds(tars, back, 2049, 50432);
  EXPECT_EQ(im.shards, 2);
  EXPECT_EQ(im.sequences, 5);
  for (std::string f : {"shard_00000000.bin", "shard_00000001.bin", "dataset.json", "manifest.jsonl"})
    EXPECT_EQ(read_file(back + "/" + f), read_file(ours + "/" + f)) << f;
}

TEST(Wds, ExportIsDeterministicPerSeed) {
  TempDir t;
  make_dirs(t / "ours");
  make_dataset(t / "ours", 7, 300, {4});
  export_wds(t / "ours", t / "a", 5);
  export_wds(t / "ours", t / "b", 5);
  export_wds(t / "ours", t / "c", 6);
  EXPECT_EQ(read_file(t / "a/shard_00000000.tar"), read_file(t / "b/shard_00000000.tar"));
  auto a = read_tar(t / "a/shard_00000000.tar"), c = read_tar(t / "c/shard_00000000.tar");
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_NE(a[0].name, c[0].name);
  EXPECT_EQ(a[0].data, c[0].data);
  std::set<std::string> names;
  for (const auto& m : a) names.insert(m.name);
  EXPECT_EQ(names.size(), 4u);
}

TEST(Wds, ImportsHandBuiltTarsInManifestOrder) {
  TempDir t;
  const std::string w = t / "wds";
  make_dirs(w);
  std::vector<int32_t> s1 = {0, 5, 50276, 1}, s2 = {7, 7, 7, 50431}, s3 = {1, 2, 3, 4};
  write_tar(w + "/shard_00000001.tar", {{"aaa.json.gz", gzip_compress(json_array(s1))}});
  write_tar(w + "/shard_00000000.tar",
            {{"dir", "", '5'}, {"x.json.gz", gzip_compress(" [ 7, 7,7 ,50431 ] ")}, {"y.json.gz", gzip_compress(json_array(s3))}});
  // No manifest: tars sorted by name.
  import_wds(w, t / "a", 4, 50432);
  TokenDataset a(t / "a", true);
  ASSERT_EQ(a.size(), 3);
  std::vector<int32_t> got(4);
  a.get(0, got.data());
  EXPECT_EQ(got, s2);
  a.get(1, got.data());
  EXPECT_EQ(got, s3);
  a.get(2, got.data());
  EXPECT_EQ(got, s1);
  // With a manifest, its order (and counts) rule.
  write_file_atomic(w + "/manifest.jsonl", "{\"shard\": \"shard_00000001\", \"num_sequences\": 1}\n"
                                           "{\"shard\": \"shard_00000000\", \"num_sequences\": 2}\n");
  import_wds(w, t / "b", 4, 50432);
  TokenDataset b(t / "b", true);
  ASSERT_EQ(b.size(), 3);
  b.get(0, got.data());
  EXPECT_EQ(got, s1);
  write_file_atomic(w + "/manifest.jsonl", "{\"shard\": \"shard_00000001\", \"num_sequences\": 2}\n");
  EXPECT_THROW(import_wds(w, t / "c", 4, 50432), Error);
}

TEST(Wds, EmptyFolderIsAnError) {
  TempDir t;
  make_dirs(t / "w");
  EXPECT_THROW(import_wds(t / "w", t / "out"), Error);
}

TEST(Wds, BadMemberIsAnErrorNamingTarAndMember) {
  struct Case {
    std::string data;
    std::string member = "bad-member.json.gz";
  };
  std::vector<Case> cases = {
      {gzip_compress("[1,2,3]")},                    // too short
      {gzip_compress("[1,2,3,4,5]")},                // too long
      {gzip_compress("[1,2,3.5,4]")},                // not an integer
      {gzip_compress("[1,2,-3,4]")},                 // negative
      {gzip_compress("[1,2,50432,4]")},              // outside the vocabulary
      {gzip_compress("{\"a\": 1}")},                 // not an array
      {gzip_compress("[1,2,3,4")},                   // not JSON
      {"[1,2,3,4]"},                                 // not gzip
      {gzip_compress("[1,2,3,4]"), "bad-member.txt"},  // not a .json.gz member
  };
  for (const auto& c : cases) {
    TempDir t;
    make_dirs(t / "w");
    write_tar(t / "w/shard_00000000.tar", {{"good.json.gz", gzip_compress("[1,2,3,4]")}, {c.member, c.data}});
    try {
      import_wds(t / "w", t / "out", 4, 50432);
      ADD_FAILURE() << "no error for " << c.member;
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("shard_00000000.tar"), std::string::npos) << what;
      EXPECT_NE(what.find(c.member), std::string::npos) << what;
    }
  }
}

// `dclm tokenize --export-wds/--import-wds` (skipped when the dclm binary is not built).
TEST(Wds, CliExportThenImport) {
  if (!std::filesystem::exists(dclm::testing::dclm_binary())) GTEST_SKIP() << "dclm binary not built";
  TempDir t;
  make_dirs(t / "ours");
  make_dataset(t / "ours", 2049, 50432, {2, 1});
  auto sh = [&](const std::string& args) {
    return std::system((dclm::testing::dclm_binary() + " tokenize " + args + " > " + t / "log.txt" + " 2>&1").c_str());
  };
  ASSERT_EQ(sh("--export-wds " + t / "tars" + " --from " + t / "ours" + " --seed 3"), 0) << read_file(t / "log.txt");
  EXPECT_TRUE(file_exists(t / "tars/shard_00000001.tar"));
  ASSERT_EQ(sh("--import-wds " + t / "tars" + " --out " + t / "back"), 0) << read_file(t / "log.txt");
  for (std::string f : {"shard_00000000.bin", "shard_00000001.bin", "dataset.json"})
    EXPECT_EQ(read_file(t / ("back/" + f)), read_file(t / ("ours/" + f))) << f;
  // A bad member fails with exit 1 and a line naming the tar and the member.
  make_dirs(t / "bad");
  write_tar(t / "bad/shard_00000000.tar", {{"oops.json.gz", gzip_compress("[1,2]")}});
  EXPECT_NE(sh("--import-wds " + t / "bad" + " --out " + t / "bad_out"), 0);
  std::string log = read_file(t / "log.txt");
  EXPECT_NE(log.find("shard_00000000.tar"), std::string::npos) << log;
  EXPECT_NE(log.find("oops.json.gz"), std::string::npos) << log;
  EXPECT_NE(sh("--export-wds " + t / "x"), 0);  // --from missing: usage error
}
