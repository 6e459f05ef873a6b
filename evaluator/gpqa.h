// GPQA for DCLM's gpqa_main / gpqa_diamond (spec icl-eval §10.4): reads the password-protected
// eval/gpqa/dataset.zip (ZipCrypto + deflate, through libzip) in memory and converts a CSV exactly like DCLM's
// convert_gpqa (random.Random(42) shuffle per file). Rows are never written to disk.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dclm::evaluator {

inline constexpr const char* kGpqaPassword = "deserted-untie-orchid";

// One member of a (possibly ZipCrypto-encrypted) zip archive, decompressed and CRC-checked.
std::string read_zip_member(const std::string& zip_path, const std::string& member, const std::string& password = "");
// RFC 4180 CSV (quoted fields may hold commas, quotes "" and newlines) → rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);
// convert_gpqa on the CSV text: {"query", "choices", "gold"} rows in file order.
std::vector<nlohmann::json> convert_gpqa_csv(const std::string& csv_text);
// "gpqa_data/gpqa_main.jsonl" → rows converted from <zip>, member dataset/gpqa_main.csv.
std::vector<nlohmann::json> load_gpqa_rows(const std::string& zip_path, const std::string& dataset_uri);

}  // namespace dclm::evaluator
