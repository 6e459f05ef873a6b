// `dclm tokenizer train|encode|decode`: train a SentencePiece model; debug prompts by encoding jsonl
// documents from stdin to one JSON id array per line (and back).
#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "common/jsonl.h"
#include "harness/cli.h"
#include "tokenizer/tokenizer.h"

namespace dclm::harness {

int cmd_tokenizer(const std::vector<std::string>& argv) {
  const std::string summary =
      "usage: dclm tokenizer train|encode|decode ...\n"
      "dclm tokenizer train --out FILE.model [--vocab-size N] INPUT.jsonl...   train SentencePiece\n"
      "dclm tokenizer encode --tokenizer FILE   jsonl {\"text\"} on stdin → one JSON id array per line\n"
      "dclm tokenizer decode --tokenizer FILE   JSON id arrays on stdin → jsonl {\"text\"}";
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    std::printf("%s\n", summary.c_str());
    return argv.empty() ? 2 : 0;
  }
  std::string sub = argv[0];
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (sub == "train") {
    Args args("tokenizer train", "Train a SentencePiece model on the \"text\" of jsonl documents.",
              {{"out", "model file to write (required)", ""}, {"vocab-size", "vocabulary size", "4096"},
               {"model-type", "bpe or unigram", "bpe"}},
              "INPUT...");
    if (!args.parse(rest)) { std::fputs(args.usage().c_str(), stdout); return 0; }
    if (!args.given("out")) throw UsageError("--out is required");
    if (args.positional().empty()) throw UsageError("no input files");
    std::vector<std::string> docs;
    for (const auto& f : args.positional()) {
      JsonlReader r(f);
      json j;
      while (r.next(j))
        if (j.contains("text") && j["text"].is_string()) docs.push_back(j["text"]);
    }
    tokenizer::SentencePieceTrainOptions o;
    o.vocab_size = args.get_int("vocab-size");
    o.model_type = args.get("model-type");
    tokenizer::train_sentencepiece(docs, args.get("out"), o);
    std::printf("tokenizer train: %zu documents → %s\n", docs.size(), args.get("out").c_str());
    return 0;
  }
  if (sub == "encode" || sub == "decode") {
    Args args("tokenizer " + sub, sub == "encode" ? "jsonl documents on stdin → id arrays" : "id arrays on stdin → jsonl",
              {{"tokenizer", "tokenizer file (required)", ""}});
    if (!args.parse(rest)) { std::fputs(args.usage().c_str(), stdout); return 0; }
    if (!args.given("tokenizer")) throw UsageError("--tokenizer is required");
    auto tok = tokenizer::load_tokenizer(args.get("tokenizer"));
    std::string line;
    int64_t n = 0;
    while (std::getline(std::cin, line)) {
      ++n;
      if (line.empty()) continue;
      json j;
      try { j = json::parse(line); } catch (const json::exception& e) {
        throw Error(std::string("malformed JSON: ") + e.what(), {"<stdin>", n});
      }
      if (sub == "encode") {
        if (!j.contains("text") || !j["text"].is_string()) throw Error("record has no string \"text\"", {"<stdin>", n});
        std::printf("%s\n", json(tok->encode(j["text"].get<std::string>())).dump().c_str());
      } else {
        if (!j.is_array()) throw Error("expected a JSON array of ids", {"<stdin>", n});
        std::printf("%s\n", json({{"text", tok->decode(j.get<std::vector<int32_t>>())}}).dump().c_str());
      }
    }
    return 0;
  }
  throw UsageError("unknown tokenizer subcommand '" + sub + "' (train, encode, decode)");
}

}  // namespace dclm::harness
