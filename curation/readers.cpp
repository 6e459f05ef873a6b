#include "curation/readers.h"

#include <cstring>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/text.h"
#include "curation/warc.h"

namespace dclm::curation {

InputKind sniff_input(const std::string& path) {
  InputStream in(path);
  char buf[64];
  size_t n = 0;
  try {
    n = in.read(buf, sizeof buf);
  } catch (const Error& e) {
    throw Error(std::string("cannot read input: ") + e.what(), {path, -1, 0, "reader"});
  }
  std::string_view head(buf, n);
  size_t i = 0;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) ++i;
  head.remove_prefix(i);
  if (text::starts_with(head, "WARC/")) return InputKind::Warc;
  if (text::starts_with(head, "{")) return InputKind::Jsonl;
  if (path.find(".warc") != std::string::npos || path.find(".wet") != std::string::npos) return InputKind::Warc;
  if (path.find(".jsonl") != std::string::npos || path.find(".json") != std::string::npos) return InputKind::Jsonl;
  throw Error("unknown input type (neither WARC nor JSON lines)", {path, -1, 0, "reader"});
}

bool move_url(Document& doc) {
  auto& r = doc.record;
  if (r.contains("metadata") && r["metadata"].is_object()) {
    const auto& m = r["metadata"];
    if (m.contains("WARC-Target-URI") && m["WARC-Target-URI"].is_string()) {
      doc.url = m["WARC-Target-URI"].get<std::string>();
      // Some WARC/1.1 writers wrap the URI in <...> (an example in the 1.1 spec); Common Crawl never does.
      if (doc.url.size() >= 2 && doc.url.front() == '<' && doc.url.back() == '>') doc.url = doc.url.substr(1, doc.url.size() - 2);
      doc.has_url = true;
      return true;
    }
    if (!doc.has_url && m.contains("url") && m["url"].is_string()) {
      doc.url = m["url"].get<std::string>();
      doc.has_url = true;
      return true;
    }
  }
  return doc.has_url;
}

namespace {

// Lines of a jsonl file with a size bound: a line longer than max_bytes is skipped while it streams past
// (never held in memory) and reported as too long. A truncated compressed tail ends the file and is
// reported through `truncated`.
class BoundedLines {
 public:
  BoundedLines(const std::string& path, int64_t max_bytes) : in_(path), max_(max_bytes) {}
  enum Status { kLine, kTooLong, kEnd };
  Status next(std::string& line) {
    line.clear();
    bool too_long = false;
    for (;;) {
      if (pos_ >= buf_.size() && !fill()) {
        if (too_long) return kTooLong;
        return line.empty() ? kEnd : kLine;
      }
      const char* b = buf_.data() + pos_;
      const char* nl = static_cast<const char*>(std::memchr(b, '\n', buf_.size() - pos_));
      const size_t take = nl ? static_cast<size_t>(nl - b) : buf_.size() - pos_;
      if (!too_long) {
        if (max_ > 0 && static_cast<int64_t>(line.size() + take) > max_) {
          too_long = true;
          line.clear();
          line.shrink_to_fit();
        } else {
          line.append(b, take);
        }
      }
      pos_ += take + (nl ? 1 : 0);
      if (nl) return too_long ? kTooLong : kLine;
    }
  }
  bool truncated() const { return truncated_; }

 private:
  bool fill() {
    if (eof_) return false;
    buf_.resize(1 << 16);
    size_t n = 0;
    try {
      n = in_.read(buf_.data(), buf_.size());
    } catch (const Error&) {
      truncated_ = true;  // keep what was read
    }
    buf_.resize(n);
    pos_ = 0;
    if (n == 0) eof_ = true;
    return n > 0;
  }
  InputStream in_;
  int64_t max_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false, truncated_ = false;
};

void read_jsonl(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
                ReaderStats& stats) {
  BoundedLines lines(path, opts.max_record_bytes);
  std::string line;
  int64_t idx = 0;
  for (;;) {
    const auto st = lines.next(line);
    if (st == BoundedLines::kEnd) break;
    if (st == BoundedLines::kTooLong) {
      ++stats.records;
      ++stats.skipped["record_too_large"];
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      if (lines.truncated()) break;  // the partial last line of a truncated stream
      ++stats.skipped["malformed_json"];
      continue;
    }
    ++stats.records;
    if (!j.is_object()) { ++stats.skipped["not_an_object"]; continue; }
    auto it = j.find("text");
    if (it == j.end() || !it->is_string()) { ++stats.skipped["no_text"]; continue; }
    Document d;
    d.text = std::move(it->get_ref<std::string&>());
    if (!text::is_valid_utf8(d.text)) { ++stats.skipped["invalid_utf8"]; continue; }
    j.erase(it);
    if (auto u = j.find("url"); u != j.end() && u->is_string()) {
      d.url = u->get<std::string>();
      d.has_url = true;
      j.erase(u);
    }
    d.record = std::move(j);
    move_url(d);
    d.source_index = idx++;
    ++stats.docs;
    f(std::move(d));
    if (opts.max_docs > 0 && stats.docs >= opts.max_docs) break;
  }
  if (lines.truncated()) ++stats.skipped["truncated_stream"];
}

json headers_json(const WarcRecord& rec) {
  json m = json::object();
  for (const auto& [k, v] : rec.headers) m[k] = v;
  return m;
}

void read_warc(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
               ReaderStats& stats) {
  WarcReader reader(path);
  reader.set_max_block_bytes(opts.max_record_bytes);
  WarcRecord rec;
  std::string warcinfo;
  int64_t idx = 0;
  while (reader.next(rec)) {
    ++stats.records;
    const std::string type = rec.type();
    if (type == "warcinfo") {
      warcinfo = rec.block;
      continue;
    }
    Document d;
    if (type == "response") {
      HttpResponse http;
      std::string reason;
      bool chunk_fallback = false;
      if (!parse_http_response(rec.block, http, reason, chunk_fallback)) { ++stats.skipped[reason]; continue; }
      if (chunk_fallback) ++stats.skipped["chunked_decode_fallback_raw"];  // counted, record still used
      auto body = decode_html_body(http.body, http.header("Content-Type"), opts.charset);
      if (!body) { ++stats.skipped["invalid_utf8"]; continue; }
      d.text = extract_plain_text(*body, opts.extract);
    } else if (type == "conversion") {
      if (!text::is_valid_utf8(rec.block)) { ++stats.skipped["invalid_utf8"]; continue; }
      d.text = text::rstrip(rec.block);
    } else {
      continue;  // request, metadata, resource, revisit, …: not documents
    }
    d.record["metadata"] = headers_json(rec);
    d.record["warcinfo"] = warcinfo;
    move_url(d);
    d.source_index = idx++;
    ++stats.docs;
    f(std::move(d));
    if (opts.max_docs > 0 && stats.docs >= opts.max_docs) break;
  }
  for (const auto& [k, v] : reader.skipped()) stats.skipped[k] += v;
}

}  // namespace

void read_documents(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
                    ReaderStats& stats) {
  if (!file_exists(path)) throw Error("input file not found", {path, -1, -1, "reader"});
  if (sniff_input(path) == InputKind::Warc) read_warc(path, opts, f, stats);
  else read_jsonl(path, opts, f, stats);
}

}  // namespace dclm::curation
