#!/usr/bin/env bash
# Counts a generated tree of mixed text files with `tokenmeter check`, one thread and all threads,
# and prints files/s and MB/s for each. Measured, never asserted; not run in CI.
#
#   bench/check/run.sh [--cli build/tokenmeter] [--size-mb 50] [--dir build/bench-check-tree]
#                      [--models gpt-4o] [--runs 3]
#
# The tree is built deterministically from tests/corpus/text (prose in many languages, code, JSON,
# emoji, adversarial text): files of 2-34 KB cut from the corpus at varying offsets, spread over
# nested directories, plus a few binary files that check skips. Cuts can split a UTF-8 sequence,
# so the run uses --invalid-utf8 replace. Each figure is the best of --runs runs after a warm-up
# (the warm-up pays the vocabulary load, which every real run pays once too).
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
cli="$here/build/tokenmeter"
size_mb=50
dir="$here/build/bench-check-tree"
models="gpt-4o"
runs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --size-mb) size_mb="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$cli" ]] || { echo "no tokenmeter binary at $cli (build it, or pass --cli)" >&2; exit 2; }

stamp="$dir/.generated-$size_mb"
if [[ ! -f "$stamp" ]]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  pool="$dir/.pool"
  # A pool of at least 4 MB of corpus text, so cuts rarely repeat.
  while [[ ! -f "$pool" || $(stat -c %s "$pool") -lt 4194304 ]]; do
    cat "$here"/tests/corpus/text/* >> "$pool"
  done
  pool_size=$(stat -c %s "$pool")
  target=$((size_mb * 1024 * 1024))
  total=0 i=0
  while [[ $total -lt $target ]]; do
    size=$((2048 + (i * 7919) % 32768))
    offset=$((1 + (i * 104729) % (pool_size - size)))
    sub="$dir/d$((i % 17))/s$((i % 5))"
    mkdir -p "$sub"
    ext=(md txt py json)
    # head closes the pipe early; tail's SIGPIPE is expected, not a failure.
    { tail -c +"$offset" "$pool" | head -c "$size" > "$sub/f$i.${ext[$((i % 4))]}"; } || true
    total=$((total + size)) i=$((i + 1))
  done
  for b in 0 1 2 3; do head -c 4096 /dev/urandom | tr -d '\000' | { printf '\0'; cat; } > "$dir/d$b/blob$b.bin"; done
  rm -f "$pool"
  touch "$stamp"
fi

files=$(find "$dir" -type f ! -name '.*' | wc -l)
bytes=$(find "$dir" -type f ! -name '.*' -printf '%s\n' | awk '{s+=$1} END {print s}')
cores=$(nproc)
echo "tree: $dir ($files files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MB), models: $models, cores: $cores"

run() {  # run JOBS -> prints the best wall time in seconds
  local best=""
  "$cli" check "$dir" -m "$models" --jobs "$1" --invalid-utf8 replace --no-config --no-progress -q > /dev/null  # warm-up
  for ((r = 0; r < runs; r++)); do
    local t0=$EPOCHREALTIME
    "$cli" check "$dir" -m "$models" --jobs "$1" --invalid-utf8 replace --no-config --no-progress -q > /dev/null
    local t1=$EPOCHREALTIME
    best=$(awk -v a="$t0" -v b="$t1" -v best="$best" 'BEGIN {d = b - a; if (best == "" || d < best) best = d; print best}')
  done
  echo "$best"
}

printf '%-8s %10s %12s %10s\n' threads seconds files/s MB/s
for jobs in 1 "$cores"; do
  s=$(run "$jobs")
  awk -v j="$jobs" -v s="$s" -v f="$files" -v b="$bytes" 'BEGIN {printf "%-8s %10.3f %12.0f %10.2f\n", j, s, f / s, b / 1048576 / s}'
done
