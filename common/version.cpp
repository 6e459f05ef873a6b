#include "common/version.h"
#ifndef DCLM_VERSION
#define DCLM_VERSION "0.0.0"
#endif
#ifndef DCLM_GIT_COMMIT
#define DCLM_GIT_COMMIT "unknown"
#endif
namespace dclm {
std::string version() { return DCLM_VERSION; }
std::string git_commit() { return DCLM_GIT_COMMIT; }
std::string tool_version() { return "dclm " + version() + " (" + git_commit() + ")"; }
}  // namespace dclm
