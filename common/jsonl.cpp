#include "common/jsonl.h"

#include "common/error.h"

namespace dclm {

bool JsonlReader::next(json& out) {
  while (lines_.next(line_)) {
    if (line_.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out = json::parse(line_);
      return true;
    } catch (const json::exception& e) {
      if (strict_) throw Error(std::string("malformed JSON line: ") + e.what(), {path(), line_number()});
      ++malformed_;
    }
  }
  return false;
}

json read_json_file(const std::string& path) {
  std::string text = read_file_decompressed(path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(std::string("malformed JSON: ") + e.what(), {path});
  }
}

void write_json_file(const std::string& path, const json& j, int indent) {
  write_file_atomic(path, j.dump(indent) + "\n");
}

}  // namespace dclm
