// `dclm tokenize`: tokenize–shuffle curated jsonl into token shards for training.
#include <cstdio>

#include "curation/tokshuf.h"
#include "harness/cli.h"
#include "tokenizer/tokenizer.h"

namespace dclm::harness {

int cmd_tokenize(const std::vector<std::string>& argv) {
  Args args("tokenize",
            "Tokenize documents (jsonl with a \"text\" field), append EOT, pack --seq-len contexts per input\n"
            "file (the tail padded with PAD), shuffle through seeded local cells, and write token shards\n"
            "with a manifest into --out.",
            {{"tokenizer", "tokenizer file (SentencePiece .model)", ""},
             {"out", "output folder (required)", ""},
             {"seq-len", "tokens per context", "2049"},
             {"chunk-size", "contexts per shard", "8192"},
             {"num-cells", "local shuffle cells", "128"},
             {"seed", "shuffle seed", "1234"},
             {"vocab-size", "model vocabulary (default: the tokenizer's)", "0"},
             {"threads", "worker threads", "all cores"}},
            "INPUT...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (!args.given("tokenizer")) throw UsageError("--tokenizer is required");
  if (!args.given("out")) throw UsageError("--out is required");
  if (args.positional().empty()) throw UsageError("no input files");
  auto tok = tokenizer::load_tokenizer(args.get("tokenizer"));
  curation::TokshufOptions o;
  o.inputs = args.positional();
  o.out_dir = args.get("out");
  o.seq_len = args.get_int("seq-len");
  o.chunk_size = args.get_int("chunk-size");
  o.num_cells = args.get_int("num-cells");
  o.seed = static_cast<uint64_t>(args.get_int("seed"));
  o.vocab_size = args.get_int("vocab-size");
  if (args.given("threads")) o.threads = static_cast<int>(args.get_int("threads"));
  auto r = curation::run_tokshuf(o, *tok);
  std::printf("tokenize: %s\n", r.to_json().dump().c_str());
  return 0;
}

}  // namespace dclm::harness
