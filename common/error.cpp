#include "common/error.h"

namespace dclm {

std::string format_error(const std::string& message, const ErrorContext& ctx) {
  std::string out;
  if (!ctx.file.empty()) {
    out += ctx.file;
    if (ctx.record >= 0) out += ":" + std::to_string(ctx.record);
    if (ctx.offset >= 0) out += " (byte " + std::to_string(ctx.offset) + ")";
    out += ": ";
  } else if (ctx.record >= 0) {
    out += "record " + std::to_string(ctx.record) + ": ";
  }
  if (!ctx.step.empty()) out += ctx.step + ": ";
  out += message;
  return out;
}

Error::Error(const std::string& message, ErrorContext ctx)
    : std::runtime_error(format_error(message, ctx)), message_(message), ctx_(std::move(ctx)) {}

}  // namespace dclm
