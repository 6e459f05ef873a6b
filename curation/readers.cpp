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

void read_jsonl(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
                ReaderStats& stats) {
  JsonlReader reader(path, /*strict=*/false);
  json j;
  int64_t idx = 0;
  while (true) {
    bool ok;
    try {
      ok = reader.next(j);
    } catch (const Error& e) {
      // a truncated compressed tail: keep what was read, count the rest
      ++stats.skipped["truncated_stream"];
      break;
    }
    if (!ok) break;
    ++stats.records;
    if (!j.is_object()) { ++stats.skipped["not_an_object"]; continue; }
    auto it = j.find("text");
    if (it == j.end() || !it->is_string()) { ++stats.skipped["no_text"]; continue; }
    Document d;
    d.text = it->get<std::string>();
    if (!text::is_valid_utf8(d.text)) { ++stats.skipped["invalid_utf8"]; continue; }
    j.erase(it);
    if (auto u = j.find("url"); u != j.end() && u->is_string()) {
      d.url = u->get<std::string>();
      d.has_url = true;
      j.erase(u);
    }
    d.record = std::move(j);
    j = json();
    move_url(d);
    d.source_index = idx++;
    ++stats.docs;
    f(std::move(d));
    if (opts.max_docs > 0 && stats.docs >= opts.max_docs) break;
  }
  stats.skipped["malformed_json"] += reader.malformed();
  if (stats.skipped["malformed_json"] == 0) stats.skipped.erase("malformed_json");
}

json headers_json(const WarcRecord& rec) {
  json m = json::object();
  for (const auto& [k, v] : rec.headers) m[k] = v;
  return m;
}

void read_warc(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
               ReaderStats& stats) {
  WarcReader reader(path);
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
