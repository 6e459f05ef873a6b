#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "harness/assets.h"
#include "test_util.h"

using namespace dclm;
using namespace dclm::harness;
using dclm::testing::TempDir;

TEST(Fetch, AssetTableCoversWhatTheDefaultRunNeeds) {
  auto assets = known_assets();
  auto has = [&](const std::string& p) {
    for (const auto& a : assets) if (a.path == p) return a.sha256.size() == 64;
    return false;
  };
  EXPECT_TRUE(has("models/lid.176.ftz"));
  EXPECT_TRUE(has("tokenizer/gpt-neox-20b-tokenizer.json"));
  EXPECT_TRUE(has("eval/local_data/world_knowledge/mmlu.jsonl"));
  EXPECT_TRUE(has("eval/dclm/heavy.yaml"));
  EXPECT_TRUE(has("pool/warc/dolma_sample-0000.warc.gz"));
}

TEST(Fetch, FromMirrorVerifiesChecksumsAndIsIdempotent) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  TempDir t;
  FetchOptions o;
  o.groups = {"models", "pool"};
  o.cache = t / "cache";
  o.mirror = dclm::testing::data_dir();
  o.allow_download = false;
  FetchReport r = fetch_assets(o);
  EXPECT_TRUE(r.failed.empty());
  EXPECT_GT(r.copied, 0);
  EXPECT_EQ(sha256_file(t / "cache/models/lid.176.ftz"),
            sha256_file(dclm::testing::data_path("models/lid.176.ftz")));
  FetchReport again = fetch_assets(o);
  EXPECT_EQ(again.copied, 0);
  EXPECT_EQ(again.present, r.copied);
}

TEST(Fetch, TamperedMirrorCopyIsRejectedAndNothingIsWritten) {
  TempDir t;
  // A fake mirror whose lid.176.ftz has the wrong bytes.
  write_file_atomic(t / "mirror/models/lid.176.ftz", "not the model");
  FetchOptions o;
  o.groups = {"models"};
  o.cache = t / "cache";
  o.mirror = t / "mirror";
  o.allow_download = false;
  FetchReport r = fetch_assets(o);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].find("sha256"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(t / "cache/models/lid.176.ftz"));
}
