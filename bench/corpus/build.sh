#!/usr/bin/env bash
# Builds the benchmark corpus from text Debian ships (nothing is committed or downloaded ad hoc):
#   en.txt     English prose: the licence texts in /usr/share/common-licenses and the prose
#              lines of the Node.js API docs (nodejs package)
#   code.txt   C/C++ headers (ICU, nlohmann-json) and JavaScript from the Node.js docs' examples
#   zh.txt     Chinese: the manpages-zh translations, plus fortunes-zh (classical poems)
#   ja.txt     Japanese: the manpages-ja translations
#   multi.txt  German, French, Russian: manpages-de/-fr/-ru
#   runs/      adversarial single "words" (1 MB and 10 MB of one letter, random letters,
#              random CJK) from tests/corpus/generate.mjs
#   mixed.txt  ~9 MB: all of the above
# Each slice is capped (SLICE_BYTES, default 2 MB) and built in a fixed order, so every run of
# this script on a machine with the same packages produces the same files.
#   bench/corpus/build.sh [OUTDIR]       (installs its packages: scripts/install-deps --bench-corpus)
set -eu  # no pipefail: `head -c` closing a pipe early is expected here
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$here/scripts/install-deps" --bench-corpus
out="${1:-$here/build/bench-corpus}"
cap="${SLICE_BYTES:-2000000}"
mkdir -p "$out/runs"
export LC_ALL=C

# Man page source -> text: drop requests and comments, unescape the common groff escapes.
man_text() {
  find "$@" -name '*.gz' -type f 2>/dev/null | sort | while read -r f; do zcat "$f"; done |
    sed -e '/^[.'"'"']/d' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' -e 's/\\(em/—/g' -e 's/\\(en/–/g' \
        -e 's/\\&//g' -e 's/\\[,\/]//g' -e 's/\\e/\\/g' -e 's/\\ / /g'
}
# The Node.js API docs in Markdown: NodeSource's nodejs ships them plain, Debian's nodejs-doc gzipped.
node_docs() { find /usr/share/doc/nodejs/api \( -name '*.md' -o -name '*.md.gz' \) | sort | xargs zcat -f; }
cap_to() { head -c "$cap" | iconv -f UTF-8 -t UTF-8 -c || true; }

{
  cat /usr/share/common-licenses/{GPL-3,LGPL-3,Apache-2.0,MPL-2.0,GFDL-1.3,Artistic,GPL-2,LGPL-2.1} 2>/dev/null || true
  node_docs | awk '/^```/{code=!code; next} !code' | grep -v '^\s*[|<\[]'
} | cap_to > "$out/en.txt"

{
  cat /usr/include/unicode/{unistr,uniset,regex,normalizer2,ucol,ubidi,ucnv,udat,unum,uchar}.h 2>/dev/null || true
  cat /usr/include/nlohmann/json.hpp 2>/dev/null || true
  node_docs | awk '/^```/{code=!code; next} code'
} | cap_to > "$out/code.txt"

{ man_text /usr/share/man/zh_CN; cat /usr/share/games/fortunes/zh/* 2>/dev/null || true; } | cap_to > "$out/zh.txt"
man_text /usr/share/man/ja | cap_to > "$out/ja.txt"
{
  man_text /usr/share/man/de | head -c $((cap / 3))
  man_text /usr/share/man/fr | head -c $((cap / 3))
  man_text /usr/share/man/ru | head -c $((cap / 3))
} | { iconv -f UTF-8 -t UTF-8 -c || true; } > "$out/multi.txt"

node "$here/tests/corpus/generate.mjs" "$out/gen" > /dev/null
# The single-"word" runs at 1 MB and 10 MB: one letter, random letters, random CJK.
node -e '
  const fs = require("fs"), out = process.argv[1];
  // Math.imul: a plain `seed * 1103515245` is a double product past 2^53, whose lost low bits
  // shrank the cycle to a few thousand distinct letter pairs (an easy, not a random, word).
  let seed = 12345; const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  for (const [name, mb] of [["1mb", 1], ["10mb", 10]]) {
    const n = mb * 1000000;
    fs.writeFileSync(`${out}/a_${name}.txt`, "a".repeat(n));
    let s = ""; for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
    fs.writeFileSync(`${out}/letters_${name}.txt`, s);
    const parts = []; for (let i = 0; i < n / 3; i++) parts.push(String.fromCodePoint(0x4e00 + Math.floor(rnd() * 0x51a6)));
    fs.writeFileSync(`${out}/cjk_${name}.txt`, parts.join(""));
  }' "$out/runs"

{
  cat "$out/en.txt" "$out/code.txt" "$out/zh.txt" "$out/ja.txt" "$out/multi.txt"
  cat "$out/gen/run_"*.txt "$out/gen/random_cp_mostly_ascii.txt" "$out/gen/random_emoji_zwj.txt"
} | head -c 9000000 | { iconv -f UTF-8 -t UTF-8 -c || true; } > "$out/mixed.txt"

ls -l "$out"/*.txt "$out/runs"
