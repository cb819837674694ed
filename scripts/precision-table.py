#!/usr/bin/env python3
"""Regenerates docs/precision.md: per rule, the findings a bakelint binary
reports on the real-world corpus and what the review records in
docs/reviews/CODE.toml say about them (reviewed, true positives, the
debatable cases left, the patterns fixed).

Counting matches ../shared/tools/corpus-report: the Dockerfiles of
corpus/dockerfiles are linted on their own, in batches of 200 from that
folder; each bake project is linted with `check .` from every directory
that holds a bake file (corpus-report's "own-dir" count).

Usage (after `cargo build --release`):
  scripts/precision-table.py [BIN]            write docs/precision.md
  scripts/precision-table.py [BIN] --check    exit 1 when docs/precision.md
                                              is not what would be written
  options: --corpus DIR (default ../shared/corpus), --reviews DIR
  (default docs/reviews), --output FILE (default docs/precision.md),
  --counts-from REPORT (take the counts from saved corpus-report output
  instead of running BIN over the corpus).

BIN defaults to target/release/bakelint. Python 3.11+, standard library only.
Exit status: 0 written or up to date, 1 differs (--check), 2 bad input
(an unreadable or invalid review record, no binary, no corpus).
"""
import argparse
import ast
import collections
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BATCH = 200
# The line of the header that names the commit: --check ignores it, so the
# table is not stale merely because a commit was made since.
PROVENANCE = "<!-- generated from "


class InputError(Exception):
    pass


def run(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, capture_output=True, timeout=900)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def findings(out):
    """The findings of `check --output-format json` (a list, or an object with `diagnostics`)."""
    out = out.strip()
    if not out:
        return []
    try:
        data = json.loads(out)
    except ValueError:
        return []
    return data if isinstance(data, list) else data.get("diagnostics", [])


def rules(binary):
    """`(code, name)` of every rule, in `bakelint rule` order."""
    rc, out, err = run(binary, ["rule"], ROOT)
    if rc != 0:
        raise InputError(f"`{binary} rule` failed: {err.strip()}")
    found = []
    for line in out.splitlines():
        m = re.match(r"^([A-Z]{2,}\d+)\s+(\S+)", line)
        if m:
            found.append((m.group(1), m.group(2)))
    if not found:
        raise InputError(f"`{binary} rule` listed no rules")
    return found


def bake_dirs(project):
    """Directories of a project holding a bake file, as corpus-report finds them."""
    return sorted({d for d, _, fs in os.walk(project)
                   for f in fs if "bake" in f and f.endswith((".hcl", ".json"))})


def count_corpus(binary, corpus):
    """Findings per rule: (on Dockerfiles, in bake projects), plus what was linted."""
    dockerfiles, bake = collections.Counter(), collections.Counter()
    dfdir = os.path.join(corpus, "dockerfiles")
    files = sorted(os.listdir(dfdir)) if os.path.isdir(dfdir) else []
    for i in range(0, len(files), BATCH):
        batch = files[i:i + BATCH]
        _, out, _ = run(binary, ["check", "--output-format", "json", "--exit-zero"] + batch, dfdir)
        for d in findings(out):
            dockerfiles[d.get("code", "?")] += 1
    bpdir = os.path.join(corpus, "bake-projects")
    projects = sorted(os.listdir(bpdir)) if os.path.isdir(bpdir) else []
    for p in projects:
        for d in bake_dirs(os.path.join(bpdir, p)):
            _, out, _ = run(binary, ["check", "--output-format", "json", "--exit-zero", "."], d)
            for x in findings(out):
                bake[x.get("code", "?")] += 1
    return dockerfiles, bake, {"dockerfiles": len(files), "bake projects": len(projects)}


def counts_from_report(path):
    """The same counts, read from saved corpus-report output."""
    dockerfiles = bake = None
    linted = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("findings per rule (Dockerfiles):"):
                dockerfiles = ast.literal_eval(line.split(":", 1)[1].strip())
            elif line.startswith("findings per rule (bake projects, linted from own-dir):"):
                bake = ast.literal_eval(line.split(":", 1)[1].strip())
            elif m := re.match(r"^Dockerfiles: (\d+) linted", line):
                linted["dockerfiles"] = int(m.group(1))
            elif m := re.match(r"^bake projects: (\d+);", line):
                linted["bake projects"] = int(m.group(1))
    if dockerfiles is None or bake is None:
        raise InputError(f"{path}: no per-rule findings of corpus-report in it")
    return collections.Counter(dockerfiles), collections.Counter(bake), linted


def corpus_fingerprint(corpus):
    """A short hash of the corpus file names and sizes (which corpus was counted)."""
    h = hashlib.sha256()
    for folder in ("dockerfiles", "bake-projects"):
        base = os.path.join(corpus, folder)
        for d, dirs, fs in sorted(os.walk(base)):
            dirs.sort()
            for f in sorted(fs):
                p = os.path.join(d, f)
                h.update(f"{os.path.relpath(p, corpus)}\0{os.path.getsize(p)}\n".encode())
    return h.hexdigest()[:12]


def commit():
    """The source commit, marked when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return head + (" with uncommitted changes" if dirty else "")


def load_reviews(directory, known):
    """Review records by rule code; raises InputError on an invalid one."""
    reviews = {}
    if not os.path.isdir(directory):
        return reviews
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".toml"):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise InputError(f"{path}: {e}")
        reviews[name[:-5]] = check_review(path, name[:-5], data, known)
    return reviews


def check_review(path, code, data, known):
    def fail(message):
        raise InputError(f"{path}: {message}")

    if data.get("rule") != code:
        fail(f"`rule` must be {code!r} (the file name), not {data.get('rule')!r}")
    if code not in known:
        fail(f"{code} is not a rule of this bakelint")
    for key in ("reviewed", "true_positives"):
        if not isinstance(data.get(key), int) or isinstance(data.get(key), bool) or data[key] < 0:
            fail(f"`{key}` must be a whole number >= 0")
    if data["true_positives"] > data["reviewed"]:
        fail("`true_positives` cannot exceed `reviewed`")
    debatable = data.get("debatable", [])
    if not isinstance(debatable, list):
        fail("`debatable` must be an array of tables ([[debatable]])")
    # `fixed = [...]` written after a [[debatable]] table (as the brief's
    # example has it) is, to TOML, a key of that table: take it from there too.
    fixed = list(data.get("fixed", [])) if isinstance(data.get("fixed", []), list) else None
    if fixed is None:
        fail("`fixed` must be an array of strings")
    for i, case in enumerate(debatable):
        if not isinstance(case, dict) or not all(isinstance(case.get(k), str) and case[k].strip()
                                                 for k in ("finding", "why")):
            fail(f"[[debatable]] #{i + 1} needs `finding` and `why` strings")
        extra = set(case) - {"finding", "why", "fixed"}
        if extra:
            fail(f"[[debatable]] #{i + 1}: unknown key(s): {', '.join(sorted(extra))}")
        if "fixed" in case:
            if not isinstance(case["fixed"], list):
                fail("`fixed` must be an array of strings")
            fixed += case["fixed"]
    if not all(isinstance(x, str) for x in fixed):
        fail("`fixed` must be an array of strings")
    unknown = set(data) - {"rule", "reviewed", "true_positives", "debatable", "fixed", "note"}
    if unknown:
        fail(f"unknown key(s): {', '.join(sorted(unknown))}")
    note = data.get("note", "")
    if not isinstance(note, str):
        fail("`note` must be a string")
    return {"reviewed": data["reviewed"], "true_positives": data["true_positives"], "note": note,
            "debatable": [{"finding": c["finding"], "why": c["why"]} for c in debatable], "fixed": fixed}


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def percent(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "—"


def render(rule_list, dockerfiles, bake, linted, reviews, source, corpus_id):
    lines = [
        "# Rule precision on the real-world corpus",
        "",
        PROVENANCE + source + " -->",
        f"Generated by `scripts/precision-table.py` — do not edit by hand. Regenerate with "
        f"`cargo build --release && scripts/precision-table.py` (check with `--check`). "
        f"Corpus: `../shared/corpus` (fingerprint `{corpus_id}`: "
        f"{linted.get('dockerfiles', '?')} Dockerfiles, {linted.get('bake projects', '?')} bake projects).",
        "",
        "Findings are counted as `../shared/tools/corpus-report` counts them: Dockerfiles linted on "
        "their own; bake projects linted from each bake file's directory. Reviews are the records in "
        "`docs/reviews/CODE.toml` (format: `docs/reviews/README.md`); precision is true positives over "
        "findings reviewed.",
        "",
        "| code | name | findings on Dockerfiles | findings in bake projects | reviewed | true positives "
        "| precision | debatable |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals = collections.Counter()
    for code, name in rule_list:
        r = reviews.get(code)
        df, bk = dockerfiles.get(code, 0), bake.get(code, 0)
        totals["df"] += df
        totals["bk"] += bk
        if r:
            totals["reviewed"] += r["reviewed"]
            totals["tp"] += r["true_positives"]
            totals["debatable"] += len(r["debatable"])
            review = [r["reviewed"], r["true_positives"], percent(r["true_positives"], r["reviewed"]),
                      len(r["debatable"])]
        else:
            review = ["not reviewed", "", "", ""]
        lines.append("| " + " | ".join(cell(x) for x in [code, name, df, bk] + review) + " |")
    lines.append("| " + " | ".join([
        "**all**", f"{len(reviews)} of {len(rule_list)} rules reviewed", str(totals["df"]), str(totals["bk"]),
        str(totals["reviewed"]), str(totals["tp"]), percent(totals["tp"], totals["reviewed"]),
        str(totals["debatable"])]) + " |")
    lines.append("")
    names = dict(rule_list)
    for code, _ in rule_list:
        r = reviews.get(code)
        if not r:
            continue
        lines += ["", f"## {code} {names[code]}", "",
                  f"{r['reviewed']} findings reviewed, {r['true_positives']} true positives "
                  f"({percent(r['true_positives'], r['reviewed'])})."]
        if r["note"].strip():
            lines += ["", " ".join(r["note"].split())]
        lines += ["", "Debatable or false cases left:", ""]
        lines += [f"- `{c['finding'].strip()}`: {' '.join(c['why'].split())}" for c in r["debatable"]] or ["- none"]
        lines += ["", "Patterns fixed:", ""]
        lines += [f"- {' '.join(x.split())}" for x in r["fixed"]] or ["- none recorded"]
    unreviewed = [code for code, _ in rule_list if code not in reviews]
    lines += ["", "## Not reviewed", "",
              (", ".join(unreviewed) if unreviewed else "Every rule has a review record.")]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("bin", nargs="?", default=os.path.join(ROOT, "target", "release", "bakelint"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--reviews", default=os.path.join(ROOT, "docs", "reviews"))
    ap.add_argument("--output", default=os.path.join(ROOT, "docs", "precision.md"))
    ap.add_argument("--counts-from", metavar="REPORT")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    corpus = os.path.abspath(a.corpus)
    try:
        if not os.access(binary, os.X_OK):
            raise InputError(f"{binary}: no bakelint binary (run `cargo build --release`)")
        if not os.path.isdir(corpus):
            raise InputError(f"{corpus}: no corpus")
        rule_list = rules(binary)
        reviews = load_reviews(a.reviews, {c for c, _ in rule_list})
        if a.counts_from:
            dockerfiles, bake, linted = counts_from_report(a.counts_from)
        else:
            dockerfiles, bake, linted = count_corpus(binary, corpus)
    except InputError as e:
        print(f"precision-table: {e}", file=sys.stderr)
        return 2
    text = render(rule_list, dockerfiles, bake, linted, reviews, commit(), corpus_fingerprint(corpus))
    if a.check:
        try:
            with open(a.output, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = ""

        def comparable(t):
            return [line for line in t.splitlines() if not line.startswith(PROVENANCE)]

        if comparable(current) != comparable(text):
            print(f"precision-table: {os.path.relpath(a.output)} is out of date; "
                  f"run scripts/precision-table.py", file=sys.stderr)
            return 1
        print(f"precision-table: {os.path.relpath(a.output)} is up to date")
        return 0
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"precision-table: wrote {os.path.relpath(a.output)} ({len(rule_list)} rules, "
          f"{len(reviews)} reviewed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
