// Stage manifests: what a stage ran with and produced. Written last (atomically) into the stage's
// output folder; its presence with "complete": true is what marks the stage done.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace dclm {

struct Manifest {
  std::string stage;
  nlohmann::json config = nlohmann::json::object();
  std::map<std::string, std::string> inputs;   // name → sha256 (or a content hash of a folder)
  std::map<std::string, std::string> outputs;  // file name (relative to the folder) → sha256
  nlohmann::json counts = nlohmann::json::object();
  std::string tool_version;
  double wall_seconds = 0;
  bool complete = false;

  nlohmann::json to_json() const;
  static Manifest from_json(const nlohmann::json& j, const std::string& source = "");
  void write(const std::string& dir) const;                // dir/manifest.json, atomically
  static Manifest read(const std::string& dir);            // Error if absent or malformed
  static bool is_complete(const std::string& dir);         // exists, parses, complete == true
  // Hash every output file listed and record it.
  void add_output(const std::string& dir, const std::string& name);
  // Verify every listed output still has its recorded hash; returns the first mismatch or "".
  std::string verify(const std::string& dir) const;
};

// Combined identity of several hashes/strings (order-sensitive).
std::string combine_hashes(const std::map<std::string, std::string>& parts);

}  // namespace dclm
