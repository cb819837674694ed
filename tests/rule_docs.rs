//! Every rule's doc is executable: its failing example must fire the rule,
//! its fixed example must not, and where the rule has a fix, fixing the
//! failing example must give the fixed example byte for byte, after which a
//! second fix run changes nothing. Examples are whole little projects
//! (Dockerfiles, bake files, .dockerignore) linted like the CLI does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::project::discover;
use bakelint::rules::docs::{examples, DocExample};
use bakelint::rules::{RuleDef, RULES};
use bakelint::workspace::{self, Plan};

/// The rule alone, with the options of the example's `bakelint.toml` when
/// it has one (rules that do nothing unconfigured, such as DL3026's
/// trusted registries, show their config in the example).
fn settings_for(rule: &RuleDef, example: &DocExample) -> Settings {
    let cli = CliSelection {
        select: Some(vec![rule.code.to_string()]),
        ..CliSelection::default()
    };
    let config = example
        .files
        .iter()
        .find(|f| f.path == "bakelint.toml")
        .map_or("", |f| f.content.as_str());
    Settings::from_toml(Path::new("bakelint.toml"), config, &cli).expect("settings")
}

/// Writes the example's files into `dir`; returns the path of its first file.
fn materialise(dir: &Path, example: &DocExample) -> PathBuf {
    for f in &example.files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, &f.content).expect("write example file");
    }
    dir.join(&example.files[0].path)
}

fn plan_for(dir: &Path) -> Plan {
    let found = discover(&[dir.to_path_buf()]);
    let mut plan = Plan::new(&found.files, &[]);
    plan.cwd = dir.to_path_buf();
    plan.env = BTreeMap::new();
    plan
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
    let settings = settings_for(rule, &bad);
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_main = materialise(dir.path(), &bad);
    let plan = plan_for(dir.path());
    let first = workspace::lint(&plan, &BTreeMap::new(), &settings);
    let initial = first.diagnostics;
    let own: Vec<&Diagnostic> = initial.iter().filter(|d| d.code == rule.code).collect();
    if own.is_empty() {
        problems.push(format!(
            "{}: failing example does not fire (got {:?}, errors {:?})",
            rule.code, initial, first.errors
        ));
    }
    for d in &own {
        if d.message.is_empty() {
            problems.push(format!("{}: empty message", rule.code));
        }
    }

    let good_dir = tempfile::tempdir().expect("tempdir");
    materialise(good_dir.path(), &good);
    let good_settings = settings_for(rule, &good);
    let after =
        workspace::lint(&plan_for(good_dir.path()), &BTreeMap::new(), &good_settings).diagnostics;
    if after.iter().any(|d| d.code == rule.code) {
        problems.push(format!(
            "{}: fixed example still fires: {:?}",
            rule.code, after
        ));
    }

    if rule.fix.is_some() && !own.is_empty() {
        let mode = FixMode { unsafe_fixes: true };
        let lint = |files: &BTreeMap<PathBuf, String>| {
            workspace::lint(&plan, files, &settings).diagnostics
        };
        let res = fix_all(initial.clone(), mode, &DiskSource, &lint);
        // Every file of the fixed example must match what the fix produced.
        for f in &good.files {
            let path = dir.path().join(&f.path);
            let fixed = res
                .contents
                .get(&path)
                .cloned()
                .unwrap_or_else(|| std::fs::read_to_string(&path).unwrap_or_default());
            if fixed != f.content {
                problems.push(format!(
                    "{}: fixing the example gives {}:\n{fixed}\nbut the doc's fixed example is\n{}",
                    rule.code, f.path, f.content
                ));
            }
        }
        if !res.failures.is_empty() {
            problems.push(format!("{}: fix failures {:?}", rule.code, res.failures));
        }
        // Convergence: a second run on the fixed files changes nothing.
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
                "{}: a second --fix still changes the files",
                rule.code
            ));
        }
        let _ = bad_main;
    }
    problems
}

#[test]
fn rule_docs_examples_hold() {
    let mut problems = Vec::new();
    for rule in RULES.iter().copied() {
        problems.extend(check_rule(rule));
    }
    assert!(RULES.len() >= 32, "every rule is checked");
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
