// Small helpers shared by the step implementations.
#pragma once
#include <string>
#include <vector>

#include "common/config.h"
#include "common/text.h"

namespace dclm::curation::steps {

// A parameter that may be a string or a list of strings (DCLM's Union[str, List]).
inline std::vector<std::string> string_list(ConfigNode& cfg, const std::string& key) {
  std::vector<std::string> out;
  YAML::Node n = cfg.raw(key);
  if (!n || n.IsNull()) return out;
  try {
    if (n.IsScalar()) out.push_back(n.as<std::string>());
    else if (n.IsSequence())
      for (const auto& e : n) out.push_back(e.as<std::string>());
    else
      throw YAML::Exception(n.Mark(), "not a list");
  } catch (const YAML::Exception&) {
    throw Error("'" + key + "' must be a string or a list of strings", {cfg.file(), n.Mark().line + 1});
  }
  return out;
}

inline void require(bool ok, const ConfigNode& cfg, const std::string& what) {
  if (!ok) throw Error("bad parameter: " + what, {cfg.file(), cfg.line()});
}

// text.split('\n') / '\n'.join(lines)
inline std::vector<std::string> split_nl(const std::string& t) { return text::split(t, "\n"); }
inline std::string join_nl(const std::vector<std::string>& lines) { return text::join(lines, "\n"); }

}  // namespace dclm::curation::steps
