//! Data-driven `bakelint print` tests: every directory under
//! `testdata/bake/print/` is one case with input files, an optional `env`
//! file (KEY=VALUE lines), an optional `args` file (one per line: a target
//! name, `-f FILE`, `--var K=V` or `--set T.K=V`) and either `expected.json`
//! (the exact `docker buildx bake --print` output) or `expected.err` (a
//! substring of the error message).
//!
//! Set `BAKE_PRINT_BLESS=1` to write missing expected files from the
//! current output (review them before committing!).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bakelint::bake::{load, LoadOptions};

struct Case {
    opts: LoadOptions,
    names: Vec<String>,
}

fn read_case(dir: &Path) -> Case {
    let mut env = BTreeMap::new();
    if let Ok(text) = fs::read_to_string(dir.join("env")) {
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            env.insert(k.to_string(), v.to_string());
        }
    }
    let mut opts = LoadOptions {
        files: vec![],
        cwd: dir.to_path_buf(),
        env,
        vars: vec![],
        overrides: vec![],
        ..LoadOptions::default()
    };
    let mut names = Vec::new();
    if let Ok(text) = fs::read_to_string(dir.join("args")) {
        for line in text.lines() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(f) = line.strip_prefix("-f ") {
                opts.files.push(PathBuf::from(f));
            } else if let Some(v) = line.strip_prefix("--var ") {
                let (k, val) = v.split_once('=').unwrap_or((v, ""));
                opts.vars.push((k.to_string(), val.to_string()));
            } else if let Some(s) = line.strip_prefix("--set ") {
                opts.overrides.push(s.to_string());
            } else {
                names.push(line.to_string());
            }
        }
    }
    Case { opts, names }
}

fn run(dir: &Path) -> Result<String, String> {
    let case = read_case(dir);
    let project = load(&case.opts).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    project.print_json(&case.names).map_err(|e| e.to_string())
}

#[test]
fn bake_print_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bake/print");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("testdata/bake/print exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let bless = std::env::var("BAKE_PRINT_BLESS").is_ok();
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let json = dir.join("expected.json");
        let err = dir.join("expected.err");
        let got = run(dir);
        match (fs::read_to_string(&json), fs::read_to_string(&err)) {
            (Ok(want), _) => match got {
                Ok(out) if out == want => {}
                Ok(out) => failures.push(format!(
                    "{name}: output differs\n--- want\n{want}\n--- got\n{out}"
                )),
                Err(e) => failures.push(format!("{name}: unexpected error: {e}")),
            },
            (_, Ok(want)) => match got {
                Err(e) if e.contains(want.trim()) => {}
                Err(e) => failures.push(format!(
                    "{name}: error {e:?} does not contain {:?}",
                    want.trim()
                )),
                Ok(out) => failures.push(format!("{name}: expected an error, got\n{out}")),
            },
            _ => {
                if bless {
                    match &got {
                        Ok(out) => fs::write(&json, out).expect("write expected.json"),
                        Err(e) => fs::write(&err, format!("{e}\n")).expect("write expected.err"),
                    }
                }
                failures.push(format!(
                    "{name}: no expected.json or expected.err (got {got:?})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
    assert!(dirs.len() >= 40, "only {} print cases", dirs.len());
}
