#include "evaluator/icl_tasks.h"

#include <cmath>
#include <limits>
#include <map>
#include <regex>

#include "common/error.h"
#include "common/jsonl.h"
#include "common/text.h"

namespace dclm::evaluator {

namespace {

const std::string& context_key(TaskType t) {
  static const std::string query = "query", context = "context";
  return t == TaskType::MultipleChoice ? query : context;
}

std::string str_field(const json& row, const std::string& key, const std::string& label) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_string()) throw Error("task " + label + ": row lacks string field '" + key + "'");
  return it->get<std::string>();
}

int64_t gold_field(const json& row, const std::string& label) {
  auto it = row.find("gold");
  if (it == row.end() || !it->is_number_integer()) throw Error("task " + label + ": row lacks integer field 'gold'");
  return it->get<int64_t>();
}

std::vector<std::string> str_list(const json& row, const std::string& key, const std::string& label) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_array()) throw Error("task " + label + ": row lacks list field '" + key + "'");
  std::vector<std::string> v;
  for (const auto& e : *it) v.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  return v;
}

// Generation: the in-context answer (chain_of_thought + cot_delimiter + answer when has_cot).
std::string generation_answer(const TaskSpec& spec, const TaskDataset& ds, const json& row) {
  std::string answer = str_field(row, "answer", spec.label);
  if (!ds.has_cot) return answer;
  std::string cot = row.contains("chain_of_thought") && row["chain_of_thought"].is_string()
                        ? row["chain_of_thought"].get<std::string>() : "";
  return cot + spec.cot_delimiter + answer;
}

// construct_context for MC, LM, generation (and schema's few-shot form).
std::string construct_context(const TaskSpec& spec, const TaskDataset& ds, const json& row,
                              const std::string& preceding, bool add_answer) {
  if (spec.type == TaskType::Schema) {
    auto opts = str_list(row, "context_options", spec.label);
    const int64_t gold = gold_field(row, spec.label);
    if (gold < 0 || gold >= static_cast<int64_t>(opts.size())) throw Error("task " + spec.label + ": gold out of range");
    std::string c = opts[gold];
    if (!preceding.empty()) c = spec.example_delimiter + c;
    return spec.question_prelimiter + c + spec.continuation_delimiter + str_field(row, "continuation", spec.label);
  }
  std::string c = spec.question_prelimiter + str_field(row, context_key(spec.type), spec.label);
  if (!preceding.empty()) c = spec.example_delimiter + c;
  c += spec.continuation_delimiter;
  if (add_answer) {
    switch (spec.type) {
      case TaskType::MultipleChoice: {
        auto choices = str_list(row, "choices", spec.label);
        const int64_t gold = gold_field(row, spec.label);
        if (gold < 0 || gold >= static_cast<int64_t>(choices.size())) throw Error("task " + spec.label + ": gold out of range");
        c += choices[gold];
        break;
      }
      case TaskType::LanguageModeling: c += str_field(row, "continuation", spec.label); break;
      case TaskType::GenerationWithAnswers: c += generation_answer(spec, ds, row); break;
      case TaskType::Schema: break;
    }
  }
  return c;
}

std::vector<int32_t> encode_continuation(const std::string& cont, bool prefix_space, const tokenizer::Tokenizer& tok) {
  if (prefix_space && !text::starts_with(cont, " ")) return tok.encode(" " + cont);
  return tok.encode(cont);
}

std::vector<int32_t> encode_preamble(const std::string& preamble, const tokenizer::Tokenizer& tok) {
  std::vector<int32_t> ids = tok.encode(preamble);
  if (ids.size() > 1 && ids.back() == tok.eot_id()) ids.pop_back();  // _fix_eos_on_preamble
  return ids;
}

}  // namespace

std::vector<TaskDataset> make_task_datasets(const std::vector<json>& raw_rows, const TaskSpec& spec,
                                            const tokenizer::Tokenizer* tok) {
  std::vector<std::pair<std::string, std::vector<json>>> parts;
  if (spec.has_categories) {
    std::map<std::string, std::vector<json>> by_cat;
    for (const auto& r : raw_rows) by_cat[str_field(r, "category", spec.label)].push_back(r);
    for (auto& [c, rows] : by_cat) parts.emplace_back(c, std::move(rows));
  } else {
    parts.emplace_back("", raw_rows);
  }
  std::vector<TaskDataset> out;
  for (auto& [cat, rows] : parts) {
    TaskDataset ds;
    ds.category = cat;
    if (spec.type == TaskType::GenerationWithAnswers) {
      for (const auto& r : rows)
        if (r.contains("chain_of_thought")) ds.has_cot = true;
      if (tok) {
        int64_t mx = 0;
        for (const auto& r : rows) {
          std::vector<std::string> all{str_field(r, "answer", spec.label)};
          if (r.contains("aliases"))
            for (auto& a : str_list(r, "aliases", spec.label)) all.push_back(a);
          std::string cot = r.contains("chain_of_thought") && r["chain_of_thought"].is_string()
                                ? r["chain_of_thought"].get<std::string>() : "";
          for (const auto& a : all) {
            std::string resp = ds.has_cot ? cot + spec.cot_delimiter + a : a;
            mx = std::max<int64_t>(mx, static_cast<int64_t>(tok->encode(resp).size()));
          }
        }
        ds.max_answer_length = mx + (spec.cot_delimiter.empty() ? 0 : 10);
      }
    }
    for (auto& r : rows) {
      json s = r;
      if (spec.type == TaskType::GenerationWithAnswers) {
        // aliases = set([answer] + aliases), built from the raw (unstripped) answer
        std::vector<std::string> al{str_field(r, "answer", spec.label)};
        if (r.contains("aliases"))
          for (auto& a : str_list(r, "aliases", spec.label)) al.push_back(a);
        s["aliases"] = al;
      }
      for (auto it = s.begin(); it != s.end(); ++it)
        if (it->is_string()) *it = text::strip(it->get<std::string>());
      ds.rows.push_back(std::move(s));
    }
    out.push_back(std::move(ds));
  }
  return out;
}

std::vector<TaskDataset> load_task_datasets(const std::string& path, const TaskSpec& spec,
                                            const tokenizer::Tokenizer* tok) {
  std::vector<json> rows;
  JsonlReader rd(path, /*strict=*/true);
  json j;
  while (rd.next(j)) rows.push_back(std::move(j));
  return make_task_datasets(rows, spec, tok);
}

PromptExample build_prompt(const TaskSpec& spec, const TaskDataset& ds, int64_t idx, PyRandom& rng) {
  const int64_t n = static_cast<int64_t>(ds.rows.size());
  if (idx < 0 || idx >= n) throw Error("task " + spec.label + ": example index out of range");
  PromptExample ex;
  ex.preamble = spec.prompt_string;
  if (spec.num_fewshot > 0) {
    ex.fewshot_idxs = fewshot_sample_idxs(n, spec.num_fewshot, idx, rng);
    for (int64_t j : ex.fewshot_idxs) ex.preamble += construct_context(spec, ds, ds.rows[j], ex.preamble, true);
  }
  const json& row = ds.rows[idx];
  switch (spec.type) {
    case TaskType::Schema: {
      auto opts = str_list(row, "context_options", spec.label);
      if (!ex.preamble.empty()) {
        const std::string cont_del = text::rstrip(spec.continuation_delimiter);
        for (auto& o : opts) ex.contexts.push_back(spec.question_prelimiter + spec.example_delimiter + o + cont_del);
      } else {
        for (auto& o : opts) ex.contexts.push_back(spec.question_prelimiter + o);
      }
      ex.continuations.push_back(str_field(row, "continuation", spec.label));
      ex.gold = gold_field(row, spec.label);
      break;
    }
    case TaskType::MultipleChoice:
      ex.contexts.push_back(text::rstrip(construct_context(spec, ds, row, ex.preamble, false)));
      ex.continuations = str_list(row, "choices", spec.label);
      ex.gold = gold_field(row, spec.label);
      break;
    case TaskType::LanguageModeling:
      ex.contexts.push_back(text::rstrip(construct_context(spec, ds, row, ex.preamble, false)));
      ex.continuations.push_back(str_field(row, "continuation", spec.label));
      break;
    case TaskType::GenerationWithAnswers:
      ex.contexts.push_back(text::rstrip(construct_context(spec, ds, row, ex.preamble, false)));
      ex.answers = str_list(row, "aliases", spec.label);
      break;
  }
  return ex;
}

bool tokenizer_needs_prefix_space(const tokenizer::Tokenizer& tok) { return tok.encode(" a").size() == 1; }

std::vector<int32_t> trim_context(const std::vector<int32_t>& ctx, size_t cont_len, int64_t max_seq_len) {
  if (static_cast<int64_t>(ctx.size() + cont_len) <= max_seq_len) return ctx;
  const int64_t keep = max_seq_len - static_cast<int64_t>(cont_len);
  if (keep <= 0)
    throw Error("continuation of " + std::to_string(cont_len) + " tokens does not fit max_seq_len " +
                std::to_string(max_seq_len));
  return std::vector<int32_t>(ctx.end() - keep, ctx.end());
}

std::vector<ScoreRequest> make_score_requests(const TaskSpec& spec, const PromptExample& ex,
                                              const tokenizer::Tokenizer& tok, int64_t max_seq_len) {
  const bool prefix = tokenizer_needs_prefix_space(tok);
  const std::vector<int32_t> preamble = encode_preamble(ex.preamble, tok);
  auto with_preamble = [&](const std::string& c) {
    std::vector<int32_t> ids = preamble;
    std::vector<int32_t> t = tok.encode(c);
    ids.insert(ids.end(), t.begin(), t.end());
    return ids;
  };
  std::vector<ScoreRequest> out;
  switch (spec.type) {
    case TaskType::MultipleChoice: {
      const std::vector<int32_t> ctx = with_preamble(ex.contexts.at(0));
      for (const auto& choice : ex.continuations) {
        ScoreRequest r;
        r.continuation = encode_continuation(choice, prefix, tok);
        r.context = trim_context(ctx, r.continuation.size(), max_seq_len);
        out.push_back(std::move(r));
      }
      break;
    }
    case TaskType::Schema: {
      const std::vector<int32_t> cont = encode_continuation(ex.continuations.at(0), prefix, tok);
      for (const auto& c : ex.contexts) {
        ScoreRequest r;
        r.continuation = cont;
        r.context = trim_context(with_preamble(c), cont.size(), max_seq_len);
        out.push_back(std::move(r));
      }
      break;
    }
    case TaskType::LanguageModeling: {
      ScoreRequest r;
      r.continuation = encode_continuation(ex.continuations.at(0), prefix, tok);
      r.context = trim_context(with_preamble(ex.contexts.at(0)), r.continuation.size(), max_seq_len);
      out.push_back(std::move(r));
      break;
    }
    case TaskType::GenerationWithAnswers:
      throw Error("make_score_requests: generation tasks are generated, not scored");
  }
  return out;
}

int64_t mc_prediction(const std::vector<ScoreResult>& per_choice) {
  // The reference computes cross_entropy (mean) and exp() in fp32 and compares the .item() values:
  // choices whose perplexities round to the same float tie, and the first one wins.
  int64_t best = -1;
  float best_ppl = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < per_choice.size(); ++i) {
    const auto& lp = per_choice[i].logprobs;
    double nll = 0;
    for (double v : lp) nll -= v;
    const float ppl = lp.empty() ? std::numeric_limits<float>::quiet_NaN()
                                 : std::exp(static_cast<float>(nll / static_cast<double>(lp.size())));
    if (best < 0 ? !std::isnan(ppl) : ppl < best_ppl) {
      best = static_cast<int64_t>(i);
      best_ppl = ppl;
    }
  }
  return best < 0 ? 0 : best;
}

bool lm_correct(const ScoreRequest& req, const ScoreResult& res) {
  if (res.greedy.size() != req.continuation.size()) throw Error("model returned a wrong number of greedy tokens");
  for (size_t i = 0; i < req.continuation.size(); ++i)
    if (res.greedy[i] != req.continuation[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
GenerateRequest make_generate_request(const TaskSpec& spec, const TaskDataset& ds, const PromptExample& ex,
                                      const tokenizer::Tokenizer& tok, int64_t max_seq_len) {
  GenerateRequest g;
  std::vector<int32_t> ctx = encode_preamble(ex.preamble, tok);
  std::vector<int32_t> t = tok.encode(ex.contexts.at(0));
  ctx.insert(ctx.end(), t.begin(), t.end());
  const int64_t padding_size = max_seq_len - ds.max_answer_length;
  g.context = trim_context(ctx, 0, padding_size);
  g.max_new_tokens = std::max<int64_t>(ds.max_answer_length, 1);
  for (const auto& s : spec.early_stopping_criteria) {
    std::vector<int32_t> ids;
    for (int32_t id : tok.encode(s))
      if (!tok.decode({id}).empty()) ids.push_back(id);
    if (!ids.empty()) g.stop_sequences.push_back(ids);
  }
  return g;
}

std::string postprocess_generation(const TaskSpec& spec, const GenerateRequest& req,
                                   const std::vector<int32_t>& generated, const tokenizer::Tokenizer& tok) {
  std::vector<int32_t> gen = generated;
  if (static_cast<int64_t>(gen.size()) > std::max<int64_t>(req.max_new_tokens, 1)) gen.resize(req.max_new_tokens);
  // EOS ends generation (HF eos_token_id); the EOS itself is a special token, skipped on decode.
  for (size_t i = 0; i < gen.size(); ++i)
    if (gen[i] == tok.eot_id()) { gen.resize(i); break; }
  // MultiTokenEOSCriteria: after each new token, a row is done when the stop string occurs in the
  // decoded last len(stop_ids)+1 tokens of prompt + generation.
  if (!spec.early_stopping_criteria.empty()) {
    std::vector<std::pair<std::string, size_t>> crit;
    for (const auto& s : spec.early_stopping_criteria) {
      size_t n = 0;
      for (int32_t id : tok.encode(s))
        if (!tok.decode({id}).empty()) ++n;
      crit.emplace_back(s, n + 1);
    }
    std::vector<int32_t> all = req.context;
    for (size_t t = 0; t < gen.size(); ++t) {
      all.push_back(gen[t]);
      bool stop = false;
      for (const auto& [s, look] : crit) {
        const size_t start = all.size() > look ? all.size() - look : 0;
        if (tok.decode(std::vector<int32_t>(all.begin() + static_cast<std::ptrdiff_t>(start), all.end())).find(s) !=
            std::string::npos) { stop = true; break; }
      }
      if (stop) { gen.resize(t + 1); break; }
    }
  }
  std::string out = tok.decode(gen);
  if (tok.kind() == "gpt-neox-bpe") out = clean_up_tokenization(out);
  if (!tokenizer_needs_prefix_space(tok)) out = " " + out;
  return out;
}

std::string clean_up_tokenization(const std::string& in) {
  std::string s = in;
  auto replace_all = [&s](const std::string& from, const std::string& to) {
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t f = s.find(from, pos);
      if (f == std::string::npos) break;
      out.append(s, pos, f - pos);
      out += to;
      pos = f + from.size();
    }
    out.append(s, pos, std::string::npos);
    s = out;
  };
  const std::pair<const char*, const char*> rules[] = {{" .", "."},   {" ?", "?"},     {" !", "!"},   {" ,", ","},
                                                        {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"},
                                                        {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : rules) replace_all(from, to);
  return s;
}

namespace {

// Python str.lower() for the scripts that occur in the eval answers (ASCII, Latin-1, Latin
// Extended-A, Greek, Cyrillic); other code points are kept.
void py_lower_append(char32_t c, std::u32string& out) {
  if (c >= 'A' && c <= 'Z') { out += c + 32; return; }
  if (c < 0x80) { out += c; return; }
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) {
    out += c + 32;
    return;
  }
  if (c >= 0x400 && c <= 0x40F) { out += c + 80; return; }
  if (c == 0x130) { out += U'i'; out += char32_t(0x307); return; }  // 'İ'.lower() == 'i̇'
  if (c == 0x178) { out += char32_t(0xFF); return; }
  if ((c >= 0x100 && c <= 0x137 && c % 2 == 0) || (c >= 0x139 && c <= 0x148 && c % 2 == 1) ||
      (c >= 0x14A && c <= 0x177 && c % 2 == 0) || (c >= 0x179 && c <= 0x17E && c % 2 == 1)) {
    out += c + 1;
    return;
  }
  out += c;
}

// Python re's \w for str patterns (approximation without Unicode tables): ASCII alnum and '_',
// and non-ASCII code points except Latin-1 symbols, general / CJK / fullwidth punctuation and spaces.
bool py_is_word(char32_t c) {
  if (c < 0x80) return std::isalnum(static_cast<int>(c)) || c == '_';
  if (c <= 0xBF) return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
                        (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x206F) return false;
  if (c >= 0x2190 && c <= 0x2BFF) return false;  // arrows, math operators, technical, shapes
  if (c >= 0x3000 && c <= 0x303F) return false;
  if (c >= 0xFF00 && c <= 0xFF0F) return false;
  return !text::py_isspace(c);
}

}  // namespace

std::string normalize_answer(const std::string& s_in) {
  const std::u32string in = text::utf8_to_u32(s_in);
  // replace_underscore, lower
  std::u32string low;
  for (char32_t c : in) py_lower_append(c == U'_' ? U' ' : c, low);
  // handle_punc: string.punctuation + ‘ ’ ´ `
  static const std::u32string ascii_punct = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  for (char32_t& c : low)
    if (ascii_punct.find(c) != std::u32string::npos || c == 0x2018 || c == 0x2019 || c == 0xB4) c = U' ';
  // remove_articles: re.sub(r'\b(a|an|the)\b', ' ', s)
  std::u32string u;
  for (size_t i = 0; i < low.size();) {
    const bool at_boundary = i == 0 || !py_is_word(low[i - 1]);
    bool replaced = false;
    if (at_boundary) {
      for (const std::u32string w : {U"the", U"an", U"a"}) {
        if (low.compare(i, w.size(), w) == 0 && (i + w.size() == low.size() || !py_is_word(low[i + w.size()]))) {
          u += U' ';
          i += w.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) u += low[i++];
  }
  // white_space_fix, strip
  return text::strip(text::join(text::split_whitespace(text::u32_to_utf8(u)), " "));
}

bool generation_correct(const TaskSpec& spec, const std::string& output, const std::vector<std::string>& answers) {
  std::string final_text = output;
  if (!spec.early_stopping_criteria.empty()) {
    std::string pat;
    for (const auto& s : spec.early_stopping_criteria) pat += (pat.empty() ? "" : "|") + s;  // unescaped, as reference
    std::smatch m;
    std::regex re(pat);
    if (std::regex_search(final_text, m, re)) final_text = final_text.substr(0, static_cast<size_t>(m.position(0)));
  }
  if (!spec.cot_delimiter.empty()) {
    auto parts = text::split(final_text, spec.cot_delimiter);
    final_text = parts.back();
  }
  const std::string cleaned = spec.do_normalization ? normalize_answer(final_text) : text::strip(final_text);
  for (const auto& a : answers) {
    const std::string label = spec.do_normalization ? normalize_answer(a) : text::strip(a);
    if (text::starts_with(cleaned, label)) return true;
  }
  return false;
}

}  // namespace dclm::evaluator
