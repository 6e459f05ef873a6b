// Where real data lives. Resolution order for data_path("eval/local_data/..."):
//   1. $DCLM_DATA (a mirror folder laid out like ../shared/data),
//   2. the fetch cache ($DCLM_CACHE, default ~/.cache/dclm),
//   3. ../shared/data beside the source checkout (compiled in), or beside the working directory.
#pragma once
#include <optional>
#include <string>

namespace dclm {

std::string cache_dir();
// The mirror folder in use, if any (DCLM_DATA or the shared data beside the checkout).
std::optional<std::string> mirror_dir();
// First existing location of a relative data path; nullopt when absent everywhere.
std::optional<std::string> find_data(const std::string& rel);
// Like find_data but throws dclm::Error explaining how to get it (dclm fetch / --mirror).
std::string require_data(const std::string& rel);

}  // namespace dclm
