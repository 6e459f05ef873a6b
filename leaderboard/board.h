// A leaderboard folder: validated submission bundles, read-only DCLM anchor rows, and the rendered pages.
//
//   BOARD/
//     index.json                 {"format": "dclm-board-v1", "entries": [...]}, rewritten via temp + rename
//     submissions/<id>/          a copy of each accepted bundle (bundle.json + its listed files)
//     anchors/<id>.json          a byte copy of each published DCLM eval JSON (read-only rows)
//     leaderboard.md, index.html written by render_board
//
// index.json entries: {"id", "kind": "submission", "dir": "submissions/<id>", "results_sha256", "added"} or
// {"id", "kind": "anchor", "file": "anchors/<id>.json", "sha256", "source_name", "read_only": true, "added"}.
// add_* validate everything first; a rejection throws dclm::Error with the one-line reason and leaves
// the board untouched.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dclm::leaderboard {

extern const char* const kBoardFormat;  // "dclm-board-v1"

// Validates the bundle (validate.h) and adds it; returns its id. Error "rejected: <reason>" otherwise.
std::string add_bundle(const std::string& bundle_dir, const std::string& board_dir);
// Adds DCLM's published eval JSONs (files, or folders of *.json) as read-only anchor rows; all or none.
// Files already on the board (same sha256) are skipped. Returns the number added.
int add_anchors(const std::vector<std::string>& paths, const std::string& board_dir);

// One row of the board, loaded and checked (submission hashes re-verified, anchor copies unchanged).
struct BoardRow {
  std::string id, kind;        // "submission" | "anchor"
  nlohmann::json result;       // the result JSON (anchors get "dclm_anchor_file" set in memory)
  std::string scale, track;    // track: filtering | mixing | "" (anchors)
  double params = 0, tokens = 0;  // 0 when unknown
  bool fixed_hparams = false;  // anchors: warmup/lr/wd equal the scale's
  std::vector<std::pair<double, double>> loss;  // (step, loss) from train/metrics.jsonl
};
std::vector<BoardRow> load_board(const std::string& board_dir);

// Page renderers (exposed for tests).
std::string render_board_markdown(const std::vector<BoardRow>& rows);
std::string render_board_html(const std::vector<BoardRow>& rows);
// Writes BOARD/leaderboard.md and BOARD/index.html atomically; returns the number of rows.
size_t render_board(const std::string& board_dir);

// (step, loss) pairs of a metrics.jsonl (lines with numeric "step" and "loss"; others skipped).
std::vector<std::pair<double, double>> read_loss_curve(const std::string& metrics_path);

}  // namespace dclm::leaderboard
