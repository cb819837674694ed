#!/usr/bin/env python3
"""Checks that findings do not depend on where bakelint runs.

Usage: scripts/cwd-invariance.py BIN [--corpus DIR]

For every bake project of the corpus (../shared/corpus/bake-projects), lints the project root and
each directory holding a bake file (`bakelint check .` there), and compares the findings on the
files under that directory: the same file, line, column and code must be reported from both
places. Vendored trees (vendor/, node_modules/, ...) are skipped when walking from the root by
design but linted when run inside them; those differences are listed separately.
Exit status: 1 when a difference outside vendored trees remains."""
import argparse, collections, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("bin")
ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpus"))
a = ap.parse_args()
BIN = os.path.abspath(a.bin)
PROJECTS = os.path.join(os.path.abspath(a.corpus), "bake-projects")
VENDORED = {"vendor", "node_modules", "third_party"}


def findings(cwd):
    p = subprocess.run([BIN, "check", "--output-format", "json", "--exit-zero", "."], cwd=cwd,
                       capture_output=True)
    try:
        data = json.loads(p.stdout or b"[]")
    except ValueError:
        return set()
    data = data if isinstance(data, list) else data.get("diagnostics", [])
    return {(os.path.normpath(os.path.join(cwd, d["path"])), d["start"]["line"],
             d["start"]["column"], d["code"]) for d in data}


def vendored(path):
    return bool(VENDORED & set(path.split(os.sep)))


real, expected = collections.Counter(), collections.Counter()
for project in sorted(os.listdir(PROJECTS)):
    root = os.path.join(PROJECTS, project)
    bake_dirs = sorted({d for d, _, fs in os.walk(root)
                        for f in fs if "bake" in f and f.endswith((".hcl", ".json"))})
    from_root = findings(root)
    for d in bake_dirs:
        from_dir = findings(d)
        under = lambda s: {x for x in s if x[0].startswith(d + os.sep)}
        for side, diff in (("root only", under(from_root) - from_dir),
                           ("own dir only", from_dir - under(from_root))):
            for path, line, col, code in sorted(diff):
                where = os.path.relpath(path, PROJECTS)
                (expected if vendored(where) else real)[code] += 1
                if not vendored(where):
                    print(f"{side}: {where}:{line}:{col} {code}")
print("differences outside vendored trees:", dict(real) or "none")
print("differences in vendored trees (skipped from the root by design):", dict(expected) or "none")
sys.exit(1 if real else 0)
