// One tokenizer interface; backends: SentencePiece (this file's sentencepiece.cpp) and, later,
// GPT-NeoX byte-level BPE. Ids are int32.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dclm::tokenizer {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;  // no special tokens added
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int32_t eot_id() const = 0;  // appended after each document by tokshuf
  virtual int32_t pad_id() const = 0;  // fills the last context of an input file
  virtual std::string kind() const = 0;  // "sentencepiece", "gpt-neox-bpe"
  virtual std::string identity() const = 0;  // content hash of the model file
};

// Loads by file type: *.model → SentencePiece; tokenizer.json / *.tiktoken → GPT-NeoX BPE.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

struct SentencePieceTrainOptions {
  int64_t vocab_size = 4096;
  std::string model_type = "bpe";   // bpe | unigram
  int64_t max_sentences = 200000;   // input_sentence_size
  double character_coverage = 0.9995;
  // SentencePiece's BPE trainer gives a different model for a different thread count, so this is part
  // of the model's identity: keep it fixed (not the machine's core count) for reproducible runs.
  int num_threads = 2;
  uint64_t seed = 124;
};
// Trains a SentencePiece model from text (one document per element; split into lines) and writes
// `<out_prefix>.model` atomically. Reserved ids: 0 = <eot> (document end, like GPT-NeoX's id 0),
// 1 = <pad>, 2 = <unk>.
void train_sentencepiece(const std::vector<std::string>& documents, const std::string& out_model_path,
                         const SentencePieceTrainOptions& opts);

}  // namespace dclm::tokenizer
