// One self-contained HTML page per run folder: curation funnel (curate/stats.json), loss curve
// (train/metrics.jsonl), throughput (train manifest counts), and per-task scores against DCLM's published
// anchors of the same scale (anchors whose name matches the scale's model, batch size and multiplier;
// CPU scales have none, and the page says so).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dclm::leaderboard {

struct ReportOptions {
  std::string run_dir;
  std::string out_path;     // report.html, written atomically
  std::string anchors_dir;  // folder of DCLM's published eval JSONs ("" = none)
};

// anchors: published eval JSONs (with "_filename" or "dclm_anchor_file" for anchor_scale).
std::string render_report_html(const std::string& run_dir, const std::vector<nlohmann::json>& anchors);
void write_report(const ReportOptions& opts);

}  // namespace dclm::leaderboard
