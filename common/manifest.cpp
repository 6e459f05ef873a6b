#include "common/manifest.h"

#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"

namespace dclm {

nlohmann::json Manifest::to_json() const {
  return {{"stage", stage},       {"complete", complete}, {"tool_version", tool_version},
          {"wall_seconds", wall_seconds}, {"config", config}, {"inputs", inputs},
          {"outputs", outputs},   {"counts", counts}};
}

Manifest Manifest::from_json(const nlohmann::json& j, const std::string& source) {
  Manifest m;
  try {
    m.stage = j.at("stage").get<std::string>();
    m.complete = j.value("complete", false);
    m.tool_version = j.value("tool_version", "");
    m.wall_seconds = j.value("wall_seconds", 0.0);
    m.config = j.value("config", nlohmann::json::object());
    m.inputs = j.value("inputs", std::map<std::string, std::string>{});
    m.outputs = j.value("outputs", std::map<std::string, std::string>{});
    m.counts = j.value("counts", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed manifest: ") + e.what(), {source});
  }
  return m;
}

void Manifest::write(const std::string& dir) const { write_json_file(dir + "/manifest.json", to_json()); }

Manifest Manifest::read(const std::string& dir) {
  std::string p = dir + "/manifest.json";
  return from_json(read_json_file(p), p);
}

bool Manifest::is_complete(const std::string& dir) {
  if (!file_exists(dir + "/manifest.json")) return false;
  try {
    return read(dir).complete;
  } catch (const Error&) {
    return false;
  }
}

void Manifest::add_output(const std::string& dir, const std::string& name) {
  outputs[name] = sha256_file(dir + "/" + name);
}

std::string Manifest::verify(const std::string& dir) const {
  for (const auto& [name, h] : outputs) {
    std::string p = dir + "/" + name;
    if (!file_exists(p)) return name + " is missing";
    if (sha256_file(p) != h) return name + " does not match its recorded sha256";
  }
  return "";
}

std::string combine_hashes(const std::map<std::string, std::string>& parts) {
  Sha256 h;
  for (const auto& [k, v] : parts) { h.update(k); h.update("="); h.update(v); h.update("\n"); }
  return h.hex();
}

}  // namespace dclm
