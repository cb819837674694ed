//! The README's generated parts: the rule table (from the registry) and the
//! example's report and diff (from the snapshots of
//! `tests/example_project.rs`). The tests fail when they drift; run with
//! `BAKELINT_BLESS=1` to rewrite them (bless the snapshots first).

use bakelint::diagnostic::Applicability;
use bakelint::rules::RULES;

/// The tests of this file read and (when blessing) rewrite README.md: one
/// at a time.
static README_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

const START: &str = "<!-- rules:start -->\n";
const END: &str = "<!-- rules:end -->";

fn table() -> String {
    let mut out = String::from("| code | name | also known as | severity | fix | what it finds |\n| --- | --- | --- | --- | --- | --- |\n");
    for r in RULES {
        let fix = match r.fix {
            Some(Applicability::Safe) => "safe",
            Some(Applicability::Unsafe) => "unsafe",
            Some(Applicability::DisplayOnly) => "suggestion",
            None => "—",
        };
        let aliases = if r.aliases.is_empty() {
            "—".to_string()
        } else {
            r.aliases.join(", ")
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.code,
            r.name,
            aliases,
            r.severity.as_str(),
            fix,
            r.summary.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let _guard = README_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(START).expect("rules:start marker") + START.len();
    let end = readme.find(END).expect("rules:end marker");
    let expected = table();
    if std::env::var_os("BAKELINT_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
        std::fs::write(&path, updated).expect("write README");
        return;
    }
    assert_eq!(
        &readme[start..end],
        expected,
        "README rule table is stale: run BAKELINT_BLESS=1 cargo test --test readme"
    );
}

/// Checks (or, with `BAKELINT_BLESS`, rewrites) the README text between
/// `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn check_generated_block(name: &str, expected: &str) {
    let _guard = README_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start_marker = format!("<!-- {name}:start -->\n");
    let end_marker = format!("<!-- {name}:end -->");
    let start = readme.find(&start_marker).expect("start marker") + start_marker.len();
    let end = readme.find(&end_marker).expect("end marker");
    if std::env::var_os("BAKELINT_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
        std::fs::write(&path, updated).expect("write README");
        return;
    }
    assert_eq!(
        &readme[start..end],
        expected,
        "README block {name} is stale: run BAKELINT_BLESS=1 cargo test --test readme"
    );
}

fn snapshot(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    std::fs::read_to_string(path).expect("snapshot (bless tests/example_project.rs first)")
}

#[test]
fn readme_shows_the_examples_current_report_and_diff() {
    check_generated_block(
        "example-report",
        &format!("```text\n{}```\n", snapshot("ci-pipeline.report.txt")),
    );
    check_generated_block(
        "example-diff",
        &format!("```diff\n{}```\n", snapshot("ci-pipeline.diff")),
    );
}
