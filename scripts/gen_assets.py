#!/usr/bin/env python3
"""Regenerates harness/assets.tsv: the files `dclm fetch` knows, with sha256 and public source URL.
Run from the repo root with ../shared/data present: python3 scripts/gen_assets.py"""
import hashlib, os, sys

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
LF = "https://raw.githubusercontent.com/mosaicml/llm-foundry/v0.9.0/scripts/eval/local_data/"
DCLM = "https://raw.githubusercontent.com/mlfoundations/dclm/361714bd/"
rows = []

def add(group, rel, url):
    p = os.path.join(DATA, rel)
    h = hashlib.sha256(open(p, "rb").read()).hexdigest()
    rows.append((group, rel, h, str(os.path.getsize(p)), url))

for cat in sorted(os.listdir(os.path.join(DATA, "eval/local_data"))):
    d = os.path.join(DATA, "eval/local_data", cat)
    if not os.path.isdir(d):
        continue
    for f in sorted(os.listdir(d)):
        if f.endswith(".jsonl"):
            rel = f"eval/local_data/{cat}/{f}"
            # mmlu.jsonl here is a reconstruction (see ../shared/data/README.md): mirror only.
            add("eval", rel, "" if f == "mmlu.jsonl" else LF + f"{cat}/{f}")
for f in ["heavy.yaml", "mmlu_and_lowvar.yaml", "eval_meta_data.csv", "eval_meta_data_v1.csv", "additional_aggregation.json"]:
    add("eval", f"eval/dclm/{f}", DCLM + "eval/" + f)
add("eval", "eval/gpqa/dataset.zip", DCLM + "eval/gpqa/dataset.zip")
add("models", "models/lid.176.ftz", "https://dl.fbaipublicfiles.com/fasttext/supervised-models/lid.176.ftz")
add("tokenizer", "tokenizer/gpt-neox-20b-tokenizer.json",
    "https://raw.githubusercontent.com/BlinkDL/RWKV-LM/524481d5/RWKV-v4/20B_tokenizer.json")
add("tokenizer", "tokenizer/EleutherAI_gpt-neox-20b.tiktoken",
    DCLM + "rust_processing/tokshuf-rs/EleutherAI_gpt-neox-20b.tiktoken")
DOLMA = "https://raw.githubusercontent.com/allenai/dolma/main/tests/data/"
add("pool", "pool/warc/dolma_sample-0000.warc.gz", DOLMA + "warc/sample-0000.warc.gz")
add("pool", "pool/warc/dolma_sample-0001.warc.gz", DOLMA + "warc/sample-0001.warc.gz")
add("pool", "pool/warc/resiliparse_warcfile.warc.gz",
    "https://raw.githubusercontent.com/chatnoir-eu/chatnoir-resiliparse/develop/tests/data/warcfile.warc.gz")
add("pool", "pool/jsonl/dolma_cc_en_head-0091.jsonl.gz", DOLMA + "multiple_files/cc_en_head-0091.jsonl.gz")
add("pool", "pool/jsonl/dolma_cc_en_head-0174.jsonl.gz", DOLMA + "multiple_files/cc_en_head-0174.jsonl.gz")

out = os.path.join(os.path.dirname(__file__), "..", "harness", "assets.tsv")
with open(out, "w") as fh:
    fh.write("# group\tpath\tsha256\tbytes\turl (empty: mirror only)\n")
    for r in rows:
        fh.write("\t".join(r) + "\n")
print(f"{len(rows)} assets -> {out}", file=sys.stderr)
