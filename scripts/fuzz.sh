#!/usr/bin/env bash
# Long mutation-fuzzing campaigns: the fuzzer of tests/fuzz_mutations.rs
# (tests/fuzz/) with a random or given seed and many cases, on one thread.
#
# Usage: scripts/fuzz.sh [ITERATIONS [SEED]]
#   ITERATIONS  cases to run (default: $BAKELINT_FUZZ_ITERATIONS or 20000)
#   SEED        campaign seed, decimal or 0x-hex (default: $BAKELINT_FUZZ_SEED or random)
# Environment:
#   BAKELINT_FUZZ_OUT             where failing inputs go (default target/fuzz/seed-SEED)
#   BAKELINT_FUZZ_START           first case index (default 0)
#   BAKELINT_FUZZ_TIMEOUT_SECS    work bound of one case (default 120)
#   BAKELINT_FUZZ_MAX_FILE_BYTES  largest mutated file (default 65536)
#   BAKELINT_FUZZ_MINIMISE=0      save failures without minimising them
#   BAKELINT_FUZZ_PROGRESS        progress line every N cases (default 500)
#   FUZZ_MEMORY_MB                address-space limit of the run (default 4096)
#
# Each distinct failure (panic, hang, bad span, fix that breaks a file or does
# not converge) is saved, with its minimised form, in OUT/failures/*/ (see
# FAILURE.txt there: the replay command, the mutations, the minimised project
# as Rust for tests/fuzz_regressions.rs). A crash the test cannot catch (stack
# overflow, allocation failure) is saved from OUT/work/current and the campaign
# resumes at the next case. Exit status: 0 when no case failed.
set -euo pipefail
cd "$(dirname "$0")/.."

iterations=${1:-${BAKELINT_FUZZ_ITERATIONS:-20000}}
seed=${2:-${BAKELINT_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}}
start=${BAKELINT_FUZZ_START:-0}
out=${BAKELINT_FUZZ_OUT:-target/fuzz/seed-$seed}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The debug test profile: overflow checks and debug assertions are on.
binary=$(cargo test --test fuzz_mutations --no-run 2>&1 |
  sed -n 's/.*Executable .*(\(.*fuzz_mutations-[0-9a-f]*\)).*/\1/p' | tail -n 1)
if [ -z "$binary" ]; then
  echo "fuzz.sh: could not build the fuzz test" >&2
  exit 2
fi

echo "fuzz.sh: seed $seed, cases $start..$((start + iterations)), failures in $out/failures"
end=$((start + iterations))
status=0
while [ "$start" -lt "$end" ]; do
  set +e
  (
    ulimit -v $((${FUZZ_MEMORY_MB:-4096} * 1024))
    BAKELINT_FUZZ_SEED=$seed BAKELINT_FUZZ_START=$start BAKELINT_FUZZ_ITERATIONS=$((end - start)) \
      BAKELINT_FUZZ_OUT=$out BAKELINT_FUZZ_PROGRESS=${BAKELINT_FUZZ_PROGRESS:-500} \
      RAYON_NUM_THREADS=1 "$binary" --test-threads=1 --nocapture
  )
  code=$?
  set -e
  if [ "$code" -le 100 ] || [ "$code" -eq 101 ]; then
    # 0: no failure; 101: the test reported failures (saved by the test).
    [ "$code" -ne 0 ] && status=1
    break
  fi
  # Killed by a signal: the case in OUT/work/current took the process down.
  status=1
  case_index=$(sed -n 's/^seed .* case \([0-9]*\)$/\1/p' "$out/work/current-case.txt")
  saved="$out/failures/crash-$seed-$case_index"
  mkdir -p "$saved"
  cp -r "$out/work/current" "$saved/input"
  { cat "$out/work/current-case.txt"; echo; echo "crash: the test process ended with status $code (signal $((code - 128)))"; } \
    >"$saved/FAILURE.txt"
  echo "fuzz.sh: case $case_index crashed the process (status $code); saved in $saved" >&2
  start=$((case_index + 1))
done
exit "$status"
