#include "common/data.h"

#include <cstdlib>

#include "common/error.h"
#include "common/io.h"

#ifndef DCLM_DEFAULT_DATA
#define DCLM_DEFAULT_DATA ""
#endif

namespace dclm {

std::string cache_dir() {
  if (const char* c = std::getenv("DCLM_CACHE"); c && *c) return c;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/dclm";
  return ".dclm-cache";
}

std::optional<std::string> mirror_dir() {
  if (const char* d = std::getenv("DCLM_DATA"); d && *d) return std::string(d);
  for (std::string cand : {std::string(DCLM_DEFAULT_DATA), std::string("../shared/data")})
    if (!cand.empty() && file_exists(cand + "/README.md")) return cand;
  return std::nullopt;
}

std::optional<std::string> find_data(const std::string& rel) {
  if (const char* d = std::getenv("DCLM_DATA"); d && *d) {
    std::string p = std::string(d) + "/" + rel;
    if (file_exists(p)) return p;
  }
  std::string c = cache_dir() + "/" + rel;
  if (file_exists(c)) return c;
  if (auto m = mirror_dir()) {
    std::string p = *m + "/" + rel;
    if (file_exists(p)) return p;
  }
  return std::nullopt;
}

std::string require_data(const std::string& rel) {
  if (auto p = find_data(rel)) return *p;
  throw Error("data file '" + rel + "' not found in $DCLM_DATA, the cache (" + cache_dir() +
              ") or ../shared/data; run `dclm fetch` or pass --mirror DIR");
}

}  // namespace dclm
