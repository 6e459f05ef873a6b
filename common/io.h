// File IO: compressed streams (gzip multi-member, zstd, plain — chosen by magic bytes on read and by
// extension on write), line reading with offsets, and atomic writes (temp name + rename).
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace dclm {

enum class Compression { None, Gzip, Zstd };

// By file extension: .gz → Gzip, .zst/.zstd → Zstd, anything else → None.
Compression compression_for_path(const std::string& path);
// By magic bytes of the data (1f 8b → Gzip, 28 b5 2f fd → Zstd).
Compression sniff_compression(std::string_view head);

std::string read_file(const std::string& path);                // raw bytes; Error if unreadable
std::string read_file_decompressed(const std::string& path);   // whole file, decompressed
bool file_exists(const std::string& path);
void make_dirs(const std::string& path);

std::string gzip_compress(std::string_view data, int level = 6);
std::string gzip_decompress(std::string_view data, const std::string& name = "<memory>");
std::string zstd_compress(std::string_view data, int level = 3);
std::string zstd_decompress(std::string_view data, const std::string& name = "<memory>");

// Streaming decompressing reader. Detects the format from the first bytes. Truncated or corrupt
// streams raise dclm::Error naming the file and the compressed byte offset reached.
class InputStream {
 public:
  explicit InputStream(const std::string& path);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;
  // Reads up to n decompressed bytes; returns 0 at end of stream.
  size_t read(char* buf, size_t n);
  const std::string& path() const { return path_; }
  Compression compression() const { return compression_; }
  uint64_t compressed_offset() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  Compression compression_ = Compression::None;
};

// Line reader over InputStream. Lines are returned without the trailing '\n' (and '\r\n' → kept '\r'
// stripped only when strip_cr is true).
class LineReader {
 public:
  explicit LineReader(const std::string& path, bool strip_cr = false);
  bool next(std::string& line);
  int64_t line_number() const { return line_no_; }  // 1-based number of the line last returned
  const std::string& path() const { return in_.path(); }
  uint64_t compressed_offset() const { return in_.compressed_offset(); }

 private:
  bool fill();
  InputStream in_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool strip_cr_;
  int64_t line_no_ = 0;
};

// Writes to "<path>.tmp.<pid>" and renames onto path on commit(); compresses by path extension.
// If destroyed without commit(), the temp file is removed and path is untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(const std::string& path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  void write(std::string_view data);
  void write_line(std::string_view line) { write(line); write("\n"); }
  void commit();
  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return raw_bytes_; }

 private:
  void flush_compressed(bool finish);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, tmp_;
  uint64_t raw_bytes_ = 0;
  bool committed_ = false;
};

// Moves the finished folder `from` to `to`, replacing an existing `to`: the old folder is renamed aside
// first and removed after the new one is in place, so `to` never holds a mix of both.
void replace_dir(const std::string& from, const std::string& to);

// Whole-content convenience: temp + rename.
void write_file_atomic(const std::string& path, std::string_view data);

}  // namespace dclm
