// Hashing: SHA-256 (content identity in manifests and checksums; OpenSSL) and fast seeded 64-bit
// hashes (seeds derived from (seed, file, index); xxHash).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace dclm {

std::string sha256_hex(std::string_view data);
std::string sha256_file(const std::string& path);  // streams the file

uint64_t hash64(std::string_view data, uint64_t seed = 0);
// Mixes values into a derived seed, e.g. derive_seed(seed, hash64(file), index).
uint64_t derive_seed(uint64_t a, uint64_t b, uint64_t c = 0);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(std::string_view data);
  std::string hex();  // finalizes

 private:
  void* ctx_;
};

}  // namespace dclm
