// Writes tests/fixtures/tokenizer/neox_pool_ids.jsonl: for the first 60 documents of the shared
// pool/jsonl/dclm_agreement_data.jsonl (real web text), one line
//   {"doc": index, "sha256": hex sha256 of the document's UTF-8 text, "ids": [...]}
// where "ids" come from the HF tokenizers library (Rust, via its npm bindings), encode(text,
// add_special_tokens=false) with the GPT-NeoX-20B tokenizer.json. No text is stored: the test reads the
// documents from the shared data and checks each sha256 first, so a changed data file is detected.
// Expected ids come only from this reference implementation.
//
// Setup: the git-ignored .node/ folder, see scripts/gen_bpe_fixture.mjs.
// Run:  node scripts/gen_bpe_pool_fixture.mjs [pool.jsonl] [tokenizer.json]
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = 60;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, '.node', 'package.json'));
const { Tokenizer } = require('tokenizers');
const refVersion = require('tokenizers-linux-x64-gnu/package.json').version;
const shared = join(root, '..', 'shared', 'data');
const poolPath = process.argv[2] || join(shared, 'pool', 'jsonl', 'dclm_agreement_data.jsonl');
const tokPath = process.argv[3] || join(shared, 'tokenizer', 'gpt-neox-20b-tokenizer.json');
const tok = Tokenizer.fromFile(tokPath);

const lines = readFileSync(poolPath, 'utf8').split('\n').filter((l) => l.length > 0).slice(0, N);
if (lines.length !== N) throw new Error(`${poolPath}: only ${lines.length} documents`);
const out = [];
for (const [doc, line] of lines.entries()) {
  const text = JSON.parse(line).text;
  if (typeof text !== 'string') throw new Error(`document ${doc}: no "text" string`);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.toString('utf8') !== text) throw new Error(`document ${doc}: text is not valid UTF-16 (lone surrogate)`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const enc = await tok.encode(text, null, { addSpecialTokens: false });
  out.push(JSON.stringify({ doc, sha256, ids: enc.getIds() }));
}
const dest = join(root, 'tests', 'fixtures', 'tokenizer', 'neox_pool_ids.jsonl');
writeFileSync(dest, out.join('\n') + '\n');
console.error(`wrote ${out.length} documents to ${dest} (HF tokenizers ${refVersion}, ${tokPath}; ${poolPath})`);
