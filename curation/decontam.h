// Decontamination: word n-gram overlap between a curated dataset and the evaluation task files.
//
// The spec (curation.md, dclm-reference.md, icl-eval.md) does not describe how DCLM measured overlap with
// MMLU; the only hint is bff's read-only Bloom filter (§11.6). So this follows the GPT-3 / LLM-decontamination
// convention (Brown et al. 2020 App. C; lm-evaluation-harness janitor.py): text is lower-cased, punctuation
// and symbols are deleted (Unicode categories P* and S*, which include ASCII string.punctuation), words are
// the whitespace-separated pieces, and an evaluation example is contaminated when any of its 13-grams occurs
// in a document. Example texts (per llm-foundry task type, without the suite's delimiters and prelimiters):
//   multiple_choice               query + " " + choice, for every choice
//   schema                        context_option + " " + continuation, for every option
//   language_modeling             context + " " + continuation
//   generation_task_with_answers  context + " " + [chain_of_thought + " "] + answer
// An example with fewer than n words but at least min_ngram words is indexed as one n-gram of its whole
// length (GPT-3 let n go down to 8 for tasks of short examples); documents are then also scanned with windows
// of every such length. Examples shorter than min_ngram are reported as too short and never match.
//
// Matching is on 64-bit hashes of word windows (polynomial over per-word XXH3 hashes, finalised with the
// window length), exact up to hash collisions (~1e-12 over a whole scan of terabytes). Documents are scanned
// in parallel batches against a read-only index; results are merged in input order, so every output (report,
// contaminated-document list, decontaminated dataset) is independent of the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dclm::curation {

// Normalised words of a text: lower-case (Unicode simple case mapping), characters of categories P* / S*
// deleted, split at Unicode White_Space. Invalid UTF-8 bytes are treated as separators.
std::vector<std::string> decontam_words(const std::string& text);

// One evaluation example: its row in the task file (0-based, blank lines not counted), its category when the
// task has categories, and the texts whose n-grams are indexed.
struct EvalExample {
  int64_t row = 0;
  std::string category;
  std::vector<std::string> texts;
};
struct EvalTask {
  std::string label;
  std::string type;  // llm-foundry icl_task_type
  std::string source;  // file it came from (for messages)
  std::vector<EvalExample> examples;
};

// The texts of one llm-foundry row for a task type ("multiple_choice", "schema", "language_modeling",
// "generation_task_with_answers"; "question_answering" is an alias of the last). A missing field is an Error
// naming `where`.
std::vector<std::string> eval_example_texts(const std::string& type, const nlohmann::json& row,
                                            const std::string& where);
// Builds a task from already-parsed rows (e.g. GPQA converted in memory) or from a jsonl(.gz/.zst) file.
EvalTask make_eval_task(const std::string& label, const std::string& type, const std::vector<nlohmann::json>& rows,
                        const std::string& source);
EvalTask read_eval_task(const std::string& label, const std::string& type, const std::string& path);

struct DecontamParams {
  int ngram = 13;      // n
  int min_ngram = 8;   // shortest whole example indexed as one n-gram (> ngram disables short examples)
  // Ignore n-grams shared by more than this many examples of the whole index (suite templates, e.g. a long
  // instruction repeated in every prompt of a task); 0 = keep all.
  int64_t max_examples_per_ngram = 0;
};

// The read-only n-gram index of a set of tasks.
class DecontamIndex {
 public:
  DecontamIndex(std::vector<EvalTask> tasks, const DecontamParams& p);

  // Global example ids (task-major) of the examples with at least one n-gram in `text`; sorted, unique.
  std::vector<uint32_t> match(const std::string& text) const;

  const std::vector<EvalTask>& tasks() const { return tasks_; }
  const DecontamParams& params() const { return p_; }
  size_t num_examples() const { return ex_task_.size(); }
  uint32_t example_task(uint32_t gid) const { return ex_task_[gid]; }
  const EvalExample& example(uint32_t gid) const { return tasks_[ex_task_[gid]].examples[ex_local_[gid]]; }
  uint64_t num_ngrams() const { return keys_.size(); }  // distinct indexed n-grams
  int64_t too_short(size_t task) const { return too_short_[task]; }
  int64_t ngrams_dropped_as_shared() const { return shared_dropped_; }
  uint64_t memory_bytes() const;

 private:
  const uint32_t* find(uint64_t key, uint32_t* count) const;
  std::vector<EvalTask> tasks_;
  DecontamParams p_;
  std::vector<uint32_t> ex_task_, ex_local_;
  std::vector<uint64_t> keys_;      // sorted distinct n-gram keys
  std::vector<uint32_t> offsets_;   // postings of keys_[i] = postings_[offsets_[i] .. offsets_[i+1])
  std::vector<uint32_t> postings_;  // global example ids
  std::vector<uint32_t> table_;     // open addressing: key index + 1 (0 = empty)
  uint64_t mask_ = 0;
  std::vector<int> short_lengths_;  // window lengths < ngram that some example uses
  std::vector<int64_t> too_short_;  // per task: examples with fewer than min_ngram words
  int64_t shared_dropped_ = 0;
};

struct DecontamOptions {
  std::vector<std::string> inputs;  // jsonl(.gz/.zst) with a string field "text"
  std::string out_dir;              // decontam_report.json, decontam_report.txt, contaminated_docs.jsonl
  bool drop = false;                // also write out_dir/<input name>.zst without the contaminated documents
  int threads = 0;                  // 0 = default_threads(); outputs never depend on it
  size_t batch_docs = 2048;
  int max_samples = 5;              // example / document ids listed per task in the report
  bool quiet = false;
};

struct DecontamTaskReport {
  std::string label;
  int64_t examples = 0, examples_too_short = 0, examples_contaminated = 0, docs_contaminated = 0;
  std::vector<int64_t> sample_rows;     // first contaminated example rows (file order)
  std::vector<std::string> sample_docs; // first contaminated documents, "file:line" (input order)
};
struct DecontamResult {
  int64_t docs_in = 0, docs_contaminated = 0, docs_out = 0, bytes_in = 0;
  double seconds = 0;
  std::vector<DecontamTaskReport> tasks;
  std::vector<std::string> output_files;  // with drop: names relative to out_dir, in input order
  nlohmann::json report;
};

DecontamResult run_decontam(const DecontamIndex& index, const DecontamOptions& opts);
// The report as a fixed-width table (one row per task plus a total).
std::string decontam_table(const DecontamResult& r);

}  // namespace dclm::curation
