// Source mixing (curation.md §13.4; open_lm ray tokenize_shuffle --do_sample): a YAML of
//   sources: [{source: NAME, markers: [substrings of file names]}]
//   sampling_frequencies: {NAME: f}
// Every unit (document or context) of a file whose name contains one of a source's markers is emitted
// int(f) times plus once more with probability f − int(f). Here the fractional draw is a seeded Bernoulli
// with the seed derived from (seed, hash64(file), index) (dclm::derive_seed), so it is reproducible and
// independent of processing order. Files matching no source get frequency 1 (kept once).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dclm::curation {

struct MixingSource {
  std::string source;
  std::vector<std::string> markers;
};

struct MixingConfig {
  std::vector<MixingSource> sources;
  std::map<std::string, double> frequencies;
  // The first source (in YAML order) with a marker that is a substring of file; nullopt if none.
  std::optional<std::string> source_for(const std::string& file) const;
  // Sampling frequency for a file (1.0 when no source matches; a source without a frequency is an Error).
  double frequency_for(const std::string& file) const;
  // Copies of unit `index` of `file`: mixing_copies(frequency_for(file), derive_seed(seed, hash64(file), index)).
  int64_t copies(const std::string& file, uint64_t index, uint64_t seed) const;
};

// int(f) + (u < f − int(f)) where u is a uniform double in [0, 1) drawn from seed (f >= 0).
int64_t mixing_copies(double f, uint64_t seed);

// Per-document mixing of jsonl(.gz/.zst) files: record i of input file F is written
// cfg.copies(basename(F), i, seed) times (i = 0-based record index; blank lines skipped), in input order, to
// out_dir/<name>.zst (same naming as dedup outputs). Returns {docs_in, docs_out} and writes mixing_stats.json.
struct MixingResult {
  int64_t docs_in = 0, docs_out = 0;
};
MixingResult mix_documents(const MixingConfig& cfg, const std::vector<std::string>& inputs, const std::string& out_dir,
                           uint64_t seed);

// Loads and validates a mixing YAML (strict keys; errors name the file and line).
MixingConfig load_mixing_config(const std::string& path);
MixingConfig parse_mixing_config(const std::string& yaml_text, const std::string& name);

}  // namespace dclm::curation
