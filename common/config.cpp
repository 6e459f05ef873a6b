#include "common/config.h"

#include "common/io.h"

namespace dclm {

YAML::Node load_yaml_string(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("invalid YAML: " + e.msg, {name, e.mark.line >= 0 ? e.mark.line + 1 : -1});
  }
}

YAML::Node load_yaml_file(const std::string& path) { return load_yaml_string(read_file(path), path); }

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string where)
    : node_(std::move(node)), file_(std::move(file)), where_(std::move(where)) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    throw Error("expected a mapping" + (where_.empty() ? "" : " at '" + where_ + "'"), {file_, line()});
}

bool ConfigNode::has(const std::string& key) const { return node_ && node_.IsMap() && node_[key]; }

YAML::Node ConfigNode::child(const std::string& key, bool required) {
  used_.insert(key);
  if (!has(key)) {
    if (required)
      throw Error("missing required key '" + (where_.empty() ? key : where_ + "." + key) + "'", {file_, line()});
    return YAML::Node();
  }
  return node_[key];
}

Error ConfigNode::bad_value(const std::string& key, const YAML::Node& v) const {
  std::string shown = v.IsScalar() ? v.Scalar() : "(non-scalar)";
  return Error("bad value for '" + (where_.empty() ? key : where_ + "." + key) + "': " + shown,
               {file_, v.Mark().line + 1});
}

ConfigNode ConfigNode::sub(const std::string& key) {
  YAML::Node v = child(key, true);
  return ConfigNode(v, file_, where_.empty() ? key : where_ + "." + key);
}

YAML::Node ConfigNode::raw(const std::string& key) { return child(key, false); }

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (node_ && node_.IsMap())
    for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.as<std::string>());
  return out;
}

void ConfigNode::finish() const {
  if (!node_ || !node_.IsMap()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string k = it->first.as<std::string>();
    if (!used_.count(k))
      throw Error("unknown key '" + (where_.empty() ? k : where_ + "." + k) + "'", {file_, it->first.Mark().line + 1});
  }
}

}  // namespace dclm
