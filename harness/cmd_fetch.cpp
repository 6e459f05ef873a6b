// `dclm fetch`: eval task files, lid.176.ftz, the GPT-NeoX tokenizer and a sample pool into the cache,
// from a local mirror (--mirror, $DCLM_MIRROR, or ../shared/data) or from their public sources.
#include <cstdio>
#include <cstdlib>

#include "common/data.h"
#include "common/error.h"
#include "harness/assets.h"
#include "harness/cli.h"

namespace dclm::harness {

int cmd_fetch(const std::vector<std::string>& argv) {
  Args args("fetch",
            "Fetch the data dclm needs into the cache, verifying sha256 checksums. GROUP is one of\n"
            "eval, models, tokenizer, pool (default: all). Takes files from a local mirror first\n"
            "(--mirror, $DCLM_MIRROR, or ../shared/data beside the checkout), else downloads them.",
            {{"mirror", "folder laid out like ../shared/data to copy from", ""},
             {"cache", "destination (default $DCLM_CACHE or ~/.cache/dclm)", ""},
             {"offline", "never download; mirror only", "", true},
             {"list", "list the known assets and exit", "", true}},
            "[GROUP...]");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.flag("list")) {
    for (const auto& a : known_assets())
      std::printf("%-10s %-70s %10lld  %s\n", a.group.c_str(), a.path.c_str(), (long long)a.bytes,
                  a.url.empty() ? "(mirror only)" : a.url.c_str());
    return 0;
  }
  FetchOptions o;
  o.groups = args.positional();
  for (const auto& g : o.groups)
    if (g != "eval" && g != "models" && g != "tokenizer" && g != "pool")
      throw UsageError("unknown group '" + g + "' (eval, models, tokenizer, pool)");
  o.cache = args.given("cache") ? args.get("cache") : cache_dir();
  if (args.given("mirror")) o.mirror = args.get("mirror");
  else if (const char* m = std::getenv("DCLM_MIRROR"); m && *m) o.mirror = m;
  else if (auto m2 = mirror_dir()) o.mirror = *m2;
  o.allow_download = !args.flag("offline");
  FetchReport r = fetch_assets(o);
  std::printf("fetch: %lld already present, %lld copied from %s, %lld downloaded, %zu failed → %s\n",
              (long long)r.present, (long long)r.copied, o.mirror.empty() ? "(no mirror)" : o.mirror.c_str(),
              (long long)r.downloaded, r.failed.size(), o.cache.c_str());
  for (const auto& f : r.failed) std::fprintf(stderr, "  failed: %s\n", f.c_str());
  if (!r.failed.empty()) throw Error(std::to_string(r.failed.size()) + " asset(s) could not be fetched");
  return 0;
}

}  // namespace dclm::harness
