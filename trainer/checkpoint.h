// Training checkpoints: out_dir/checkpoints/step_NNNNNNNN/ holding
//   params.pt      model parameters (torch.load-compatible dict, spec names)
//   optimizer.pt   AdamW moments ("exp_avg.<name>", "exp_avg_sq.<name>")
//   state.json     step, optimizer step count, loader position (epoch, offset), seed, model config, …
//   checkpoint.json  {"step": N, "files": {"params.pt": sha256, …}}   — written last
// A checkpoint is assembled in a temporary sibling folder and renamed into place, so a folder named
// step_* always holds a complete checkpoint; a sha256 mismatch on load is reported as corruption.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace dclm::trainer {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

std::string checkpoint_dir_name(int64_t step);  // "step_00000012"

// Sharded checkpoints (data-parallel runs, world > 1) hold, instead of optimizer.pt, one
//   optimizer.rank00000.pt … per rank: that rank's flat optimizer shard ("exp_avg", "exp_avg_sq"; see zero.h)
// and state.json records "world_size". Every file is listed with its sha256 in checkpoint.json.

class Comm;

// Writes checkpoint `step` under `root` atomically and returns its folder.
std::string write_checkpoint(const std::string& root, int64_t step, const NamedTensors& params,
                             const NamedTensors& optimizer, const nlohmann::json& state);

// Collective over `comm` (all ranks call it; assumes `root` is on a file system every rank sees):
// every rank writes its optimizer shard, rank 0 the parameters and state, into one temporary folder;
// rank 0 then writes checkpoint.json and renames the folder into place. Returns the final folder.
std::string write_checkpoint_sharded(const std::string& root, int64_t step, Comm& comm, const NamedTensors& params,
                                     const NamedTensors& optimizer_shard, const nlohmann::json& state);
std::string optimizer_shard_name(int rank);  // "optimizer.rank00003.pt"

// Folder of the newest checkpoint under `root` (highest step among step_* folders with a
// checkpoint.json), or nullopt when there is none. Temporary folders of interrupted writes are ignored.
std::optional<std::string> latest_checkpoint(const std::string& root);

struct LoadedCheckpoint {
  int64_t step = 0;
  std::string dir;
  NamedTensors params, optimizer;   // optimizer: empty for a sharded checkpoint
  std::vector<std::string> optimizer_shards;  // sharded: paths of optimizer.rank*.pt in rank order
  nlohmann::json state;
};
// Verifies every listed file's sha256 against checkpoint.json, then reads params.pt, state.json and
// optimizer.pt (shards are checked but not loaded). dclm::Error naming the file for
// a missing, corrupt or unreadable file.
LoadedCheckpoint read_checkpoint(const std::string& dir);

}  // namespace dclm::trainer
