#include "harness/stage.h"

#include <chrono>
#include <filesystem>

#include "common/error.h"
#include "common/io.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/version.h"

namespace dclm::harness {
namespace fs = std::filesystem;

RunFolder::RunFolder(std::string root) : root_(std::move(root)) { make_dirs(root_); }

std::string RunFolder::stale_reason(const StageSpec& spec) const {
  std::string dir = stage_dir(spec.name);
  if (!file_exists(dir)) return "not run yet";
  if (!Manifest::is_complete(dir)) return "no complete manifest";
  Manifest m = Manifest::read(dir);
  if (m.config != spec.config) return "config changed";
  if (m.inputs != spec.inputs) return "inputs changed";
  if (std::string bad = m.verify(dir); !bad.empty()) return "output " + bad;
  return "";
}

StageOutcome RunFolder::run(const StageSpec& spec,
                            const std::function<void(const std::string&, Manifest&)>& body) {
  std::string reason = stale_reason(spec);
  std::string dir = stage_dir(spec.name);
  if (reason.empty()) {
    log_info("stage " + spec.name + ": up to date, skipped");
    return StageOutcome::Skipped;
  }
  log_info("stage " + spec.name + ": running (" + reason + ")");
  std::string work = root_ + "/.tmp-" + spec.name;
  std::error_code ec;
  if (fs::exists(work)) {
    bool same_job = false;
    if (spec.resumable && file_exists(work + "/.stage.json")) {
      try {
        std::string prev = read_file(work + "/.stage.json");
        same_job = prev == nlohmann::json({{"config", spec.config}, {"inputs", spec.inputs}}).dump();
      } catch (const Error&) {
      }
    }
    if (!same_job) fs::remove_all(work, ec);
    else log_info("stage " + spec.name + ": resuming the interrupted run in " + work);
  }
  make_dirs(work);
  write_file_atomic(work + "/.stage.json", nlohmann::json({{"config", spec.config}, {"inputs", spec.inputs}}).dump());

  Manifest m;
  m.stage = spec.name;
  m.config = spec.config;
  m.inputs = spec.inputs;
  m.tool_version = tool_version();
  auto t0 = std::chrono::steady_clock::now();
  try {
    body(work, m);
  } catch (Error& e) {
    if (e.context().step.empty()) {
      ErrorContext c = e.context();
      c.step = "stage " + spec.name;
      throw Error(e.message(), c);
    }
    throw;
  }
  m.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.complete = true;
  fs::remove(work + "/.stage.json", ec);
  m.write(work);
  replace_dir(work, dir);  // replaces the previous version, if any
  log_info("stage " + spec.name + ": done in " + format_duration(m.wall_seconds));
  return StageOutcome::Ran;
}

std::string RunFolder::stage_hash(const std::string& name) const {
  Manifest m = Manifest::read(stage_dir(name));
  std::map<std::string, std::string> parts = m.outputs;
  parts["#config"] = m.config.dump();
  return combine_hashes(parts);
}

}  // namespace dclm::harness
