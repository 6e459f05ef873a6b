#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace dclm {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::mutex g_mu;
void emit(LogLevel lvl, const char* tag, const std::string& msg) {
  if (static_cast<int>(lvl) < g_level.load()) return;
  std::time_t t = std::time(nullptr);
  char ts[16];
  std::strftime(ts, sizeof ts, "%H:%M:%S", std::localtime(&t));
  std::lock_guard<std::mutex> lk(g_mu);
  std::fprintf(stderr, "[dclm %s]%s %s\n", ts, tag, msg.c_str());
}
}  // namespace
void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }
void log_debug(const std::string& m) { emit(LogLevel::Debug, " debug:", m); }
void log_info(const std::string& m) { emit(LogLevel::Info, "", m); }
void log_warn(const std::string& m) { emit(LogLevel::Warn, " warning:", m); }
void log_error(const std::string& m) { emit(LogLevel::Error, " error:", m); }
}  // namespace dclm
