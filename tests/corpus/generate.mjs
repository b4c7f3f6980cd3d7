#!/usr/bin/env node
// Deterministic generator of adversarial tokenizer inputs.
//
//   node generate.mjs OUTDIR [--size-scale N] [--with-nul]
//
// Writes long runs, random text and code point soups into OUTDIR, plus OUTDIR/invalid_utf8/ with byte
// sequences that are not valid UTF-8. The output depends only on the arguments: every file has its own
// PRNG seeded from its name, no Math.random, no clock, and no Unicode property tables (which change
// between Node/ICU versions), so two runs give byte-identical files on any platform.
//
// --size-scale N  multiplies the length of runs and random files (N may be fractional, e.g. 0.1 for
//                 quick tests or 10 for benchmarks). all_codepoints.txt and invalid_utf8/ are fixed.
// --with-nul      also allows U+0000 in the random code point files (with_nul.txt always has NULs;
//                 all_codepoints.txt always starts at U+0001).
//
// Expected token ids are never written here: they come from the reference tokenizers at test time.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// ------------------------------------------------------------------------------------------------
// Arguments

function usage(msg) {
  if (msg) process.stderr.write(`generate.mjs: ${msg}\n`);
  process.stderr.write('usage: node generate.mjs OUTDIR [--size-scale N] [--with-nul]\n');
  process.exit(2);
}

let outDir = null;
let scale = 1;
let withNul = false;
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') usage();
    else if (a === '--with-nul') withNul = true;
    else if (a === '--size-scale' || a.startsWith('--size-scale=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      scale = Number(v);
      if (!Number.isFinite(scale) || scale <= 0) usage(`bad --size-scale: ${v}`);
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (outDir === null) outDir = a;
    else usage(`unexpected argument ${a}`);
  }
  if (outDir === null) usage('missing OUTDIR');
}

const KB = 1024;
const sized = (bytes) => Math.max(1, Math.round(bytes * scale));

// ------------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through FNV-1a + splitmix32. 32-bit integer math only (Math.imul, >>> 0).

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Rng {
  constructor(name) {
    const sm = splitmix32(fnv1a(`tokenmeter-corpus/${name}`));
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32() {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** Integer in [0, n). */
  int(n) { return Math.floor((this.u32() / 4294967296) * n); }
  /** Integer in [lo, hi] inclusive. */
  range(lo, hi) { return lo + this.int(hi - lo + 1); }
  chance(p) { return this.u32() / 4294967296 < p; }
  pick(arr) { return arr[this.int(arr.length)]; }
  /** Picks from [[weight, value], ...]. */
  weighted(table) {
    let total = 0;
    for (const [w] of table) total += w;
    let r = (this.u32() / 4294967296) * total;
    for (const [w, v] of table) {
      if ((r -= w) < 0) return v;
    }
    return table[table.length - 1][1];
  }
}

// ------------------------------------------------------------------------------------------------
// Byte sink with a hand-written UTF-8 encoder (so invalid sequences can be emitted on purpose).

class Sink {
  constructor(initial = 1 << 16) { this.buf = new Uint8Array(initial); this.length = 0; }
  reserve(n) {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
  }
  byte(b) { this.reserve(1); this.buf[this.length++] = b & 0xff; return this; }
  bytes(arr) { this.reserve(arr.length); for (const b of arr) this.buf[this.length++] = b & 0xff; return this; }
  cp(c) {
    if (c < 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) throw new Error(`not a scalar value: ${c.toString(16)}`);
    this.reserve(4);
    const b = this.buf;
    if (c < 0x80) b[this.length++] = c;
    else if (c < 0x800) { b[this.length++] = 0xc0 | (c >> 6); b[this.length++] = 0x80 | (c & 0x3f); }
    else if (c < 0x10000) {
      b[this.length++] = 0xe0 | (c >> 12); b[this.length++] = 0x80 | ((c >> 6) & 0x3f); b[this.length++] = 0x80 | (c & 0x3f);
    } else {
      b[this.length++] = 0xf0 | (c >> 18); b[this.length++] = 0x80 | ((c >> 12) & 0x3f);
      b[this.length++] = 0x80 | ((c >> 6) & 0x3f); b[this.length++] = 0x80 | (c & 0x3f);
    }
    return this;
  }
  str(s) { for (const ch of s) this.cp(ch.codePointAt(0)); return this; }
  repeat(s, n) { for (let i = 0; i < n; i++) this.str(s); return this; }
  toBuffer() { return Buffer.from(this.buf.buffer, 0, this.length); }
}

const utf8Len = (c) => (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
const isSurrogate = (c) => c >= 0xd800 && c <= 0xdfff;

// ------------------------------------------------------------------------------------------------
// Output bookkeeping

const written = [];
mkdirSync(outDir, { recursive: true });
mkdirSync(join(outDir, 'invalid_utf8'), { recursive: true });

function emit(rel, sink, note) {
  const buf = sink instanceof Sink ? sink.toBuffer() : sink;
  if (!withNul && !rel.startsWith('invalid_utf8/') && rel !== 'with_nul.txt' && buf.includes(0)) {
    throw new Error(`internal error: NUL byte in ${rel}`);
  }
  writeFileSync(join(outDir, rel), buf);
  written.push({ rel, size: buf.length, note });
}

// ------------------------------------------------------------------------------------------------
// Shared character inventories

const WHITESPACE = [
  0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  // not White_Space, but often confused with it
  0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x180e, 0x1c, 0x1d, 0x1e, 0x1f,
];

const SPECIAL_TOKENS = [
  '<|endoftext|>', '<|im_start|>', '<|im_start|>user', '<|im_start|>assistant', '<|im_start|>system', '<|im_end|>',
  '<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|eom_id|>',
  '<|python_tag|>', '<|reserved_special_token_3|>', '<|reserved_special_token_250|>', '<|fim_prefix|>', '<|fim_middle|>',
  '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|endofprompt|>',
  '<\uff5cbegin\u2581of\u2581sentence\uff5c>', '<\uff5cend\u2581of\u2581sentence\uff5c>', '<\uff5cUser\uff5c>', '<\uff5cAssistant\uff5c>',
  '<\uff5ctool\u2581calls\u2581begin\uff5c>', '<\uff5cfim\u2581hole\uff5c>',
  '<think>', '</think>', '<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>',
  '[gMASK]<sop>', '[gMASK]', '<sop>', '<eop>', '<|user|>', '<|assistant|>', '<|system|>', '<|observation|>',
  '[BOS]', '[EOS]', '<|im_user|>', '<|im_assistant|>', '<|im_system|>', '<|im_middle|>',
  ']~b]', ']~!b[', '[e~[', '<bos>', '<eos>', '<pad>', '<start_of_turn>', '<end_of_turn>', '<unused0>', '<unused99>', '<mask>',
  '<|start|>', '<|message|>', '<|channel|>', '<|end|>', '<|return|>', '<|call|>', '<|constrain|>',
  '<s>', '</s>', '<unk>', '[INST]', '[/INST]', '<<SYS>>',
];

const PHRASES = [
  'Hello, world!', 'The quick brown fox jumps over the lazy dog.', "don't panic", 'naïve café', 'Straße', 'İstanbul',
  '你好，世界！', 'こんにちは、世界。', '안녕하세요', 'Привет, мир!', 'مرحبا بالعالم', 'שלום עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก',
  'Γειά σου Κόσμε', 'Xin chào thế giới', '🙂👍🏽', '👨‍👩‍👧‍👦', '🇯🇵🇺🇸', '1234567890', '3.14159', '  indented', '\ttabbed',
  'line\nbreak', 'crlf\r\n', 'def f(x):\n    return x', '{"key": "value"}', 'SELECT * FROM t;', 'https://example.com/?q=1',
];

// Script ranges used for "realistic" pseudo-words (fixed numbers, no Unicode tables).
const SCRIPT_RANGES = [
  [0x61, 0x7a], [0x41, 0x5a], [0xe0, 0xff], [0x100, 0x17f], [0x391, 0x3c9], [0x410, 0x44f], [0x531, 0x556], [0x5d0, 0x5ea],
  [0x627, 0x64a], [0x915, 0x939], [0x995, 0x9b9], [0xe01, 0xe2e], [0x10d0, 0x10fa], [0x1200, 0x1357], [0xac00, 0xd7a3],
  [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x9fff], [0x1d400, 0x1d6a3], [0x20000, 0x2a6df], [0x1f600, 0x1f64f],
];

// ------------------------------------------------------------------------------------------------
// 1. Long runs of a single unit

// [file, unit, bytes at --size-scale 1]
const RUNS = [
  ['run_a.txt', 'a', 100], ['run_space.txt', ' ', 100], ['run_newline.txt', '\n', 100], ['run_digit9.txt', '9', 100],
  ['run_bang.txt', '!', 100], ['run_cjk_zhong.txt', '\u4e2d', 100], ['run_emoji_slight_smile.txt', '\u{1F642}', 100],
  ['run_tab.txt', '\t', 100], ['run_ab.txt', 'ab', 100],
  ['run_crlf.txt', '\r\n', 50], ['run_cr.txt', '\r', 50], ['run_nbsp.txt', '\u00a0', 50], ['run_ideographic_space.txt', '\u3000', 50],
  ['run_apostrophe_s.txt', "'s", 50], ['run_dot.txt', '.', 50], ['run_space_newline.txt', ' \n', 50], ['run_hangul_ga.txt', '\uac00', 50],
  ['run_thai_ko.txt', '\u0e01', 50],
];
const show = (u) => [...u].map((ch) => { const c = ch.codePointAt(0); return c > 0x20 && c < 0x7f ? ch : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`; }).join(' ');
for (const [name, unit, kb] of RUNS) {
  const unitBytes = Buffer.byteLength(unit, 'utf8');
  const n = Math.max(1, Math.floor(sized(kb * KB) / unitBytes));
  emit(name, new Sink(n * unitBytes + 16).repeat(unit, n), `${n} x ${show(unit)}`);
}
{
  // Spaces then a word: the \s+(?!\S) lookahead must back off by exactly one space.
  const n = sized(100 * KB);
  emit('run_spaces_then_word.txt', new Sink(n + 16).repeat(' ', n).str('word'), `${n} spaces + "word"`);
  const m = Math.floor(sized(50 * KB) / 2);
  emit('run_combining_acute.txt', new Sink(m * 2 + 16).str('e').repeat('\u0301', m).str(' after'), `"e" + ${m} x U+0301`);
  const z = Math.floor(sized(50 * KB) / 7);
  emit('run_zwj_chain.txt', new Sink(z * 7 + 16).repeat('\u{1F468}\u200d', z), `${z} x (man + ZWJ)`);
}

// ------------------------------------------------------------------------------------------------
// 2. Random letters / CJK / digits without separators

{
  const r = new Rng('random_lowercase');
  const n = sized(200 * KB);
  const s = new Sink(n);
  for (let i = 0; i < n; i++) s.byte(0x61 + r.int(26));
  emit('random_lowercase_nospace.txt', s, 'a-z, no spaces');
}
{
  const r = new Rng('random_cjk');
  const target = sized(50 * KB);
  const s = new Sink(target + 4);
  while (s.length < target) s.cp(r.range(0x4e00, 0x9fff));
  emit('random_cjk_nospace.txt', s, 'U+4E00..U+9FFF, no spaces');
}
{
  const r = new Rng('random_digits');
  const n = sized(50 * KB);
  const s = new Sink(n);
  for (let i = 0; i < n; i++) s.byte(0x30 + r.int(10));
  emit('random_digits.txt', s, '0-9, no separators');
}

// ------------------------------------------------------------------------------------------------
// 3. Random code points from all planes

const minCp = withNul ? 0 : 1;
function anyScalar(r) {
  for (;;) {
    const c = r.range(minCp, 0x10ffff);
    if (!isSurrogate(c)) return c;
  }
}
function bmpScalar(r) {
  for (;;) {
    const c = r.range(minCp, 0xffff);
    if (!isSurrogate(c)) return c;
  }
}
function astralScalar(r) { return r.range(0x10000, 0x10ffff); }

{
  const r = new Rng('random_cp_mostly_ascii');
  const target = sized(200 * KB);
  const s = new Sink(target + 8);
  while (s.length < target) {
    const kind = r.weighted([[70, 'letter'], [12, 'space'], [3, 'newline'], [5, 'punct'], [3, 'digit'], [7, 'sprinkle']]);
    if (kind === 'letter') s.byte(r.chance(0.1) ? 0x41 + r.int(26) : 0x61 + r.int(26));
    else if (kind === 'space') s.byte(0x20);
    else if (kind === 'newline') s.byte(0x0a);
    else if (kind === 'punct') s.byte(r.pick([0x21, 0x22, 0x27, 0x28, 0x29, 0x2c, 0x2d, 0x2e, 0x2f, 0x3a, 0x3b, 0x3f, 0x5f, 0x7b, 0x7d]));
    else if (kind === 'digit') s.byte(0x30 + r.int(10));
    else {
      const sprinkle = r.weighted([[3, 'latin1'], [3, 'bmp'], [2, 'astral'], [1, 'control'], [1, 'ws']]);
      if (sprinkle === 'latin1') s.cp(r.range(0xa0, 0x24f));
      else if (sprinkle === 'bmp') s.cp(bmpScalar(r));
      else if (sprinkle === 'astral') s.cp(astralScalar(r));
      else if (sprinkle === 'control') s.cp(r.pick([...Array(0x20).keys()].slice(minCp).concat([0x7f, 0x80, 0x85, 0x9f])));
      else s.cp(r.pick(WHITESPACE));
    }
  }
  emit('random_cp_mostly_ascii.txt', s, 'ASCII words with sprinkles from every plane');
}
{
  const r = new Rng('random_cp_mostly_bmp');
  const target = sized(200 * KB);
  const s = new Sink(target + 8);
  while (s.length < target) {
    const kind = r.weighted([[84, 'bmp'], [8, 'space'], [2, 'newline'], [6, 'astral']]);
    if (kind === 'bmp') s.cp(bmpScalar(r));
    else if (kind === 'space') s.byte(0x20);
    else if (kind === 'newline') s.byte(0x0a);
    else s.cp(astralScalar(r));
  }
  emit('random_cp_mostly_bmp.txt', s, 'uniform BMP (assigned or not) with spaces, some astral');
}
{
  const r = new Rng('random_cp_uniform');
  const target = sized(200 * KB);
  const s = new Sink(target + 8);
  let col = 0;
  while (s.length < target) {
    s.cp(withNul && r.chance(0.002) ? 0 : anyScalar(r));
    if (++col >= 100) { s.byte(0x0a); col = 0; }
  }
  emit('random_cp_uniform.txt', s, 'uniform over U+0001..U+10FFFF minus surrogates, newline every 100');
}
{
  const r = new Rng('random_cp_scripts');
  const target = sized(200 * KB);
  const s = new Sink(target + 64);
  while (s.length < target) {
    const [lo, hi] = r.pick(SCRIPT_RANGES);
    const len = r.range(1, 12);
    for (let i = 0; i < len; i++) {
      s.cp(r.range(lo, hi));
      if (r.chance(0.03)) s.cp(r.range(0x300, 0x36f));
    }
    s.str(r.weighted([[60, ' '], [8, ', '], [6, '. '], [5, '\n'], [3, ''], [3, '  '], [2, '\t'], [2, '\u3001'], [2, '\u3002'],
      [2, ' 123 '], [2, "'s "], [1, '\r\n'], [1, '\u00a0'], [1, '\u200d'], [1, '-'], [1, '/']]));
  }
  emit('random_cp_scripts.txt', s, 'pseudo-words from many scripts with mixed separators');
}

// ------------------------------------------------------------------------------------------------
// 4. Whitespace stress (\s+(?!\S), \s*[\r\n]+)

{
  const r = new Rng('random_whitespace');
  const target = sized(200 * KB);
  const s = new Sink(target + 64);
  const words = ['a', 'the', 'x', 'Token', '\u4e2d\u6587', '\u00e9t\u00e9', '42', '7', '!', '?', "'s", "'LL", '\u{1F642}', '--', '\u0645\u0631\u062d\u0628\u0627', 'i\u0307'];
  while (s.length < target) {
    const runLen = r.weighted([[30, 0], [30, 1], [15, 2], [10, 3], [8, r.range(4, 16)], [5, r.range(17, 64)], [2, r.range(65, 300)]]);
    const homogeneous = r.chance(0.5);
    const wsChar = r.pick(WHITESPACE);
    for (let i = 0; i < runLen; i++) {
      if (homogeneous) s.cp(wsChar);
      else s.cp(r.weighted([[40, 0x20], [10, 0x09], [10, 0x0a], [5, 0x0d], [20, r.pick(WHITESPACE)]]));
    }
    if (r.chance(0.85)) s.str(r.pick(words));
  }
  emit('random_whitespace.txt', s, 'runs of mixed Unicode whitespace between short words');
}

// ------------------------------------------------------------------------------------------------
// 5. Apostrophe contractions with mixed case

{
  const r = new Rng('random_contractions');
  const target = sized(100 * KB);
  const s = new Sink(target + 64);
  const apostrophes = [["'", 70], ['\u2019', 12], ['\u2018', 3], ['\u02bc', 3], ['\uff07', 2], ['`', 2], ['\u00b4', 2], ['\u2032', 1], ["''", 2]];
  const suffixes = ['s', 't', 're', 've', 'm', 'll', 'd', 'S', 'T', 'RE', 'VE', 'M', 'LL', 'D', 'Re', 'rE', 'Ve', 'vE', 'Ll', 'lL',
    '\u017f', '\u017ft', '\u212a', '\u0130', '\u0131', '\u1e9e', '\u00df', '\ufb05', '\ufb06', 'see', 'tis', 'em', 'x', '', 'sS', 'dd'];
  const stems = ['don', 'DON', 'it', 'IT', 'It', 'I', 'i', 'we', 'WE', 'they', 'THEY', 'you', 'she', 'he', 'that', 'what', 'O', 'rock',
    'y', 'l', 'qu', 'aujourd', 'geht', 'stra\u00dfe', 'STRA\u1e9eE', '\u0130stanbul', '\u0131s\u0131k', '\u03a3\u0399\u03a3', '\u4e2d\u6587',
    '123', '\u{1F642}', '', ' ', '\n', '\t', '(', '"'];
  while (s.length < target) {
    s.str(r.pick(stems));
    const n = r.weighted([[85, 1], [12, 2], [3, 3]]);
    for (let i = 0; i < n; i++) {
      s.str(r.weighted(apostrophes.map(([a, w]) => [w, a])));
      let suf = r.pick(suffixes);
      // Flip ASCII case only (no Unicode case tables, so the output cannot change with the ICU version).
      if (r.chance(0.2)) suf = [...suf].map((ch) => (/^[a-zA-Z]$/.test(ch) && r.chance(0.5) ? String.fromCharCode(ch.charCodeAt(0) ^ 0x20) : ch)).join('');
      s.str(suf);
    }
    if (r.chance(0.2)) s.str(r.pick(['a', 'abc', 'ing', '\u0301', '\u4e2d', '9']));
    s.str(r.weighted([[70, ' '], [10, '\n'], [5, ', '], [5, '. '], [5, ''], [3, '  '], [2, '\r\n']]));
  }
  emit('random_contractions.txt', s, "stems + apostrophe variants + case-mixed suffixes ('s 'ſ 'K ...)");
}

// ------------------------------------------------------------------------------------------------
// 6. Emoji / ZWJ soup

{
  const r = new Rng('random_emoji');
  const target = sized(100 * KB);
  const s = new Sink(target + 64);
  const bases = [[0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f900, 0x1f9ff], [0x1fa70, 0x1faff], [0x2600, 0x27bf]];
  const people = [0x1f468, 0x1f469, 0x1f9d1, 0x1f466, 0x1f467, 0x1f476, 0x1f9d2];
  const objects = [0x2695, 0x2696, 0x2708, 0x1f4bb, 0x1f52c, 0x1f680, 0x1f373, 0x1f3a8, 0x1f692, 0x2764, 0x1f525, 0x1f308, 0x2640, 0x2642, 0x27a1];
  const emitEmoji = () => {
    const kind = r.weighted([[30, 'single'], [15, 'tone'], [15, 'zwj'], [10, 'flag'], [5, 'tagflag'], [5, 'keycap'], [8, 'vs'], [7, 'junk'], [5, 'text']]);
    switch (kind) {
      case 'single': { const [lo, hi] = r.pick(bases); s.cp(r.range(lo, hi)); break; }
      case 'tone': s.cp(r.pick(people.concat([0x1f44d, 0x1f44b, 0x1f64f, 0x270c]))).cp(r.range(0x1f3fb, 0x1f3ff)); break;
      case 'zwj': {
        const n = r.range(2, 5);
        for (let i = 0; i < n; i++) {
          if (i) s.cp(0x200d);
          s.cp(i === 0 || r.chance(0.5) ? r.pick(people) : r.pick(objects));
          if (r.chance(0.2)) s.cp(r.range(0x1f3fb, 0x1f3ff));
          if (r.chance(0.3)) s.cp(0xfe0f);
        }
        break;
      }
      case 'flag': s.cp(0x1f1e6 + r.int(26)).cp(0x1f1e6 + r.int(26)); if (r.chance(0.1)) s.cp(0x1f1e6 + r.int(26)); break;
      case 'tagflag': {
        s.cp(0x1f3f4);
        for (const ch of r.pick(['gbeng', 'gbsct', 'gbwls', 'ustx', 'zz'])) s.cp(0xe0000 + ch.charCodeAt(0));
        if (r.chance(0.9)) s.cp(0xe007f);
        break;
      }
      case 'keycap': s.str(r.pick('#*0123456789'.split(''))); if (r.chance(0.7)) s.cp(0xfe0f); s.cp(0x20e3); break;
      case 'vs': s.cp(r.pick([0x263a, 0x2764, 0x2714, 0x2600, 0x2708, 0x00a9, 0x00ae, 0x2122, 0x3030, 0x1f170])).cp(r.pick([0xfe0f, 0xfe0e])); break;
      case 'junk': s.cp(r.pick([0x200d, 0xfe0f, 0xfe0e, 0x20e3, 0x1f3fb, 0xe007f, 0x1f1e6])); break;
      default: s.str(r.pick([' ', ' ', '\n', 'ok', 'lol', '!!', '\u4e2d', "it's", '.']));
    }
  };
  while (s.length < target) {
    emitEmoji();
    if (r.chance(0.15)) s.byte(0x20);
  }
  emit('random_emoji_zwj.txt', s, 'emoji, skin tones, ZWJ chains, flags, keycaps, selectors, stray joiners');
}

// ------------------------------------------------------------------------------------------------
// 7. Combining-mark soup

{
  const r = new Rng('random_combining');
  const target = sized(100 * KB);
  const s = new Sink(target + 256);
  const markRanges = [[0x300, 0x36f], [0x1ab0, 0x1ace], [0x1dc0, 0x1dff], [0x20d0, 0x20f0], [0xfe20, 0xfe2f], [0x483, 0x489],
    [0x591, 0x5bd], [0x64b, 0x65f], [0x93c, 0x94d], [0xe31, 0xe3a], [0x3099, 0x309a], [0x1d165, 0x1d169]];
  const baseKinds = [
    [40, () => 0x61 + r.int(26)], [10, () => 0x41 + r.int(26)], [5, () => r.pick([0x3b1, 0x3b5, 0x3b7, 0x3b9, 0x3bf, 0x3c5, 0x3c9])],
    [5, () => r.range(0x430, 0x44f)], [5, () => r.range(0x915, 0x939)], [5, () => r.range(0x304b, 0x3062)], [5, () => r.range(0x4e00, 0x9fff)],
    [5, () => 0x30 + r.int(10)], [5, () => 0x20], [3, () => 0x0a], [3, () => r.range(0x1f600, 0x1f64f)], [4, () => -1],
  ];
  while (s.length < target) {
    const kind = r.weighted([[85, 'cluster'], [10, 'jamo'], [5, 'nfd']]);
    if (kind === 'cluster') {
      const base = r.weighted(baseKinds)();
      if (base >= 0) s.cp(base);
      const n = r.weighted([[40, 1], [25, 2], [15, 3], [10, r.range(4, 8)], [8, r.range(9, 30)], [2, r.range(31, 120)]]);
      for (let i = 0; i < n; i++) { const [lo, hi] = r.pick(markRanges); s.cp(r.range(lo, hi)); }
    } else if (kind === 'jamo') {
      // Conjoining jamo: L+ V+ T*, sometimes broken (V or T alone).
      if (r.chance(0.9)) s.cp(r.range(0x1100, 0x1112));
      if (r.chance(0.9)) s.cp(r.range(0x1161, 0x1175));
      if (r.chance(0.5)) s.cp(r.range(0x11a8, 0x11c2));
      if (r.chance(0.05)) s.cp(r.range(0x1113, 0x115e)); // archaic
    } else {
      // Base + marks that have precomposed forms in some order (NFC composes / reorders them).
      s.cp(r.pick([0x61, 0x65, 0x69, 0x6f, 0x75, 0x41, 0x45, 0x4f, 0x6e, 0x63, 0x73, 0x79]));
      const marks = [0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0x30c, 0x323, 0x327, 0x328, 0x31b];
      const n = r.range(1, 3);
      for (let i = 0; i < n; i++) s.cp(r.pick(marks));
    }
    if (r.chance(0.2)) s.byte(0x20);
  }
  emit('random_combining.txt', s, 'bases with 1-120 combining marks, conjoining jamo, NFD-composable sequences');
}

// ------------------------------------------------------------------------------------------------
// 8. Every code point, in order (fixed size, ignores --size-scale)

{
  const s = new Sink(4_600_000);
  let col = 0;
  for (let c = 1; c <= 0x10ffff; c++) {
    if (isSurrogate(c)) continue;
    s.cp(c);
    if (++col === 64) { s.byte(0x0a); col = 0; }
  }
  if (col) s.byte(0x0a);
  emit('all_codepoints.txt', s, 'U+0001..U+10FFFF minus surrogates, newline after every 64');
}

// ------------------------------------------------------------------------------------------------
// 9. Special-token strings mixed with random text

{
  const r = new Rng('special_tokens_mix');
  const target = sized(100 * KB);
  const s = new Sink(target + 256);
  const randomWord = () => {
    const len = r.range(1, 10);
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(0x61 + r.int(26));
    return w;
  };
  while (s.length < target) {
    const kind = r.weighted([[30, 'token'], [8, 'partial'], [5, 'doubled'], [5, 'mangled'], [25, 'phrase'], [20, 'word'], [7, 'sep']]);
    const tok = r.pick(SPECIAL_TOKENS);
    const cps = [...tok];
    switch (kind) {
      case 'token': s.str(tok); break;
      case 'partial': {
        const cut = r.range(1, Math.max(1, cps.length - 1));
        s.str(r.chance(0.5) ? cps.slice(0, cut).join('') : cps.slice(cut).join(''));
        break;
      }
      case 'doubled': s.str(tok).str(r.chance(0.5) ? tok : r.pick(SPECIAL_TOKENS)); break;
      case 'mangled': {
        const i = r.int(cps.length + 1);
        const ins = r.pick(['<', '>', '|', ' ', '\u200b', '\n', 'x', tok]);
        s.str(cps.slice(0, i).join('') + ins + cps.slice(i).join(''));
        break;
      }
      case 'phrase': s.str(r.pick(PHRASES)); break;
      case 'word': s.str(randomWord()); break;
      default: s.str(r.pick([' ', '\n', '\n\n', '  ', '\t', '\r\n', '']));
    }
    if (r.chance(0.3)) s.byte(r.chance(0.7) ? 0x20 : 0x0a);
  }
  emit('special_tokens_mix.txt', s, 'special-token strings (whole, partial, doubled, mangled) in random text');
}

// ------------------------------------------------------------------------------------------------
// 10. Embedded NUL (always written; the only non-invalid file allowed to contain U+0000)

{
  const r = new Rng('with_nul');
  const s = new Sink(1 << 16);
  s.str('\x00starts with NUL\n');
  s.str('NUL in the mid\x00dle of a word\n');
  s.str('two NULs\x00\x00between\n');
  s.str('NUL before newline\x00\n');
  s.str('\x00\n');
  s.str('NUL next to spaces \x00 \x00  \x00\t\x00\n');
  s.str('NUL next to CJK \u4e2d\x00\u6587 and emoji \u{1F642}\x00\u{1F642} and marks e\x00\u0301\n');
  s.str("NUL in contractions don\x00't it'\x00s \x00's\n");
  s.str('NUL next to special tokens \x00<|endoftext|>\x00<|im_start|>\x00\n');
  s.str('NUL inside a special token <|endof\x00text|>\n');
  s.str('NUL between digits 123\x00456\x00789\n');
  s.str('run of 64 NULs: ' + '\x00'.repeat(64) + '\n');
  s.str('C-string style: "hello\\0world" (escaped, not a real NUL) vs hello\x00world (real NUL)\n');
  const target = sized(20 * KB);
  while (s.length < target) {
    const kind = r.weighted([[50, 'phrase'], [20, 'nul'], [20, 'space'], [10, 'newline']]);
    if (kind === 'phrase') s.str(r.pick(PHRASES));
    else if (kind === 'nul') s.repeat('\x00', r.range(1, 5));
    else if (kind === 'space') s.byte(0x20);
    else s.byte(0x0a);
  }
  s.str('\nends with NUL\x00');
  emit('with_nul.txt', s, 'valid UTF-8 text with embedded U+0000');
}

// ------------------------------------------------------------------------------------------------
// 11. Invalid UTF-8 (fixed content, small)

{
  const line = (s, text) => s.str(text);
  const cases = [];

  let s = new Sink();
  line(s, 'Overlong encodings, each between valid text:\n');
  for (const bad of [[0xc0, 0x80], [0xc0, 0xaf], [0xc1, 0xbf], [0xc1, 0x81], [0xe0, 0x80, 0x80], [0xe0, 0x80, 0xaf], [0xe0, 0x9f, 0xbf],
    [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x80, 0x80, 0xaf], [0xf0, 0x8f, 0xbf, 0xbf]]) {
    line(s, 'before['); s.bytes(bad); line(s, ']after caf\u00e9 \u4e2d\u6587\n');
  }
  line(s, 'overlong slash in a path: /etc'); s.bytes([0xc0, 0xaf]); line(s, 'passwd\n');
  line(s, 'overlong NUL (Java modified UTF-8): a'); s.bytes([0xc0, 0x80]); line(s, 'b\n');
  cases.push(['overlong.bin', s, 'C0/C1 leads, E0 80-9F, F0 80-8F']);

  s = new Sink();
  line(s, 'Lone continuation bytes:\n');
  line(s, 'one '); s.byte(0x80); line(s, ' two '); s.bytes([0x80, 0xbf]); line(s, ' many '); s.bytes([0x80, 0x81, 0x82, 0x83, 0xbe, 0xbf]); line(s, '\n');
  line(s, 'after a complete char \u00e9'); s.byte(0xa9); line(s, ' and \u4e2d'); s.bytes([0xb8, 0xad]); line(s, ' and \u{1F642}'); s.byte(0x82); line(s, '\n');
  s.byte(0x80); line(s, 'at line start\n');
  line(s, 'at line end'); s.byte(0xbf); line(s, '\n');
  line(s, 'between letters a'); s.byte(0x9f); line(s, 'b in a word: hel'); s.byte(0x8f); line(s, 'lo\n');
  line(s, 'all 64 continuation bytes: '); for (let b = 0x80; b <= 0xbf; b++) s.byte(b); line(s, '\n');
  cases.push(['lone_continuation.bin', s, '80..BF without a lead byte']);

  s = new Sink();
  line(s, 'Truncated sequences in the middle of the text:\n');
  line(s, '2-byte lead then ASCII: '); s.byte(0xc3); line(s, 'x caf'); s.byte(0xc3); line(s, ' next\n');
  line(s, '3-byte lead + 1 continuation then space: '); s.bytes([0xe4, 0xb8]); line(s, ' \u6587\n');
  line(s, '3-byte lead alone: '); s.byte(0xe4); line(s, 'abc\n');
  line(s, '4-byte lead + 2 continuations then newline: '); s.bytes([0xf0, 0x9f, 0x99]); line(s, '\n');
  line(s, '4-byte lead + 1 continuation then valid emoji: '); s.bytes([0xf0, 0x9f]); line(s, '\u{1F642}\n');
  line(s, 'lead byte followed by another lead: '); s.bytes([0xc3, 0xc3, 0xa9]); line(s, ' '); s.bytes([0xe4, 0xe4, 0xb8, 0xad]); line(s, '\n');
  line(s, 'truncated inside a special token: <|endof'); s.bytes([0xe2, 0x80]); line(s, 'text|>\n');
  line(s, "truncated inside a contraction: don"); s.bytes([0xe2, 0x80]); line(s, "t / it'"); s.byte(0xc5); line(s, 's\n');
  line(s, 'truncated before digits: '); s.byte(0xef); line(s, '123456\n');
  cases.push(['truncated_mid.bin', s, 'incomplete sequences followed by more text']);

  for (const [name, tail] of [['truncated_eof_2byte.bin', [0xc3]], ['truncated_eof_3byte_1.bin', [0xe4]], ['truncated_eof_3byte_2.bin', [0xe4, 0xb8]],
    ['truncated_eof_4byte_3.bin', [0xf0, 0x9f, 0x99]]]) {
    s = new Sink();
    line(s, `Valid text caf\u00e9 \u4e2d\u6587 \u{1F642}, then a sequence cut off by the end of the file: `);
    s.bytes(tail);
    cases.push([name, s, `ends with ${tail.map((b) => b.toString(16).toUpperCase()).join(' ')}`]);
  }

  s = new Sink();
  line(s, 'Encoded surrogates (CESU-8 / WTF-8 style):\n');
  line(s, 'lone high D800: ['); s.bytes([0xed, 0xa0, 0x80]); line(s, ']\n');
  line(s, 'lone low DFFF: ['); s.bytes([0xed, 0xbf, 0xbf]); line(s, ']\n');
  line(s, 'high DBFF: ['); s.bytes([0xed, 0xaf, 0xbf]); line(s, '] low DC00: ['); s.bytes([0xed, 0xb0, 0x80]); line(s, ']\n');
  line(s, 'CESU-8 pair for U+1F600: ['); s.bytes([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]); line(s, '] vs real [\u{1F600}]\n');
  line(s, 'reversed pair: ['); s.bytes([0xed, 0xb8, 0x80, 0xed, 0xa0, 0xbd]); line(s, ']\n');
  line(s, 'surrogate in a word: pass'); s.bytes([0xed, 0xa0, 0x80]); line(s, 'word\n');
  cases.push(['surrogates_cesu8.bin', s, 'ED A0..BF xx']);

  s = new Sink();
  line(s, 'Bytes that never appear in UTF-8:\n');
  for (let b = 0xf5; b <= 0xff; b++) { line(s, `[${b.toString(16).toUpperCase()}] `); s.byte(b); line(s, ' x'); s.byte(b); line(s, 'y\n'); }
  line(s, 'beyond U+10FFFF: F4 90 80 80 ['); s.bytes([0xf4, 0x90, 0x80, 0x80]); line(s, '] F7 BF BF BF ['); s.bytes([0xf7, 0xbf, 0xbf, 0xbf]); line(s, ']\n');
  line(s, 'UTF-16 BOMs in a UTF-8 stream: ['); s.bytes([0xff, 0xfe]); line(s, '] ['); s.bytes([0xfe, 0xff]); line(s, ']\n');
  line(s, 'all of F5..FF in a row: '); for (let b = 0xf5; b <= 0xff; b++) s.byte(b); line(s, '\n');
  cases.push(['invalid_bytes_f5_ff.bin', s, 'F5..FF, > U+10FFFF, UTF-16 BOMs']);

  s = new Sink();
  line(s, 'Old 5- and 6-byte forms (RFC 2279), and over-long runs of continuation bytes:\n');
  line(s, '5-byte: ['); s.bytes([0xf8, 0x88, 0x80, 0x80, 0x80]); line(s, '] ['); s.bytes([0xfb, 0xbf, 0xbf, 0xbf, 0xbf]); line(s, ']\n');
  line(s, '6-byte: ['); s.bytes([0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]); line(s, '] ['); s.bytes([0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]); line(s, ']\n');
  line(s, 'valid 2-byte + extra continuation: ['); s.bytes([0xc3, 0xa9, 0xa9]); line(s, ']\n');
  line(s, 'valid 4-byte + extra continuations: ['); s.bytes([0xf0, 0x9f, 0x99, 0x82, 0x82, 0x82]); line(s, ']\n');
  cases.push(['five_six_byte_forms.bin', s, 'F8-FD leads with continuation bytes']);

  s = new Sink();
  // Latin-1 / Windows-1252 encoded text: the most common real-world invalid UTF-8.
  line(s, 'Windows-1252 text mislabelled as UTF-8:\n');
  s.bytes([...'caf'].map((c) => c.charCodeAt(0))).byte(0xe9).byte(0x20);
  s.bytes([...'na'].map((c) => c.charCodeAt(0))).byte(0xef).bytes([...'ve '].map((c) => c.charCodeAt(0)));
  s.bytes([...'Stra'].map((c) => c.charCodeAt(0))).byte(0xdf).byte(0x65).byte(0x20);
  s.byte(0x93).bytes([...'smart quotes'].map((c) => c.charCodeAt(0))).byte(0x94).byte(0x20);
  s.bytes([...'it'].map((c) => c.charCodeAt(0))).byte(0x92).bytes([...'s '].map((c) => c.charCodeAt(0)));
  s.byte(0x80).bytes([...'5 '].map((c) => c.charCodeAt(0))).byte(0x96).bytes([...' en dash\n'].map((c) => c.charCodeAt(0)));
  line(s, 'followed by proper UTF-8: caf\u00e9 na\u00efve Stra\u00dfe \u201csmart quotes\u201d it\u2019s \u20ac5 \u2013 en dash\n');
  cases.push(['latin1_mislabelled.bin', s, 'Windows-1252 bytes mixed with UTF-8']);

  {
    const r = new Rng('invalid_random');
    s = new Sink();
    const badBits = [[0x80], [0xbf], [0xc0, 0x80], [0xc3], [0xe4, 0xb8], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xf5], [0xff], [0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    while (s.length < 16 * KB) {
      if (r.chance(0.15)) s.bytes(r.pick(badBits));
      else s.str(r.pick(PHRASES));
      s.str(r.weighted([[60, ' '], [20, ''], [20, '\n']]));
    }
    cases.push(['mixed_random.bin', s, 'valid phrases with random invalid sequences (16 KB)']);
  }

  for (const [name, sink, note] of cases) emit(`invalid_utf8/${name}`, sink, note);
}

// ------------------------------------------------------------------------------------------------
// Report

let total = 0;
const width = Math.max(...written.map((w) => w.rel.length));
for (const w of written) {
  total += w.size;
  process.stdout.write(`${w.rel.padEnd(width)}  ${String(w.size).padStart(9)}  ${w.note}\n`);
}
process.stdout.write(`${written.length} files, ${total} bytes, in ${outDir} (size-scale ${scale}${withNul ? ', with NUL' : ''})\n`);
