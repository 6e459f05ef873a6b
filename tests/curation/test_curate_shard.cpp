// Sharded curation and resume through the library: N shards + merge give the same stats.json and the same
// document files (bytes) as one unsharded run; the merge names missing and stale shards; a rerun skips the
// inputs whose done-marker matches and redoes the others.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/manifest.h"
#include "common/progress.h"
#include "curation/curate.h"
#include "test_util.h"

using namespace dclm::curation;
using dclm::testing::TempDir;
namespace fs = std::filesystem;

namespace {
void write(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}
std::string line(const std::string& text, const std::string& url) {
  return nlohmann::json({{"text", text}, {"metadata", {{"WARC-Target-URI", url}}}}).dump() + "\n";
}
const char* kRecipe = R"(steps:
  - func: move_url_modifier
  - func: stop_word_filter
    min_stop_word: 2
  - func: word_length_filter
    min_length: 3
    max_length: 10
)";

// Seven small jsonl inputs (named out of order) with kept and removed documents, one malformed line.
std::vector<std::string> make_inputs(const TempDir& tmp) {
  std::vector<std::string> in;
  const char* names[] = {"g.jsonl", "b.jsonl", "e.jsonl", "a.jsonl", "f.jsonl", "c.jsonl", "d.jsonl"};
  int i = 0;
  for (const char* n : names) {
    std::string data;
    for (int j = 0; j <= i % 3; ++j) {
      data += line("the cat and the dog number " + std::to_string(i * 10 + j), "http://x/" + std::string(n));
      data += line("cat dog", "http://y/" + std::to_string(j));
    }
    if (i == 2) data += "{not json\n";
    write(tmp / n, data);
    in.push_back(tmp / n);
    ++i;
  }
  return in;
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) s.insert(fs::relative(e.path(), dir).string());
  return s;
}
}  // namespace

TEST(CurateShard, ShardsPlusMergeEqualOneRun) {
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  auto inputs = make_inputs(tmp);
  write(tmp / "r.yaml", kRecipe);
  CurateOptions o;
  o.inputs = inputs;
  o.recipe = tmp / "r.yaml";
  o.out_dir = tmp / "one";
  o.threads = 1;
  o.keep_removed = true;
  CurateResult one = run_curation(o);
  EXPECT_EQ(one.docs_in, 2 * (1 + 2 + 3 + 1 + 2 + 3 + 1));
  EXPECT_EQ(one.docs_out, one.docs_in / 2);
  EXPECT_EQ(one.stats["reader_skipped"]["malformed_json"], 1);
  // Outputs follow the sorted input order: a.jsonl is input 0.
  EXPECT_EQ(one.stats["readers"][0]["input"], tmp / "a.jsonl");
  EXPECT_EQ(one.stats["readers"][6]["input"], tmp / "g.jsonl");

  for (int shards : {2, 3, 7, 9}) {
    const std::string out = tmp / ("sharded" + std::to_string(shards));
    int64_t docs = 0;
    for (int i = shards - 1; i >= 0; --i) {  // any order
      CurateOptions s = o;
      s.out_dir = out;
      s.shard = i;
      s.num_shards = shards;
      s.threads = 1 + i % 2;
      CurateResult r = run_curation_shard(s);
      docs += r.docs_in;
      EXPECT_TRUE(dclm::file_exists(out + "/stats/shard-" + std::to_string(i) + "-of-" + std::to_string(shards) + ".json"));
      EXPECT_FALSE(dclm::file_exists(out + "/stats.json"));
    }
    EXPECT_EQ(docs, one.docs_in);
    CurateResult merged = merge_curation(out);
    EXPECT_EQ(merged.stats, one.stats) << shards;
    EXPECT_EQ(dclm::read_file(out + "/stats.json"), dclm::read_file(o.out_dir + "/stats.json")) << shards;
    ASSERT_EQ(merged.output_files, one.output_files);
    for (const auto& f : one.output_files)
      EXPECT_EQ(dclm::read_file(out + "/" + f), dclm::read_file(o.out_dir + "/" + f)) << f;
    for (const auto& f : one.stats["removed_files"])
      EXPECT_EQ(dclm::read_file(out + "/" + f.get<std::string>()), dclm::read_file(o.out_dir + "/" + f.get<std::string>()));
    // The same set of documents, read back.
    std::multiset<std::string> a, b;
    for_each_curated_text(o.out_dir, [&](const std::string& t) { a.insert(t); });
    for_each_curated_text(out, [&](const std::string& t) { b.insert(t); });
    EXPECT_EQ(a, b);
    EXPECT_TRUE(dclm::Manifest::is_complete(out));
    EXPECT_EQ(dclm::Manifest::read(out).verify(out), "");
    EXPECT_EQ(dclm::Manifest::read(out).outputs, dclm::Manifest::read(o.out_dir).outputs);
    EXPECT_EQ(dclm::Manifest::read(out).inputs, dclm::Manifest::read(o.out_dir).inputs);
  }
}

TEST(CurateShard, MergeNamesMissingAndStaleShards) {
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  auto inputs = make_inputs(tmp);
  write(tmp / "r.yaml", kRecipe);
  CurateOptions o;
  o.inputs = inputs;
  o.recipe = tmp / "r.yaml";
  o.out_dir = tmp / "out";
  o.num_shards = 4;
  try {
    merge_curation(o.out_dir);
    FAIL() << "merge of an empty folder";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no complete curation shard"), std::string::npos) << e.what();
  }
  for (int i : {0, 2}) {
    o.shard = i;
    run_curation_shard(o);
  }
  try {
    merge_curation(o.out_dir);
    FAIL() << "merge with shards 1 and 3 missing";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 of 4 shard(s) not complete: 1, 3"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(dclm::file_exists(o.out_dir + "/stats.json"));
  // Shard 1 from another run (other options): stale.
  o.shard = 1;
  o.max_docs_per_file = 1;
  run_curation_shard(o);
  o.shard = 3;
  o.max_docs_per_file = 0;
  run_curation_shard(o);
  try {
    merge_curation(o.out_dir);
    FAIL() << "merge with a stale shard";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard(s) 1 of 4 ran with another"), std::string::npos) << e.what();
  }
  o.shard = 1;
  run_curation_shard(o);
  CurateResult m = merge_curation(o.out_dir);
  EXPECT_EQ(m.docs_in, 26);
  // A later unsharded run into the same folder replaces the 4-shard bookkeeping.
  o.shard = 0;
  o.num_shards = 1;
  run_curation(o);
  EXPECT_FALSE(dclm::file_exists(o.out_dir + "/stats/shard-0-of-4.json"));
  EXPECT_TRUE(dclm::file_exists(o.out_dir + "/stats/shard-0-of-1.json"));
}

TEST(CurateShard, ShardSpecAndDuplicates) {
  EXPECT_EQ(parse_shard_spec("3/8"), (std::pair<int, int>{3, 8}));
  EXPECT_EQ(parse_shard_spec("0/1"), (std::pair<int, int>{0, 1}));
  for (const char* bad : {"8/8", "1/0", "-1/4", "a/4", "3", "3/4/5", ""})
    EXPECT_THROW(parse_shard_spec(bad), std::invalid_argument) << bad;
  EXPECT_EQ(sorted_inputs({"b", "a", "c"}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THROW(sorted_inputs({"b", "a", "b"}), dclm::Error);
}

TEST(CurateResume, SkipsDoneInputsAndRedoesTheRest) {
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  auto inputs = make_inputs(tmp);
  write(tmp / "r.yaml", kRecipe);
  CurateOptions o;
  o.inputs = inputs;
  o.recipe = tmp / "r.yaml";
  o.out_dir = tmp / "out";
  o.threads = 2;
  CurateResult first = run_curation(o);
  EXPECT_EQ(first.files_resumed, 0);
  const std::string stats = dclm::read_file(o.out_dir + "/stats.json");
  std::map<std::string, std::string> bytes;
  for (const auto& f : first.output_files) bytes[f] = dclm::read_file(o.out_dir + "/" + f);
  struct stat st0 {};
  ASSERT_EQ(::stat((o.out_dir + "/documents_00000.jsonl.zst").c_str(), &st0), 0);

  // Lose input 3's marker and input 5's documents (as a kill between rename and marker would), plus the
  // merged stats: those two are redone, the other five are not touched.
  fs::remove(o.out_dir + "/stats/file-00003.json");
  fs::remove(o.out_dir + "/documents_00005.jsonl.zst");
  fs::remove(o.out_dir + "/stats.json");
  write(o.out_dir + "/documents_00006.jsonl.zst.tmp.999999", "partial");  // a killed run's temp file
  CurateResult second = run_curation(o);
  EXPECT_EQ(second.files_resumed, 5);
  EXPECT_EQ(dclm::read_file(o.out_dir + "/stats.json"), stats);
  for (const auto& [f, b] : bytes) EXPECT_EQ(dclm::read_file(o.out_dir + "/" + f), b) << f;
  struct stat st1 {};
  ASSERT_EQ(::stat((o.out_dir + "/documents_00000.jsonl.zst").c_str(), &st1), 0);
  EXPECT_EQ(st0.st_ino, st1.st_ino);  // not rewritten
  EXPECT_EQ(st0.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
  EXPECT_FALSE(dclm::file_exists(o.out_dir + "/documents_00006.jsonl.zst.tmp.999999"));

  // A changed input is redone; a changed recipe redoes everything.
  write(tmp / "a.jsonl", line("with that have things", "http://new/1"));
  CurateResult third = run_curation(o);
  EXPECT_EQ(third.files_resumed, 6);
  EXPECT_EQ(third.docs_in, first.docs_in - 2 + 1);
  write(tmp / "r.yaml", std::string(kRecipe) + "  - func: massive_web_repetition_filters\n");
  EXPECT_EQ(run_curation(o).files_resumed, 0);

  // Fewer inputs into the same folder: outputs of the dropped inputs go.
  o.inputs.resize(3);
  CurateResult fewer = run_curation(o);
  EXPECT_EQ(fewer.output_files.size(), 3u);
  EXPECT_FALSE(dclm::file_exists(o.out_dir + "/documents_00003.jsonl.zst"));
  EXPECT_FALSE(dclm::file_exists(o.out_dir + "/stats/file-00003.json"));
}

TEST(CurateShardReal, PoolShardsEqualOneRun) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  DCLM_REQUIRE_DATA("lists/dclm_iana_tlds.txt");
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  CurateOptions o;
  for (const char* p : {"pool/warc/dolma_sample-0000.warc.gz", "pool/warc/dolma_sample-0001.warc.gz",
                        "pool/warc/resiliparse_warcfile.warc.gz", "pool/jsonl/dolma_cc_en_head-0091.jsonl.gz",
                        "pool/jsonl/dolma_cc_en_head-0174.jsonl.gz", "pool/wet/cc_net_sample.warc.wet"})
    o.inputs.push_back(dclm::testing::data_path(p));
  o.recipe = "dclm_baseline_refinedweb";
  o.out_dir = tmp / "one";
  CurateResult one = run_curation(o);
  EXPECT_GT(one.docs_out, 0);
  o.out_dir = tmp / "three";
  o.num_shards = 3;
  for (int i = 0; i < 3; ++i) {
    o.shard = i;
    run_curation_shard(o);
  }
  CurateResult m = merge_curation(o.out_dir);
  EXPECT_EQ(dclm::read_file(tmp / "three/stats.json"), dclm::read_file(tmp / "one/stats.json"));
  for (const auto& f : one.output_files)
    EXPECT_EQ(dclm::read_file(tmp / ("three/" + f)), dclm::read_file(tmp / ("one/" + f))) << f;
  EXPECT_EQ(listing(tmp / "three").size(), listing(tmp / "one").size() + 2);  // two more shard files
}
