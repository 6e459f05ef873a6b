// The curation executor: exact counts on a generated jsonl with a hand-written recipe, recipe errors,
// embedded recipes, determinism across thread counts on the real sample pool.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/io.h"
#include "common/jsonl.h"
#include "common/manifest.h"
#include "common/progress.h"
#include "curation/curate.h"
#include "curation/recipe.h"
#include "curation/recipes.h"
#include "test_util.h"

using namespace dclm::curation;
using dclm::testing::TempDir;

namespace {
void write(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}
std::string line(const std::string& text, const std::string& url) {
  return nlohmann::json({{"text", text}, {"metadata", {{"WARC-Target-URI", url}}}, {"keep_me", 1}}).dump() + "\n";
}
const char* kRecipe = R"(# test recipe
steps:
  - func: move_url_modifier
  - func: stop_word_filter
    min_stop_word: 2
  - func: word_length_filter
    min_length: 3
    max_length: 10
)";
}  // namespace

TEST(Curate, ExactCountsOnGeneratedJsonl) {
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  write(tmp / "a.jsonl", line("the cat and the dog", "http://a/1") +      // kept: 4 stop words, mean 3.0
                             line("cat dog", "http://a/2") +              // stop words 0 → removed
                             line("the of ab ab ab", "http://a/3"));      // mean 2.4 → removed
  write(tmp / "b.jsonl", line("with that have things", "http://b/1"));    // kept: 3 stop words, mean 4.25
  write(tmp / "r.yaml", kRecipe);
  CurateOptions o;
  o.inputs = {tmp / "a.jsonl", tmp / "b.jsonl"};
  o.recipe = tmp / "r.yaml";
  o.out_dir = tmp / "out";
  o.threads = 2;
  o.keep_removed = true;
  CurateResult r = run_curation(o);
  EXPECT_EQ(r.docs_in, 4);
  EXPECT_EQ(r.docs_out, 2);
  EXPECT_EQ(r.bytes_in, 19 + 7 + 15 + 21);
  EXPECT_EQ(r.bytes_out, 19 + 21);
  ASSERT_EQ(r.output_files, (std::vector<std::string>{"documents_00000.jsonl.zst", "documents_00001.jsonl.zst"}));
  const auto& st = r.stats["steps"];
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[1]["step"], "stop_word_filter");
  EXPECT_EQ(st[1]["docs_in"], 4);
  EXPECT_EQ(st[1]["docs_out"], 3);
  EXPECT_EQ(st[1]["removed"]["too_few_stop_words"], 1);
  EXPECT_EQ(st[2]["removed"]["mean_word_too_short"], 1);
  std::vector<std::string> texts;
  for_each_curated_text(o.out_dir, [&](const std::string& t) { texts.push_back(t); });
  EXPECT_EQ(texts, (std::vector<std::string>{"the cat and the dog", "with that have things"}));
  // Output records keep the input fields and gain url.
  dclm::JsonlReader rd(o.out_dir + "/documents_00000.jsonl.zst", true);
  nlohmann::json j;
  ASSERT_TRUE(rd.next(j));
  EXPECT_EQ(j["url"], "http://a/1");
  EXPECT_EQ(j["keep_me"], 1);
  // Removed docs carry the step and reason.
  dclm::JsonlReader rm(o.out_dir + "/removed_00000.jsonl.zst", true);
  ASSERT_TRUE(rm.next(j));
  EXPECT_EQ(j["removed_by"], "stop_word_filter");
  EXPECT_EQ(j["removed_reason"], "too_few_stop_words");
  EXPECT_TRUE(dclm::file_exists(o.out_dir + "/stats.json"));
  EXPECT_TRUE(dclm::Manifest::is_complete(o.out_dir));
  EXPECT_EQ(dclm::Manifest::read(o.out_dir).verify(o.out_dir), "");
  std::string table = stats_table(r.stats);
  EXPECT_NE(table.find("stop_word_filter"), std::string::npos);
  EXPECT_NE(table.find("too_few_stop_words: 1"), std::string::npos);
  // max_docs_per_file
  o.max_docs_per_file = 1;
  o.out_dir = tmp / "out2";
  EXPECT_EQ(run_curation(o).docs_in, 2);
}

TEST(Curate, RecipeErrorsNameFileAndLine) {
  TempDir tmp;
  write(tmp / "bad_step.yaml", "steps:\n  - func: move_url_modifier\n  - func: random_sampling_filter\n");
  try {
    load_recipe(tmp / "bad_step.yaml");
    FAIL();
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_step.yaml:3"), std::string::npos) << e.what();
  }
  write(tmp / "bad_param.yaml", "steps:\n  - func: stop_word_filter\n    min_stop_word: 2\n    min_stopword: 3\n");
  try {
    load_recipe(tmp / "bad_param.yaml");
    FAIL();
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_param.yaml:4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("min_stopword"), std::string::npos) << e.what();
  }
  write(tmp / "bad_type.yaml", "steps:\n  - func: stop_word_filter\n    min_stop_word: many\n");
  try {
    load_recipe(tmp / "bad_type.yaml");
    FAIL();
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_type.yaml:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_recipe("no_such_recipe"), dclm::Error);
}

TEST(Curate, EmbeddedRecipesLoad) {
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  DCLM_REQUIRE_DATA("lists/dclm_iana_tlds.txt");
  std::vector<std::string> names;
  for (const auto& e : embedded_recipes()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"dclm_baseline_refinedweb", "cpu_default", "refinedweb", "c4", "gopher",
                                              "fineweb"}));
  Recipe rw = load_recipe("dclm_baseline_refinedweb");
  EXPECT_EQ(rw.steps.size(), 25u);  // DCLM's 26 minus the unavailable banned-domains list
  Recipe cpu = load_recipe("cpu_default");
  EXPECT_GE(cpu.steps.size(), 5u);
  // refinedweb = the baseline chain + the high-quality-domain exclusion (its 2nd step).
  Recipe full = load_recipe("refinedweb");
  ASSERT_EQ(full.steps.size(), 26u);
  EXPECT_EQ(full.steps[1]["func"].as<std::string>(), "url_substring_filter");
  EXPECT_EQ(full.steps[1]["banlist"].size(), 16u);
  auto funcs = [](const Recipe& r) {
    std::vector<std::string> f;
    for (const auto& s : r.steps) f.push_back(s["func"].as<std::string>());
    return f;
  };
  EXPECT_EQ(funcs(load_recipe("c4")),
            (std::vector<std::string>{"move_url_modifier", "c4_quality_filter", "c4_badwords_filter",
                                      "detect_lang_whole_page_enricher", "language_filter"}));
  EXPECT_EQ(funcs(load_recipe("gopher")).size(), 11u);
  // FineWeb's order (curation.md §7.2): URL filters, LID, Gopher repetition, Gopher quality, C4, FineWeb.
  auto fw = funcs(load_recipe("fineweb"));
  ASSERT_EQ(fw.size(), 16u);
  EXPECT_EQ(fw[6], "massive_web_repetition_filters");
  EXPECT_EQ(fw[7], "page_length_filter");
  EXPECT_EQ(fw[14], "c4_quality_filter");
  EXPECT_EQ(fw[15], "fineweb_quality_filter");
}

namespace {
std::vector<std::string> pool_inputs() {
  std::vector<std::string> in;
  for (const char* p : {"pool/warc/dolma_sample-0000.warc.gz", "pool/warc/dolma_sample-0001.warc.gz",
                        "pool/warc/resiliparse_warcfile.warc.gz", "pool/jsonl/dolma_cc_en_head-0091.jsonl.gz",
                        "pool/jsonl/dolma_cc_en_head-0174.jsonl.gz"})
    in.push_back(dclm::testing::data_path(p));
  return in;
}
}  // namespace

TEST(CurateReal, DeterministicAcrossThreadCounts) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  CurateOptions o;
  o.inputs = pool_inputs();
  o.recipe = "dclm_baseline_refinedweb";
  o.out_dir = tmp / "t1";
  o.threads = 1;
  CurateResult a = run_curation(o);
  o.out_dir = tmp / "t2";
  o.threads = 2;
  CurateResult b = run_curation(o);
  EXPECT_EQ(a.stats, b.stats);
  ASSERT_EQ(a.output_files, b.output_files);
  for (const auto& f : a.output_files)
    EXPECT_EQ(dclm::read_file_decompressed(tmp / ("t1/" + f)), dclm::read_file_decompressed(tmp / ("t2/" + f))) << f;
  EXPECT_GT(a.docs_in, 50);
  EXPECT_EQ(a.docs_in, a.stats["steps"][0]["docs_in"].get<int64_t>());
}

TEST(CurateReal, CpuDefaultKeepsEnglishDocs) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  CurateOptions o;
  o.inputs = pool_inputs();
  o.recipe = "cpu_default";
  o.out_dir = tmp / "out";
  CurateResult r = run_curation(o);
  std::cout << stats_table(r.stats);
  EXPECT_GT(r.docs_out, 0);
  EXPECT_LT(r.docs_out, r.docs_in);
  int n = 0;
  for_each_curated_text(o.out_dir, [&](const std::string& t) {
    ++n;
    EXPECT_FALSE(t.empty());
  });
  EXPECT_EQ(n, r.docs_out);
}

TEST(CurateReal, RefinedWebChainEndToEnd) {
  // One English page through the 25-step chain; the expected text follows the step rules by hand:
  // IPv4 URL removed (" http://1.2.3.4/page"), 4 newlines → 2, "12345" (numeric line), "1.2K likes"
  // (counter line) and "Read more..." (suffix banlist, line becomes empty) removed; word removal
  // (132 − 127)/132 = 0.038 ≤ 0.05 keeps the page.
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  DCLM_REQUIRE_DATA("lists/dclm_iana_tlds.txt");
  dclm::Progress::set_enabled(false);
  const std::string prose =
      "Gardening in small urban spaces has become popular among people who live in apartments and want fresh "
      "herbs close at hand. A sunny balcony can support tomatoes, basil, peppers and even strawberries when "
      "containers are chosen carefully. Good drainage matters because roots sitting in water quickly rot, so every "
      "pot should have holes near its base. Many beginners water too often; checking soil moisture with a finger "
      "before pouring is a simple habit that prevents most problems. Compost made from kitchen scraps adds "
      "nutrients without expensive fertilizers, and worms help break down peels faster than expected. Neighbors "
      "frequently share seedlings during spring, which builds friendships while saving money. With patience, a "
      "modest corner can produce surprising harvests through summer and autumn.";
  const std::string text =
      "Visit our site at http://1.2.3.4/page for more.\n\n\n\n" + prose + "\n12345\n1.2K likes\nRead more...";
  TempDir tmp;
  write(tmp / "in.jsonl", line(text, "http://example.com/garden"));
  CurateOptions o;
  o.inputs = {tmp / "in.jsonl"};
  o.recipe = "dclm_baseline_refinedweb";
  o.out_dir = tmp / "out";
  CurateResult r = run_curation(o);
  ASSERT_EQ(r.docs_out, 1) << stats_table(r.stats);
  dclm::JsonlReader rd(o.out_dir + "/documents_00000.jsonl.zst", true);
  nlohmann::json j;
  ASSERT_TRUE(rd.next(j));
  EXPECT_EQ(j["text"], "Visit our site at for more.\n\n" + prose);
  EXPECT_EQ(j["previous_word_count"], 132);
  EXPECT_GT(j["language_id_whole_page_fasttext"]["en"].get<double>(), 0.65);
  EXPECT_EQ(j["url"], "http://example.com/garden");
}

TEST(CurateReal, AllRecipesRunOnThePool) {
  DCLM_REQUIRE_DATA("pool/warc/dolma_sample-0000.warc.gz");
  DCLM_REQUIRE_DATA("models/lid.176.ftz");
  DCLM_REQUIRE_DATA("lists/datatrove_banned_words.txt");
  dclm::Progress::set_enabled(false);
  TempDir tmp;
  std::map<std::string, CurateResult> res;
  for (const char* r : {"dclm_baseline_refinedweb", "refinedweb", "c4", "gopher", "fineweb"}) {
    CurateOptions o;
    o.inputs = pool_inputs();
    o.recipe = r;
    o.out_dir = tmp / r;
    res[r] = run_curation(o);
    std::cout << r << "\n" << stats_table(res[r].stats);
    const auto& st = res[r].stats["steps"];
    ASSERT_EQ(st.size(), load_recipe(r).steps.size()) << r;
    for (size_t s = 0; s + 1 < st.size(); ++s) EXPECT_EQ(st[s]["docs_out"], st[s + 1]["docs_in"]) << r << " step " << s;
    EXPECT_EQ(st.back()["docs_out"].get<int64_t>(), res[r].docs_out) << r;
  }
  // refinedweb is the baseline chain plus one more URL filter.
  EXPECT_LE(res["refinedweb"].docs_out, res["dclm_baseline_refinedweb"].docs_out);
  EXPECT_GT(res["gopher"].docs_out, 0);
  EXPECT_GT(res["fineweb"].docs_out, 0);
  EXPECT_GT(res["c4"].docs_out, 0);
}
