#include "common/hash.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <fstream>
#include <vector>

#include "common/error.h"

namespace dclm {

Sha256::Sha256() {
  auto* c = EVP_MD_CTX_new();
  EVP_DigestInit_ex(c, EVP_sha256(), nullptr);
  ctx_ = c;
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::update(std::string_view d) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), d.data(), d.size()); }
std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) { out += digits[md[i] >> 4]; out += digits[md[i] & 15]; }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

std::string sha256_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open file for hashing", {path});
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), buf.size());
    h.update(std::string_view(buf.data(), f.gcount()));
  }
  return h.hex();
}

uint64_t hash64(std::string_view data, uint64_t seed) { return XXH3_64bits_withSeed(data.data(), data.size(), seed); }

uint64_t derive_seed(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t v[3] = {a, b, c};
  return XXH3_64bits(v, sizeof(v));
}

}  // namespace dclm
