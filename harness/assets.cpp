#include "harness/assets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/text.h"

namespace dclm::harness {
namespace fs = std::filesystem;

std::vector<Asset> known_assets() {
  std::vector<Asset> out;
  for (const auto& line : text::split(embedded_assets_tsv().at(0).text, "\n")) {
    if (line.empty() || line[0] == '#') continue;
    auto f = text::split(line, "\t");
    if (f.size() != 5) throw Error("malformed assets.tsv line: " + line);
    out.push_back({f[0], f[1], f[2], f[4], std::stoll(f[3])});
  }
  return out;
}

static bool has_good_copy(const std::string& path, const std::string& sha) {
  return file_exists(path) && sha256_file(path) == sha;
}

FetchReport fetch_assets(const FetchOptions& o) {
  FetchReport rep;
  std::vector<Asset> todo;
  for (const auto& a : known_assets())
    if (o.groups.empty() || std::find(o.groups.begin(), o.groups.end(), a.group) != o.groups.end()) todo.push_back(a);
  if (todo.empty()) throw Error("no assets in the requested groups (known: eval, models, tokenizer, pool)");
  Progress prog("fetch", static_cast<int64_t>(todo.size()), "files");
  for (const auto& a : todo) {
    std::string dst = o.cache + "/" + a.path;
    if (has_good_copy(dst, a.sha256)) { ++rep.present; prog.add(); continue; }
    make_dirs(fs::path(dst).parent_path().string());
    std::string tmp = dst + ".fetch.tmp";
    bool ok = false;
    if (!o.mirror.empty() && file_exists(o.mirror + "/" + a.path)) {
      std::string src = o.mirror + "/" + a.path;
      if (sha256_file(src) != a.sha256) {
        rep.failed.push_back(a.path + ": the mirror's copy does not match its sha256 (" + src + ")");
        prog.add();
        continue;
      }
      std::error_code ec;
      fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec);
      if (ec) throw Error("cannot copy from the mirror: " + ec.message(), {src});
      ok = true;
      ++rep.copied;
    } else if (o.allow_download && !a.url.empty()) {
      std::string cmd = "curl -fsSL --retry 2 -o '" + tmp + "' '" + a.url + "'";
      if (std::system(cmd.c_str()) == 0 && has_good_copy(tmp, a.sha256)) { ok = true; ++rep.downloaded; }
      else rep.failed.push_back(a.path + ": download from " + a.url + " failed or did not match its sha256");
    } else {
      rep.failed.push_back(a.path + (a.url.empty() ? ": mirror-only asset and no mirror has it" : ": not in the mirror and downloads are off"));
    }
    if (ok) fs::rename(tmp, dst);
    else { std::error_code ec; fs::remove(tmp, ec); }
    prog.add();
  }
  prog.finish();
  return rep;
}

}  // namespace dclm::harness
