#include "curation/decontam.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/progress.h"
#include "common/text.h"
#include "curation/dedup/bff.h"

namespace dclm::curation {

namespace {

constexpr uint64_t kWordSeed = 0xdec0117a11ULL;
constexpr uint64_t kBase = 0x9E3779B97F4A7C15ULL | 1;  // odd multiplier of the rolling window hash

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// The key of the window of L words whose rolling value is h; never 0 (0 marks an empty table slot).
inline uint64_t window_key(uint64_t h, int L) {
  uint64_t k = fmix64(h ^ (static_cast<uint64_t>(L) * 0xD6E8FEB86659FD93ULL));
  return k ? k : 1;
}

// ASCII classes: 0 = separator (White_Space), 1 = deleted (punctuation, symbols, controls), 2 = kept.
struct AsciiClass {
  unsigned char cls[128];
  char lower[128];
  AsciiClass() {
    for (int c = 0; c < 128; ++c) {
      lower[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      if (c == ' ' || (c >= 0x09 && c <= 0x0d)) cls[c] = 0;
      else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) cls[c] = 2;
      else cls[c] = 1;
    }
  }
};
const AsciiClass kAscii;

bool deleted_category(UChar32 cp) {
  switch (u_charType(cp)) {
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION: case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION: case U_FINAL_PUNCTUATION:
    case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL: case U_MODIFIER_SYMBOL: case U_OTHER_SYMBOL:
    case U_CONTROL_CHAR: case U_FORMAT_CHAR:
      return true;
    default:
      return false;
  }
}

// Calls f(word) for every normalised word of text (see decontam.h); `word` is reused between calls.
template <class F>
void for_each_word(const std::string& text, F&& f) {
  std::string word;
  const char* s = text.data();
  const int32_t len = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < len) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      unsigned char k = kAscii.cls[c];
      if (k == 2) word.push_back(kAscii.lower[c]);
      else if (k == 0 && !word.empty()) { f(word); word.clear(); }
      continue;
    }
    UChar32 cp;
    U8_NEXT(s, i, len, cp);
    if (cp < 0 || u_isUWhiteSpace(cp)) {
      if (!word.empty()) { f(word); word.clear(); }
    } else if (!deleted_category(cp)) {
      text::append_utf8(word, static_cast<char32_t>(u_tolower(cp)));
    }
  }
  if (!word.empty()) f(word);
}

// Per-word hashes of a text.
void word_hashes(const std::string& text, std::vector<uint64_t>& out) {
  out.clear();
  for_each_word(text, [&](const std::string& w) { out.push_back(XXH3_64bits_withSeed(w.data(), w.size(), kWordSeed)); });
}

// prefix[i] = rolling value of words [0, i); window (i, L) = prefix[i+L] − prefix[i]·B^L.
void prefix_values(const std::vector<uint64_t>& w, std::vector<uint64_t>& prefix) {
  prefix.resize(w.size() + 1);
  prefix[0] = 0;
  for (size_t i = 0; i < w.size(); ++i) prefix[i + 1] = prefix[i] * kBase + w[i];
}

uint64_t pow_base(int L) {
  uint64_t r = 1;
  for (int i = 0; i < L; ++i) r *= kBase;
  return r;
}

std::string str_field(const nlohmann::json& row, const char* key, const std::string& where) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_string()) throw Error(std::string("row lacks string field '") + key + "'", {where});
  return it->get<std::string>();
}
std::vector<std::string> str_list(const nlohmann::json& row, const char* key, const std::string& where) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_array()) throw Error(std::string("row lacks list field '") + key + "'", {where});
  std::vector<std::string> v;
  for (const auto& e : *it) v.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  return v;
}

}  // namespace

std::vector<std::string> decontam_words(const std::string& text) {
  std::vector<std::string> out;
  for_each_word(text, [&](const std::string& w) { out.push_back(w); });
  return out;
}

std::vector<std::string> eval_example_texts(const std::string& type, const nlohmann::json& row,
                                            const std::string& where) {
  if (!row.is_object()) throw Error("task row is not a JSON object", {where});
  std::vector<std::string> out;
  if (type == "multiple_choice") {
    const std::string q = str_field(row, "query", where);
    auto choices = str_list(row, "choices", where);
    if (choices.empty()) out.push_back(q);
    for (const auto& c : choices) out.push_back(q + " " + c);
  } else if (type == "schema") {
    const std::string cont = str_field(row, "continuation", where);
    for (const auto& o : str_list(row, "context_options", where)) out.push_back(o + " " + cont);
  } else if (type == "language_modeling") {
    out.push_back(str_field(row, "context", where) + " " + str_field(row, "continuation", where));
  } else if (type == "generation_task_with_answers" || type == "question_answering") {
    std::string t = str_field(row, "context", where);
    auto cot = row.find("chain_of_thought");
    if (cot != row.end() && cot->is_string() && !cot->get<std::string>().empty()) t += " " + cot->get<std::string>();
    out.push_back(t + " " + str_field(row, "answer", where));
  } else {
    throw Error("unknown task type '" + type + "'", {where});
  }
  return out;
}

EvalTask make_eval_task(const std::string& label, const std::string& type, const std::vector<nlohmann::json>& rows,
                        const std::string& source) {
  EvalTask t;
  t.label = label;
  t.type = type;
  t.source = source;
  t.examples.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EvalExample e;
    e.row = static_cast<int64_t>(i);
    const std::string where = source + " (task " + label + ", row " + std::to_string(i) + ")";
    e.texts = eval_example_texts(type, rows[i], where);
    auto cat = rows[i].find("category");
    if (cat != rows[i].end() && cat->is_string()) e.category = cat->get<std::string>();
    t.examples.push_back(std::move(e));
  }
  return t;
}

EvalTask read_eval_task(const std::string& label, const std::string& type, const std::string& path) {
  if (!file_exists(path)) throw Error("eval task file not found", {path, -1, -1, "decontam"});
  LineReader reader(path);
  std::vector<nlohmann::json> rows;
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      throw Error(std::string("malformed JSON line: ") + e.what(), {path, reader.line_number(), -1, "decontam"});
    }
  }
  return make_eval_task(label, type, rows, path);
}

// ---------------------------------------------------------------------------------------------------------
// Index

DecontamIndex::DecontamIndex(std::vector<EvalTask> tasks, const DecontamParams& p) : tasks_(std::move(tasks)), p_(p) {
  if (p_.ngram < 1) throw Error("decontam: n-gram size must be >= 1");
  if (p_.min_ngram < 1) throw Error("decontam: minimum n-gram size must be >= 1");
  std::vector<std::pair<uint64_t, uint32_t>> pairs;
  std::set<int> short_lengths;
  std::vector<uint64_t> w, prefix;
  const uint64_t powN = pow_base(p_.ngram);
  too_short_.assign(tasks_.size(), 0);
  for (size_t t = 0; t < tasks_.size(); ++t) {
    for (size_t e = 0; e < tasks_[t].examples.size(); ++e) {
      if (ex_task_.size() >= UINT32_MAX) throw Error("decontam: too many examples");
      const uint32_t gid = static_cast<uint32_t>(ex_task_.size());
      ex_task_.push_back(static_cast<uint32_t>(t));
      ex_local_.push_back(static_cast<uint32_t>(e));
      const size_t before = pairs.size();
      for (const auto& text : tasks_[t].examples[e].texts) {
        word_hashes(text, w);
        prefix_values(w, prefix);
        const int nw = static_cast<int>(w.size());
        if (nw >= p_.ngram) {
          for (int i = 0; i + p_.ngram <= nw; ++i)
            pairs.emplace_back(window_key(prefix[i + p_.ngram] - prefix[i] * powN, p_.ngram), gid);
        } else if (nw >= p_.min_ngram && nw > 0) {
          pairs.emplace_back(window_key(prefix[nw], nw), gid);
          short_lengths.insert(nw);
        }
      }
      if (pairs.size() == before) ++too_short_[t];
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  offsets_.push_back(0);
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    while (j < pairs.size() && pairs[j].first == pairs[i].first) ++j;
    if (p_.max_examples_per_ngram > 0 && static_cast<int64_t>(j - i) > p_.max_examples_per_ngram) {
      ++shared_dropped_;
    } else {
      keys_.push_back(pairs[i].first);
      for (size_t k = i; k < j; ++k) postings_.push_back(pairs[k].second);
      offsets_.push_back(static_cast<uint32_t>(postings_.size()));
    }
    i = j;
  }
  pairs.clear();
  pairs.shrink_to_fit();
  uint64_t cap = 16;
  while (cap < keys_.size() * 2) cap <<= 1;
  mask_ = cap - 1;
  table_.assign(cap, 0);
  for (size_t i = 0; i < keys_.size(); ++i) {
    uint64_t s = keys_[i] & mask_;
    while (table_[s]) s = (s + 1) & mask_;
    table_[s] = static_cast<uint32_t>(i + 1);
  }
  short_lengths_.assign(short_lengths.begin(), short_lengths.end());
}

uint64_t DecontamIndex::memory_bytes() const {
  return keys_.size() * 8 + offsets_.size() * 4 + postings_.size() * 4 + table_.size() * 4 + ex_task_.size() * 8;
}

const uint32_t* DecontamIndex::find(uint64_t key, uint32_t* count) const {
  for (uint64_t s = key & mask_;; s = (s + 1) & mask_) {
    const uint32_t v = table_[s];
    if (!v) return nullptr;
    if (keys_[v - 1] == key) {
      *count = offsets_[v] - offsets_[v - 1];
      return postings_.data() + offsets_[v - 1];
    }
  }
}

std::vector<uint32_t> DecontamIndex::match(const std::string& text) const {
  std::vector<uint32_t> out;
  if (keys_.empty()) return out;
  thread_local std::vector<uint64_t> w, prefix, keys;
  word_hashes(text, w);
  prefix_values(w, prefix);
  keys.clear();
  const int nw = static_cast<int>(w.size());
  auto add_windows = [&](int L) {
    if (nw < L) return;
    const uint64_t powL = pow_base(L);
    for (int i = 0; i + L <= nw; ++i) keys.push_back(window_key(prefix[i + L] - prefix[i] * powL, L));
  };
  add_windows(p_.ngram);
  for (int L : short_lengths_) add_windows(L);
  // The table is much larger than the caches: prefetch the slot a few keys ahead.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(kAhead, keys.size()); ++i) __builtin_prefetch(&table_[keys[i] & mask_]);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i + kAhead < keys.size()) __builtin_prefetch(&table_[keys[i + kAhead] & mask_]);
    uint32_t n = 0;
    if (const uint32_t* post = find(keys[i], &n)) out.insert(out.end(), post, post + n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Scan

namespace {

struct Slot {
  std::string line;
  int64_t line_no = 0;
  size_t text_bytes = 0;
  nlohmann::json id;  // the record's "id" field, null if none
  std::vector<uint32_t> gids;
};

}  // namespace

DecontamResult run_decontam(const DecontamIndex& index, const DecontamOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.inputs.empty()) throw Error("decontam: no input files");
  if (o.out_dir.empty()) throw Error("decontam: no output folder");
  std::set<std::string> names;
  for (const auto& in : o.inputs) {
    if (!file_exists(in)) throw Error("input file not found", {in, -1, -1, "decontam"});
    if (o.drop && !names.insert(dedup::bff_output_name(in)).second)
      throw Error("two inputs map to the same output name '" + dedup::bff_output_name(in) + "'", {in, -1, -1, "decontam"});
  }
  make_dirs(o.out_dir);
  const int threads = o.threads > 0 ? o.threads : default_threads();
  const auto& tasks = index.tasks();
  std::vector<int64_t> ex_docs(index.num_examples(), 0);  // documents matching each example
  std::vector<int64_t> task_docs(tasks.size(), 0);
  std::vector<std::vector<std::string>> task_sample_docs(tasks.size());
  DecontamResult res;
  AtomicWriter listing(o.out_dir + "/contaminated_docs.jsonl");
  std::unique_ptr<Progress> progress;
  if (!o.quiet) progress = std::make_unique<Progress>("decontam", -1, "docs");
  std::vector<Slot> batch(o.batch_docs ? o.batch_docs : 2048);
  nlohmann::json files = nlohmann::json::array();
  std::vector<char> seen_task(tasks.size(), 0);
  for (const auto& input : o.inputs) {
    const std::string base = std::filesystem::path(input).filename().string();
    std::unique_ptr<AtomicWriter> out;
    const std::string out_name = dedup::bff_output_name(input);
    if (o.drop) out = std::make_unique<AtomicWriter>(o.out_dir + "/" + out_name);
    LineReader reader(input);
    int64_t f_in = 0, f_hit = 0;
    for (;;) {
      size_t n = 0, bytes = 0;
      while (n < batch.size() && bytes < (64u << 20) && reader.next(batch[n].line)) {
        if (batch[n].line.find_first_not_of(" \t\r") == std::string::npos) continue;
        batch[n].line_no = reader.line_number();
        bytes += batch[n].line.size();
        ++n;
      }
      if (n == 0) break;
      parallel_for(n, threads, [&](size_t i) {
        Slot& d = batch[i];
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(d.line);
        } catch (const std::exception& e) {
          throw Error(std::string("malformed JSON line: ") + e.what(), {input, d.line_no, -1, "decontam"});
        }
        auto it = j.is_object() ? j.find("text") : j.end();
        if (!j.is_object() || it == j.end() || !it->is_string())
          throw Error("record has no string field 'text'", {input, d.line_no, -1, "decontam"});
        const std::string& text = it->get_ref<const std::string&>();
        d.text_bytes = text.size();
        auto id = j.find("id");
        d.id = id != j.end() ? *id : nlohmann::json();
        d.gids = index.match(text);
      });
      for (size_t i = 0; i < n; ++i) {
        Slot& d = batch[i];
        ++res.docs_in;
        ++f_in;
        res.bytes_in += static_cast<int64_t>(d.text_bytes);
        if (d.gids.empty()) {
          if (out) {
            out->write_line(d.line);
            ++res.docs_out;
          }
          continue;
        }
        ++res.docs_contaminated;
        ++f_hit;
        const std::string doc_name = base + ":" + std::to_string(d.line_no);
        nlohmann::json entry = {{"file", input}, {"line", d.line_no}};
        if (!d.id.is_null()) entry["id"] = d.id;
        nlohmann::json per_task = nlohmann::json::object();
        std::fill(seen_task.begin(), seen_task.end(), 0);
        for (uint32_t g : d.gids) {
          ++ex_docs[g];
          const uint32_t t = index.example_task(g);
          per_task[tasks[t].label].push_back(index.example(g).row);
          if (!seen_task[t]) {
            seen_task[t] = 1;
            ++task_docs[t];
            if (static_cast<int>(task_sample_docs[t].size()) < o.max_samples) task_sample_docs[t].push_back(doc_name);
          }
        }
        entry["tasks"] = std::move(per_task);
        listing.write_line(entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
      if (progress) progress->add(static_cast<int64_t>(n));
    }
    if (out) {
      out->commit();
      res.output_files.push_back(out_name);
    }
    nlohmann::json f = {{"input", input}, {"docs_in", f_in}, {"docs_contaminated", f_hit}};
    if (o.drop) f["output"] = out_name;
    files.push_back(std::move(f));
  }
  if (progress) progress->finish();
  listing.commit();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json jt = nlohmann::json::array();
  uint32_t gid = 0;
  for (size_t t = 0; t < tasks.size(); ++t) {
    DecontamTaskReport r;
    r.label = tasks[t].label;
    r.examples = static_cast<int64_t>(tasks[t].examples.size());
    r.examples_too_short = index.too_short(t);
    nlohmann::json samples = nlohmann::json::array();
    for (size_t e = 0; e < tasks[t].examples.size(); ++e, ++gid) {
      if (!ex_docs[gid]) continue;
      ++r.examples_contaminated;
      if (static_cast<int>(r.sample_rows.size()) < o.max_samples) {
        const auto& ex = tasks[t].examples[e];
        r.sample_rows.push_back(ex.row);
        nlohmann::json s = {{"row", ex.row}, {"documents", ex_docs[gid]}};
        if (!ex.category.empty()) s["category"] = ex.category;
        samples.push_back(std::move(s));
      }
    }
    r.docs_contaminated = task_docs[t];
    r.sample_docs = task_sample_docs[t];
    const int64_t checkable = r.examples - r.examples_too_short;
    jt.push_back({{"label", r.label},
                  {"type", tasks[t].type},
                  {"source", tasks[t].source},
                  {"examples", r.examples},
                  {"examples_too_short", r.examples_too_short},
                  {"examples_contaminated", r.examples_contaminated},
                  {"fraction_contaminated",
                   checkable > 0 ? static_cast<double>(r.examples_contaminated) / static_cast<double>(checkable) : 0.0},
                  {"docs_contaminated", r.docs_contaminated},
                  {"sample_examples", std::move(samples)},
                  {"sample_docs", r.sample_docs}});
    res.tasks.push_back(std::move(r));
  }
  const auto& p = index.params();
  res.report = {
      {"method",
       {{"convention", "GPT-3 / lm-eval-harness janitor: lower-case, delete punctuation and symbols (Unicode P*, S*), "
                       "split on whitespace; an example is contaminated when any of its word n-grams occurs in a "
                       "document"},
        {"ngram", p.ngram},
        {"min_ngram", p.min_ngram},
        {"max_examples_per_ngram", p.max_examples_per_ngram}}},
      {"index",
       {{"tasks", tasks.size()},
        {"examples", index.num_examples()},
        {"ngrams", index.num_ngrams()},
        {"ngrams_dropped_as_shared", index.ngrams_dropped_as_shared()},
        {"memory_bytes", index.memory_bytes()}}},
      {"docs_in", res.docs_in},
      {"docs_contaminated", res.docs_contaminated},
      {"bytes_in", res.bytes_in},
      {"drop", o.drop},
      {"tasks", std::move(jt)},
      {"files", std::move(files)},
      {"timing", {{"seconds", res.seconds}, {"threads", threads},
                  {"docs_per_second", res.seconds > 0 ? static_cast<double>(res.docs_in) / res.seconds : 0.0}}}};
  if (o.drop) res.report["docs_out"] = res.docs_out;
  write_json_file(o.out_dir + "/decontam_report.json", res.report);
  write_file_atomic(o.out_dir + "/decontam_report.txt", decontam_table(res));
  return res;
}

std::string decontam_table(const DecontamResult& r) {
  std::string s;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-34s %9s %9s %12s %8s %10s  %s\n", "task", "examples", "too short", "contaminated",
                "%", "documents", "sample rows");
  s += buf;
  int64_t ex = 0, sh = 0, hit = 0;
  for (const auto& t : r.tasks) {
    std::string rows;
    for (int64_t v : t.sample_rows) rows += (rows.empty() ? "" : ",") + std::to_string(v);
    const int64_t checkable = t.examples - t.examples_too_short;
    std::snprintf(buf, sizeof buf, "%-34s %9lld %9lld %12lld %8.3f %10lld  %s\n", t.label.c_str(),
                  static_cast<long long>(t.examples), static_cast<long long>(t.examples_too_short),
                  static_cast<long long>(t.examples_contaminated),
                  checkable > 0 ? 100.0 * static_cast<double>(t.examples_contaminated) / static_cast<double>(checkable) : 0.0,
                  static_cast<long long>(t.docs_contaminated), rows.c_str());
    s += buf;
    ex += t.examples;
    sh += t.examples_too_short;
    hit += t.examples_contaminated;
  }
  std::snprintf(buf, sizeof buf, "%-34s %9lld %9lld %12lld %8.3f %10lld  (of %lld documents)\n", "total",
                static_cast<long long>(ex), static_cast<long long>(sh), static_cast<long long>(hit),
                ex - sh > 0 ? 100.0 * static_cast<double>(hit) / static_cast<double>(ex - sh) : 0.0,
                static_cast<long long>(r.docs_contaminated), static_cast<long long>(r.docs_in));
  s += buf;
  return s;
}

}  // namespace dclm::curation
