// One progress reporter for every long loop: rate and ETA; a redrawn bar on a terminal, periodic
// plain lines otherwise (logs, CI). Thread-safe add().
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace dclm {

class Progress {
 public:
  // total <= 0 means unknown (no ETA). unit names what is counted ("docs", "steps", "tokens").
  Progress(std::string label, int64_t total, std::string unit = "items");
  ~Progress();
  void add(int64_t n = 1);
  void set(int64_t done);
  void set_total(int64_t total) { total_ = total; }
  void set_note(const std::string& note);  // extra text, e.g. "loss 3.21"
  void finish();
  int64_t done() const { return done_.load(); }
  double elapsed_seconds() const;
  // Global switch (tests and --quiet turn it off).
  static void set_enabled(bool on);

 private:
  void maybe_print(bool force);
  std::string label_, unit_, note_;
  std::atomic<int64_t> total_;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_print_;
  std::mutex mu_;
  bool tty_;
  bool finished_ = false;
};

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12.3s"

}  // namespace dclm
