// Recipes: YAML lists of steps, as DCLM's baselines configs.
//
//   reader:                 # optional
//     charset: utf8         # utf8 (DCLM: drop non-UTF-8 bodies) | detect (ICU charset detection)
//     main_content: true    # extraction options of resiliparse extract_plain_text
//     alt_texts: true
//   steps:
//     - func: page_length_filter
//       length_type: word
//       min_length: 50
//
// A bare top-level list of steps is accepted too. Unknown keys, steps and parameters are dclm::Error
// naming the recipe file (or "<embedded>/NAME.yaml") and line.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "curation/readers.h"
#include "curation/step.h"

namespace dclm::curation {

struct Recipe {
  std::string name;    // embedded name or file stem
  std::string source;  // file path or "<embedded>/NAME.yaml" (used in error messages)
  std::string yaml;    // full text
  ReaderOptions reader;
  std::vector<YAML::Node> steps;
};

// An embedded recipe name, or a path to a YAML file. Parses and validates every step (creates them once).
Recipe load_recipe(const std::string& name_or_path);
Recipe parse_recipe(const std::string& yaml_text, const std::string& source, const std::string& name);
// A fresh, independent chain of steps (one per worker).
std::vector<std::unique_ptr<Step>> build_steps(const Recipe& recipe);

}  // namespace dclm::curation
