// Document readers: WARC (response → HTTP → HTML extraction, DCLM-Pool record layout), WET (conversion
// records), DCLM-Pool / dolma jsonl(.gz/.zst). Bad records are counted per reason and skipped.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "curation/document.h"
#include "curation/extract.h"

namespace dclm::curation {

enum class InputKind { Warc, Jsonl };
// Sniffs the decompressed head of the file ("WARC/" → Warc, '{' → Jsonl); falls back to the name.
InputKind sniff_input(const std::string& path);

struct ReaderOptions {
  CharsetMode charset = CharsetMode::Utf8Only;  // DCLM default: non-UTF-8 bodies are dropped
  ExtractOptions extract;
  int64_t max_docs = 0;  // 0 = all
  // Records larger than this (a jsonl line, a WARC record block) are skipped without being held in memory
  // and counted as "record_too_large", so memory per worker stays bounded. Common Crawl truncates payloads
  // at 1 MiB and every recipe's page-length rule would drop such a page anyway. 0 = no limit.
  int64_t max_record_bytes = int64_t{16} << 20;
};

struct ReaderStats {
  int64_t records = 0;  // WARC records / jsonl lines seen
  int64_t docs = 0;     // documents produced
  std::map<std::string, int64_t> skipped;  // reason → count
};

// Calls f for every document of the file, in file order. Stops early once max_docs documents were produced.
void read_documents(const std::string& path, const ReaderOptions& opts, const std::function<void(Document&&)>& f,
                    ReaderStats& stats);

// DCLM move_url_modifier on a record: url = metadata['WARC-Target-URI'] (dolma/cc_net jsonl: metadata.url, or
// a top-level url as is). A URI wrapped in <...> (WARC/1.1 writers following the spec's example) is unwrapped;
// metadata keeps the raw header. Returns false when no url is found.
bool move_url(Document& doc);

}  // namespace dclm::curation
