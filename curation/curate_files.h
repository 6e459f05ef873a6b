// File names inside a curation output folder (internal to curate.cpp and curate_merge.cpp).
//   documents_<k>.jsonl.zst, removed_<k>.jsonl.zst   outputs of sorted input k (5+ digits)
//   stats/file-<k>.json                              done-marker and counts of input k
//   stats/shard-<I>-of-<N>.json                      complete shard I of N (written last by that shard)
//   stats.json, manifest.json                        written by the merge
#pragma once
#include <cstdio>
#include <string>

namespace dclm::curation::files {

inline std::string numbered(const char* prefix, size_t k) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s_%05zu.jsonl.zst", prefix, k);
  return buf;
}
inline std::string documents(size_t k) { return numbered("documents", k); }
inline std::string removed(size_t k) { return numbered("removed", k); }
inline std::string marker(size_t k) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "stats/file-%05zu.json", k);
  return buf;
}
inline std::string shard(int i, int n) {
  return "stats/shard-" + std::to_string(i) + "-of-" + std::to_string(n) + ".json";
}

}  // namespace dclm::curation::files
