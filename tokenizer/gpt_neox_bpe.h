// GPT-NeoX-20B byte-level BPE (training.md §1.9, curation.md §13.1), loaded from either
//  * an HF `tokenizer.json` (the reference semantics: HF tokenizers `encode(text, add_special_tokens=false)`):
//    added tokens are split out first — normalized=false ones (`<|endoftext|>`, `<|padding|>`) on the raw
//    text, then each remaining piece is NFC-normalized and normalized=true ones (the 23 space-run tokens,
//    ids 50254–50276) are split out, leftmost-longest — then the GPT-2 pre-tokenizer regex
//    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (hand-rolled with ICU
//    character classes), the GPT-2 byte→unicode mapping and merges by rank; or
//  * a `.tiktoken` ranks file (tokshuf-rs `--use-tiktoken` semantics: tiktoken CoreBPE with no special
//    tokens: no normalization, no added tokens, merges by the rank of the merged bytes, whole pre-token
//    shortcut). It differs from the HF file on runs of 2+ spaces (the file maps 17 space-run byte strings
//    to the added-token ids 50256–50276 in place of their BPE ids, and nothing matches space runs before
//    the regex), on `<|endoftext|>` written inside text (plain BPE there) and on non-NFC input.
// encode() is const and thread-safe (a per-thread pre-token cache). Input that is not valid UTF-8 has each
// invalid byte replaced by U+FFFD first (HF only accepts valid Unicode strings).
// decode() concatenates each id's bytes (exact inverse of encode for NFC input; no lossy UTF-8 repair).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace dclm::tokenizer {

class GptNeoxBpe : public Tokenizer {
 public:
  enum class Format { HfJson, Tiktoken };
  static constexpr int32_t kEot = 0;      // <|endoftext|>
  static constexpr int32_t kPad = 50256;  // tokshuf-rs PAD = 50254 + 2 (curation.md §13.2)

  // Loads by extension (*.tiktoken → tiktoken ranks; anything else → HF tokenizer.json). Errors
  // (unreadable, corrupt, unsupported configuration) are dclm::Error naming the file.
  static std::unique_ptr<GptNeoxBpe> load(const std::string& path);
  static std::unique_ptr<GptNeoxBpe> load_hf_json(const std::string& path);
  static std::unique_ptr<GptNeoxBpe> load_tiktoken(const std::string& path);
  ~GptNeoxBpe() override;

  std::vector<int32_t> encode(std::string_view text) const override;
  // Appends to `out` (no allocation of a fresh vector per document).
  void encode_append(std::string_view text, std::vector<int32_t>& out) const;
  std::string decode(const std::vector<int32_t>& ids) const override;
  // One past the largest id: HF json 50277 (50254 base + 23 added); tiktoken also 50277 (its 50254 ranks
  // leave 23 ids unused). The model pads the embedding to 50432.
  int64_t vocab_size() const override;
  int32_t eot_id() const override { return kEot; }
  int32_t pad_id() const override { return kPad; }
  std::string kind() const override { return "gpt-neox-bpe"; }
  std::string identity() const override;  // sha256 of the file's bytes
  Format format() const;

  // Building blocks, exposed for tests.
  // The GPT-2 regex split of one already-normalized piece (no added-token handling). \p{L}/\p{N} are
  // those of Unicode 14.0 for HfJson (HF 0.13's Oniguruma) and 15.0 for Tiktoken (its Rust regex).
  static std::vector<std::string> pre_tokenize(std::string_view piece, Format format = Format::HfJson);
  // Bytes of one id (added tokens: their content). Error if out of range.
  const std::string& id_bytes(int32_t id) const;

 private:
  GptNeoxBpe();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Tokenizer> make_gpt_neox_bpe(const std::string& path);

}  // namespace dclm::tokenizer
