#include "curation/recipe.h"

#include <filesystem>

#include "common/config.h"
#include "common/io.h"
#include "curation/recipes.h"

namespace dclm::curation {

Recipe parse_recipe(const std::string& yaml_text, const std::string& source, const std::string& name) {
  Recipe r;
  r.name = name;
  r.source = source;
  r.yaml = yaml_text;
  YAML::Node root = load_yaml_string(yaml_text, source);
  YAML::Node steps;
  if (root.IsSequence()) {
    steps = root;
  } else if (root.IsMap()) {
    ConfigNode top(root, source);
    if (top.has("reader")) {
      ConfigNode rd = top.sub("reader");
      std::string cs = rd.get_or<std::string>("charset", "utf8");
      if (cs == "utf8") r.reader.charset = CharsetMode::Utf8Only;
      else if (cs == "detect") r.reader.charset = CharsetMode::Detect;
      else throw Error("reader.charset must be 'utf8' or 'detect', not '" + cs + "'", {source, rd.line()});
      r.reader.extract.main_content = rd.get_or<bool>("main_content", true);
      r.reader.extract.alt_texts = rd.get_or<bool>("alt_texts", true);
      r.reader.extract.list_bullets = rd.get_or<bool>("list_bullets", true);
      r.reader.extract.preserve_formatting = rd.get_or<bool>("preserve_formatting", true);
      r.reader.extract.noscript = rd.get_or<bool>("noscript", false);
      r.reader.extract.form_fields = rd.get_or<bool>("form_fields", false);
      r.reader.max_record_bytes = rd.get_or<int64_t>("max_record_bytes", r.reader.max_record_bytes);
      rd.finish();
    }
    top.get_or<std::string>("description", "");
    steps = top.raw("steps");
    top.finish();
    if (!steps || !steps.IsSequence()) throw Error("recipe needs a 'steps' list", {source, top.line()});
  } else {
    throw Error("a recipe must be a list of steps or a mapping with 'steps'", {source, 1});
  }
  for (const auto& s : steps) r.steps.push_back(s);
  build_steps(r);  // validate now: unknown steps/parameters fail at load time
  return r;
}

Recipe load_recipe(const std::string& name_or_path) {
  for (const auto& e : embedded_recipes())
    if (e.name == name_or_path) return parse_recipe(e.yaml, "<embedded>/" + e.name + ".yaml", e.name);
  if (file_exists(name_or_path))
    return parse_recipe(read_file(name_or_path), name_or_path, std::filesystem::path(name_or_path).stem().string());
  std::string known;
  for (const auto& e : embedded_recipes()) known += (known.empty() ? "" : ", ") + e.name;
  throw Error("unknown recipe '" + name_or_path + "': neither an embedded recipe (" + known + ") nor a file");
}

std::vector<std::unique_ptr<Step>> build_steps(const Recipe& recipe) {
  std::vector<std::unique_ptr<Step>> out;
  for (const auto& node : recipe.steps) out.push_back(make_step(ConfigNode(node, recipe.source)));
  return out;
}

}  // namespace dclm::curation
