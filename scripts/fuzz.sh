#!/usr/bin/env bash
# fuzz.sh - runs every libFuzzer target of a fuzz build for N seconds each,
# with its dictionary (fuzz/<name>.dict) and checked-in seeds (fuzz/seeds-<name>/)
# when there are; the growing corpus (fuzz/corpus-<name>/) stays untracked.
# Usage: scripts/fuzz.sh <fuzz build dir> <seconds>
set -euo pipefail
dir=${1:-build-fuzz}
secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
ran=0
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="$root/fuzz/corpus-$name"
  mkdir -p "$corpus"
  dict=()
  [ -f "$root/fuzz/$name.dict" ] && dict=(-dict="$root/fuzz/$name.dict")
  seeds=()
  [ -d "$root/fuzz/seeds-$name" ] && seeds=("$root/fuzz/seeds-$name")
  echo "== $name (${secs}s)"
  "$bin" "${dict[@]}" -max_total_time="$secs" -print_final_stats=0 "$corpus" "${seeds[@]}" 2>&1 | tail -3
  ran=$((ran + 1))
done
# a crash stops the script above (set -e, pipefail); here every target ran clean
echo "fuzz: $ran passed, 0 failed"
