#!/usr/bin/env python3
"""Damages copies of the example project and checks that `--fix --unsafe-fixes`
handles them: no panic, no "internal error" (a fix that broke a file), and a
second run changes nothing. Copies that fail are kept for inspection (the
damaged input as `wN.orig`, the result as `wN`).

Usage: scripts/mutate-example.py [SEED] [COPIES]   (after `cargo build --release`)
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "testdata", "examples", "ci-pipeline")
BIN = os.path.join(ROOT, "target", "release", "bakelint")


def damage(directory, files, rng):
    for _ in range(rng.randint(1, 3)):
        path = os.path.join(directory, rng.choice(files))
        with open(path, newline="") as f:
            lines = f.read().split("\n")
        op = rng.choice(["del", "dup", "swap", "case", "crlf", "indent"])
        i = rng.randrange(len(lines))
        if op == "del":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "case":
            lines[i] = lines[i].lower()
        elif op == "indent":
            lines[i] = "  " + lines[i]
        text = "\n".join(lines)
        if op == "crlf":
            text = text.replace("\n", "\r\n")
        with open(path, "w", newline="") as f:
            f.write(text)


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rng = random.Random(seed)
    files = []
    for root, _, names in os.walk(SRC):
        for name in names:
            rel = os.path.relpath(os.path.join(root, name), SRC)
            if rel.endswith(("Dockerfile", ".hcl", ".txt")):
                files.append(rel)
    files.sort()
    work = tempfile.mkdtemp(prefix="bakelint-mutate-")
    problems = 0
    for n in range(copies):
        d = os.path.join(work, f"w{n}")
        shutil.copytree(SRC, d)
        damage(d, files, rng)
        shutil.copytree(d, d + ".orig")
        first = subprocess.run([BIN, "--fix", "--unsafe-fixes", "--quiet"], cwd=d,
                               capture_output=True, text=True)
        second = subprocess.run([BIN, "--fix", "--unsafe-fixes", "--diff"], cwd=d,
                                capture_output=True, text=True)
        bad = (first.returncode not in (0, 1) or "internal error" in first.stderr
               or "panicked" in first.stderr or second.stdout.strip())
        if bad:
            problems += 1
            print(f"== copy {n} ({d}): exit {first.returncode}\n{first.stderr[-1500:]}"
                  f"\n-- second run:\n{second.stdout[:3000]}")
        else:
            shutil.rmtree(d)
            shutil.rmtree(d + ".orig")
    print(f"{copies} copies, {problems} problem(s)")
    if problems == 0:
        shutil.rmtree(work)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
