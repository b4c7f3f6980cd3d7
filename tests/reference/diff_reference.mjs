#!/usr/bin/env node
// Differential test: tokenmeter's ids against the upstream implementations, unit by unit.
//
//   node diff_reference.mjs --tokenmeter BIN --family F [--unit line|file] [--special plain|recognize]
//        [--vocab-dir DIR] [--shared DIR] [--max-report N] PATH...
//
// PATHs are files or directories (every regular file inside, sorted). Expected ids come from
// ../shared/reference/encode.mjs (HF `tokenizers` native binding, OpenAI `tiktoken`) with the
// spec the manifest names for the family. encode.mjs only offers encode_ordinary for tiktoken
// encodings, so `--special recognize` on a tiktoken-format family runs tiktoken's
// encode(text, "all") in-process instead (same package, same version).
// Exit: 0 all units equal, 1 a mismatch, 77 skipped (a prerequisite is missing; says which).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const args = { unit: "line", maxReport: 5, paths: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--tokenmeter") args.bin = argv[++i];
  else if (a === "--family") args.family = argv[++i];
  else if (a === "--unit") args.unit = argv[++i];
  else if (a === "--special") args.special = argv[++i];
  else if (a === "--vocab-dir") args.vocabDir = argv[++i];
  else if (a === "--shared") args.shared = argv[++i];
  else if (a === "--max-report") args.maxReport = Number(argv[++i]);
  else args.paths.push(a);
}
const skip = (why) => {
  console.log(`SKIPPED: ${why}`);
  process.exit(77);
};
if (!args.bin || !args.family || !args.paths.length) {
  console.error("usage: diff_reference.mjs --tokenmeter BIN --family F [--unit line|file] PATH...");
  process.exit(2);
}
const shared = path.resolve(args.shared || path.join(repo, "..", "shared"));
const vocabDir = path.resolve(
  args.vocabDir || process.env.TOKENMETER_VOCAB_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tokenmeter", "vocab"));
const referenceDir = path.join(shared, "reference");
if (!fs.existsSync(path.join(referenceDir, "node_modules", "tokenizers")))
  skip(`the reference encoder is not installed (run: npm ci --prefix ${referenceDir})`);

const manifest = JSON.parse(fs.readFileSync(path.join(repo, "vocab", "manifest.json"), "utf8"));
const fam = manifest.families[args.family];
if (!fam) {
  console.error(`unknown family ${args.family}`);
  process.exit(2);
}
if (!fam.file) skip(`${args.family} has no distributable vocabulary`);
const vocabFile = path.join(vocabDir, fam.file);
if (!fs.existsSync(vocabFile)) skip(`${vocabFile} is missing (run: vocab/fetch --mirror ${shared}/vocab-upstream ${args.family})`);

const isTiktokenFamily = fam.format !== "hf-tokenizer-json";
const special = args.special || (isTiktokenFamily ? "plain" : "recognize");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tm-diff-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

// The reference spec for this family.
function referenceSpec() {
  const ref = fam.reference;
  if (ref.startsWith("tiktoken:")) return ref;
  if (ref === "hf") return `hf:${vocabFile}`;
  if (ref.startsWith("family:")) return `family:${path.join(shared, "vocab-upstream", ref.slice(7), "family.json")}`;
  if (ref === "hf-overlay") {
    // The upstream file with the manifest's added-token overlay applied, as the later release ships it.
    const j = JSON.parse(fs.readFileSync(vocabFile, "utf8"));
    for (const o of fam.added_tokens_overlay) {
      const t = j.added_tokens.find((a) => a.id === o.id);
      const entry = { id: o.id, content: o.content, single_word: false, lstrip: false, rstrip: false,
                      normalized: o.normalized, special: o.special };
      if (t) Object.assign(t, entry); else j.added_tokens.push(entry);
    }
    const p = path.join(tmp, "tokenizer.json");
    fs.writeFileSync(p, JSON.stringify(j));
    return `hf:${p}`;
  }
  throw new Error(`unknown reference kind ${ref}`);
}

const files = [];
for (const p of args.paths) {
  // A mistyped or moved input must not silently shrink the comparison.
  if (!fs.existsSync(p)) {
    console.error(`diff_reference: input ${p} does not exist`);
    process.exit(2);
  }
  if (fs.statSync(p).isDirectory()) {
    for (const f of fs.readdirSync(p).sort()) {
      const full = path.join(p, f);
      if (fs.statSync(full).isFile() && !f.endsWith(".md")) files.push(full);
    }
  } else files.push(p);
}
if (!files.length) skip("no input files");

const run = (cmd, argv) => execFileSync(cmd, argv, { maxBuffer: 1 << 30, encoding: "utf8" });
const parse = (out) => out.split("\n").filter(Boolean).map((l) => JSON.parse(l));

let expected;
if (isTiktokenFamily && special === "recognize") {
  // tiktoken's encode(text, "all"): encode.mjs has no switch for it.
  const require = createRequire(path.join(referenceDir, "package.json"));
  const { Tiktoken, get_encoding } = require("tiktoken");
  let enc;
  if (fam.reference.startsWith("tiktoken:")) {
    enc = get_encoding(fam.reference.slice(9));
  } else {
    const meta = JSON.parse(fs.readFileSync(path.join(shared, "vocab-upstream", fam.reference.slice(7), "family.json"), "utf8"));
    let ranks = fs.readFileSync(path.resolve(path.join(shared, "vocab-upstream", fam.reference.slice(7)), meta.ranks), "utf8");
    if (fam.max_rank !== undefined)
      ranks = ranks.split("\n").filter((l) => l && Number(l.split(" ")[1]) < fam.max_rank).join("\n");
    // The family's own special tokens (this family may rename reserved ids of the shared file).
    const specials = resolveSpecials(args.family);
    enc = new Tiktoken(ranks, specials, meta.pat_str);
  }
  expected = [];
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const units = args.unit === "line" ? text.split(/(?<=\n)/) : [text];
    units.forEach((u, i) => {
      const ids = Array.from(enc.encode(u, "all"));
      expected.push({ file: path.basename(f), unit: i, count: ids.length, ids });
    });
  }
} else {
  expected = parse(run("node", [path.join(referenceDir, "encode.mjs"), "--tokenizer", referenceSpec(), "--unit", args.unit, ...files]));
}

// The special tokens of a tiktoken-format family, resolved like the manifest loader does.
function resolveSpecials(id) {
  const f = manifest.families[id];
  const out = new Map();
  const add = (src) => {
    if (src.reserved_special_tokens) {
      const r = src.reserved_special_tokens;
      for (let k = r.from; k <= r.to; k++) out.set(k, r.format.replace("{id}", String(k)));
    }
    for (const [t, k] of Object.entries(src.special_tokens || {})) out.set(k, t);
  };
  if (f.special_tokens_from) add(manifest.families[f.special_tokens_from]);
  add(f);
  return Object.fromEntries([...out].map(([k, t]) => [t, k]));
}

// One thread; then, for whole files, three threads cutting every text over 4 KiB into chunks
// (count/batch.hpp), so the joins between chunks are checked against upstream too.
const encodeArgs = ["encode", "--model", args.family, "--jsonl", "--unit", args.unit,
  "--special-tokens", special, "--invalid-utf8", "replace", "--vocab", vocabDir];
const runs = [["--jobs", "1"]];
if (args.unit === "file") runs.push(["--jobs", "3", "--chunk-bytes", "4096"]);

let bytes = 0;
for (const f of files) bytes += fs.statSync(f).size;
let failed = false;
for (const how of runs) {
  const ours = parse(run(args.bin, [...encodeArgs, ...how, ...files]));
  let same = 0, reported = 0;
  if (ours.length !== expected.length)
    console.log(`unit count differs: tokenmeter ${ours.length}, reference ${expected.length}`);
  const n = Math.min(ours.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = ours[i], b = expected[i];
    const equal = a.file === b.file && a.unit === b.unit && a.ids.length === b.ids.length && a.ids.every((v, k) => v === b.ids[k]);
    if (equal) { same++; continue; }
    if (reported++ < args.maxReport) {
      let k = 0;
      while (k < a.ids.length && k < b.ids.length && a.ids[k] === b.ids[k]) k++;
      console.log(`MISMATCH ${b.file} unit ${b.unit}: first difference at token ${k}: tokenmeter [${a.ids.slice(k, k + 8)}] reference [${b.ids.slice(k, k + 8)}] (counts ${a.count} vs ${b.count})`);
    }
  }
  const total = Math.max(ours.length, expected.length);
  const rate = total ? ((100 * same) / total).toFixed(3) : "100.000";
  console.log(`${args.family} (${special}, unit=${args.unit}, ${how.join(" ")}): ${same}/${total} units identical (${rate}%), ${files.length} files, ${bytes} bytes`);
  if (same !== total) failed = true;
}
process.exit(failed ? 1 : 0);
