#include <gtest/gtest.h>

#include "common/error.h"
#include "tokenizer/tokenizer.h"
#include "test_util.h"

using namespace dclm;
using dclm::testing::TempDir;

static std::vector<std::string> corpus() {
  std::vector<std::string> docs;
  const char* words[] = {"the", "model", "data", "curation", "language", "token", "shuffle", "train",
                         "evaluate", "benchmark", "web", "page", "quality", "filter", "bloom"};
  for (int d = 0; d < 300; ++d) {
    std::string s;
    for (int w = 0; w < 40; ++w) s += std::string(words[(d * 7 + w * 3) % 15]) + (w % 9 == 8 ? ".\n" : " ");
    s += "Number " + std::to_string(d * 37) + ".";
    docs.push_back(s);
  }
  return docs;
}

TEST(SentencePiece, TrainLoadRoundTripAndSpecialIds) {
  TempDir t;
  tokenizer::SentencePieceTrainOptions o;
  o.vocab_size = 300;
  tokenizer::train_sentencepiece(corpus(), t / "sp.model", o);
  auto tok = tokenizer::load_tokenizer(t / "sp.model");
  EXPECT_EQ(tok->kind(), "sentencepiece");
  EXPECT_EQ(tok->vocab_size(), 300);
  EXPECT_EQ(tok->eot_id(), 0);  // like GPT-NeoX's <|endoftext|>
  EXPECT_EQ(tok->pad_id(), 1);
  for (std::string s : {"the model data", "curation of web page 1234", "unseen wörds ✓ and emoji 😀"}) {
    auto ids = tok->encode(s);
    EXPECT_FALSE(ids.empty());
    for (auto id : ids) { EXPECT_GE(id, 0); EXPECT_LT(id, 300); EXPECT_NE(id, 0); }
    EXPECT_EQ(tok->decode(ids), s);  // byte fallback makes every string round-trip
  }
  EXPECT_EQ(tok->identity().size(), 64u);
}

TEST(SentencePiece, BadModelFileIsAnErrorNamingIt) {
  TempDir t;
  std::string p = t / "junk.model";
  FILE* f = std::fopen(p.c_str(), "wb");
  std::fputs("not a model", f);
  std::fclose(f);
  try {
    tokenizer::load_tokenizer(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.model"), std::string::npos);
  }
}
