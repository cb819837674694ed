#!/usr/bin/env bash
# Diagnostics latency of `bakelint server` for a 2,000-line Dockerfile after
# a change: the time from sending textDocument/didChange to receiving the
# publishDiagnostics of that version, over stdio, with a release build.
# The target (issue 6) is under 20 ms.
#
#   bench/lsp_latency.sh                 # 2,000 lines, 100 changes
#   BAKELINT_BENCH_LINES=5000 BAKELINT_BENCH_ROUNDS=50 bench/lsp_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --test lsp -- --ignored --nocapture --exact bench_lsp_latency 2>&1 \
  | grep -E '^lsp latency|panicked|error' || { echo "benchmark failed" >&2; exit 1; }
