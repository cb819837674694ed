//! The README's rule table is generated from the registry; this test fails
//! when they drift (run with `BAKELINT_BLESS=1` to rewrite the table).

use bakelint::diagnostic::Applicability;
use bakelint::rules::RULES;

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
