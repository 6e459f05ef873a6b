#include "common/error.h"
#include "common/text.h"
#include "tokenizer/tokenizer.h"

namespace dclm::tokenizer {

std::unique_ptr<Tokenizer> make_sentencepiece(const std::string& path);
std::unique_ptr<Tokenizer> make_gpt_neox_bpe(const std::string& path);

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  if (text::ends_with(path, ".model")) return make_sentencepiece(path);
  if (text::ends_with(path, ".json") || text::ends_with(path, ".tiktoken")) return make_gpt_neox_bpe(path);
  throw Error("unsupported tokenizer file (expected a SentencePiece .model, an HF tokenizer .json or a .tiktoken)",
              {path});
}

}  // namespace dclm::tokenizer
