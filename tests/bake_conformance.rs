//! buildx's own bake scenarios (`../shared/conformance/buildx-bake`, 135
//! cases, 396 runs, each checked against a real `docker buildx bake
//! --print`): every run must agree with buildx. The test skips, saying so,
//! when `../shared/conformance` is not next to the project, and fails when
//! it is there and a run disagrees.
//!
//! The runs are reproduced the way `../shared/tools/bake-conformance` runs
//! them (`bakelint print -f FILE… --var N=V… --set K=V… TARGET…` in the
//! case folder, or its `dir`, with only the run's `env`), but in process:
//! [`bakelint::bake::load`] and [`bakelint::bake::BakeProject::print_json`],
//! what `bakelint print` calls, so the whole suite takes well under a
//! second. Matching follows the tool: an `expect` object is a subset
//! (`"$keys"` pins the key set, `{"$unordered": [...]}` is a multiset),
//! lists and scalars compare exactly, by JSON type; `expect_exact`,
//! `expect_absent` and `stdout_not_contains` as documented there; an
//! `expect_error` run must fail to load or print.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as J;

/// Runs that disagree with buildx today, with the cause; empty: all agree.
const KNOWN_FAILING: &[(&str, usize, &str)] = &[];

/// The whole suite: 396 runs.
const RUNS: usize = 396;

fn cases_dir() -> Option<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !shared.is_dir() {
        eprintln!("skipped: ../shared/conformance not found");
        return None;
    }
    let dir = shared.join("buildx-bake");
    assert!(
        dir.is_dir(),
        "../shared/conformance is there but holds no buildx-bake folder"
    );
    Some(dir)
}

fn jtype(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "list",
        J::Object(_) => "object",
    }
}

fn strict_equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| strict_equal(a, b))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| strict_equal(v, w)))
        }
        _ => jtype(a) == jtype(b) && a == b,
    }
}

fn unordered(exp: &J) -> Option<&Vec<J>> {
    let o = exp.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.get("$unordered")?.as_array()
}

/// Subset match of an expectation: `None` when it matches, else where and why.
fn matches(exp: &J, got: &J, path: &str) -> Option<String> {
    if let Some(want) = unordered(exp) {
        let Some(got) = got.as_array() else {
            return Some(format!("{path}: expected a list, got {got}"));
        };
        let mut left: Vec<&J> = got.iter().collect();
        for w in want {
            match left.iter().position(|g| strict_equal(w, g)) {
                Some(i) => {
                    left.remove(i);
                }
                None => return Some(format!("{path}: no {w} in {got:?}")),
            }
        }
        if let Some(extra) = left.first() {
            return Some(format!("{path}: unexpected {extra}"));
        }
        return None;
    }
    match exp {
        J::Object(o) => {
            let Some(g) = got.as_object() else {
                return Some(format!("{path}: expected an object, got {got}"));
            };
            if let Some(keys) = o.get("$keys").and_then(J::as_array) {
                let mut want: Vec<&str> = keys.iter().filter_map(J::as_str).collect();
                let mut have: Vec<&str> = g.keys().map(String::as_str).collect();
                want.sort_unstable();
                have.sort_unstable();
                if want != have {
                    return Some(format!("{path}: keys {have:?}, expected {want:?}"));
                }
            }
            for (k, v) in o {
                if k == "$keys" {
                    continue;
                }
                let Some(gv) = g.get(k) else {
                    return Some(format!("{path}.{k}: missing (expected {v})"));
                };
                if let Some(d) = matches(v, gv, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        _ if strict_equal(exp, got) => None,
        _ => Some(format!("{path}: expected {exp}, got {got}")),
    }
}

fn strings(v: Option<&J>) -> Vec<String> {
    v.and_then(J::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn string_map(v: Option<&J>) -> BTreeMap<String, String> {
    v.and_then(J::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// One run: `None` when it agrees with buildx, else the reason.
fn run_case(case_dir: &Path, run: &J) -> Option<String> {
    let cwd = match run.get("dir").and_then(J::as_str) {
        Some(d) => case_dir.join(d),
        None => case_dir.to_path_buf(),
    };
    let opts = bakelint::bake::LoadOptions {
        files: strings(run.get("files"))
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        cwd,
        env: string_map(run.get("env")),
        vars: string_map(run.get("vars")).into_iter().collect(),
        overrides: strings(run.get("set")),
        ..Default::default()
    };
    let targets = strings(run.get("targets"));
    let result =
        bakelint::bake::load(&opts).and_then(|p| p.print_json(&targets).map_err(|e| vec![e]));
    if run.get("expect_error").and_then(J::as_bool) == Some(true) {
        return match result {
            Ok(out) => Some(format!("expected an error, printed {}", out.trim())),
            Err(_) => None,
        };
    }
    let out = match result {
        Ok(out) => out,
        Err(errors) => {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            return Some(format!("failed: {first}"));
        }
    };
    let doc: J = match serde_json::from_str(&out) {
        Ok(d @ J::Object(_)) => d,
        _ => return Some(format!("not a JSON object: {out}")),
    };
    let expect = run
        .get("expect")
        .cloned()
        .unwrap_or(J::Object(Default::default()));
    if run.get("expect_exact").and_then(J::as_bool) == Some(true) {
        if !strict_equal(&expect, &doc) {
            return Some(format!("expected exactly {expect}, got {doc}"));
        }
    } else if let Some(d) = matches(&expect, &doc, "") {
        return Some(d);
    }
    for path in run
        .get("expect_absent")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let mut cur = &doc;
        let mut present = true;
        for p in path.as_array().into_iter().flatten() {
            match (cur, p.as_str()) {
                (J::Object(o), Some(k)) if o.contains_key(k) => cur = &o[k],
                _ => {
                    present = false;
                    break;
                }
            }
        }
        if present {
            return Some(format!("{path} should be absent, got {cur}"));
        }
    }
    for s in strings(run.get("stdout_not_contains")) {
        if out.contains(&s) {
            return Some(format!("output contains {s:?}"));
        }
    }
    None
}

#[test]
fn buildx_bake_print_conformance() {
    let Some(dir) = cases_dir() else { return };
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    names.sort();
    let mut ran = 0;
    let mut passed = 0;
    let mut failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    for case_dir in &names {
        let name = case_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(case_dir.join("case.json")).expect("case.json");
        let case: J = serde_json::from_str(&text).expect("case.json is JSON");
        for (i, run) in case["runs"].as_array().into_iter().flatten().enumerate() {
            ran += 1;
            let known = KNOWN_FAILING.iter().find(|(c, r, _)| *c == name && *r == i);
            match (run_case(case_dir, run), known) {
                (None, None) => passed += 1,
                (None, Some(_)) => {
                    passed += 1;
                    unexpected_passes.push(format!("{name} #{i}"));
                }
                (Some(_), Some(_)) => {}
                (Some(reason), None) => {
                    let run_name = run["name"].as_str().unwrap_or_default();
                    failures.push(format!("{name} #{i} [{run_name}]: {reason}"));
                }
            }
        }
    }
    eprintln!("bake fidelity: {passed}/{ran} runs agree with buildx");
    assert_eq!(ran, RUNS, "the suite should hold {RUNS} runs");
    assert!(
        failures.is_empty(),
        "{} run(s) disagree with buildx:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        unexpected_passes.is_empty(),
        "listed as failing but now agree with buildx (remove them from KNOWN_FAILING): {}",
        unexpected_passes.join(", ")
    );
    assert!(passed >= RUNS - KNOWN_FAILING.len());
}
