// Writes tests/fixtures/tokenizer/neox_reference.jsonl: our own tricky strings with
//   "ids":          the HF tokenizers library (Rust, via its npm bindings) encode(text, add_special_tokens=false)
//                   with the GPT-NeoX-20B tokenizer.json (what tokshuf-rs uses by default);
//   "tiktoken_ids": OpenAI tiktoken (Rust core compiled to WASM, npm `tiktoken`) with the
//                   EleutherAI_gpt-neox-20b.tiktoken ranks, the tokshuf-rs regex and no special tokens
//                   (what tokshuf-rs --use-tiktoken does).
// Expected ids come only from these reference implementations.
//
// Setup (git-ignored folder .node/ at the repository root; npm registry only):
//   mkdir -p .node && cd .node && npm init -y >/dev/null &&
//   npm install tokenizers@0.13.3 tokenizers-linux-x64-gnu@0.13.4-rc2 tiktoken@1.0.22
// Run:  node scripts/gen_bpe_fixture.mjs [tokenizer.json] [ranks.tiktoken]
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, '.node', 'package.json'));
const { Tokenizer } = require('tokenizers');
const refVersion = require('tokenizers-linux-x64-gnu/package.json').version;
const tokPath = process.argv[2] || join(root, '..', 'shared', 'data', 'tokenizer', 'gpt-neox-20b-tokenizer.json');
const tok = Tokenizer.fromFile(tokPath);
const tiktokenPath = process.argv[3] || join(dirname(tokPath), 'EleutherAI_gpt-neox-20b.tiktoken');
const { Tiktoken } = require('tiktoken/lite');
const tiktokenVersion = JSON.parse(readFileSync(join(root, '.node', 'node_modules', 'tiktoken', 'package.json'), 'utf8')).version;
const PAT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const tt = new Tiktoken(readFileSync(tiktokenPath, 'utf8'), {}, PAT);

const sp = (n) => ' '.repeat(n);
const strings = [
  '',
  ' ',
  'a',
  'Hello world',
  'Hello, world! How are you today?',
  ' leading space',
  'trailing space ',
  '  two leading spaces',
  'two trailing spaces  ',
  '   ',
  sp(2), sp(3), sp(23), sp(24), sp(25), sp(26), sp(47), sp(48), sp(49), sp(50), sp(100),
  'a' + sp(2) + 'b', 'a' + sp(3) + 'b', 'a' + sp(4) + 'b', 'a' + sp(24) + 'b', 'a' + sp(25) + 'b', 'a' + sp(26) + 'b',
  'a' + sp(49) + 'b', 'x' + sp(25) + '\n',
  'def f():\n    return 1\n\n\nclass A:\n        pass\n',
  'line1\nline2\n\nline3\n\n\n\nline4',
  '\n', '\n\n', '\n\n\n', ' \n', '\n ', ' \n ', '  \n  ', 'a \n b', 'a\n\nb', 'a\n \nb', 'a \n\n  b',
  '\r\n', 'Windows\r\nline\r\n\r\nends', '\t', '\t\t', 'a\tb', 'a\t\tb', '\tindented\n\t\tmore', ' \t x', 'a \t',
  'tab\t \tmix  \t  end',
  "it's", "It's", "IT'S", "don't", "DON'T", "we're", "We'RE", "they've", "I'm", "I'M", "you'll", "YOU'LL", "he'd",
  "He'D", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'x", "''s", "' s", " 's", "'", "''", "rock'n'roll",
  "the dog's bone's owner's", "o'clock", "'sup", "'tis", "'ll've", "’s curly apostrophe",
  '0', '7', '42', '123', '1234', '12345', '1234567890', '3.14159265358979323846', '1,000,000', '-273.15',
  '2024-01-15T08:30:00Z', 'v1.2.3', '0x1F600', '1e-10', '١٢٣٤ Arabic-Indic digits', '½ ⅓ ¼ ² ³ Ⅻ',
  '!!!', '...', '?!?!', '---', '===', '***bold***', '(a+b)*c/d', '{"key": [1, 2, 3]}', '<html><body>x</body></html>',
  'a.b,c;d:e', 'https://example.com/path?q=1&r=2#frag', 'user@example.com', '$100 & 50% off!!', '#hashtag @mention',
  '-' .repeat(80), '='.repeat(33), '.'.repeat(200), '_'.repeat(40), '~~~~ ~~~~',
  '😀', '😀😀😀', 'hi 😀 there', '👍🏽', '👨‍👩‍👧‍👦 family', '🏳️‍🌈', '🇺🇸🇫🇷', '❤️', '⚡️⚡️', 'ok👌ok',
  '中文测试', '你好，世界！', '日本語のテキストです。', 'カタカナ ひらがな 漢字', '한국어 텍스트', '中 文 字',
  'مرحبا بالعالم', 'العربية: ١٢٣', 'नमस्ते दुनिया', 'हिन्दी में पाठ', 'Привет, мир!', 'Ελληνικά κείμενο', 'שלום עולם',
  'ภาษาไทย', 'Tiếng Việt có dấu', 'Ünïcödé çàfé naïve résumé', 'Straße', 'ﬁ ligature', 'Ⅸ', 'ǅ titlecase',
  'e\u0301', 'cafe\u0301', 'A\u030A', '\u212B', 'n\u0303o', 'o\u0308\u0301', '\u1E9B\u0323', 'a\u0328\u0301',
  '\uAC00\u11A8', '\u1100\u1161\u11A8', 'Cafe\u0301 au lait', '\u0958', '\u2126 ohm', 'x\u0301\u0301\u0301',
  '\u00A0', 'a\u00A0b', 'a\u00A0\u00A0b', 'a \u00A0 b', '\u3000全角\u3000スペース', 'a\u2009b', 'a\u200Bb',
  'a\u2028b', 'a\u2029b', 'a\u0085b', 'a\u000Bb', 'a\u000Cb', 'a\u001Cb', 'a\u001Fb', 'a\u0000b', '\u0001\u0002',
  'soft\u00ADhyphen', 'zero\u200Dwidth\u200Cjoiner', '\uFEFFbom', '\uFFFD replacement', 'a\u0300', '\u0300a',
  ' \u0301', '\u0301',
  // Unicode 14 vs 15 letters (HF 0.13's Oniguruma has Unicode 14 tables).
  'ab\u{1E290}cd', 'ab\u{11F04}cd', 'ab\u{31350}cd', 'ab\u{2B738}cd ab\u{2B739}cd', '\u{1E030}\u{1E031} x',
  'new emoji \u{1F6DC}\u{1FAE8}', "x\u{11F04}'m \u{11F04}'s", "\u{31350}'ll", 'ab\u{0870}cd ab\u{1DF0A}cd',
  '<|endoftext|>', 'a<|endoftext|>b', '<|endoftext|><|endoftext|>', ' <|endoftext|> ', 'x<|endoftext|>  y',
  'doc one.<|endoftext|>doc two.', '<|padding|>', 'a<|padding|>b', '<|endoftext|', '<|endoftext', '<|',
  '<|endoftext|>\u0301', 'e<|endoftext|>\u0301', '<|ENDOFTEXT|>', '<|endoftext|>' + sp(3) + 'z',
  'A' + sp(2) + 'B' + sp(3) + 'C' + sp(4) + 'D\n' + sp(5) + 'E',
  '    indented code\n        deeper\n    back',
  'mixed\u00A0 \u00A0spaces  \n\t\n  ',
  'The quick brown fox jumps over the lazy dog.',
  'THE QUICK BROWN FOX', 'camelCaseIdentifier', 'snake_case_identifier', 'SCREAMING_SNAKE', 'kebab-case-name',
  'supercalifragilisticexpialidocious', 'Pneumonoultramicroscopicsilicovolcanoconiosis',
  'a'.repeat(100), 'ab'.repeat(60), 'x'.repeat(300), 'ا'.repeat(70), '0'.repeat(90),
  'Mr. Smith paid $3.50 for 2 coffees at 10:30am.',
  '“Smart quotes” and ‘single’ — em dash – en dash … ellipsis',
  '© ® ™ § ¶ † ‡ • ° ± × ÷ µ',
  'math: ∀x∈ℝ, ∃y: x²+y²=1 ⇒ √(x)≤∞',
  '\\n literal backslash-n \\t and \\\\',
  'end.',
  ' ',
  ' a', '  a', '   a', 'a ', 'a  ', 'a   ',
  '\n\n\nNew paragraph after blank lines.\n\n',
];

const out = [];
for (const text of strings) {
  const enc = await tok.encode(text, null, { addSpecialTokens: false });
  const tiktoken_ids = Array.from(tt.encode_ordinary(text));
  out.push(JSON.stringify({ text, ids: enc.getIds(), tiktoken_ids }));
}
const dest = join(root, 'tests', 'fixtures', 'tokenizer', 'neox_reference.jsonl');
writeFileSync(dest, out.join('\n') + '\n');
tt.free();
console.error(`wrote ${out.length} strings to ${dest} (HF tokenizers ${refVersion}, ${tokPath}; ` +
              `tiktoken ${tiktokenVersion}, ${tiktokenPath})`);
