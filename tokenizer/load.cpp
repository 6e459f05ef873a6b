#include "common/error.h"
#include "common/text.h"
#include "tokenizer/tokenizer.h"

namespace dclm::tokenizer {

std::unique_ptr<Tokenizer> make_sentencepiece(const std::string& path);

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  if (text::ends_with(path, ".model")) return make_sentencepiece(path);
  throw Error("unsupported tokenizer file (expected a SentencePiece .model; GPT-NeoX BPE is not built yet)", {path});
}

}  // namespace dclm::tokenizer
