#!/usr/bin/env bash
# The Python packaging, end to end, as a user meets it:
#
#  1. `maturin build` makes the wheel (binary packaging, pyproject.toml);
#  2. the wheel is installed into a fresh virtual environment, and the
#     `bakelint` it puts there prints its version and lints a copy of the
#     bundled example exactly as tests/snapshots/ci-pipeline.report.txt says;
#  3. the pre-commit `language: python` hooks (.pre-commit-hooks.yaml) are run
#     by the real pre-commit on a scratch repository: pre-commit installs the
#     hooks' package into its own environment with `pip install .`, which
#     installs the wheel (as for a user once wheels are published), and the
#     hook blocks a bad commit, then passes a clean one. With
#     BAKELINT_SMOKE_FROM_SOURCE=1 the hooks repository is this working tree
#     and pip builds it with maturin (a user without a wheel; minutes).
#
# Step 3 needs pre-commit and PyPI (setuptools for the hooks' package); it is
# skipped with a notice when pre-commit is absent, except under CI (CI set),
# where that is an error.
#
# The wheel is built with the dev profile by default: the dependencies the
# test build compiled are reused and only the bakelint crate is compiled
# again (under a minute, where the release profile's LTO build takes
# minutes); BAKELINT_WHEEL_PROFILE=release builds what a release ships.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
profile="${BAKELINT_WHEEL_PROFILE:-dev}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ci=false
case "${CI:-}" in "" | 0 | false) ;; *) ci=true ;; esac

seconds() { date +%s; }

echo "-- maturin build --profile $profile"
t0=$(seconds)
maturin build --profile "$profile" --locked --out "$work/wheels" 2>&1 | tail -n 3
wheel=("$work"/wheels/bakelint-*.whl)
[ -f "${wheel[0]}" ] || { echo "no wheel built" >&2; exit 1; }
echo "wheel: $(basename "${wheel[0]}") ($(($(stat -c %s "${wheel[0]}") / 1024)) KiB), built in $(($(seconds) - t0)) s"

echo "-- install into a fresh virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-index --no-deps "${wheel[0]}"
bin="$work/venv/bin/bakelint"
[ -x "$bin" ] || { echo "the wheel put no bakelint in $work/venv/bin" >&2; exit 1; }
found="$(PATH="$work/venv/bin:/usr/bin:/bin" command -v bakelint)"
[ "$found" = "$bin" ] || { echo "bakelint on the venv's PATH is $found, not $bin" >&2; exit 1; }
version="$("$bin" --version)"
echo "$version"
case "$version" in
  "bakelint $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1) "*) ;;
  *) echo "unexpected version line: $version" >&2; exit 1 ;;
esac

echo "-- lint the bundled example with the installed bakelint"
cp -R testdata/examples/ci-pipeline "$work/example"
set +e
(cd "$work/example" && env -u GITHUB_SHA -u TAG -u REGISTRY -u GITHUB_ACTIONS NO_COLOR=1 \
  "$bin" --output-format concise) > "$work/report.txt"
status=$?
set -e
[ "$status" = 1 ] || { echo "exit code $status, expected 1 (findings)" >&2; exit 1; }
diff -u tests/snapshots/ci-pipeline.report.txt "$work/report.txt"
tail -n 1 "$work/report.txt"

echo "-- pre-commit language: python hooks"
if ! command -v pre-commit > /dev/null 2>&1; then
  if [ "$ci" = true ]; then
    echo "pre-commit is not on PATH but CI is set: install it (pip install pre-commit)" >&2
    exit 1
  fi
  echo "NOTICE: skipped: pre-commit is not on PATH (pip install pre-commit)"
  echo "wheel-smoke: 2 passed, 0 failed, 1 skipped"
  exit 0
fi
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com
export PRE_COMMIT_HOME="$work/pre-commit-home"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GITHUB_ACTIONS
: > "$GIT_CONFIG_GLOBAL"
hooks="$work/hooks"
mkdir "$hooks"
if [ "${BAKELINT_SMOKE_FROM_SOURCE:-}" = 1 ]; then
  # The hooks repository is this working tree (tracked and new files, not
  # ignored): pre-commit's `pip install .` builds it with maturin, as for a
  # user on a platform without a published wheel. The profile and target
  # directory are the ones above, but the build still compiles (minutes).
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] || continue
    mkdir -p "$hooks/$(dirname "$f")"
    cp -P "$f" "$hooks/$f"
  done
  export MATURIN_PEP517_ARGS="--profile $profile"
  export CARGO_TARGET_DIR="$root/target"
else
  # The hooks as a user with a published wheel gets them: the hooks
  # repository's package depends on `bakelint`, here the wheel built above,
  # so pre-commit's `pip install .` installs that wheel and compiles nothing.
  cp .pre-commit-hooks.yaml "$hooks/"
  cat > "$hooks/pyproject.toml" <<TOML
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "bakelint-hooks-smoke"
version = "0"
dependencies = ["bakelint @ file://${wheel[0]}"]

[tool.setuptools]
packages = []
TOML
fi
git -C "$hooks" init -q -b main
git -C "$hooks" add -A
git -C "$hooks" commit -q -m hooks
rev="$(git -C "$hooks" rev-parse HEAD)"

repo="$work/work"
mkdir "$repo"
git -C "$repo" init -q -b main
printf 'repos:\n- repo: %s\n  rev: %s\n  hooks:\n  - id: bakelint-python\n' "$hooks" "$rev" > "$repo/.pre-commit-config.yaml"
t0=$(seconds)
(cd "$repo" && pre-commit install-hooks) 2>&1 | tail -n 3
echo "pre-commit installed the python hook in $(($(seconds) - t0)) s"
(cd "$repo" && pre-commit install > /dev/null)
printf 'FROM alpine:3.20 AS Builder\nRUN echo hi\n' > "$repo/Dockerfile"
git -C "$repo" add -A
if out="$(git -C "$repo" commit -m bad 2>&1)"; then
  echo "$out"
  echo "the python hook let a failing Dockerfile through" >&2
  exit 1
fi
case "$out" in
  *"Dockerfile:1:21: DF001"*) ;;
  *) echo "$out"; echo "the python hook did not report DF001" >&2; exit 1 ;;
esac
printf 'FROM alpine:3.20 AS builder\nRUN echo hi\n' > "$repo/Dockerfile"
git -C "$repo" add -A
out="$(git -C "$repo" commit -m good 2>&1)" || { echo "$out"; echo "the python hook blocked a clean commit" >&2; exit 1; }
case "$out" in
  *Passed*) ;;
  *) echo "$out"; echo "the python hook did not run" >&2; exit 1 ;;
esac
echo "wheel-smoke: 3 passed, 0 failed"
