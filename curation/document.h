// A web document flowing through the curation chain (DCLM "page" dict).
//
// `text` and `url` are the two keys every DCLM mapper reads (dclm:baselines/core/constants.py). `record`
// holds every other field of the input record (jsonl: the original JSON object minus text/url; WARC: the
// DCLM-Pool fields `metadata` = WARC headers and `warcinfo`), plus fields added by enrichers such as
// `language_id_whole_page_fasttext` and `previous_word_count`. to_json() rebuilds the output record.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace dclm::curation {

struct Document {
  std::string text;
  std::string url;
  bool has_url = false;                                 // DCLM-Pool records have no url until move_url
  nlohmann::json record = nlohmann::json::object();    // pass-through and added fields
  // Provenance (not written): input file index and record index within that file.
  int64_t source_index = -1;

  nlohmann::json to_json() const {
    nlohmann::json j = record;
    j["text"] = text;
    if (has_url) j["url"] = url;
    return j;
  }
};

}  // namespace dclm::curation
