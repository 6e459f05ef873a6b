// Test doubles: tiny tokenizers (GPT-style word pieces with a leading space, and byte-level) and a
// LanguageModel whose log-probabilities / greedy tokens follow simple, known rules.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "evaluator/language_model.h"
#include "tokenizer/tokenizer.h"

namespace dclm::testing {

// Tokens: " word" (a space glued to the following non-space run), "word", or one whitespace char.
// `len(encode(" a")) == 1`, so continuations get a prefix space (like GPT-NeoX).
class WordTokenizer : public tokenizer::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    size_t i = 0;
    auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (i < text.size()) {
      size_t j = i;
      if (text[i] == ' ' && i + 1 < text.size() && !is_space(text[i + 1])) {
        j = i + 1;
        while (j < text.size() && !is_space(text[j])) ++j;
      } else if (is_space(text[i])) {
        j = i + 1;
      } else {
        while (j < text.size() && !is_space(text[j])) ++j;
      }
      ids.push_back(id_of(std::string(text.substr(i, j - i))));
      i = j;
    }
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string s;
    for (int32_t id : ids)
      if (id >= 10) s += pieces_.at(static_cast<size_t>(id - 10));
    return s;
  }
  int64_t vocab_size() const override { return 1 << 20; }
  int32_t eot_id() const override { return 0; }
  int32_t pad_id() const override { return 1; }
  std::string kind() const override { return "test-word"; }
  std::string identity() const override { return "test-word"; }

 private:
  int32_t id_of(const std::string& piece) const {
    auto it = ids_.find(piece);
    if (it != ids_.end()) return it->second;
    pieces_.push_back(piece);
    return ids_[piece] = static_cast<int32_t>(pieces_.size() - 1 + 10);
  }
  mutable std::map<std::string, int32_t> ids_;
  mutable std::vector<std::string> pieces_;
};

// One token per byte (id = byte + 2); `len(encode(" a")) == 2`: no prefix space.
class ByteTokenizer : public tokenizer::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (unsigned char c : text) ids.push_back(static_cast<int32_t>(c) + 2);
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string s;
    for (int32_t id : ids)
      if (id >= 2) s += static_cast<char>(id - 2);
    return s;
  }
  int64_t vocab_size() const override { return 258; }
  int32_t eot_id() const override { return 0; }
  int32_t pad_id() const override { return 1; }
  std::string kind() const override { return "test-byte"; }
  std::string identity() const override { return "test-byte"; }
};

// Log-probability of every continuation token: -0.1 when the continuation text contains "RIGHT" or
// the context text ends with "GOOD", else -1. Greedy tokens: the continuation itself when its text
// contains "yes", else the continuation with its first token replaced. Records every request.
class RuleModel : public evaluator::LanguageModel {
 public:
  explicit RuleModel(const tokenizer::Tokenizer& tok, int64_t max_len = 2048) : tok_(tok), max_len_(max_len) {}
  int64_t max_seq_len() const override { return max_len_; }
  int32_t pad_id() const override { return 1; }
  std::vector<evaluator::ScoreResult> score(const std::vector<evaluator::ScoreRequest>& batch) override {
    ++score_calls;
    std::vector<evaluator::ScoreResult> out;
    for (const auto& r : batch) {
      requests.push_back(r);
      const std::string ctx = tok_.decode(r.context), cont = tok_.decode(r.continuation);
      const bool good = cont.find("RIGHT") != std::string::npos ||
                        (ctx.size() >= 4 && ctx.compare(ctx.size() - 4, 4, "GOOD") == 0);
      evaluator::ScoreResult s;
      s.logprobs.assign(r.continuation.size(), good ? -0.1 : -1.0);
      s.greedy = r.continuation;
      if (cont.find("yes") == std::string::npos && !s.greedy.empty()) s.greedy[0] += 1;
      out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<std::vector<int32_t>> generate(const std::vector<evaluator::GenerateRequest>& batch) override {
    std::vector<std::vector<int32_t>> out;
    for (const auto& g : batch) {
      generate_requests.push_back(g);
      out.push_back(tok_.encode(canned_generation));
    }
    return out;
  }
  std::vector<evaluator::ScoreRequest> requests;
  std::vector<evaluator::GenerateRequest> generate_requests;
  std::string canned_generation;
  int score_calls = 0;

 private:
  const tokenizer::Tokenizer& tok_;
  int64_t max_len_;
};

}  // namespace dclm::testing
