// Minimal leveled logging to stderr: "[dclm HH:MM:SS] message".
#pragma once
#include <string>

namespace dclm {
enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Quiet = 4 };
void set_log_level(LogLevel level);
LogLevel log_level();
void log_debug(const std::string& msg);
void log_info(const std::string& msg);
void log_warn(const std::string& msg);
void log_error(const std::string& msg);
}  // namespace dclm
