// Decontamination (curation/decontam.h): normalisation, planted overlaps (exact and with case / punctuation
// changes), no false positives, short examples and documents, --drop output, thread-count independence,
// errors naming file and line; and an index over the real eval task files (skipped without shared data).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <regex>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/decontam.h"
#include "evaluator/suite.h"
#include "test_util.h"

using namespace dclm::curation;
using nlohmann::json;

namespace {

// A 20-word question (+ a 1-word answer): long enough for 13-grams.
const std::string kQ1 = "Which of the following statements best describes the primary function of mitochondria in "
                        "eukaryotic cells during aerobic respiration?";
const std::string kQ2 = "In the year 1848, revolutions spread rapidly across many European states, including France, "
                        "the German states and the Austrian Empire.";

EvalTask mc_task() {
  std::vector<json> rows = {
      {{"query", "Question: " + kQ1}, {"choices", {"energy production", "protein folding"}}, {"gold", 0}},
      {{"query", "Question: " + kQ2 + " What followed?"}, {"choices", {"reaction", "peace"}}, {"gold", 0}},
  };
  return make_eval_task("toy_mc", "multiple_choice", rows, "toy_mc.jsonl");
}

// Unrelated filler: deterministic pseudo-words.
std::string filler(uint64_t seed, int words) {
  std::mt19937_64 rng(seed);
  std::string s;
  for (int i = 0; i < words; ++i) {
    s += i ? " " : "";
    int len = 3 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k) s.push_back(static_cast<char>('a' + rng() % 26));
  }
  return s;
}

std::string first_words(const std::string& text, int n) {
  std::string out;
  size_t pos = 0;
  for (int i = 0; i < n && pos != std::string::npos; ++i) {
    size_t e = text.find(' ', pos);
    out += (i ? " " : "") + text.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    pos = e == std::string::npos ? e : e + 1;
  }
  return out;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> v;
  dclm::LineReader r(path);
  std::string line;
  while (r.next(line)) v.push_back(line);
  return v;
}

}  // namespace

TEST(Decontam, WordsAreLowercasedPunctuationDeleted) {
  EXPECT_EQ(decontam_words("Hello, World!  It's 3.14 — ÉTÉ café\n(A) x+y=z $5"),
            (std::vector<std::string>{"hello", "world", "its", "314", "été", "café", "a", "xyz", "5"}));
  EXPECT_TRUE(decontam_words(" ,.;! \n\t").empty());
  EXPECT_TRUE(decontam_words("").empty());
  // Invalid UTF-8 separates words instead of failing.
  EXPECT_EQ(decontam_words(std::string("ab\xff" "cd")), (std::vector<std::string>{"ab", "cd"}));
}

TEST(Decontam, ExampleTextsPerTaskType) {
  EXPECT_EQ(eval_example_texts("multiple_choice", {{"query", "Q?"}, {"choices", {"a", "b"}}, {"gold", 1}}, "x"),
            (std::vector<std::string>{"Q? a", "Q? b"}));
  EXPECT_EQ(eval_example_texts("schema", {{"context_options", {"c1", "c2"}}, {"continuation", "k"}, {"gold", 0}}, "x"),
            (std::vector<std::string>{"c1 k", "c2 k"}));
  EXPECT_EQ(eval_example_texts("language_modeling", {{"context", "ctx"}, {"continuation", "cont"}}, "x"),
            (std::vector<std::string>{"ctx cont"}));
  EXPECT_EQ(eval_example_texts("generation_task_with_answers",
                               {{"context", "ctx"}, {"chain_of_thought", "think"}, {"answer", "42"}}, "x"),
            (std::vector<std::string>{"ctx think 42"}));
  try {
    make_eval_task("t", "language_modeling", {{{"context", "only"}}}, "file.jsonl");
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("file.jsonl"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("row 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("continuation"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval_example_texts("nonsense", json::object(), "x"), dclm::Error);
}

TEST(Decontam, PlantedOverlapsFoundExactAndNormalised) {
  DecontamIndex idx({mc_task()}, DecontamParams{});
  EXPECT_EQ(idx.num_examples(), 2u);
  // Exact copy inside unrelated text.
  EXPECT_EQ(idx.match(filler(1, 50) + " " + kQ1 + " " + filler(2, 50)), (std::vector<uint32_t>{0}));
  // Upper-case, punctuation removed / added, different whitespace: still the same 13-grams.
  std::string noisy = "WHICH of the following statements -- best describes the primary FUNCTION of mitochondria\n\n"
                      "in eukaryotic cells, during aerobic respiration";
  EXPECT_EQ(idx.match(filler(3, 20) + "\n" + noisy + "!!!"), (std::vector<uint32_t>{0}));
  // Both examples in one document.
  EXPECT_EQ(idx.match(kQ2 + "\n" + kQ1), (std::vector<uint32_t>{0, 1}));
  // A 13-word window spanning query and answer counts too.
  EXPECT_EQ(idx.match("spread rapidly across many european states including france the german states and the "
                      "austrian empire what followed peace"),
            (std::vector<uint32_t>{1}));
}

TEST(Decontam, NoFalsePositives) {
  DecontamIndex idx({mc_task()}, DecontamParams{});
  for (uint64_t s = 0; s < 500; ++s) EXPECT_TRUE(idx.match(filler(100 + s, 300)).empty()) << s;
  // 12 consecutive words of the question (one short of a 13-gram), even repeated, do not match.
  const std::string twelve = first_words(kQ1, 12);
  EXPECT_TRUE(idx.match(twelve + " zzz " + twelve + " " + filler(7, 30)).empty());
  // Words of the question in another order do not match.
  EXPECT_TRUE(idx.match("respiration aerobic during cells eukaryotic in mitochondria of function primary the "
                        "describes best statements following the of which")
                  .empty());
  EXPECT_TRUE(idx.match("").empty());
}

TEST(Decontam, ShortExamplesAndShortDocuments) {
  std::vector<json> rows = {
      {{"context", "the quick brown fox jumps over the"}, {"continuation", "lazy dog"}},  // 9 words
      {{"context", "tiny example"}, {"continuation", "here"}},                            // 3 words: too short
  };
  DecontamParams p;  // n = 13, min 8
  DecontamIndex idx({make_eval_task("toy_lm", "language_modeling", rows, "toy_lm.jsonl")}, p);
  EXPECT_EQ(idx.too_short(0), 1);
  // The whole 9-word example, in a document shorter than n and in a long one.
  EXPECT_EQ(idx.match("The quick brown fox jumps over the lazy dog."), (std::vector<uint32_t>{0}));
  EXPECT_EQ(idx.match(filler(5, 40) + " the QUICK brown fox, jumps over the lazy dog " + filler(6, 40)),
            (std::vector<uint32_t>{0}));
  // 8 of its 9 words, and a document of one word, do not match.
  EXPECT_TRUE(idx.match("the quick brown fox jumps over the lazy").empty());
  EXPECT_TRUE(idx.match("dog").empty());
  // The too-short example never matches, even verbatim.
  EXPECT_TRUE(idx.match("tiny example here").empty());
  // With min_ngram > n nothing shorter than n is indexed.
  p.min_ngram = 100;
  DecontamIndex idx2({make_eval_task("toy_lm", "language_modeling", rows, "toy_lm.jsonl")}, p);
  EXPECT_EQ(idx2.too_short(0), 2);
  EXPECT_TRUE(idx2.match("the quick brown fox jumps over the lazy dog").empty());
}

TEST(Decontam, SharedTemplateNgramsCanBeIgnored) {
  const std::string tmpl = "Read the following passage carefully and answer the question that comes after it please";
  std::vector<json> rows;
  for (int i = 0; i < 5; ++i) rows.push_back({{"context", tmpl + " " + filler(50 + i, 20)}, {"continuation", "x"}});
  auto task = make_eval_task("tmpl", "language_modeling", rows, "tmpl.jsonl");
  DecontamIndex all({task}, DecontamParams{});
  EXPECT_EQ(all.match(tmpl).size(), 5u);  // the template matches every example
  DecontamParams p;
  p.max_examples_per_ngram = 2;
  DecontamIndex dedicated({task}, p);
  EXPECT_GT(dedicated.ngrams_dropped_as_shared(), 0);
  EXPECT_TRUE(dedicated.match(tmpl).empty());
  EXPECT_EQ(dedicated.match(tmpl + " " + filler(52, 20)), (std::vector<uint32_t>{2}));
}

namespace {
// Two input files: documents 0..n−1 each; every 3rd contains a question (alternating), the rest are clean.
struct Fixture {
  dclm::testing::TempDir dir;
  std::vector<std::string> inputs;
  std::vector<std::vector<std::string>> clean_lines;  // per file, in order
  int contaminated = 0;
  Fixture() {
    for (int f = 0; f < 2; ++f) {
      std::string path = dir / ("part" + std::to_string(f) + (f == 0 ? ".jsonl" : ".jsonl.zst"));
      std::vector<std::string> clean;
      dclm::AtomicWriter w(path);
      for (int i = 0; i < 25; ++i) {
        std::string text = filler(1000 + static_cast<uint64_t>(f * 100 + i), 60);
        bool dirty = i % 3 == 1;
        if (dirty) text += "\n" + std::string(i % 2 ? kQ1 : kQ2) + "\n" + filler(7, 10);
        json j = {{"id", "doc-" + std::to_string(f) + "-" + std::to_string(i)}, {"text", text}, {"extra", i}};
        std::string line = j.dump();
        w.write_line(line);
        if (i == 5) w.write_line("   ");  // blank lines are skipped
        if (dirty) ++contaminated;
        else clean.push_back(line);
      }
      w.commit();
      inputs.push_back(path);
      clean_lines.push_back(clean);
    }
  }
};
json without_timing(json r) {
  r.erase("timing");
  return r;
}
}  // namespace

TEST(Decontam, DropWritesExactlyTheCleanDocumentsAndReports) {
  Fixture fx;
  DecontamIndex idx({mc_task()}, DecontamParams{});
  DecontamOptions o;
  o.inputs = fx.inputs;
  o.out_dir = fx.dir / "out";
  o.drop = true;
  o.quiet = true;
  o.threads = 2;
  auto r = run_decontam(idx, o);
  EXPECT_EQ(r.docs_in, 50);
  EXPECT_EQ(r.docs_contaminated, fx.contaminated);
  EXPECT_EQ(r.docs_out, 50 - fx.contaminated);
  ASSERT_EQ(r.output_files, (std::vector<std::string>{"part0.jsonl.zst", "part1.jsonl.zst"}));
  for (int f = 0; f < 2; ++f) EXPECT_EQ(read_lines(o.out_dir + "/" + r.output_files[f]), fx.clean_lines[f]);
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].examples, 2);
  EXPECT_EQ(r.tasks[0].examples_contaminated, 2);
  EXPECT_EQ(r.tasks[0].docs_contaminated, fx.contaminated);
  EXPECT_EQ(r.tasks[0].sample_rows, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(r.tasks[0].sample_docs.front(), "part0.jsonl:2");  // line 2 = document 1
  // The listing names each contaminated document with its id and the matched example rows.
  auto listing = read_lines(o.out_dir + "/contaminated_docs.jsonl");
  ASSERT_EQ(static_cast<int>(listing.size()), fx.contaminated);
  json first = json::parse(listing[0]);
  EXPECT_EQ(first["id"], "doc-0-1");
  EXPECT_EQ(first["line"], 2);
  EXPECT_EQ(first["tasks"]["toy_mc"], json::array({0}));
  json report = dclm::read_json_file(o.out_dir + "/decontam_report.json");
  EXPECT_EQ(report["docs_contaminated"], fx.contaminated);
  EXPECT_EQ(report["tasks"][0]["examples_contaminated"], 2);
  EXPECT_EQ(report["method"]["ngram"], 13);
  std::string table = dclm::read_file(o.out_dir + "/decontam_report.txt");
  EXPECT_NE(table.find("toy_mc"), std::string::npos);
  // Without --drop no dataset is written.
  o.drop = false;
  o.out_dir = fx.dir / "out-nodrop";
  run_decontam(idx, o);
  EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/part0.jsonl.zst"));
  EXPECT_TRUE(std::filesystem::exists(o.out_dir + "/decontam_report.json"));
}

TEST(Decontam, OutputIndependentOfThreadsAndBatchSize) {
  Fixture fx;
  DecontamIndex idx({mc_task()}, DecontamParams{});
  std::vector<std::string> outs;
  std::vector<std::pair<int, size_t>> configs = {{1, 2048}, {2, 3}, {4, 7}, {3, 1}};
  for (auto [threads, batch] : configs) {
    DecontamOptions o;
    o.inputs = fx.inputs;
    o.out_dir = fx.dir / ("t" + std::to_string(threads) + "b" + std::to_string(batch));
    o.drop = true;
    o.quiet = true;
    o.threads = threads;
    o.batch_docs = batch;
    auto r = run_decontam(idx, o);
    std::string all = without_timing(r.report).dump() + dclm::read_file(o.out_dir + "/contaminated_docs.jsonl") +
                      dclm::read_file(o.out_dir + "/decontam_report.txt");
    for (const auto& f : r.output_files)
      for (const auto& l : read_lines(o.out_dir + "/" + f)) all += l + "\n";
    all = std::regex_replace(all, std::regex(o.out_dir), "OUT");
    outs.push_back(all);
  }
  for (size_t i = 1; i < outs.size(); ++i) EXPECT_EQ(outs[i], outs[0]) << "config " << i;
}

TEST(Decontam, BadInputNamesFileAndLine) {
  dclm::testing::TempDir dir;
  DecontamIndex idx({mc_task()}, DecontamParams{});
  DecontamOptions o;
  o.out_dir = dir / "out";
  o.quiet = true;
  dclm::write_file_atomic(dir / "bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": broken\n");
  o.inputs = {dir / "bad.jsonl"};
  try {
    run_decontam(idx, o);
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_EQ(e.context().file, dir / "bad.jsonl");
    EXPECT_EQ(e.context().record, 2);
  }
  dclm::write_file_atomic(dir / "notext.jsonl", "{\"body\": \"ok\"}\n");
  o.inputs = {dir / "notext.jsonl"};
  try {
    run_decontam(idx, o);
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_EQ(e.context().record, 1);
    EXPECT_NE(std::string(e.what()).find("text"), std::string::npos);
  }
  o.inputs = {dir / "missing.jsonl"};
  EXPECT_THROW(run_decontam(idx, o), dclm::Error);
  dclm::write_file_atomic(dir / "task.jsonl", "{\"context\": \"a\", \"continuation\": \"b\"}\nnot json\n");
  try {
    read_eval_task("t", "language_modeling", dir / "task.jsonl");
    FAIL() << "expected an error";
  } catch (const dclm::Error& e) {
    EXPECT_EQ(e.context().record, 2);
  }
}

// The real eval task files of the CORE suite: every task with data loads, and real MMLU / ARC questions
// planted (re-cased, punctuation dropped) into pool documents are found at the right rows.
TEST(DecontamRealData, CoreSuiteTaskFilesIndexAndPlantedQuestionsFound) {
  DCLM_REQUIRE_DATA("eval/local_data/world_knowledge/mmlu.jsonl");
  DCLM_REQUIRE_DATA("pool/jsonl/dclm_majority_data.jsonl");
  const auto suite = dclm::evaluator::load_suite("core");
  std::vector<EvalTask> tasks;
  int64_t mmlu_rows = 0;
  for (const auto& spec : suite.tasks) {
    const std::string path = dclm::testing::data_path("eval/" + spec.dataset);
    if (!std::filesystem::exists(path)) continue;  // hellaswag, squad, ... are not in the mirror
    tasks.push_back(read_eval_task(spec.label, dclm::evaluator::task_type_name(spec.type), path));
    if (spec.label == "mmlu_fewshot") mmlu_rows = static_cast<int64_t>(tasks.back().examples.size());
  }
  ASSERT_GE(tasks.size(), 15u);
  EXPECT_EQ(mmlu_rows, 14042);
  DecontamIndex idx(tasks, DecontamParams{});
  EXPECT_GT(idx.num_ngrams(), 500000u);
  auto task_index = [&](const std::string& label) {
    for (size_t i = 0; i < idx.tasks().size(); ++i)
      if (idx.tasks()[i].label == label) return i;
    return idx.tasks().size();
  };
  const size_t mmlu = task_index("mmlu_fewshot"), arc = task_index("arc_easy");
  ASSERT_LT(mmlu, idx.tasks().size());
  ASSERT_LT(arc, idx.tasks().size());

  // Real rows from the files: MMLU row 5000 and ARC-Easy row 100.
  std::vector<json> mmlu_rows_json, arc_rows_json;
  {
    dclm::JsonlReader r(dclm::testing::data_path("eval/local_data/world_knowledge/mmlu.jsonl"), true);
    json j;
    while (r.next(j) && mmlu_rows_json.size() <= 5000) mmlu_rows_json.push_back(j);
  }
  {
    dclm::JsonlReader r(dclm::testing::data_path("eval/local_data/world_knowledge/arc_easy.jsonl"), true);
    json j;
    while (r.next(j) && arc_rows_json.size() <= 100) arc_rows_json.push_back(j);
  }
  auto shout = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string q_mmlu = mmlu_rows_json[5000]["query"].get<std::string>();
  const std::string q_arc = arc_rows_json[100]["query"].get<std::string>();
  ASSERT_GE(decontam_words(q_mmlu).size(), 13u);
  ASSERT_GE(decontam_words(q_arc).size(), 13u);

  dclm::testing::TempDir dir;
  std::vector<std::string> lines;
  {
    dclm::LineReader r(dclm::testing::data_path("pool/jsonl/dclm_majority_data.jsonl"));
    std::string line;
    while (r.next(line) && lines.size() < 200) lines.push_back(line);
  }
  // Documents 10 and 20 get the planted questions.
  json d10 = json::parse(lines[10]);
  d10["text"] = d10["text"].get<std::string>() + "\n" + shout(q_mmlu);
  lines[10] = d10.dump();
  json d20 = json::parse(lines[20]);
  std::string arc_noisy = q_arc;
  for (auto& c : arc_noisy)
    if (c == '?' || c == ',' || c == '.') c = ' ';
  d20["text"] = "Quiz time! " + arc_noisy + "\n" + d20["text"].get<std::string>();
  lines[20] = d20.dump();
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  dclm::write_file_atomic(dir / "pool.jsonl", all);

  DecontamOptions o;
  o.inputs = {dir / "pool.jsonl"};
  o.out_dir = dir / "out";
  o.quiet = true;
  o.drop = true;
  auto r = run_decontam(idx, o);
  EXPECT_EQ(r.docs_in, 200);
  // The planted rows are found; the MMLU question matches its own row (other subjects' rows may share it).
  bool found_mmlu = false, found_arc = false;
  for (const auto& line : read_lines(o.out_dir + "/contaminated_docs.jsonl")) {
    json j = json::parse(line);
    if (j["line"] == 11 && j["tasks"].contains("mmlu_fewshot"))
      for (const auto& row : j["tasks"]["mmlu_fewshot"]) found_mmlu = found_mmlu || row == 5000;
    if (j["line"] == 21 && j["tasks"].contains("arc_easy"))
      for (const auto& row : j["tasks"]["arc_easy"]) found_arc = found_arc || row == 100;
  }
  EXPECT_TRUE(found_mmlu);
  EXPECT_TRUE(found_arc);
  EXPECT_GE(r.tasks[mmlu].examples_contaminated, 1);
  EXPECT_GE(r.tasks[arc].examples_contaminated, 1);
  // The labelled web pages themselves share no 13-gram with the CORE tasks: only the two planted documents.
  EXPECT_EQ(r.docs_contaminated, 2);
  EXPECT_EQ(r.docs_out, r.docs_in - r.docs_contaminated);
}
