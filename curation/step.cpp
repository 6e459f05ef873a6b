#include "curation/step.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "common/data.h"
#include "common/io.h"
#include "common/text.h"

namespace dclm::curation {

namespace steps {
#define DCLM_STEP(name) std::unique_ptr<Step> make_##name(ConfigNode& cfg);
#include "curation/steps/steps.def"
#undef DCLM_STEP
}  // namespace steps

namespace {
using Factory = std::unique_ptr<Step> (*)(ConfigNode&);
const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> r = {
#define DCLM_STEP(name) {#name, &steps::make_##name},
#include "curation/steps/steps.def"
#undef DCLM_STEP
  };
  return r;
}
}  // namespace

Step::~Step() = default;

std::unique_ptr<Step> make_step(ConfigNode cfg) {
  if (!cfg.node() || !cfg.node().IsMap())
    throw Error("a recipe step must be a mapping with a 'func' key", {cfg.file(), cfg.line()});
  if (!cfg.has("func")) throw Error("recipe step without 'func'", {cfg.file(), cfg.line()});
  int func_line = cfg.node()["func"].Mark().line + 1;
  std::string name = cfg.get<std::string>("func");
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& kv : registry()) known += (known.empty() ? "" : ", ") + kv.first;
    throw Error("unknown step '" + name + "' (known: " + known + ")", {cfg.file(), func_line});
  }
  std::unique_ptr<Step> step = it->second(cfg);
  cfg.finish();
  step->name_ = name;
  return step;
}

std::vector<std::string> step_names() {
  std::vector<std::string> out;
  for (const auto& kv : registry()) out.push_back(kv.first);
  return out;
}

std::string resolve_data_file(const std::string& path, const ConfigNode& where) {
  if (file_exists(path)) return path;
  if (auto p = find_data(path)) return *p;
  std::string base = std::filesystem::path(path).filename().string();
  for (const std::string& cand : {"lists/" + base, "lists/dclm_" + base, "models/" + base})
    if (auto p = find_data(cand)) return *p;
  throw Error("data file '" + path + "' not found (as a path or under the data folder)",
              {where.file(), where.line()});
}

std::vector<std::string> read_list_file(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& line : text::splitlines(read_file(path))) {
    std::string s = text::strip(line);
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace dclm::curation
