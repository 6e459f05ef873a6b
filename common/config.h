// YAML configuration with strict keys: every key a reader does not consume is an error naming the
// file and line. Usage:
//   auto root = YamlFile::load(path);
//   ConfigNode n(root.node(), path);
//   int x = n.get<int>("x"); double y = n.get_or<double>("y", 1.0);
//   n.finish();   // throws dclm::Error on any key not read
#pragma once
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace dclm {

YAML::Node load_yaml_file(const std::string& path);
YAML::Node load_yaml_string(const std::string& text, const std::string& name);

class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string file, std::string where = "");
  bool has(const std::string& key) const;
  template <typename T>
  T get(const std::string& key) {
    YAML::Node v = child(key, true);
    try { return v.as<T>(); } catch (const YAML::Exception&) { throw bad_value(key, v); }
  }
  template <typename T>
  T get_or(const std::string& key, const T& fallback) {
    if (!has(key)) { used_.insert(key); return fallback; }
    return get<T>(key);
  }
  ConfigNode sub(const std::string& key);  // nested mapping
  YAML::Node raw(const std::string& key);  // marks key used; no checks
  std::vector<std::string> keys() const;
  void finish() const;  // unknown keys → Error
  int line() const { return node_.Mark().line + 1; }
  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node child(const std::string& key, bool required);
  Error bad_value(const std::string& key, const YAML::Node& v) const;
  YAML::Node node_;
  std::string file_, where_;
  std::set<std::string> used_;
};

}  // namespace dclm
