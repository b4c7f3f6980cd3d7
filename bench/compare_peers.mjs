#!/usr/bin/env node
// Times tokenmeter and the peer tokenizers installable from the npm registry on the same files in
// the same run, checks that every peer's token count equals tokenmeter's, and prints the ratios.
//
//   (cd bench/peers && npm ci)        # once: the pinned peers
//   node bench/compare_peers.mjs [--tokenmeter PATH] [--families a,b] [--files f1,f2]
//                                [--peers p1,p2] [--min-seconds S] [--timeout S] [--json]
//
// Operation: encode (ids materialised), single thread, one file at a time. Each tokenizer loads
// once, then encodes the file repeatedly until at least --min-seconds (default 1) have passed;
// MB/s = file bytes x passes / elapsed / 1e6 (the rule `tokenmeter bench` uses). tokenmeter runs
// as `tokenmeter bench --model FAMILY --op encode FILE` (its defaults: special-token text is
// plain for tiktoken-format families and recognised for tokenizer.json families); each peer
// runs in its own child process per family (loaded once, all files) in the matching mode:
//   tiktoken       WASM; get_encoding(o200k_base|cl100k_base), or new Tiktoken(ranks, specials,
//                  pattern) from our rank file and the manifest pattern (kimi-k2, glm-5,
//                  minimax-m2 -- how those models' own tiktoken code builds them); encode_ordinary
//   tokenizers     HuggingFace native binding on the family's tokenizer.json;
//                  await encode(text, null, {addSpecialTokens: false}), then getIds()
//   gpt-tokenizer  pure JS; o200k_base, cl100k_base (special text plain), o200k_harmony (recognised)
//   ai-tokenizer   pure JS; o200k_base, cl100k_base (plain), claude (= claude-legacy, recognised)
// A peer that spends more than --timeout seconds (default 30) on one pass over a file is killed
// and reported as "timeout" for that file; it continues with the next file in a fresh process.
// Exactness: the peer's token count against tokenmeter's on each file ("no (+N)" = peer counted
// N more). Inexact peers are reported as they are.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const peersDir = path.join(here, "peers");
const peersRequire = createRequire(path.join(peersDir, "package.json"));

// Family -> the peers that implement it, and how.
const PEERS = {
  tiktoken: {
    o200k_base: { encoding: "o200k_base" },
    cl100k_base: { encoding: "cl100k_base" },
    "kimi-k2": { ranksFromManifest: true },
    "glm-5": { ranksFromManifest: true },
    "minimax-m2": { ranksFromManifest: true },
  },
  tokenizers: {
    "deepseek-v3": {}, qwen3: {}, llama3: {}, gemma3: {}, o200k_harmony: {}, "claude-legacy": {},
  },
  "gpt-tokenizer": {
    o200k_base: { encoding: "o200k_base", special: "plain" },
    cl100k_base: { encoding: "cl100k_base", special: "plain" },
    o200k_harmony: { encoding: "o200k_harmony", special: "recognize" },
  },
  "ai-tokenizer": {
    o200k_base: { encoding: "o200k_base", special: "plain" },
    cl100k_base: { encoding: "cl100k_base", special: "plain" },
    "claude-legacy": { encoding: "claude", special: "recognize" },
  },
};
const PEER_NAMES = Object.keys(PEERS);
const DEFAULT_FAMILIES = ["o200k_base", "cl100k_base", "deepseek-v3", "qwen3", "llama3", "kimi-k2", "glm-5",
  "minimax-m2", "gemma3", "o200k_harmony", "claude-legacy"];
const DEFAULT_FILES = ["en", "code", "zh", "mixed"].map((n) => path.join(repo, "build", "bench-corpus", `${n}.txt`));

function vocabDir() {
  if (process.env.TOKENMETER_VOCAB_DIR) return process.env.TOKENMETER_VOCAB_DIR;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "tokenmeter", "vocab");
}

function manifest() {
  return JSON.parse(fs.readFileSync(path.join(repo, "vocab", "manifest.json"), "utf8"));
}

// The family's manifest entry with pattern/specials resolved through *_from references.
function familyEntry(m, family) {
  const f = m.families[family];
  if (!f) throw new Error(`unknown family ${family} (not in vocab/manifest.json)`);
  const pattern = f.pattern ?? (f.pattern_from ? m.families[f.pattern_from].pattern : undefined);
  const specials = { ...(f.special_tokens_from ? m.families[f.special_tokens_from].special_tokens : {}), ...(f.special_tokens ?? {}) };
  return { ...f, pattern, specials };
}

// ---------------------------------------------------------------------------------------------
// Worker: node compare_peers.mjs --worker PEER FAMILY MIN_SECONDS FILE...
// Prints JSON lines: {"type":"ready","load_ms"} then per file {"type":"start","file"} and
// {"type":"result",...} (or {"type":"error","message"}).
async function makeEncoder(peer, family) {
  const how = PEERS[peer]?.[family];
  if (!how) throw new Error(`${peer} has no encoding for ${family}`);
  if (peer === "tiktoken") {
    const { get_encoding, Tiktoken } = peersRequire("tiktoken");
    if (how.encoding) {
      const enc = get_encoding(how.encoding);
      return (text) => enc.encode_ordinary(text).length;
    }
    const fam = familyEntry(manifest(), family);
    const file = path.join(vocabDir(), fam.file);
    let ranks = fs.readFileSync(file, "utf8");
    if (fam.max_rank !== undefined) {
      ranks = ranks.split("\n").filter((l) => l && Number(l.split(" ")[1]) < fam.max_rank).join("\n");
    }
    const enc = new Tiktoken(ranks, fam.specials, fam.pattern);
    return (text) => enc.encode_ordinary(text).length;
  }
  if (peer === "tokenizers") {
    const { Tokenizer } = peersRequire("tokenizers");
    const fam = familyEntry(manifest(), family);
    const file = path.join(vocabDir(), fam.file);
    if (!fs.existsSync(file)) throw new Error(`${file} not found (fetch it with: vocab/fetch ${family})`);
    const tok = Tokenizer.fromFile(file);
    return async (text) => (await tok.encode(text, null, { addSpecialTokens: false })).getIds().length;
  }
  if (peer === "gpt-tokenizer") {
    const mod = await import(pathToFileURL(peersRequire.resolve(`gpt-tokenizer/encoding/${how.encoding}`)).href);
    const opts = how.special === "recognize" ? { allowedSpecial: "all" } : { disallowedSpecial: new Set() };
    return (text) => mod.encode(text, opts).length;
  }
  if (peer === "ai-tokenizer") {
    const { Tokenizer } = await import(pathToFileURL(peersRequire.resolve("ai-tokenizer")).href);
    const data = await import(pathToFileURL(peersRequire.resolve(`ai-tokenizer/encoding/${how.encoding}`)).href);
    const tok = new Tokenizer(data);
    // encode(text, allowed, disallowed): [] / [] = special text plain; all names allowed = recognised.
    // (Its "all" shortcut skips special-token matching altogether, so the names are listed.)
    const allowed = how.special === "recognize" ? Object.keys(data.special_tokens) : [];
    return (text) => tok.encode(text, allowed, []).length;
  }
  throw new Error(`unknown peer ${peer}`);
}

async function worker([peer, family, minSecondsArg, ...files]) {
  const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
  const minSeconds = Number(minSecondsArg);
  let encode;
  const t0 = process.hrtime.bigint();
  try {
    encode = await makeEncoder(peer, family);
  } catch (e) {
    out({ type: "error", message: String(e?.message ?? e) });
    return;
  }
  out({ type: "ready", load_ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  for (const file of files) {
    out({ type: "start", file });
    try {
      const text = fs.readFileSync(file, "utf8");
      const bytes = fs.statSync(file).size;
      let passes = 0, tokens = 0, elapsed = 0;
      const start = process.hrtime.bigint();
      do {
        tokens = await encode(text);
        passes++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      } while (elapsed < minSeconds);
      out({ type: "result", file, bytes, tokens, passes, seconds: elapsed,
            mb_per_s: (bytes * passes) / elapsed / 1e6, tokens_per_s: (tokens * passes) / elapsed });
    } catch (e) {
      out({ type: "result", file, error: String(e?.message ?? e) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Driver.
function parseArgs(argv) {
  const args = { families: null, files: [], peers: null, minSeconds: 1, timeout: 30, json: false,
                 tokenmeter: process.env.TOKENMETER_BIN || path.join(repo, "build", "tokenmeter") };
  const list = (v) => v.split(",").map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--families") args.families = [...(args.families ?? []), ...list(val())];
    else if (a === "--files") args.files.push(...list(val()));
    else if (a === "--peers") args.peers = [...(args.peers ?? []), ...list(val())];
    else if (a === "--min-seconds") args.minSeconds = Number(val());
    else if (a === "--timeout") args.timeout = Number(val());
    else if (a === "--tokenmeter") args.tokenmeter = val();
    else if (a === "--json") args.json = true;
    else if (a === "-h" || a === "--help") usage();
    else usage(`unknown argument ${a}`);
  }
  args.families ??= DEFAULT_FAMILIES;
  if (args.files.length === 0) args.files = DEFAULT_FILES;
  args.peers ??= PEER_NAMES;
  for (const p of args.peers) if (!PEERS[p]) usage(`unknown peer ${p} (known: ${PEER_NAMES.join(", ")})`);
  if (!(args.minSeconds > 0) || !(args.timeout > 0)) usage("--min-seconds and --timeout must be positive");
  return args;
}

function usage(msg) {
  if (msg) console.error(`compare_peers: ${msg}`);
  console.error("usage: node bench/compare_peers.mjs [--tokenmeter PATH] [--families a,b] [--files f1,f2] " +
                "[--peers p1,p2] [--min-seconds S] [--timeout S] [--json]");
  process.exit(msg ? 2 : 0);
}

const log = (s) => process.stderr.write(s + "\n");

function runTokenmeter(args, family, file) {
  const r = spawnSync(args.tokenmeter, ["bench", "--model", family, "--op", "encode",
    "--min-seconds", String(args.minSeconds), file], { encoding: "utf8", timeout: (args.timeout + 120) * 1000 });
  if (r.error) return { error: r.error.code === "ETIMEDOUT" ? "timeout" : String(r.error.message) };
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").slice(-1)[0] };
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    return { error: `unparsable output: ${r.stdout.slice(0, 200)}` };
  }
}

// Runs one peer on one family over the files; returns {file: result} and the load time.
function runPeer(args, peer, family, files) {
  return new Promise((resolve) => {
    const results = {};
    let loadMs = null;
    const remaining = [...files];
    const next = () => {
      if (remaining.length === 0) return resolve({ results, loadMs });
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--worker", peer, family,
        String(args.minSeconds), ...remaining], { stdio: ["ignore", "pipe", "pipe"] });
      let buf = "", stderr = "", current = null, timer = null, done = false, killed = false;
      const loadTimer = setTimeout(() => fail("load timeout"), Math.max(120, args.timeout) * 1000);
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(loadTimer);
        next();
      };
      const fail = (why) => {
        // The current file (or, before any file started, all of them) gets `why`; the rest retry.
        if (current !== null) {
          results[current] = { error: why };
          remaining.splice(remaining.indexOf(current), 1);
        } else {
          for (const f of remaining.splice(0)) results[f] = { error: why };
        }
        killed = true;
        child.kill("SIGKILL");
      };
      child.stdout.on("data", (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let msg;
          try { msg = JSON.parse(line); } catch { continue; }
          if (msg.type === "ready") {
            clearTimeout(loadTimer);
            loadMs ??= msg.load_ms;
          } else if (msg.type === "error") {
            clearTimeout(loadTimer);
            for (const f of remaining.splice(0)) results[f] = { error: msg.message };
          } else if (msg.type === "start") {
            current = msg.file;
            timer = setTimeout(() => fail("timeout"), args.timeout * 1000);
          } else if (msg.type === "result") {
            clearTimeout(timer);
            results[msg.file] = msg;
            remaining.splice(remaining.indexOf(msg.file), 1);
            current = null;
          }
        }
      });
      child.stderr.on("data", (d) => { stderr += d; });
      child.on("exit", (code, signal) => {
        if (!killed && remaining.length > 0) {
          // Crashed (e.g. out of memory): blame the file it was on, carry on with the rest.
          const why = `crashed (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`;
          if (current !== null) {
            results[current] = { error: why };
            remaining.splice(remaining.indexOf(current), 1);
          } else {
            for (const f of remaining.splice(0)) results[f] = { error: why };
          }
        }
        finish();
      });
    };
    next();
  });
}

const fmt = (x, d = 1) => (x === undefined || x === null || !Number.isFinite(x) ? "-" : x.toFixed(d));

function machine() {
  const cpus = os.cpus();
  return { nproc: os.availableParallelism?.() ?? cpus.length, cpu: cpus[0]?.model ?? "unknown", node: process.version,
           platform: `${os.type()} ${os.release()} ${os.arch()}` };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.tokenmeter)) {
    console.error(`compare_peers: ${args.tokenmeter} not found; build it (cmake --build build) or pass --tokenmeter PATH`);
    process.exit(2);
  }
  for (const f of args.files) {
    if (!fs.existsSync(f)) {
      console.error(`compare_peers: ${f} not found; build the corpus with bench/corpus/build.sh`);
      process.exit(2);
    }
  }
  if (!fs.existsSync(path.join(peersDir, "node_modules"))) {
    console.error(`compare_peers: the peers are not installed; run: (cd ${path.relative(process.cwd(), peersDir) || "."} && npm ci)`);
    process.exit(2);
  }
  const versions = {};
  for (const p of PEER_NAMES) {
    try {
      versions[p] = JSON.parse(fs.readFileSync(path.join(peersDir, "node_modules", p, "package.json"), "utf8")).version;
    } catch { versions[p] = null; }
  }

  const loadavgStart = os.loadavg();
  const rows = [];
  const loads = [];
  for (const family of args.families) {
    const peers = args.peers.filter((p) => PEERS[p][family]);
    if (peers.length === 0) log(`${family}: no peer implements it; tokenmeter only`);
    const tm = {};
    for (const file of args.files) {
      log(`${family}: tokenmeter on ${path.basename(file)}`);
      tm[file] = runTokenmeter(args, family, file);
    }
    const peerResults = {};
    for (const peer of peers) {
      log(`${family}: ${peer} on ${args.files.map((f) => path.basename(f)).join(", ")}`);
      peerResults[peer] = await runPeer(args, peer, family, args.files);
      loads.push({ family, peer, load_ms: peerResults[peer].loadMs });
    }
    const tmLoad = Object.values(tm).find((r) => r.load_ms !== undefined);
    loads.push({ family, peer: "tokenmeter", load_ms: tmLoad?.load_ms ?? null, vocab_from: tmLoad?.vocab_from });
    for (const file of args.files) {
      const t = tm[file];
      const base = { family, file: path.basename(file), bytes: t.bytes ?? fs.statSync(file).size,
                     tokenmeter_tokens: t.tokens ?? null, tokenmeter_mb_per_s: t.mb_per_s ?? null,
                     tokenmeter_error: t.error ?? null };
      if (peers.length === 0) rows.push({ ...base, peer: null });
      for (const peer of peers) {
        const r = peerResults[peer].results[file] ?? { error: "no result" };
        const row = { ...base, peer, peer_version: versions[peer], peer_mb_per_s: r.mb_per_s ?? null,
                      peer_tokens: r.tokens ?? null, peer_error: r.error ?? null, ratio: null, exact: null, diff: null };
        if (row.tokenmeter_mb_per_s && row.peer_mb_per_s) row.ratio = row.tokenmeter_mb_per_s / row.peer_mb_per_s;
        if (row.peer_tokens !== null && row.tokenmeter_tokens !== null) {
          row.diff = row.peer_tokens - row.tokenmeter_tokens;
          row.exact = row.diff === 0;
        }
        rows.push(row);
      }
    }
  }

  const inexact = rows.filter((r) => r.exact === false);
  const loadavg = { start: loadavgStart.map((x) => +x.toFixed(2)), end: os.loadavg().map((x) => +x.toFixed(2)) };
  if (args.json) {
    process.stdout.write(JSON.stringify({ machine: machine(), loadavg, min_seconds: args.minSeconds, timeout_s: args.timeout,
                                          peer_versions: versions, rows, loads }, null, 1) + "\n");
    return;
  }
  const exactCell = (r) => {
    if (r.peer === null) return "(no peer)";
    if (r.peer_error) return r.peer_error;
    if (r.exact === null) return "-";
    if (r.exact) return "yes";
    const pct = (100 * r.diff) / r.tokenmeter_tokens;
    return `no (${r.diff > 0 ? "+" : ""}${r.diff}, ${pct > 0 ? "+" : ""}${pct.toFixed(2)}%)`;
  };
  const header = ["family", "file", "MB", "tokens", "tokenmeter MB/s", "peer", "peer MB/s", "tokenmeter/peer", "exact"];
  const table = [header];
  for (const r of rows) {
    table.push([r.family, r.file, fmt(r.bytes / 1e6, 1), r.tokenmeter_tokens ?? "-",
                r.tokenmeter_error ? `error: ${r.tokenmeter_error}` : fmt(r.tokenmeter_mb_per_s, 1),
                r.peer ? `${r.peer} ${r.peer_version ?? ""}`.trim() : "-", r.peer_error ? "-" : fmt(r.peer_mb_per_s, 2),
                r.ratio ? `${fmt(r.ratio, 1)}x` : "-", exactCell(r)]);
  }
  const m = machine();
  console.log(`Encode throughput, single thread, each tokenizer loaded once and repeated >= ${args.minSeconds} s per file ` +
              `(peer time cap ${args.timeout} s per pass).`);
  console.log(`Machine: ${m.nproc} CPUs, ${m.cpu}, ${m.platform}, node ${m.node}; load average (1/5/15 min) ` +
              `${loadavg.start.join("/")} at the start, ${loadavg.end.join("/")} at the end.`);
  console.log("");
  console.log("| " + header.join(" | ") + " |");
  console.log("|" + header.map((_, i) => (i >= 2 && i <= 7 && i !== 5 ? "---:" : "---")).join("|") + "|");
  for (const row of table.slice(1)) console.log("| " + row.join(" | ") + " |");
  console.log("");
  console.log("Load (ms): " + loads.filter((l) => l.load_ms !== null)
    .map((l) => `${l.family}/${l.peer} ${fmt(l.load_ms, 0)}${l.vocab_from ? ` (${l.vocab_from})` : ""}`).join(", "));
  console.log(inexact.length === 0 ? "Every peer's count equals tokenmeter's on every file it finished."
    : "Inexact (peer count - tokenmeter count): " +
      inexact.map((r) => `${r.peer} on ${r.family}/${r.file} ${r.diff > 0 ? "+" : ""}${r.diff}`).join(", "));
}

if (process.argv[2] === "--worker") await worker(process.argv.slice(3));
else await main();
