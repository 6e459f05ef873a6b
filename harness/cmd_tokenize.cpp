// `dclm tokenize`: tokenize–shuffle curated jsonl into token shards for training; also converts a token
// dataset folder to / from DCLM's webdataset tar shards (--export-wds / --import-wds).
#include <cstdio>

#include "curation/tokshuf.h"
#include "curation/wds.h"
#include "harness/cli.h"
#include "tokenizer/tokenizer.h"

namespace dclm::harness {

int cmd_tokenize(const std::vector<std::string>& argv) {
  Args args("tokenize",
            "Tokenize documents (jsonl with a \"text\" field), append EOT, pack --seq-len contexts per input\n"
            "file (the tail padded with PAD), shuffle through seeded on-disk local cells, and write token\n"
            "shards with a manifest into --out. With --mixing, each context of a file is emitted int(f) times\n"
            "plus once with probability f - int(f) (f = its source's sampling frequency).\n"
            "Conversions (no tokenizing):\n"
            "  dclm tokenize --export-wds DIR --from DATASET_DIR   our shards -> DCLM shard_*.tar + manifest.jsonl\n"
            "  dclm tokenize --import-wds DIR --out DATASET_DIR    DCLM tars -> our shards (--seq-len, --vocab-size)",
            {{"tokenizer", "tokenizer file (SentencePiece .model or GPT-NeoX tokenizer.json)", ""},
             {"out", "output folder (required)", ""},
             {"seq-len", "tokens per context", "2049"},
             {"chunk-size", "contexts per shard", "8192"},
             {"num-cells", "local shuffle cells", "128"},
             {"seed", "shuffle seed (and the member-uuid seed of --export-wds)", "1234"},
             {"vocab-size", "model vocabulary (default: the tokenizer's; 50432 for --import-wds without --tokenizer)", "0"},
             {"threads", "worker threads", "all cores"},
             {"mixing", "source-mixing YAML (sources + sampling_frequencies, curation.md §13.4)", ""},
             {"buffer-mb", "per-worker context buffer before spilling to the on-disk cells (MiB)", "64"},
             {"export-wds", "write DCLM webdataset tars of the dataset in --from into this folder", ""},
             {"from", "dataset folder to export (with --export-wds)", ""},
             {"import-wds", "read DCLM webdataset tars from this folder into the dataset folder --out", ""}},
            "INPUT...");
  if (!args.parse(argv)) { std::fputs(args.usage().c_str(), stdout); return 0; }
  if (args.given("export-wds") && args.given("import-wds")) throw UsageError("--export-wds and --import-wds exclude each other");
  if (args.given("export-wds")) {
    if (!args.given("from")) throw UsageError("--export-wds needs --from DATASET_DIR");
    if (!args.positional().empty()) throw UsageError("--export-wds takes no input files");
    auto r = curation::export_wds(args.get("from"), args.get("export-wds"), static_cast<uint64_t>(args.get_int("seed")));
    std::printf("tokenize: exported %lld sequences in %lld tars to %s\n", static_cast<long long>(r.sequences),
                static_cast<long long>(r.shards), args.get("export-wds").c_str());
    return 0;
  }
  if (args.given("import-wds")) {
    if (!args.given("out")) throw UsageError("--import-wds needs --out DATASET_DIR");
    if (!args.positional().empty()) throw UsageError("--import-wds takes no input files");
    int64_t vocab = args.get_int("vocab-size");
    if (vocab <= 0) vocab = args.given("tokenizer") ? tokenizer::load_tokenizer(args.get("tokenizer"))->vocab_size() : 50432;
    auto r = curation::import_wds(args.get("import-wds"), args.get("out"), args.get_int("seq-len"), vocab);
    std::printf("tokenize: imported %lld sequences from %lld tars into %s\n", static_cast<long long>(r.sequences),
                static_cast<long long>(r.shards), args.get("out").c_str());
    return 0;
  }
  if (args.given("from")) throw UsageError("--from is only used with --export-wds");
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
  o.mixing_yaml = args.get("mixing");
  if (args.get_int("buffer-mb") <= 0) throw UsageError("--buffer-mb must be positive");
  o.buffer_bytes = args.get_int("buffer-mb") << 20;
  auto r = curation::run_tokshuf(o, *tok);
  std::printf("tokenize: %s\n", r.to_json().dump().c_str());
  return 0;
}

}  // namespace dclm::harness
