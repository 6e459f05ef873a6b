#include "common/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace dclm {
namespace {
std::atomic<bool> g_enabled{true};
std::string fmt_rate(double r) {
  char b[32];
  if (r >= 1e6) std::snprintf(b, sizeof b, "%.2fM", r / 1e6);
  else if (r >= 1e3) std::snprintf(b, sizeof b, "%.1fk", r / 1e3);
  else std::snprintf(b, sizeof b, "%.2f", r);
  return b;
}
}  // namespace

void Progress::set_enabled(bool on) { g_enabled = on; }

std::string format_duration(double s) {
  char b[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s >= 3600) std::snprintf(b, sizeof b, "%dh%02dm", int(s / 3600), int(std::fmod(s, 3600) / 60));
  else if (s >= 60) std::snprintf(b, sizeof b, "%dm%02ds", int(s / 60), int(std::fmod(s, 60)));
  else std::snprintf(b, sizeof b, "%.1fs", s);
  return b;
}

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_print_(start_), tty_(::isatty(2)) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(int64_t n) { done_ += n; maybe_print(false); }
void Progress::set(int64_t d) { done_ = d; maybe_print(false); }
void Progress::set_note(const std::string& note) { std::lock_guard<std::mutex> lk(mu_); note_ = note; }

void Progress::maybe_print(bool force) {
  if (!g_enabled) return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lk(mu_, std::try_to_lock);
  if (!lk.owns_lock()) return;
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (!force && since < (tty_ ? 0.2 : 5.0)) return;
  last_print_ = now;
  double el = std::chrono::duration<double>(now - start_).count();
  int64_t d = done_, t = total_;
  double rate = el > 0 ? d / el : 0;
  std::string line = label_ + ": " + std::to_string(d);
  if (t > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * d / t);
    line += "/" + std::to_string(t) + pct;
  }
  line += " " + unit_ + ", " + fmt_rate(rate) + " " + unit_ + "/s, elapsed " + format_duration(el);
  if (t > 0 && d < t && rate > 0) line += ", ETA " + format_duration((t - d) / rate);
  if (!note_.empty()) line += ", " + note_;
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), force ? "\n" : "");
  else std::fprintf(stderr, "[progress] %s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  maybe_print(true);
}

}  // namespace dclm
