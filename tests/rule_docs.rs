//! Every rule's doc is executable: its failing example must fire the rule,
//! its fixed example must not, and where the rule has a fix, fixing the
//! failing example must give the fixed example byte for byte, after which a
//! second fix run changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::linter::lint_dockerfile_text;
use bakelint::rules::docs::{examples, DocExample};
use bakelint::rules::{BuildInfo, RuleDef, RuleScope, RULES};

fn settings_for(rule: &RuleDef) -> Settings {
    let cli = CliSelection {
        select: Some(vec![rule.code.to_string()]),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings")
}

/// Writes the example's files into `dir`, returns the Dockerfile path.
fn materialise(dir: &Path, example: &DocExample) -> PathBuf {
    for f in &example.files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, &f.content).expect("write example file");
    }
    dir.join("Dockerfile")
}

fn lint_files(
    files: &BTreeMap<PathBuf, String>,
    settings: &Settings,
    dockerfile: &Path,
) -> Vec<Diagnostic> {
    let text = files
        .get(dockerfile)
        .cloned()
        .or_else(|| std::fs::read_to_string(dockerfile).ok())
        .unwrap_or_default();
    let build = BuildInfo {
        context: dockerfile.parent().map(Path::to_path_buf),
        ..BuildInfo::default()
    };
    lint_dockerfile_text(dockerfile, &text, settings, &build)
}

fn check_rule(rule: &'static RuleDef) -> Vec<String> {
    let mut problems = Vec::new();
    let (bad, good) = examples(rule.doc);
    if bad.files.is_empty() || good.files.is_empty() {
        problems.push(format!(
            "{}: doc lacks `## Example` or `## Use instead` code blocks",
            rule.code
        ));
        return problems;
    }
    let settings = settings_for(rule);
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_path = materialise(dir.path(), &bad);
    let initial = lint_files(&BTreeMap::new(), &settings, &bad_path);
    let own: Vec<&Diagnostic> = initial.iter().filter(|d| d.code == rule.code).collect();
    if own.is_empty() {
        problems.push(format!("{}: failing example does not fire", rule.code));
    }
    for d in &own {
        if d.message.is_empty() {
            problems.push(format!("{}: empty message", rule.code));
        }
    }

    let good_dir = tempfile::tempdir().expect("tempdir");
    let good_path = materialise(good_dir.path(), &good);
    let after = lint_files(&BTreeMap::new(), &settings, &good_path);
    if after.iter().any(|d| d.code == rule.code) {
        problems.push(format!(
            "{}: fixed example still fires: {:?}",
            rule.code, after
        ));
    }

    if rule.fix.is_some() && !own.is_empty() {
        let mode = FixMode { unsafe_fixes: true };
        let lint = |files: &BTreeMap<PathBuf, String>| lint_files(files, &settings, &bad_path);
        let res = fix_all(initial.clone(), mode, &DiskSource, &lint);
        let fixed = res
            .contents
            .get(&bad_path)
            .cloned()
            .unwrap_or_else(|| std::fs::read_to_string(&bad_path).unwrap_or_default());
        let expected = &good.files[0].content;
        if &fixed != expected {
            problems.push(format!(
                "{}: fixing the example gives\n{fixed}\nbut the doc's fixed example is\n{expected}",
                rule.code
            ));
        }
        if !res.failures.is_empty() {
            problems.push(format!("{}: fix failures {:?}", rule.code, res.failures));
        }
        // Convergence: a second run on the fixed text changes nothing.
        let again = lint(&res.contents);
        let res2 = fix_all(again, mode, &DiskSource, &|f: &BTreeMap<
            PathBuf,
            String,
        >| {
            let mut merged = res.contents.clone();
            merged.extend(f.clone());
            lint(&merged)
        });
        if res2
            .changed()
            .any(|(p, _, new)| res.contents.get(p) != Some(new))
        {
            problems.push(format!(
                "{}: a second --fix still changes the file",
                rule.code
            ));
        }
    }
    problems
}

#[test]
fn rule_docs_examples_hold() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in RULES
        .iter()
        .copied()
        .filter(|r| r.scope == RuleScope::Dockerfile)
    {
        checked += 1;
        problems.extend(check_rule(rule));
    }
    assert!(
        checked >= 21,
        "expected every Dockerfile rule to be checked, got {checked}"
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_a_complete_doc() {
    let mut missing = Vec::new();
    for rule in RULES {
        for section in [
            "## What it does",
            "## Why",
            "## Example",
            "## Use instead",
            "## Fix safety",
            "## Options",
        ] {
            if !rule.doc.contains(section) {
                missing.push(format!("{}: {section}", rule.code));
            }
        }
        if !rule
            .doc
            .starts_with(&format!("# {} {}", rule.code, rule.name))
        {
            missing.push(format!(
                "{}: title must be `# {} {}`",
                rule.code, rule.code, rule.name
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "incomplete rule docs:\n{}",
        missing.join("\n")
    );
}
