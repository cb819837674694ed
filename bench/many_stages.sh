#!/usr/bin/env bash
# Benchmark: lint generated Dockerfiles of 10,000 stages (a FROM chain with
# upper-case names, and independent stages with relative WORKDIRs) and a
# ~1 MB multi-stage file with the release binary, with the Dockerfile
# syntax/BuildKit rules (DF000-DF010, DF012) and with every rule (`ALL`), then
# plans the fixes with --diff; prints
# wall time and peak memory per run (`/usr/bin/time`).
# Usage: bench/many_stages.sh [rules-to-select, default DF000..DF012]
set -euo pipefail
cd "$(dirname "$0")/.."
select="${1:-DF000,DF001,DF002,DF003,DF004,DF005,DF006,DF007,DF008,DF009,DF010,DF012}"
cargo build --release --quiet
bin="$PWD/target/release/bakelint"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

{
  printf 'ARG BASE=alpine:3.20\nFROM ${BASE} AS Stage0\nENV DIR=rel\n'
  for i in $(seq 1 9999); do
    printf 'FROM stage%d AS Stage%d\nENV V%d=x\nARG A%d=y\nRUN echo %d\nCOPY --from=Stage0 /a /b\n' \
      $((i - 1)) "$i" "$i" "$i" "$i"
  done
  printf 'WORKDIR $DIR/app\n'
} > "$dir/chain10k.Dockerfile"

for i in $(seq 0 9999); do
  printf 'FROM alpine:3.20 AS Build%d\nENV A=b\nWORKDIR rel%d\nRUN echo hi\n' "$i" "$i"
done > "$dir/flat10k.Dockerfile"

{
  printf '# syntax=docker/dockerfile:1\nARG BASE=python:3.12-slim\n'
  for i in $(seq 0 1600); do
    printf 'FROM ${BASE} AS stage%d\nENV LANG=C.UTF-8\nWORKDIR /app\nRUN apt-get update \\\n' "$i"
    for _ in 1 2 3 4 5 6 7 8; do
      printf '    && apt-get install -y --no-install-recommends curl git \\\n'
    done
    printf '    && rm -rf /var/lib/apt/lists/*\nCOPY . .\nCMD ["python", "app.py"]\n'
  done
} > "$dir/realistic1mb.Dockerfile"

for f in chain10k flat10k realistic1mb; do
  size=$(wc -c < "$dir/$f.Dockerfile")
  /usr/bin/time -q -f "$f ($size bytes) --select $select: %e s, %M KB" \
    "$bin" check --output-format concise --select "$select" "$dir/$f.Dockerfile" > /dev/null || true
done

# The fix engine on the same files: --diff plans every fix (10,000 renamed
# stages in chain10k) and prints the unified diff.
for f in chain10k flat10k realistic1mb; do
  /usr/bin/time -q -f "$f --diff --unsafe-fixes --select $select: %e s, %M KB" \
    "$bin" check --diff --unsafe-fixes --select "$select" "$dir/$f.Dockerfile" > /dev/null || true
done
