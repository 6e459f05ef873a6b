// A run folder holds one sub-folder per stage. A stage is built in "<run>/.tmp-<stage>" and renamed
// to "<run>/<stage>" once its manifest is written, so a folder named after a stage is always complete.
// A stage is skipped when its manifest is complete, its recorded outputs still hash the same, and its
// inputs and config equal the ones it was built from; otherwise it is rebuilt. A stage killed midway
// leaves only its .tmp folder: non-resumable stages wipe it and start again, resumable ones (training)
// hand it back to the stage, which continues from its last checkpoint.
#pragma once
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/manifest.h"

namespace dclm::harness {

struct StageSpec {
  std::string name;                           // folder name: "curate", "tokenizer", "tokens", ...
  nlohmann::json config;                      // everything that changes the outputs
  std::map<std::string, std::string> inputs;  // input name → content hash
  bool resumable = false;
};

enum class StageOutcome { Skipped, Ran };

class RunFolder {
 public:
  explicit RunFolder(std::string root);
  const std::string& root() const { return root_; }
  std::string stage_dir(const std::string& name) const { return root_ + "/" + name; }
  // Why the stage must run ("" when it is up to date).
  std::string stale_reason(const StageSpec& spec) const;
  // Runs `body(work_dir, manifest)` unless up to date. The body writes its outputs into work_dir and
  // fills manifest.counts / outputs (add_output); the folder then moves into place atomically.
  StageOutcome run(const StageSpec& spec, const std::function<void(const std::string& work_dir, Manifest& m)>& body);
  // Content hash of a finished stage (of its manifest's outputs and config) for downstream inputs.
  std::string stage_hash(const std::string& name) const;

 private:
  std::string root_;
};

}  // namespace dclm::harness
