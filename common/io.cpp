#include "common/io.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

#include "common/error.h"

namespace dclm {
namespace fs = std::filesystem;

namespace {
constexpr size_t kChunk = 1 << 18;

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}
}  // namespace

Compression compression_for_path(const std::string& path) {
  if (ends_with(path, ".gz")) return Compression::Gzip;
  if (ends_with(path, ".zst") || ends_with(path, ".zstd")) return Compression::Zstd;
  return Compression::None;
}

Compression sniff_compression(std::string_view head) {
  if (head.size() >= 2 && (unsigned char)head[0] == 0x1f && (unsigned char)head[1] == 0x8b)
    return Compression::Gzip;
  if (head.size() >= 4 && (unsigned char)head[0] == 0x28 && (unsigned char)head[1] == 0xb5 &&
      (unsigned char)head[2] == 0x2f && (unsigned char)head[3] == 0xfd)
    return Compression::Zstd;
  return Compression::None;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open file for reading: " + std::string(std::strerror(errno)), {path});
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw Error("read error", {path});
  return data;
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error("cannot create directory: " + ec.message(), {path});
}

// ---------------------------------------------------------------- InputStream
struct InputStream::Impl {
  FILE* f = nullptr;
  std::vector<char> in;
  size_t in_pos = 0, in_len = 0;
  uint64_t consumed = 0;  // compressed bytes consumed by the decoder
  bool file_eof = false;
  bool stream_done = false;  // finished at a clean member/frame boundary with no more input
  // gzip
  z_stream zs{};
  bool zs_init = false;
  bool member_open = false;
  // zstd
  ZSTD_DStream* zd = nullptr;
  size_t zstd_last = 0;

  bool refill() {
    if (in_pos < in_len) return true;
    if (file_eof) return false;
    in_len = std::fread(in.data(), 1, in.size(), f);
    in_pos = 0;
    if (in_len == 0) { file_eof = true; return false; }
    return true;
  }
};

InputStream::InputStream(const std::string& path) : impl_(new Impl), path_(path) {
  impl_->f = std::fopen(path.c_str(), "rb");
  if (!impl_->f) throw Error("cannot open file for reading: " + std::string(std::strerror(errno)), {path});
  impl_->in.resize(kChunk);
  impl_->refill();
  compression_ = sniff_compression(std::string_view(impl_->in.data(), impl_->in_len));
  if (compression_ == Compression::Gzip) {
    if (inflateInit2(&impl_->zs, 16 + MAX_WBITS) != Z_OK) throw Error("inflateInit failed", {path});
    impl_->zs_init = true;
  } else if (compression_ == Compression::Zstd) {
    impl_->zd = ZSTD_createDStream();
    ZSTD_initDStream(impl_->zd);
  }
}

InputStream::~InputStream() {
  if (impl_->zs_init) inflateEnd(&impl_->zs);
  if (impl_->zd) ZSTD_freeDStream(impl_->zd);
  if (impl_->f) std::fclose(impl_->f);
}

uint64_t InputStream::compressed_offset() const { return impl_->consumed; }

size_t InputStream::read(char* buf, size_t n) {
  Impl& s = *impl_;
  if (n == 0) return 0;
  if (compression_ == Compression::None) {
    size_t got = 0;
    while (got < n) {
      if (!s.refill()) break;
      size_t take = std::min(n - got, s.in_len - s.in_pos);
      std::memcpy(buf + got, s.in.data() + s.in_pos, take);
      s.in_pos += take; s.consumed += take; got += take;
    }
    return got;
  }
  if (compression_ == Compression::Gzip) {
    size_t got = 0;
    while (got < n) {
      if (s.in_pos >= s.in_len && !s.refill()) {
        if (s.member_open)
          throw Error("truncated gzip stream", {path_, -1, (int64_t)s.consumed});
        break;
      }
      s.zs.next_in = reinterpret_cast<Bytef*>(s.in.data() + s.in_pos);
      s.zs.avail_in = static_cast<uInt>(s.in_len - s.in_pos);
      s.zs.next_out = reinterpret_cast<Bytef*>(buf + got);
      s.zs.avail_out = static_cast<uInt>(n - got);
      s.member_open = true;
      int ret = inflate(&s.zs, Z_NO_FLUSH);
      size_t used = (s.in_len - s.in_pos) - s.zs.avail_in;
      s.in_pos += used; s.consumed += used;
      got = n - s.zs.avail_out;
      if (ret == Z_STREAM_END) {
        s.member_open = false;
        inflateReset(&s.zs);  // multi-member gzip: continue with the next member, if any
        // Skip zero padding some writers leave after the last member.
        if (!s.refill()) break;
        if (s.in[s.in_pos] == 0) {
          while (s.refill() && s.in[s.in_pos] == 0) { s.in_pos++; s.consumed++; }
          if (s.in_pos >= s.in_len) break;
        }
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        throw Error(std::string("corrupt gzip stream: ") + (s.zs.msg ? s.zs.msg : "inflate error"),
                    {path_, -1, (int64_t)s.consumed});
      } else if (ret == Z_BUF_ERROR && used == 0 && got < n && s.in_pos >= s.in_len && !s.refill()) {
        throw Error("truncated gzip stream", {path_, -1, (int64_t)s.consumed});
      }
    }
    return got;
  }
  // zstd
  ZSTD_outBuffer out{buf, n, 0};
  while (out.pos < out.size) {
    if (s.in_pos >= s.in_len && !s.refill()) {
      if (s.zstd_last != 0) throw Error("truncated zstd stream", {path_, -1, (int64_t)s.consumed});
      break;
    }
    ZSTD_inBuffer in{s.in.data() + s.in_pos, s.in_len - s.in_pos, 0};
    size_t ret = ZSTD_decompressStream(s.zd, &out, &in);
    if (ZSTD_isError(ret))
      throw Error(std::string("corrupt zstd stream: ") + ZSTD_getErrorName(ret), {path_, -1, (int64_t)s.consumed});
    s.in_pos += in.pos; s.consumed += in.pos;
    s.zstd_last = ret;
    if (in.pos == 0 && out.pos == 0 && ret != 0 && s.in_pos < s.in_len) break;
  }
  return out.pos;
}

std::string read_file_decompressed(const std::string& path) {
  InputStream in(path);
  std::string out;
  std::vector<char> buf(kChunk);
  size_t got;
  while ((got = in.read(buf.data(), buf.size())) > 0) out.append(buf.data(), got);
  return out;
}

// ---------------------------------------------------------------- LineReader
LineReader::LineReader(const std::string& path, bool strip_cr) : in_(path), strip_cr_(strip_cr) {}

bool LineReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) { buf_.erase(0, pos_); pos_ = 0; }
  size_t old = buf_.size();
  buf_.resize(old + kChunk);
  size_t got = in_.read(&buf_[old], kChunk);
  buf_.resize(old + got);
  if (got == 0) eof_ = true;
  return got > 0;
}

bool LineReader::next(std::string& line) {
  size_t scan = pos_;
  for (;;) {
    size_t nl = buf_.find('\n', scan);
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    scan = buf_.size();
    size_t rel = scan - pos_;
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line.assign(buf_, pos_, std::string::npos);
      pos_ = buf_.size();
      break;
    }
    scan = rel;  // fill() moved the data to the front
  }
  if (strip_cr_ && !line.empty() && line.back() == '\r') line.pop_back();
  ++line_no_;
  return true;
}

// ---------------------------------------------------------------- compression helpers
std::string gzip_compress(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("deflateInit failed");
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  int ret = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw Error("gzip compression failed");
  out.resize(zs.total_out);
  return out;
}

std::string gzip_decompress(std::string_view data, const std::string& name) {
  z_stream zs{};
  inflateInit2(&zs, 16 + MAX_WBITS);
  std::string out;
  std::vector<char> buf(kChunk);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  bool open = false;
  while (zs.avail_in > 0) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    open = true;
    int ret = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (ret == Z_STREAM_END) { open = false; inflateReset(&zs); continue; }
    if (ret != Z_OK) {
      uint64_t off = data.size() - zs.avail_in;
      inflateEnd(&zs);
      throw Error("corrupt gzip data", {name, -1, (int64_t)off});
    }
  }
  inflateEnd(&zs);
  if (open) throw Error("truncated gzip data", {name, -1, (int64_t)data.size()});
  return out;
}

std::string zstd_compress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(&out[0], out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstd_decompress(std::string_view data, const std::string& name) {
  ZSTD_DStream* zd = ZSTD_createDStream();
  ZSTD_initDStream(zd);
  std::string out;
  std::vector<char> buf(kChunk);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t last = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    last = ZSTD_decompressStream(zd, &o, &in);
    if (ZSTD_isError(last)) {
      ZSTD_freeDStream(zd);
      throw Error(std::string("corrupt zstd data: ") + ZSTD_getErrorName(last), {name, -1, (int64_t)in.pos});
    }
    out.append(buf.data(), o.pos);
  }
  // Drain any buffered output.
  for (;;) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    ZSTD_inBuffer empty{nullptr, 0, 0};
    size_t r = ZSTD_decompressStream(zd, &o, &empty);
    if (ZSTD_isError(r) || o.pos == 0) break;
    out.append(buf.data(), o.pos);
    last = r;
  }
  ZSTD_freeDStream(zd);
  if (last != 0) throw Error("truncated zstd data", {name, -1, (int64_t)data.size()});
  return out;
}

// ---------------------------------------------------------------- AtomicWriter
struct AtomicWriter::Impl {
  FILE* f = nullptr;
  Compression c = Compression::None;
  z_stream zs{};
  ZSTD_CStream* zc = nullptr;
  std::vector<char> out;
};

AtomicWriter::AtomicWriter(const std::string& path) : impl_(new Impl), path_(path) {
  fs::path p(path);
  if (p.has_parent_path()) make_dirs(p.parent_path().string());
  tmp_ = path + ".tmp." + std::to_string(::getpid());
  impl_->f = std::fopen(tmp_.c_str(), "wb");
  if (!impl_->f) throw Error("cannot open file for writing: " + std::string(std::strerror(errno)), {tmp_});
  impl_->c = compression_for_path(path);
  impl_->out.resize(kChunk);
  if (impl_->c == Compression::Gzip) {
    deflateInit2(&impl_->zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  } else if (impl_->c == Compression::Zstd) {
    impl_->zc = ZSTD_createCStream();
    ZSTD_initCStream(impl_->zc, 3);
  }
}

AtomicWriter::~AtomicWriter() {
  if (impl_->c == Compression::Gzip) deflateEnd(&impl_->zs);
  if (impl_->zc) ZSTD_freeCStream(impl_->zc);
  if (impl_->f) std::fclose(impl_->f);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicWriter::write(std::string_view data) {
  raw_bytes_ += data.size();
  Impl& s = *impl_;
  if (s.c == Compression::None) {
    if (std::fwrite(data.data(), 1, data.size(), s.f) != data.size())
      throw Error("write failed: " + std::string(std::strerror(errno)), {tmp_});
    return;
  }
  if (s.c == Compression::Gzip) {
    s.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    s.zs.avail_in = static_cast<uInt>(data.size());
    while (s.zs.avail_in > 0) {
      s.zs.next_out = reinterpret_cast<Bytef*>(s.out.data());
      s.zs.avail_out = static_cast<uInt>(s.out.size());
      deflate(&s.zs, Z_NO_FLUSH);
      size_t have = s.out.size() - s.zs.avail_out;
      if (have && std::fwrite(s.out.data(), 1, have, s.f) != have) throw Error("write failed", {tmp_});
    }
    return;
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o{s.out.data(), s.out.size(), 0};
    size_t r = ZSTD_compressStream(s.zc, &o, &in);
    if (ZSTD_isError(r)) throw Error("zstd compression failed", {tmp_});
    if (o.pos && std::fwrite(s.out.data(), 1, o.pos, s.f) != o.pos) throw Error("write failed", {tmp_});
  }
}

void AtomicWriter::flush_compressed(bool) {
  Impl& s = *impl_;
  if (s.c == Compression::Gzip) {
    int ret;
    do {
      s.zs.next_in = nullptr; s.zs.avail_in = 0;
      s.zs.next_out = reinterpret_cast<Bytef*>(s.out.data());
      s.zs.avail_out = static_cast<uInt>(s.out.size());
      ret = deflate(&s.zs, Z_FINISH);
      size_t have = s.out.size() - s.zs.avail_out;
      if (have && std::fwrite(s.out.data(), 1, have, s.f) != have) throw Error("write failed", {tmp_});
    } while (ret != Z_STREAM_END);
  } else if (s.c == Compression::Zstd) {
    size_t r;
    do {
      ZSTD_outBuffer o{s.out.data(), s.out.size(), 0};
      r = ZSTD_endStream(s.zc, &o);
      if (ZSTD_isError(r)) throw Error("zstd compression failed", {tmp_});
      if (o.pos && std::fwrite(s.out.data(), 1, o.pos, s.f) != o.pos) throw Error("write failed", {tmp_});
    } while (r != 0);
  }
}

void AtomicWriter::commit() {
  if (committed_) return;
  flush_compressed(true);
  if (std::fflush(impl_->f) != 0 || ::fsync(fileno(impl_->f)) != 0)
    throw Error("flush failed: " + std::string(std::strerror(errno)), {tmp_});
  std::fclose(impl_->f);
  impl_->f = nullptr;
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  if (ec) throw Error("cannot rename " + tmp_ + " into place: " + ec.message(), {path_});
  committed_ = true;
}

void replace_dir(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) throw Error("no folder to move into place: " + from, {to});
  std::string old;
  if (fs::exists(to)) {
    old = to + ".old-" + std::to_string(::getpid());
    fs::remove_all(old, ec);
    fs::rename(to, old, ec);
    if (ec) throw Error("cannot move the previous folder aside: " + ec.message(), {to});
  }
  fs::rename(from, to, ec);
  if (ec) {
    std::string msg = ec.message();
    if (!old.empty()) fs::rename(old, to, ec);  // put the previous version back
    throw Error("cannot move " + from + " into place: " + msg, {to});
  }
  if (!old.empty()) fs::remove_all(old, ec);
}

void write_file_atomic(const std::string& path, std::string_view data) {
  AtomicWriter w(path);
  w.write(data);
  w.commit();
}

}  // namespace dclm
