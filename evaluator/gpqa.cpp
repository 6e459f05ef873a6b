#include "evaluator/gpqa.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/io.h"
#include "evaluator/py_random.h"

namespace dclm::evaluator {

namespace {

uint32_t le32(const std::string& s, size_t o) {
  if (o + 4 > s.size()) throw Error("zip: truncated archive");
  return static_cast<uint32_t>(static_cast<unsigned char>(s[o])) | static_cast<uint32_t>(static_cast<unsigned char>(s[o + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[o + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[o + 3])) << 24;
}
uint16_t le16(const std::string& s, size_t o) {
  if (o + 2 > s.size()) throw Error("zip: truncated archive");
  return static_cast<uint16_t>(static_cast<unsigned char>(s[o]) | static_cast<unsigned char>(s[o + 1]) << 8);
}

const uint32_t* crc_table() {
  static uint32_t t[256];
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return true;
  }();
  (void)init;
  return t;
}

struct ZipCrypto {
  uint32_t k0 = 0x12345678u, k1 = 0x23456789u, k2 = 0x34567890u;
  explicit ZipCrypto(const std::string& pw) {
    for (char c : pw) update(static_cast<unsigned char>(c));
  }
  static uint32_t crc_step(uint32_t crc, unsigned char b) { return crc_table()[(crc ^ b) & 0xff] ^ (crc >> 8); }
  void update(unsigned char c) {
    k0 = crc_step(k0, c);
    k1 = (k1 + (k0 & 0xff)) * 134775813u + 1;
    k2 = crc_step(k2, static_cast<unsigned char>(k1 >> 24));
  }
  unsigned char decrypt(unsigned char c) {
    const uint16_t temp = static_cast<uint16_t>((k2 | 2) & 0xffff);
    const unsigned char p = c ^ static_cast<unsigned char>((static_cast<uint32_t>(temp) * (temp ^ 1u)) >> 8);
    update(p);
    return p;
  }
};

}  // namespace

std::string read_zip_member(const std::string& zip_path, const std::string& member, const std::string& password) {
  const std::string z = read_file(zip_path);
  // end of central directory
  size_t eocd = std::string::npos;
  for (size_t i = z.size() >= 22 ? z.size() - 22 : 0;; --i) {
    if (le32(z, i) == 0x06054b50u) { eocd = i; break; }
    if (i == 0 || z.size() - i > 65557) break;
  }
  if (eocd == std::string::npos) throw Error("zip: no end of central directory", {zip_path});
  const uint16_t entries = le16(z, eocd + 10);
  size_t p = le32(z, eocd + 16);
  for (uint16_t e = 0; e < entries; ++e) {
    if (le32(z, p) != 0x02014b50u) throw Error("zip: bad central directory", {zip_path});
    const uint16_t flags = le16(z, p + 8), method = le16(z, p + 10);
    const uint32_t crc = le32(z, p + 16), csize = le32(z, p + 20), usize = le32(z, p + 24);
    const uint16_t nlen = le16(z, p + 28), xlen = le16(z, p + 30), clen = le16(z, p + 32);
    const uint32_t local = le32(z, p + 42);
    const std::string name = z.substr(p + 46, nlen);
    p += 46 + nlen + xlen + clen;
    if (name != member) continue;
    if (le32(z, local) != 0x04034b50u) throw Error("zip: bad local header", {zip_path});
    const size_t data = local + 30 + le16(z, local + 26) + le16(z, local + 28);
    if (data + csize > z.size()) throw Error("zip: truncated member " + member, {zip_path});
    std::string comp = z.substr(data, csize);
    if (flags & 1) {
      if (password.empty()) throw Error("zip: member " + member + " is encrypted and no password was given", {zip_path});
      ZipCrypto zc(password);
      for (char& c : comp) c = static_cast<char>(zc.decrypt(static_cast<unsigned char>(c)));
      // 12-byte encryption header; its last byte is the CRC's high byte (or the time's, with bit 3)
      if (comp.size() < 12) throw Error("zip: encrypted member too short", {zip_path});
      const unsigned char check = static_cast<unsigned char>(comp[11]);
      const unsigned char want = (flags & 8) ? static_cast<unsigned char>(le16(z, local + 10) >> 8)
                                             : static_cast<unsigned char>(crc >> 24);
      if (check != want) throw Error("zip: wrong password for " + member, {zip_path});
      comp.erase(0, 12);
    }
    std::string out;
    if (method == 0) {
      out = comp;
    } else if (method == 8) {
      out.resize(usize);
      z_stream zs{};
      if (inflateInit2(&zs, -15) != Z_OK) throw Error("zip: inflateInit2 failed");
      zs.next_in = reinterpret_cast<Bytef*>(comp.data());
      zs.avail_in = static_cast<uInt>(comp.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(&zs, Z_FINISH);
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || zs.total_out != usize) throw Error("zip: inflate failed for " + member, {zip_path});
    } else {
      throw Error("zip: unsupported compression method " + std::to_string(method), {zip_path});
    }
    if (static_cast<uint32_t>(::crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size()))) != crc)
      throw Error("zip: CRC mismatch for " + member, {zip_path});
    return out;
  }
  throw Error("zip: no member " + member, {zip_path});
}

std::vector<std::vector<std::string>> parse_csv(const std::string& t) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool in_quotes = false, any = false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < t.size() && t[i + 1] == '"') { field += '"'; ++i; }
        else in_quotes = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') { in_quotes = true; any = true; }
    else if (c == ',') { row.push_back(std::move(field)); field.clear(); any = true; }
    else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < t.size() && t[i + 1] == '\n') ++i;
      if (any || !field.empty() || !row.empty()) { row.push_back(std::move(field)); rows.push_back(std::move(row)); }
      field.clear();
      row.clear();
      any = false;
    } else { field += c; any = true; }
  }
  if (any || !field.empty() || !row.empty()) { row.push_back(std::move(field)); rows.push_back(std::move(row)); }
  return rows;
}

std::vector<nlohmann::json> convert_gpqa_csv(const std::string& csv_text) {
  auto rows = parse_csv(csv_text);
  if (rows.empty()) throw Error("gpqa: empty CSV");
  const auto& header = rows[0];
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw Error("gpqa: CSV has no column '" + name + "'");
  };
  const size_t q = col("Question"), c0 = col("Correct Answer"), c1 = col("Incorrect Answer 1"),
               c2 = col("Incorrect Answer 2"), c3 = col("Incorrect Answer 3");
  PyRandom rng(42);
  std::vector<nlohmann::json> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() < header.size()) throw Error("gpqa: CSV row " + std::to_string(r) + " has too few fields");
    const std::string choices[4] = {row[c0], row[c1], row[c2], row[c3]};
    std::vector<int64_t> idx = {0, 1, 2, 3};
    rng.shuffle(idx);
    nlohmann::json j;
    j["query"] = row[q];
    j["choices"] = {choices[idx[0]], choices[idx[1]], choices[idx[2]], choices[idx[3]]};
    j["gold"] = std::find(idx.begin(), idx.end(), 0) - idx.begin();
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<nlohmann::json> load_gpqa_rows(const std::string& zip_path, const std::string& dataset_uri) {
  std::string stem = dataset_uri;
  if (auto s = stem.rfind('/'); s != std::string::npos) stem = stem.substr(s + 1);
  if (auto d = stem.rfind(".jsonl"); d != std::string::npos) stem = stem.substr(0, d);
  return convert_gpqa_csv(read_zip_member(zip_path, "dataset/" + stem + ".csv", kGpqaPassword));
}

}  // namespace dclm::evaluator
