// Streaming WARC reader (WARC/1.0, 1.1, 0.18) over dclm::InputStream (plain, multi-member gzip, zstd).
//
// Records are read one at a time: version line, header block ("Name: value", folded continuation lines,
// CRLF or bare LF line ends), then exactly Content-Length bytes of block. Junk between records is skipped
// up to the next "WARC/" line and counted. A stream that ends (or stops decompressing) inside a record
// counts that record as "truncated_record" and ends the file; a file whose first record cannot be read
// at all is a dclm::Error naming the file and offset.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/io.h"

namespace dclm::curation {

struct WarcRecord {
  std::string version;                                       // "WARC/1.0"
  std::vector<std::pair<std::string, std::string>> headers;  // in file order
  std::string block;                                          // Content-Length bytes
  int64_t offset = 0;                                         // decompressed offset of the version line

  // Case-insensitive header lookup; "" when absent.
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  std::string type() const { return header("WARC-Type"); }
};

// Parsed HTTP message inside a `response` record block.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked; Content-Encoding gzip/deflate decoded
  std::string header(const std::string& name) const;
};

// Parses an HTTP response block. Returns false (with reason set) when the block is not an HTTP response.
// Chunked transfer encoding is decoded; a malformed chunk stream falls back to the raw body (as warcio
// does) and sets `chunk_fallback`.
bool parse_http_response(const std::string& block, HttpResponse& out, std::string& reason, bool& chunk_fallback);
// Decodes an HTTP chunked body; false if malformed.
bool decode_chunked(const std::string& in, std::string& out);

class WarcReader {
 public:
  explicit WarcReader(const std::string& path);
  ~WarcReader();
  // Next record; false at end of file (including a truncated tail, which is counted).
  bool next(WarcRecord& rec);
  const std::map<std::string, int64_t>& skipped() const { return skipped_; }
  const std::string& path() const { return path_; }
  // Records whose block is longer are skipped unread and counted as "record_too_large" (0 = no limit).
  void set_max_block_bytes(int64_t n) { max_block_ = n; }
  int64_t offset() const { return offset_; }

 private:
  bool fill();
  size_t recover_tail(size_t old);      // after a stream error: re-read up to the failing point in small steps
  bool ensure(size_t n);                // at least n bytes buffered from pos_ (false at EOF)
  void fix_length_mismatch(WarcRecord& rec);
  bool read_line(std::string& line);  // without the line end; false at EOF with nothing read
  size_t read_exact(std::string& out, size_t n);
  size_t skip_exact(size_t n);  // consumes n bytes without keeping them
  std::string path_;
  std::unique_ptr<InputStream> in_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool stream_error_ = false;
  std::string stream_error_msg_;
  int64_t offset_ = 0;  // decompressed bytes consumed
  uint64_t produced_ = 0;  // decompressed bytes obtained from the stream
  int64_t records_ = 0;
  int64_t max_block_ = 0;
  std::map<std::string, int64_t> skipped_;
};

}  // namespace dclm::curation
