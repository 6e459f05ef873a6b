// Leaderboard tables from eval result JSONs (ours or DCLM's published ones), in the column layout of
// DCLM's README: Model | Params | Tokens | CORE (v1) | CORE (v2) | MMLU | EXTENDED (v1) | EXTENDED (v2),
// plus Scale | Track when any result carries "dclm_run": {"scale","params","tokens","track"}.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dclm::leaderboard {

// Numbers render as percentages with 2 decimals (0.57136 → "57.14"); "N/A ..." strings render as
// "N/A[^k]" with the full text as footnote k; absent values as "—". Rows keep the input order.
std::string render_markdown(const std::vector<nlohmann::json>& results);
// Reads the result JSONs and writes the markdown atomically.
void write_leaderboard_markdown(const std::vector<std::string>& result_paths, const std::string& out_path);

// Helpers (exposed for tests).
std::string format_percent(double v);         // 2 decimals
std::string format_count(const nlohmann::json& v);  // 7e9 → "7B", 2.6e12 → "2.6T", strings as-is

}  // namespace dclm::leaderboard
