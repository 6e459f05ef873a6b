#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <filesystem>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/text.h"
#include "tokenizer/tokenizer.h"

namespace dclm::tokenizer {
namespace {

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) : path_(path) {
    std::string bytes = read_file(path);
    auto st = sp_.LoadFromSerializedProto(bytes);
    if (!st.ok()) throw Error("cannot load SentencePiece model: " + st.ToString(), {path});
    identity_ = sha256_hex(bytes);
    eot_ = sp_.PieceToId("<eot>");
    if (eot_ == sp_.unk_id()) eot_ = sp_.eos_id() >= 0 ? sp_.eos_id() : 0;
    pad_ = sp_.pad_id() >= 0 ? sp_.pad_id() : eot_;
  }
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int> ids;
    auto st = sp_.Encode(absl_string_view(text), &ids);
    if (!st.ok()) throw Error("SentencePiece encode failed: " + st.ToString(), {path_});
    return std::vector<int32_t>(ids.begin(), ids.end());
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::vector<int> v(ids.begin(), ids.end());
    std::string out;
    auto st = sp_.Decode(v, &out);
    if (!st.ok()) throw Error("SentencePiece decode failed: " + st.ToString(), {path_});
    return out;
  }
  int64_t vocab_size() const override { return sp_.GetPieceSize(); }
  int32_t eot_id() const override { return eot_; }
  int32_t pad_id() const override { return pad_; }
  std::string kind() const override { return "sentencepiece"; }
  std::string identity() const override { return identity_; }

 private:
  static std::string absl_string_view(std::string_view s) { return std::string(s); }
  sentencepiece::SentencePieceProcessor sp_;
  std::string path_, identity_;
  int32_t eot_ = 0, pad_ = 1;
};

}  // namespace

std::unique_ptr<Tokenizer> make_sentencepiece(const std::string& path) {
  return std::make_unique<SentencePieceTokenizer>(path);
}

void train_sentencepiece(const std::vector<std::string>& documents, const std::string& out_model_path,
                         const SentencePieceTrainOptions& o) {
  namespace fs = std::filesystem;
  // SentencePiece reads training text from a file: one sentence per line.
  std::string tmp_dir = out_model_path + ".train.tmp";
  fs::create_directories(tmp_dir);
  std::string corpus = tmp_dir + "/corpus.txt";
  {
    AtomicWriter w(corpus);
    for (const auto& d : documents)
      for (const auto& line : text::splitlines(d)) {
        std::string s = text::strip(line);
        if (!s.empty()) w.write_line(s);
      }
    w.commit();
  }
  std::string prefix = tmp_dir + "/sp";
  std::string args = "--input=" + corpus + " --model_prefix=" + prefix +
                     " --vocab_size=" + std::to_string(o.vocab_size) + " --model_type=" + o.model_type +
                     " --input_sentence_size=" + std::to_string(o.max_sentences) +
                     " --shuffle_input_sentence=true --character_coverage=" + std::to_string(o.character_coverage) +
                     " --num_threads=" + std::to_string(o.num_threads) +
                     " --byte_fallback=true --split_digits=true --remove_extra_whitespaces=false"
                     " --unk_id=2 --bos_id=-1 --eos_id=-1 --pad_id=1 --user_defined_symbols=<eot>"
                     " --minloglevel=2 --hard_vocab_limit=false --train_extremely_large_corpus=false";
  // <eot> as the first user-defined symbol gets id 0 only if nothing else claims 0: pieces are
  // numbered control symbols first (pad=1, unk=2), then user symbols in the free slots → <eot> = 0.
  auto st = sentencepiece::SentencePieceTrainer::Train(args);
  if (!st.ok()) throw Error("SentencePiece training failed: " + st.ToString(), {out_model_path});
  std::string bytes = read_file(prefix + ".model");
  write_file_atomic(out_model_path, bytes);
  fs::remove_all(tmp_dir);
}

}  // namespace dclm::tokenizer
