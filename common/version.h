#pragma once
#include <string>
namespace dclm {
std::string version();       // "0.1.0"
std::string git_commit();    // short commit the binary was configured from
std::string tool_version();  // "dclm 0.1.0 (abc123)"
}  // namespace dclm
