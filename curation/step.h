// Curation steps (DCLM mappers): filters drop a document, modifiers rewrite its text, enrichers add fields.
//
// Steps are created from a recipe's YAML mapping ({func: name, param: value, ...}) through a registry
// (curation/steps/steps.def: one line per step). Unknown step names and unknown or ill-typed parameters are
// dclm::Error naming the recipe file and line.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "curation/document.h"

namespace dclm::curation {

struct Verdict {
  bool keep = true;
  std::string reason;  // why a document was dropped ("" when kept)
  static Verdict ok() { return {}; }
  static Verdict drop(std::string why) { return {false, std::move(why)}; }
};

struct Step {
  virtual ~Step();
  virtual Verdict apply(Document& doc) = 0;
  const std::string& name() const { return name_; }
  std::string name_;  // registered name (set by make_step)
};

// Creates the step named by cfg's "func" key; every other key is a parameter. Calls cfg.finish().
std::unique_ptr<Step> make_step(ConfigNode cfg);
// Registered step names, sorted.
std::vector<std::string> step_names();

// Resolves a data file named by a recipe: an existing path as is, else dclm::find_data(path), else
// dclm::find_data("lists/" + basename) (DCLM's baselines/mappers/... paths map onto ../shared/data/lists).
std::string resolve_data_file(const std::string& path, const ConfigNode& where);
// Reads a word list: one entry per line (splitlines), stripped, empty lines skipped.
std::vector<std::string> read_list_file(const std::string& path);

}  // namespace dclm::curation
