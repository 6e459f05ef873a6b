// JSON Lines reading over any (compressed) file. Malformed lines are either counted and skipped
// (lenient) or raise dclm::Error naming the file and line (strict).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "common/io.h"

namespace dclm {

using json = nlohmann::json;

class JsonlReader {
 public:
  explicit JsonlReader(const std::string& path, bool strict = false) : lines_(path), strict_(strict) {}
  // Next parsed object; false at end of file. Empty lines are skipped silently.
  bool next(json& out);
  int64_t line_number() const { return lines_.line_number(); }
  int64_t malformed() const { return malformed_; }
  const std::string& path() const { return lines_.path(); }

 private:
  LineReader lines_;
  bool strict_;
  int64_t malformed_ = 0;
  std::string line_;
};

// Parses a whole JSON file with a clear error naming it.
json read_json_file(const std::string& path);
// Writes pretty JSON atomically.
void write_json_file(const std::string& path, const json& j, int indent = 2);

}  // namespace dclm
