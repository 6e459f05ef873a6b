#include "curation/warc.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/error.h"
#include "common/log.h"

namespace dclm::curation {

namespace {
bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
std::string trim_ascii(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}
std::string lookup(const std::vector<std::pair<std::string, std::string>>& h, const std::string& name) {
  for (const auto& [k, v] : h)
    if (iequals(k, name)) return v;
  return "";
}
// Parses "Name: value" lines with folded continuations into `out`; returns false on a line without ':'.
bool add_header_line(const std::string& line, std::vector<std::pair<std::string, std::string>>& out) {
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !out.empty()) {
    out.back().second += " " + trim_ascii(line);
    return true;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  out.emplace_back(trim_ascii(line.substr(0, colon)), trim_ascii(line.substr(colon + 1)));
  return true;
}
}  // namespace

std::string WarcRecord::header(const std::string& name) const { return lookup(headers, name); }
bool WarcRecord::has_header(const std::string& name) const {
  for (const auto& kv : headers)
    if (iequals(kv.first, name)) return true;
  return false;
}
std::string HttpResponse::header(const std::string& name) const { return lookup(headers, name); }

bool decode_chunked(const std::string& in, std::string& out) {
  out.clear();
  size_t pos = 0;
  while (true) {
    size_t eol = in.find('\n', pos);
    if (eol == std::string::npos) return false;
    std::string size_line = trim_ascii(in.substr(pos, eol - pos));
    size_t semi = size_line.find(';');
    if (semi != std::string::npos) size_line = trim_ascii(size_line.substr(0, semi));
    if (size_line.empty() || size_line.size() > 15) return false;
    uint64_t size = 0;
    for (char c : size_line) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      size = size * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                                                          : (std::tolower(c) - 'a' + 10));
    }
    pos = eol + 1;
    if (size == 0) return true;  // trailers ignored
    if (pos + size > in.size()) return false;
    out.append(in, pos, size);
    pos += size;
    // chunk data is followed by CRLF (or LF)
    if (pos < in.size() && in[pos] == '\r') ++pos;
    if (pos < in.size() && in[pos] == '\n') ++pos;
    else if (pos < in.size()) return false;
    if (pos >= in.size()) return true;  // missing last-chunk: accept what was read
  }
}

bool parse_http_response(const std::string& block, HttpResponse& out, std::string& reason, bool& chunk_fallback) {
  out = HttpResponse();
  chunk_fallback = false;
  if (block.compare(0, 5, "HTTP/") != 0) { reason = "not_http"; return false; }
  size_t pos = 0;
  bool first = true;
  while (true) {
    size_t eol = block.find('\n', pos);
    if (eol == std::string::npos) {  // headers without a terminating blank line: no body
      pos = block.size();
      break;
    }
    std::string line = block.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = eol + 1;
    if (first) {
      first = false;
      size_t sp = line.find(' ');
      if (sp == std::string::npos) { reason = "bad_http_status"; return false; }
      out.status = std::atoi(line.c_str() + sp + 1);
      continue;
    }
    if (line.empty()) break;
    add_header_line(line, out.headers);  // malformed header lines are ignored, as browsers do
  }
  out.body = block.substr(std::min(pos, block.size()));
  std::string te = out.header("Transfer-Encoding");
  std::transform(te.begin(), te.end(), te.begin(), [](unsigned char c) { return std::tolower(c); });
  if (te.find("chunked") != std::string::npos) {
    std::string decoded;
    if (decode_chunked(out.body, decoded)) out.body = std::move(decoded);
    else chunk_fallback = true;
  }
  std::string ce = out.header("Content-Encoding");
  std::transform(ce.begin(), ce.end(), ce.begin(), [](unsigned char c) { return std::tolower(c); });
  if ((ce == "gzip" || ce == "x-gzip") && out.body.size() >= 2 && static_cast<unsigned char>(out.body[0]) == 0x1f &&
      static_cast<unsigned char>(out.body[1]) == 0x8b) {
    try {
      out.body = gzip_decompress(out.body, "http body");
    } catch (const Error&) {
      reason = "bad_content_encoding";
      return false;
    }
  }
  return true;
}

WarcReader::WarcReader(const std::string& path) : path_(path), in_(std::make_unique<InputStream>(path)) {}
WarcReader::~WarcReader() = default;

bool WarcReader::fill() {
  if (eof_) return false;
  if (pos_ > 0 && pos_ >= buf_.size() / 2) { buf_.erase(0, pos_); pos_ = 0; }
  size_t old = buf_.size();
  buf_.resize(old + (1 << 16));
  size_t n = 0;
  try {
    n = in_->read(&buf_[old], 1 << 16);
  } catch (const Error& e) {
    stream_error_ = true;
    stream_error_msg_ = e.what();
    n = recover_tail(old);
  }
  buf_.resize(old + n);
  produced_ += n;
  if (n == 0) eof_ = true;
  return n > 0;
}

// A read that hits a truncated/corrupt stream loses what it decompressed in that call. Re-open the file,
// skip what was already obtained, then read in small steps so that at most a few bytes before the damage
// are lost. Returns the number of bytes placed at buf_[old..].
size_t WarcReader::recover_tail(size_t old) {
  auto skip_to = [&](InputStream& in, uint64_t n) {
    std::string skip(1 << 16, '\0');
    while (n > 0) {
      size_t k = in.read(&skip[0], static_cast<size_t>(std::min<uint64_t>(n, skip.size())));
      if (k == 0) return false;
      n -= k;
    }
    return true;
  };
  // Pass 1: how far do 4 KiB reads get past what we already have?
  uint64_t good = 0;
  try {
    InputStream a(path_);
    if (!skip_to(a, produced_)) return 0;
    std::string chunk(4096, '\0');
    while (true) {
      size_t k = a.read(&chunk[0], chunk.size());
      if (k == 0) break;
      good += k;
    }
  } catch (const Error&) {
  }
  // Pass 2: take those bytes, then single bytes up to the damage (at most one byte is lost).
  size_t got = 0;
  try {
    InputStream b(path_);
    if (!skip_to(b, produced_)) return 0;
    buf_.resize(old + good);
    while (got < good) {
      size_t k = b.read(&buf_[old + got], static_cast<size_t>(good - got));
      if (k == 0) break;
      got += k;
    }
    char c;
    while (b.read(&c, 1) == 1) {
      if (old + got + 1 > buf_.size()) buf_.resize(old + got + 1);
      buf_[old + got++] = c;
    }
  } catch (const Error&) {
  }
  eof_ = true;  // nothing after the damage is trusted
  return got;
}

bool WarcReader::ensure(size_t n) {
  while (buf_.size() - pos_ < n)
    if (!fill()) return false;
  return true;
}

// Lenient handling of a wrong Content-Length (hand-written WET files): the block must be followed by
// blank lines and the next "WARC/" line or the end of the file. If it is not, cut the block at an
// embedded "\nWARC/" line (length too long) or extend it up to the next "WARC/" line (too short).
void WarcReader::fix_length_mismatch(WarcRecord& rec) {
  ensure(8);
  size_t p = pos_;
  for (int i = 0; i < 4 && p < buf_.size() && (buf_[p] == '\r' || buf_[p] == '\n'); ++i) ++p;
  if (p >= buf_.size() || buf_.compare(p, 5, "WARC/") == 0) return;  // boundary where expected
  ++skipped_["content_length_mismatch"];
  size_t cut = rec.block.find("\nWARC/");
  if (cut != std::string::npos) {
    std::string rest = rec.block.substr(cut + 1);
    rec.block.resize(cut + 1);
    buf_.insert(pos_, rest);
    offset_ -= static_cast<int64_t>(rest.size());
    return;
  }
  while (true) {
    size_t hit = buf_.find("\nWARC/", pos_);
    if (hit != std::string::npos) {
      rec.block.append(buf_, pos_, hit + 1 - pos_);
      offset_ += static_cast<int64_t>(hit + 1 - pos_);
      pos_ = hit + 1;
      return;
    }
    // keep the last byte (it may be the '\n' of "\nWARC/") and read more
    size_t take = buf_.size() - pos_ > 0 ? buf_.size() - pos_ - 1 : 0;
    rec.block.append(buf_, pos_, take);
    offset_ += static_cast<int64_t>(take);
    pos_ += take;
    if (!fill()) {
      rec.block.append(buf_, pos_, std::string::npos);
      offset_ += static_cast<int64_t>(buf_.size() - pos_);
      pos_ = buf_.size();
      return;
    }
  }
}

bool WarcReader::read_line(std::string& line) {
  line.clear();
  while (true) {
    size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      offset_ += static_cast<int64_t>(nl + 1 - pos_);
      pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    if (buf_.size() - pos_ > (64u << 20)) {  // a 64 MiB "line": not a WARC
      throw Error("line longer than 64 MiB while reading WARC", {path_, -1, offset_, "warc"});
    }
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line.assign(buf_, pos_, std::string::npos);
      offset_ += static_cast<int64_t>(buf_.size() - pos_);
      pos_ = buf_.size();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
  }
}

size_t WarcReader::read_exact(std::string& out, size_t n) {
  out.clear();
  out.reserve(n);
  while (out.size() < n) {
    if (pos_ >= buf_.size() && !fill()) break;
    size_t take = std::min(n - out.size(), buf_.size() - pos_);
    out.append(buf_, pos_, take);
    pos_ += take;
    offset_ += static_cast<int64_t>(take);
  }
  return out.size();
}

size_t WarcReader::skip_exact(size_t n) {
  size_t done = 0;
  while (done < n) {
    if (pos_ >= buf_.size()) {
      buf_.clear();  // nothing buffered is needed any more: keep the buffer small
      pos_ = 0;
      if (!fill()) break;
    }
    size_t take = std::min(n - done, buf_.size() - pos_);
    pos_ += take;
    done += take;
    offset_ += static_cast<int64_t>(take);
  }
  return done;
}

bool WarcReader::next(WarcRecord& rec) {
  rec = WarcRecord();
  std::string line;
  // Find the version line, skipping blank separators (and counting any junk).
  bool junk = false;
  while (true) {
    int64_t line_start = offset_;
    if (!read_line(line)) {
      if (stream_error_ && records_ == 0 && offset_ == 0)
        throw Error("unreadable WARC: " + stream_error_msg_, {path_, -1, offset_, "warc"});
      return false;
    }
    if (line.compare(0, 5, "WARC/") == 0) {
      rec.version = line;
      rec.offset = line_start;
      break;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (records_ == 0 && !junk && line_start == 0)
      throw Error("not a WARC file (first line is not a WARC/ version line)", {path_, -1, 0, "warc"});
    if (!junk) { ++skipped_["junk_between_records"]; junk = true; }
  }
  // Header block.
  while (true) {
    if (!read_line(line)) {
      ++skipped_["truncated_record"];
      return false;
    }
    if (line.empty()) break;
    if (!add_header_line(line, rec.headers)) ++skipped_["malformed_header_line"];
  }
  std::string cl = rec.header("Content-Length");
  char* end = nullptr;
  long long len = cl.empty() ? -1 : std::strtoll(cl.c_str(), &end, 10);
  if (cl.empty() || len < 0 || (end && *end != '\0')) {
    ++skipped_["bad_content_length"];  // resynchronise on the next "WARC/" line
    return next(rec);
  }
  if (max_block_ > 0 && len > max_block_) {
    if (skip_exact(static_cast<size_t>(len)) < static_cast<size_t>(len)) {
      ++skipped_["truncated_record"];
      return false;
    }
    ++skipped_["record_too_large"];
    ++records_;
    return next(rec);
  }
  size_t got = read_exact(rec.block, static_cast<size_t>(len));
  if (got < static_cast<size_t>(len)) {
    ++skipped_["truncated_record"];
    if (stream_error_) log_warn(path_ + ": " + stream_error_msg_);
    return false;
  }
  fix_length_mismatch(rec);
  ++records_;
  return true;
}

}  // namespace dclm::curation
