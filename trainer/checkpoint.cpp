#include "trainer/checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "model/openlm.h"
#include "trainer/comm.h"

namespace fs = std::filesystem;

namespace dclm::trainer {

std::string checkpoint_dir_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step_%08lld", static_cast<long long>(step));
  return buf;
}

std::string write_checkpoint(const std::string& root, int64_t step, const NamedTensors& params,
                             const NamedTensors& optimizer, const nlohmann::json& state) {
  make_dirs(root);
  const std::string final_dir = root + "/" + checkpoint_dir_name(step);
  const std::string tmp = root + "/.tmp-" + checkpoint_dir_name(step) + "-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  make_dirs(tmp);
  model::save_tensor_dict(tmp + "/params.pt", params);
  model::save_tensor_dict(tmp + "/optimizer.pt", optimizer);
  write_json_file(tmp + "/state.json", state);
  nlohmann::json files = nlohmann::json::object();
  for (const char* f : {"params.pt", "optimizer.pt", "state.json"}) files[f] = sha256_file(tmp + "/" + f);
  write_json_file(tmp + "/checkpoint.json", {{"step", step}, {"files", files}});
  replace_dir(tmp, final_dir);  // replaces an older checkpoint of the same step (a re-run)
  return final_dir;
}

std::optional<std::string> latest_checkpoint(const std::string& root) {
  std::optional<std::string> best;
  int64_t best_step = -1;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return std::nullopt;
  for (const auto& e : fs::directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name.rfind("step_", 0) != 0 || name.find('.') != std::string::npos) continue;
    if (!fs::exists(e.path() / "checkpoint.json")) continue;
    int64_t step = -1;
    try {
      step = std::stoll(name.substr(5));
    } catch (...) {
      continue;
    }
    if (step > best_step) {
      best_step = step;
      best = e.path().string();
    }
  }
  return best;
}

LoadedCheckpoint read_checkpoint(const std::string& dir) {
  const std::string index_path = dir + "/checkpoint.json";
  nlohmann::json index = read_json_file(index_path);
  if (!index.contains("files") || !index["files"].is_object() || !index.contains("step"))
    throw Error("corrupt checkpoint: checkpoint.json lacks 'step' or 'files'", {index_path});
  for (const char* f : {"params.pt", "state.json"})
    if (!index["files"].contains(f)) throw Error(std::string("corrupt checkpoint: no checksum for ") + f, {index_path});
  for (const auto& [f, sum] : index["files"].items()) {
    const std::string path = dir + "/" + f;
    if (!file_exists(path)) throw Error("corrupt checkpoint: file missing", {path});
    const std::string want = sum.get<std::string>(), got = sha256_file(path);
    if (want != got)
      throw Error("corrupt checkpoint: sha256 " + got + " does not match the recorded " + want +
                      " (delete this checkpoint folder to resume from an older one)",
                  {path});
  }
  LoadedCheckpoint out;
  out.dir = dir;
  out.step = index["step"].get<int64_t>();
  out.params = model::load_tensor_dict(dir + "/params.pt");
  out.state = read_json_file(dir + "/state.json");
  const int64_t world = out.state.value("world_size", int64_t(1));
  if (index["files"].contains("optimizer.pt")) {
    out.optimizer = model::load_tensor_dict(dir + "/optimizer.pt");
  } else {
    for (int64_t r = 0; r < world; ++r) {
      const std::string f = optimizer_shard_name(int(r));
      if (!index["files"].contains(f)) throw Error("corrupt checkpoint: no checksum for " + f, {index_path});
      out.optimizer_shards.push_back(dir + "/" + f);
    }
  }
  return out;
}

std::string optimizer_shard_name(int rank) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "optimizer.rank%05d.pt", rank);
  return buf;
}

std::string write_checkpoint_sharded(const std::string& root, int64_t step, Comm& comm, const NamedTensors& params,
                                     const NamedTensors& optimizer_shard, const nlohmann::json& state) {
  const std::string final_dir = root + "/" + checkpoint_dir_name(step);
  const std::string tmp = root + "/.tmp-" + checkpoint_dir_name(step) + "-sharded";
  std::error_code ec;
  if (comm.rank() == 0) {
    make_dirs(root);
    fs::remove_all(tmp, ec);
    make_dirs(tmp);
  }
  comm.barrier();
  model::save_tensor_dict(tmp + "/" + optimizer_shard_name(comm.rank()), optimizer_shard);
  if (comm.rank() == 0) {
    model::save_tensor_dict(tmp + "/params.pt", params);
    write_json_file(tmp + "/state.json", state);
  }
  comm.barrier();  // every shard is on disk
  if (comm.rank() == 0) {
    nlohmann::json files = nlohmann::json::object();
    files["params.pt"] = sha256_file(tmp + "/params.pt");
    files["state.json"] = sha256_file(tmp + "/state.json");
    for (int r = 0; r < comm.world(); ++r) files[optimizer_shard_name(r)] = sha256_file(tmp + "/" + optimizer_shard_name(r));
    write_json_file(tmp + "/checkpoint.json", {{"step", step}, {"files", files}});
    replace_dir(tmp, final_dir);
  }
  comm.barrier();  // the checkpoint is in place before anyone goes on
  return final_dir;
}

}  // namespace dclm::trainer
