#!/usr/bin/env bash
# Benchmark: evaluate a generated 500-line bake file (40 target blocks,
# matrices, functions, inheritance) in a release build and report the time.
# Usage: bench/bake_eval.sh [path-to-write-the-generated-file]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  export BAKE_BENCH_WRITE="$1"
fi
cargo test --release --quiet --test bake_bench -- --ignored --nocapture bake_eval_benchmark 2>&1 \
  | grep -E "^bake eval:"
