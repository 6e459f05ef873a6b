#include "curation/mixing.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <random>

#include "common/config.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/dedup/bff.h"

namespace dclm::curation {

int64_t mixing_copies(double f, uint64_t seed) {
  if (!(f >= 0.0) || !std::isfinite(f)) throw Error("mixing: sampling frequency must be a finite number >= 0");
  double whole = std::floor(f);
  double frac = f - whole;
  int64_t n = static_cast<int64_t>(whole);
  if (frac > 0.0) {
    std::mt19937_64 rng(seed);
    double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
    if (u < frac) ++n;
  }
  return n;
}

std::optional<std::string> MixingConfig::source_for(const std::string& file) const {
  for (const auto& s : sources)
    for (const auto& m : s.markers)
      if (file.find(m) != std::string::npos) return s.source;
  return std::nullopt;
}

double MixingConfig::frequency_for(const std::string& file) const {
  auto src = source_for(file);
  if (!src) return 1.0;
  auto it = frequencies.find(*src);
  if (it == frequencies.end()) throw Error("mixing: source '" + *src + "' has no sampling frequency");
  return it->second;
}

int64_t MixingConfig::copies(const std::string& file, uint64_t index, uint64_t seed) const {
  return mixing_copies(frequency_for(file), derive_seed(seed, hash64(file), index));
}

namespace {
MixingConfig parse(const YAML::Node& root, const std::string& name) {
  if (!root || !root.IsMap()) throw Error("mixing config must be a mapping with 'sources'", {name, 1});
  ConfigNode top(root, name);
  MixingConfig cfg;
  YAML::Node srcs = top.raw("sources");
  if (!srcs || !srcs.IsSequence() || srcs.size() == 0)
    throw Error("mixing config: 'sources' must be a non-empty list", {name, top.line()});
  for (const auto& s : srcs) {
    ConfigNode sn(s, name);
    if (!s.IsMap()) throw Error("mixing config: each source must be a mapping {source, markers}", {name, sn.line()});
    MixingSource ms;
    ms.source = sn.get<std::string>("source");
    YAML::Node mk = sn.raw("markers");
    if (!mk || !mk.IsSequence() || mk.size() == 0)
      throw Error("mixing config: source '" + ms.source + "' needs a non-empty 'markers' list", {name, sn.line()});
    for (const auto& m : mk) ms.markers.push_back(m.as<std::string>());
    sn.finish();
    for (const auto& prev : cfg.sources)
      if (prev.source == ms.source) throw Error("mixing config: duplicate source '" + ms.source + "'", {name, sn.line()});
    cfg.sources.push_back(std::move(ms));
  }
  YAML::Node fr = top.raw("sampling_frequencies");
  if (!fr || !fr.IsMap()) throw Error("mixing config: 'sampling_frequencies' must be a mapping", {name, top.line()});
  for (const auto& kv : fr) {
    std::string k = kv.first.as<std::string>();
    double f;
    try {
      f = kv.second.as<double>();
    } catch (const YAML::Exception&) {
      throw Error("mixing config: frequency of '" + k + "' is not a number", {name, kv.second.Mark().line + 1});
    }
    if (!(f >= 0.0) || !std::isfinite(f))
      throw Error("mixing config: frequency of '" + k + "' must be >= 0", {name, kv.second.Mark().line + 1});
    bool known = false;
    for (const auto& s : cfg.sources) known |= s.source == k;
    if (!known) throw Error("mixing config: frequency for unknown source '" + k + "'", {name, kv.first.Mark().line + 1});
    cfg.frequencies[k] = f;
  }
  for (const auto& s : cfg.sources)
    if (!cfg.frequencies.count(s.source))
      throw Error("mixing config: source '" + s.source + "' has no sampling frequency", {name, top.line()});
  top.finish();
  return cfg;
}
}  // namespace

MixingConfig parse_mixing_config(const std::string& yaml_text, const std::string& name) {
  return parse(load_yaml_string(yaml_text, name), name);
}

MixingConfig load_mixing_config(const std::string& path) { return parse(load_yaml_file(path), path); }

MixingResult mix_documents(const MixingConfig& cfg, const std::vector<std::string>& inputs, const std::string& out_dir,
                           uint64_t seed) {
  std::set<std::string> names;
  for (const auto& in : inputs) {
    if (!file_exists(in)) throw Error("input file not found", {in, -1, -1, "mixing"});
    if (!names.insert(dedup::bff_output_name(in)).second)
      throw Error("two inputs map to the same output name", {in, -1, -1, "mixing"});
  }
  make_dirs(out_dir);
  MixingResult res;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& in : inputs) {
    const std::string base = std::filesystem::path(in).filename().string();
    const double f = cfg.frequency_for(base);
    const std::string name = dedup::bff_output_name(in);
    AtomicWriter w(out_dir + "/" + name);
    LineReader r(in);
    std::string line;
    uint64_t idx = 0;
    int64_t out = 0;
    while (r.next(line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      int64_t c = mixing_copies(f, derive_seed(seed, hash64(base), idx++));
      for (int64_t k = 0; k < c; ++k) w.write_line(line);
      out += c;
    }
    w.commit();
    res.docs_in += static_cast<int64_t>(idx);
    res.docs_out += out;
    auto src = cfg.source_for(base);
    files.push_back({{"input", in}, {"output", name}, {"source", src ? *src : ""}, {"frequency", f},
                     {"docs_in", idx}, {"docs_out", out}});
  }
  write_json_file(out_dir + "/mixing_stats.json",
                  {{"seed", seed}, {"docs_in", res.docs_in}, {"docs_out", res.docs_out}, {"files", files}});
  return res;
}

}  // namespace dclm::curation
