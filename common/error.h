// dclm::Error — an exception that carries where things went wrong: file, record/offset, step.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace dclm {

struct ErrorContext {
  std::string file;     // input or output file, if any
  int64_t record = -1;  // record index / line number (1-based), if any
  int64_t offset = -1;  // byte offset, if any
  std::string step;     // pipeline step or stage, if any
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorContext ctx = {});
  const ErrorContext& context() const { return ctx_; }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
  ErrorContext ctx_;
};

// "file:line: step: message" style one-liner used for Error::what().
std::string format_error(const std::string& message, const ErrorContext& ctx);

}  // namespace dclm
