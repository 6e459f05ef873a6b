// Same-run comparison for bench_tokenizer: HF tokenizers (Rust, npm bindings) on the same documents.
//   node bench/bench_tokenizer_hf.mjs [--tokenizer PATH] [--runs 5] [--ids-out FILE] [INPUT.jsonl[.gz] ...]
// Reads the "text" field of every line of the inputs (default: the pool/jsonl files under ../shared/data,
// same order as bench_tokenizer), and reports MB/s (UTF-8 bytes) and tokens/s for
//   sequential: one encode(text, add_special_tokens=false) per document, awaited in turn (one core);
//   batch:      encodeBatch over all documents (the library's rayon pool: all cores);
// median of --runs runs after one warm-up run. --ids-out writes one JSON id array per document, for
// `bench_tokenizer --check-ids FILE` (exactness on real text). Setup: see scripts/gen_bpe_fixture.mjs.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, '.node', 'package.json'));
const { Tokenizer } = require('tokenizers');

const data = process.env.DCLM_DATA || join(root, '..', 'shared', 'data');
let tokPath = join(data, 'tokenizer', 'gpt-neox-20b-tokenizer.json');
let runs = 5;
let idsOut = '';
const inputs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  if (argv[i] === '--tokenizer') tokPath = argv[++i];
  else if (argv[i] === '--runs') runs = Math.max(1, parseInt(argv[++i], 10));
  else if (argv[i] === '--ids-out') idsOut = argv[++i];
  else inputs.push(argv[i]);
}
if (inputs.length === 0)
  for (const f of ['dclm_agreement_data.jsonl', 'dclm_majority_data.jsonl', 'dolma_cc_en_head-0091.jsonl.gz',
                   'dolma_cc_en_head-0174.jsonl.gz', 'dolma_documents_000.json.gz'])
    inputs.push(join(data, 'pool', 'jsonl', f));

const docs = [];
let bytes = 0;
for (const f of inputs) {
  let buf = readFileSync(f);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  for (const line of buf.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line);
    if (typeof j.text === 'string') { docs.push(j.text); bytes += Buffer.byteLength(j.text, 'utf8'); }
  }
}
let t0 = performance.now();
const tok = Tokenizer.fromFile(tokPath);
console.log(`HF tokenizers (npm tokenizers, Rust core) ${tokPath}, load ${((performance.now() - t0) / 1e3).toFixed(3)} s; ` +
            `${docs.length} documents, ${(bytes / 1e6).toFixed(2)} MB, ${inputs.length} input files, ${cpus().length} cpus`);

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
let ids = [];
async function sequential() {
  const s = performance.now();
  const out = [];
  for (const d of docs) out.push((await tok.encode(d, null, { addSpecialTokens: false })).getIds());
  ids = out;
  return (performance.now() - s) / 1e3;
}
async function batch() {
  const s = performance.now();
  const encs = await tok.encodeBatch(docs, { addSpecialTokens: false });
  const out = encs.map((e) => e.getIds());
  ids = out;
  return (performance.now() - s) / 1e3;
}
for (const [name, fn] of [['sequential', sequential], ['batch', batch]]) {
  const cold = await fn();
  const t = [];
  for (let r = 0; r < runs; ++r) t.push(await fn());
  const m = median(t);
  const ntok = ids.reduce((a, v) => a + v.length, 0);
  console.log(`${name.padEnd(10)} median of ${runs}: ${m.toFixed(3)} s  ${(bytes / 1e6 / m).toFixed(2)} MB/s  ` +
              `${(ntok / 1e6 / m).toFixed(3)} Mtok/s  (cold first run ${(bytes / 1e6 / cold).toFixed(2)} MB/s)`);
}
const ntok = ids.reduce((a, v) => a + v.length, 0);
console.log(`tokens ${ntok} (${(bytes / ntok).toFixed(3)} bytes/token); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
if (idsOut) {
  writeFileSync(idsOut, ids.map((v) => JSON.stringify(v)).join('\n') + '\n');
  console.log(`wrote ids of ${ids.length} documents to ${idsOut}`);
}
