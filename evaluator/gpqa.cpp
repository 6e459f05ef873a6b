#include "evaluator/gpqa.h"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/error.h"
#include "common/io.h"
#include "evaluator/py_random.h"

namespace dclm::evaluator {

std::string read_zip_member(const std::string& zip_path, const std::string& member, const std::string& password) {
  int zerr = 0;
  zip_t* za = zip_open(zip_path.c_str(), ZIP_RDONLY, &zerr);
  if (!za) {
    zip_error_t e;
    zip_error_init_with_code(&e, zerr);
    std::string msg = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw Error("zip: cannot open archive: " + msg, {zip_path});
  }
  std::unique_ptr<zip_t, void (*)(zip_t*)> guard(za, [](zip_t* z) { zip_discard(z); });
  zip_stat_t st;
  if (zip_stat(za, member.c_str(), 0, &st) != 0) throw Error("zip: no member " + member, {zip_path});
  const bool encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE;
  if (encrypted && password.empty())
    throw Error("zip: member " + member + " is encrypted and no password was given", {zip_path});
  // libzip checks the password byte and the member's CRC-32 while reading.
  zip_file_t* f = encrypted ? zip_fopen_encrypted(za, member.c_str(), 0, password.c_str()) : zip_fopen(za, member.c_str(), 0);
  if (!f) throw Error(std::string("zip: cannot open member ") + member + ": " + zip_strerror(za), {zip_path});
  std::string out(static_cast<size_t>(st.size), '\0');
  zip_int64_t got = zip_fread(f, out.data(), out.size());
  std::string ferr = got < 0 ? zip_file_strerror(f) : "";
  zip_fclose(f);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
    throw Error("zip: cannot read member " + member + (ferr.empty() ? "" : ": " + ferr), {zip_path});
  return out;
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
