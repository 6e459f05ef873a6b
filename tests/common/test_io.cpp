#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/error.h"
#include "common/io.h"
#include "test_util.h"

using namespace dclm;
using dclm::testing::TempDir;

static std::string sample_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>(rng() % 7 == 0 ? '\n' : 'a' + rng() % 26);
  return s;
}

TEST(Compression, GzipRoundTrip) {
  std::string data = sample_bytes(300000, 1);
  std::string z = gzip_compress(data);
  EXPECT_EQ(sniff_compression(z), Compression::Gzip);
  EXPECT_EQ(gzip_decompress(z), data);
}

TEST(Compression, ZstdRoundTrip) {
  std::string data = sample_bytes(300000, 2);
  std::string z = zstd_compress(data);
  EXPECT_EQ(sniff_compression(z), Compression::Zstd);
  EXPECT_EQ(zstd_decompress(z), data);
}

TEST(Compression, MultiMemberGzipStreams) {
  TempDir t;
  std::string a = sample_bytes(1000, 3), b = sample_bytes(200000, 4);
  write_file_atomic(t / "raw.bin", gzip_compress(a) + gzip_compress(b));  // .bin: stored as is
  EXPECT_EQ(read_file_decompressed(t / "raw.bin"), a + b);
  EXPECT_EQ(gzip_decompress(gzip_compress(a) + gzip_compress(b)), a + b);
}

TEST(Compression, TruncatedGzipIsAnErrorNamingTheFile) {
  TempDir t;
  std::string z = gzip_compress(sample_bytes(100000, 5));
  write_file_atomic(t / "cut.bin", z.substr(0, z.size() / 2));
  try {
    read_file_decompressed(t / "cut.bin");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_THROW(gzip_decompress(z.substr(0, z.size() / 2)), Error);
}

TEST(Compression, TruncatedZstdIsAnError) {
  TempDir t;
  std::string z = zstd_compress(sample_bytes(100000, 6));
  write_file_atomic(t / "cut.bin", z.substr(0, z.size() - 10));
  EXPECT_THROW(read_file_decompressed(t / "cut.bin"), Error);
  EXPECT_THROW(zstd_decompress(z.substr(0, z.size() - 10)), Error);
}

TEST(AtomicWriter, CompressesByExtensionAndReadsBack) {
  TempDir t;
  std::string data = sample_bytes(500000, 7);
  for (std::string name : {"a.txt", "a.txt.gz", "a.txt.zst"}) {
    AtomicWriter w(t / name);
    w.write(data.substr(0, 1000));
    w.write(data.substr(1000));
    w.commit();
    EXPECT_EQ(read_file_decompressed(t / name), data) << name;
  }
  EXPECT_EQ(sniff_compression(read_file(t / "a.txt.gz")), Compression::Gzip);
  EXPECT_EQ(sniff_compression(read_file(t / "a.txt.zst")), Compression::Zstd);
}

TEST(AtomicWriter, UncommittedWriteLeavesTargetUntouched) {
  TempDir t;
  write_file_atomic(t / "keep.txt", "old contents");
  {
    AtomicWriter w(t / "keep.txt");
    w.write("new half-written contents");
    // destroyed without commit(): e.g. an exception or a kill mid-write
  }
  EXPECT_EQ(read_file(t / "keep.txt"), "old contents");
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(t.path())) { (void)e; ++n; }
  EXPECT_EQ(n, 1u) << "temp file was not cleaned up";
}

TEST(LineReader, LinesAndNumbersAcrossChunkBoundaries) {
  TempDir t;
  std::string data;
  for (int i = 0; i < 50000; ++i) data += "line " + std::to_string(i) + (i % 3 ? "" : std::string(40, 'x')) + "\n";
  data += "last line without newline";
  write_file_atomic(t / "l.txt.zst", data);
  LineReader r(t / "l.txt.zst");
  std::string line;
  int n = 0;
  while (r.next(line)) {
    if (n < 50000) {
      EXPECT_EQ(line.substr(0, 5 + std::to_string(n).size()), "line " + std::to_string(n));
    }
    ++n;
    EXPECT_EQ(r.line_number(), n);
  }
  EXPECT_EQ(n, 50001);
  EXPECT_EQ(line, "last line without newline");
}

TEST(Io, UnreadableFileNamesThePath) {
  try {
    read_file("/nonexistent/dir/file.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/file.txt"), std::string::npos);
  }
}

TEST(Io, ReplaceDirSwapsWholeFolders) {
  TempDir t;
  write_file_atomic(t / "new/a.txt", "new a");
  replace_dir(t / "new", t / "dst");  // no previous folder
  EXPECT_EQ(read_file(t / "dst/a.txt"), "new a");
  EXPECT_FALSE(file_exists(t / "new"));
  write_file_atomic(t / "dst/stale.txt", "from the old version");
  write_file_atomic(t / "newer/a.txt", "newer a");
  replace_dir(t / "newer", t / "dst");
  EXPECT_EQ(read_file(t / "dst/a.txt"), "newer a");
  EXPECT_FALSE(file_exists(t / "dst/stale.txt"));  // nothing of the old folder survives
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(t.path())) { (void)e; ++n; }
  EXPECT_EQ(n, 1u) << "the old folder was not removed";
  EXPECT_THROW(replace_dir(t / "missing", t / "dst"), Error);
  EXPECT_EQ(read_file(t / "dst/a.txt"), "newer a");
}
