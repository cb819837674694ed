//! The CI report formats: exact GitHub annotations, SARIF validated against
//! the SARIF 2.1.0 schema, GitLab Code Quality, checkstyle and JUnit XML
//! parsed back, JSON Lines; and the CLI wiring (`-o`, `GITHUB_ACTIONS`,
//! `completions`, `--version`).
//!
//! Format modules are pure functions of diagnostics and sources, so most
//! tests build `Diagnostic` values by hand; the end-to-end tests at the end
//! run the binary on a small project.

use std::path::{Path, PathBuf};
use std::process::Command;

use bakelint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use bakelint::output::sarif::{self, PathBase};
use bakelint::output::{self, OutputFormat, Sources};
use bakelint::span::Span;
use quick_xml::events::Event;
use serde_json::Value;

const SRC: &str = "FROM alpine AS Builder\nRUN echo ok\nFROM Builder AS é,x\n";

fn diag(
    code: &'static str,
    name: &'static str,
    sev: Severity,
    file: &str,
    span: Span,
    msg: &str,
) -> Diagnostic {
    Diagnostic {
        code,
        name,
        severity: sev,
        file: PathBuf::from(file),
        span,
        message: msg.to_string(),
        help: None,
        labels: Vec::new(),
        fix: None,
    }
}

/// Two findings in `Dockerfile` (one with a safe fix, one with a label and an
/// unsafe fix), one in `sub/a b.Dockerfile`; plus a clean file.
fn sample() -> (Vec<Diagnostic>, Sources) {
    let mut sources = Sources::default();
    sources.insert(PathBuf::from("Dockerfile"), SRC.to_string());
    sources.insert(
        PathBuf::from("sub/a b.Dockerfile"),
        "FROM scratch\n".to_string(),
    );
    sources.insert(
        PathBuf::from("clean/Dockerfile"),
        "FROM scratch\n".to_string(),
    );
    let d1 = diag(
        "DF001",
        "stage-name-casing",
        Severity::Warning,
        "Dockerfile",
        Span::new(15, 22),
        "Stage name 'Builder' should be lowercase",
    )
    .with_fix(Fix::safe(
        "Rename the stage to `builder`",
        vec![Edit::replace("Dockerfile", Span::new(15, 22), "builder")],
    ));
    // "é,x" starts at byte 51 (after "FROM Builder AS "), é is two bytes.
    let start = SRC.find('é').unwrap_or(0);
    let d2 = diag(
        "DF005",
        "duplicate-stage-name",
        Severity::Error,
        "Dockerfile",
        Span::new(start, start + "é,x".len()),
        "100% <bad> & \"quoted\" 'name': a,b\r\nsecond line",
    )
    .with_label(Span::new(15, 22), "first defined here")
    .with_help("rename one of the stages")
    .with_fix(Fix::unsafe_(
        "Rename to `e-x`",
        vec![Edit::replace(
            "Dockerfile",
            Span::new(start, start + "é,x".len()),
            "e-x",
        )],
    ));
    let d3 = diag(
        "DF008",
        "maintainer-deprecated",
        Severity::Info,
        "sub/a b.Dockerfile",
        Span::new(0, 4),
        "note",
    );
    (vec![d1, d2, d3], sources)
}

fn render(format: OutputFormat, diags: &[Diagnostic], sources: &mut Sources) -> String {
    let mut out = Vec::new();
    output::render(format, diags, sources, false, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

// ---------------------------------------------------------------- github

#[test]
fn github_annotations_exact() {
    let (diags, mut sources) = sample();
    let out = render(OutputFormat::Github, &diags, &mut sources);
    let expected = concat!(
        "::warning file=Dockerfile,line=1,col=16,endLine=1,endColumn=23,title=DF001 stage-name-casing::Stage name 'Builder' should be lowercase\n",
        "::error file=Dockerfile,line=3,col=17,endLine=3,endColumn=20,title=DF005 duplicate-stage-name::100%25 <bad> & \"quoted\" 'name': a,b%0D%0Asecond line\n",
        "::notice file=sub/a b.Dockerfile,line=1,col=1,endLine=1,endColumn=5,title=DF008 maintainer-deprecated::note\n",
    );
    assert_eq!(out, expected);
}

#[test]
fn github_escapes_properties_like_actions_toolkit() {
    use bakelint::output::github::{escape_data, escape_property};
    assert_eq!(escape_data("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad:e,f");
    assert_eq!(escape_property("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad%3Ae%2Cf");
    // `%` first, so an escape is never escaped twice.
    assert_eq!(escape_property("%3A"), "%253A");

    let mut sources = Sources::default();
    sources.insert(PathBuf::from("odd:na,me"), "FROM x\n".to_string());
    let d = diag(
        "DF001",
        "stage-name-casing",
        Severity::Style,
        "odd:na,me",
        Span::new(0, 4),
        "m: 1, 2%",
    );
    let out = render(OutputFormat::Github, &[d], &mut sources);
    assert_eq!(
        out,
        "::notice file=odd%3Ana%2Cme,line=1,col=1,endLine=1,endColumn=5,title=DF001 stage-name-casing::m: 1, 2%25\n"
    );
}

// ---------------------------------------------------------------- sarif

fn sarif_schema_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sarif/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema json");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

fn base() -> PathBase {
    PathBase::new(PathBuf::from("/repo/proj"), Some(PathBuf::from("/repo")))
}

#[test]
fn sarif_is_schema_valid_and_complete() {
    let (diags, mut sources) = sample();
    let log = sarif::log(&diags, &mut sources, &base());
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| s.contains("sarif")));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bakelint");
    match sarif::HOMEPAGE {
        Some(home) => assert_eq!(driver["informationUri"], home),
        None => assert!(driver.get("informationUri").is_none(), "{driver}"),
    }
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), bakelint::rules::RULES.len());
    let df001 = rules
        .iter()
        .find(|r| r["id"] == "DF001")
        .expect("DF001 rule");
    assert_eq!(df001["name"], "stage-name-casing");
    assert!(df001["shortDescription"]["text"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(df001["fullDescription"]["text"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    match sarif::HOMEPAGE {
        Some(_) => assert!(df001["helpUri"]
            .as_str()
            .is_some_and(|s| s.ends_with("rules/DF001.md"))),
        None => assert!(df001.get("helpUri").is_none(), "{df001}"),
    }
    assert_eq!(df001["defaultConfiguration"]["level"], "warning");

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    let r0 = &results[0];
    assert_eq!(r0["ruleId"], "DF001");
    assert_eq!(r0["level"], "warning");
    let loc = &r0["locations"][0]["physicalLocation"];
    // Repository-relative: cwd /repo/proj, root /repo.
    assert_eq!(loc["artifactLocation"]["uri"], "proj/Dockerfile");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 1, "startColumn": 16, "endLine": 1, "endColumn": 23})
    );
    let rep = &r0["fixes"][0]["artifactChanges"][0];
    assert_eq!(rep["artifactLocation"]["uri"], "proj/Dockerfile");
    assert_eq!(rep["replacements"][0]["insertedContent"]["text"], "builder");
    assert_eq!(rep["replacements"][0]["deletedRegion"]["startColumn"], 16);
    assert_eq!(rep["replacements"][0]["deletedRegion"]["endColumn"], 23);

    // Columns count characters: "é,x" spans columns 17..20.
    let r1 = &results[1];
    assert_eq!(r1["level"], "error");
    assert_eq!(
        r1["locations"][0]["physicalLocation"]["region"]["endColumn"],
        20
    );
    assert_eq!(
        r1["relatedLocations"][0]["message"]["text"],
        "first defined here"
    );
    assert!(r1["fixes"][0]["description"]["text"]
        .as_str()
        .is_some_and(|s| s.ends_with("(unsafe)")));
    // Spaces are percent-encoded in URIs; info maps to note.
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "proj/sub/a%20b.Dockerfile"
    );
    assert_eq!(results[2]["level"], "note");
}

#[test]
fn sarif_fingerprints_survive_moved_lines() {
    let (diags, mut sources) = sample();
    let before = sarif::log(&diags, &mut sources, &base());

    // Insert two lines at the top: every span moves, line numbers change.
    let prefix = "# syntax=docker/dockerfile:1\n\n";
    let mut moved_sources = Sources::default();
    moved_sources.insert(PathBuf::from("Dockerfile"), format!("{prefix}{SRC}"));
    moved_sources.insert(
        PathBuf::from("sub/a b.Dockerfile"),
        "FROM scratch\n".to_string(),
    );
    let moved: Vec<Diagnostic> = diags
        .iter()
        .cloned()
        .map(|mut d| {
            if d.file == Path::new("Dockerfile") {
                d.span = d.span.offset(prefix.len());
            }
            d
        })
        .collect();
    let after = sarif::log(&moved, &mut moved_sources, &base());
    assert_valid_sarif(&after);
    let prints = |log: &Value| -> Vec<Value> {
        log["runs"][0]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| r["partialFingerprints"].clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(prints(&before), prints(&after));
    assert_ne!(
        before["runs"][0]["results"][0]["locations"],
        after["runs"][0]["results"][0]["locations"]
    );
    // Distinct findings get distinct fingerprints.
    let p = prints(&before);
    assert_ne!(p[0], p[1]);
    // A changed offending line changes the fingerprint.
    let mut edited = Sources::default();
    edited.insert(
        PathBuf::from("Dockerfile"),
        SRC.replacen("alpine", "debian", 1),
    );
    let other = sarif::fingerprints(&diags[..1], &mut edited, &base());
    let orig = sarif::fingerprints(&diags[..1], &mut sample().1, &base());
    assert_ne!(other, orig);
}

#[test]
fn sarif_identical_findings_are_numbered() {
    let mut sources = Sources::default();
    sources.insert(
        PathBuf::from("Dockerfile"),
        "FROM a AS X\nFROM a AS X\n".to_string(),
    );
    let a = diag(
        "DF001",
        "stage-name-casing",
        Severity::Warning,
        "Dockerfile",
        Span::new(10, 11),
        "m",
    );
    let b = diag(
        "DF001",
        "stage-name-casing",
        Severity::Warning,
        "Dockerfile",
        Span::new(22, 23),
        "m",
    );
    let prints = sarif::fingerprints(&[a, b], &mut sources, &base());
    assert!(prints[0].ends_with(":1"), "{prints:?}");
    assert!(prints[1].ends_with(":2"), "{prints:?}");
    assert_eq!(prints[0].split(':').next(), prints[1].split(':').next());
}

#[test]
fn sarif_without_findings_is_valid() {
    let log = sarif::log(&[], &mut Sources::default(), &base());
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_create_edit_is_valid() {
    let mut sources = Sources::default();
    sources.insert(PathBuf::from("Dockerfile"), "COPY . /\n".to_string());
    let d = diag(
        "DF020",
        "copy-ignored-file",
        Severity::Warning,
        "Dockerfile",
        Span::new(0, 4),
        "m",
    )
    .with_fix(Fix {
        message: "create .dockerignore".into(),
        applicability: Applicability::DisplayOnly,
        edits: vec![Edit::Create {
            file: PathBuf::from(".dockerignore"),
            content: "x\n".into(),
        }],
    });
    let log = sarif::log(&[d], &mut sources, &base());
    assert_valid_sarif(&log);
    let change = &log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "proj/.dockerignore");
}

#[test]
fn repo_relative_paths() {
    let b = PathBase::new(PathBuf::from("/r/a/b"), Some(PathBuf::from("/r")));
    assert_eq!(b.relative(Path::new("./Dockerfile")), "a/b/Dockerfile");
    assert_eq!(b.relative(Path::new("../c/Dockerfile")), "a/c/Dockerfile");
    assert_eq!(b.relative(Path::new("/r/x/Dockerfile")), "x/Dockerfile");
    let no_repo = PathBase::new(PathBuf::from("/r/a"), None);
    assert_eq!(
        no_repo.relative(Path::new("./x/Dockerfile")),
        "x/Dockerfile"
    );
    assert_eq!(sarif::uri_encode_path("a b/c%d#é"), "a%20b/c%25d%23%C3%A9");
    assert_eq!(sarif::uri_encode_path("c:x"), "c%3Ax");
}

// ---------------------------------------------------------------- gitlab

#[test]
fn gitlab_code_quality() {
    let (diags, mut sources) = sample();
    let value = bakelint::output::gitlab::report(&diags, &mut sources, &base());
    let issues = value.as_array().expect("array");
    assert_eq!(issues.len(), 3);
    let mut prints = std::collections::BTreeSet::new();
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap_or("")));
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"]
            .as_u64()
            .is_some_and(|n| n >= 1));
        assert!(prints.insert(issue["fingerprint"].as_str().unwrap_or("").to_string()));
    }
    assert_eq!(issues[0]["check_name"], "DF001");
    assert_eq!(issues[0]["severity"], "minor");
    assert_eq!(issues[1]["severity"], "major");
    assert_eq!(issues[0]["location"]["path"], "proj/Dockerfile");
    assert_eq!(
        issues[1]["location"]["lines"],
        serde_json::json!({"begin": 3, "end": 3})
    );
    assert!(issues[0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("Stage name 'Builder'")));
    // The rendered text is the same JSON.
    let mut out = Vec::new();
    bakelint::output::gitlab::render_with(&diags, &mut sources, &base(), &mut out).expect("render");
    let parsed: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(parsed, value);
}

// ---------------------------------------------------------------- xml

/// An XML element: name, attributes (unescaped), text content (unescaped).
type Element = (String, Vec<(String, String)>, String);

/// Parses XML fully (fails on malformed input: bad escapes, unbalanced or
/// mismatched tags, several roots) and returns its elements in document order.
fn parse_xml(xml: &str) -> Vec<Element> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event();
        match event {
            Ok(Event::Start(ref e)) | Ok(Event::Empty(ref e)) => {
                if open.is_empty() {
                    roots += 1;
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        let value = a.unescape_value().expect("attribute value").into_owned();
                        (key, value)
                    })
                    .collect();
                out.push((name, attrs, String::new()));
                if matches!(event, Ok(Event::Start(_))) {
                    open.push(out.len() - 1);
                }
            }
            Ok(Event::End(_)) => {
                open.pop().expect("balanced");
            }
            Ok(Event::Text(t)) => {
                let text = t.unescape().expect("text").into_owned();
                if let Some(&i) = open.last() {
                    out[i].2.push_str(&text);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML: {e}\n{xml}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    assert_eq!(roots, 1, "one root element");
    out
}

fn attr<'a>(el: &'a Element, key: &str) -> &'a str {
    el.1.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn checkstyle_parses_back() {
    let (diags, mut sources) = sample();
    let xml = render(OutputFormat::Checkstyle, &diags, &mut sources);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle"));
    let els = parse_xml(&xml);
    assert_eq!(els[0].0, "checkstyle");
    let files: Vec<&str> = els
        .iter()
        .filter(|e| e.0 == "file")
        .map(|e| attr(e, "name"))
        .collect();
    assert_eq!(
        files,
        ["Dockerfile", "clean/Dockerfile", "sub/a b.Dockerfile"]
    );
    let errors: Vec<_> = els.iter().filter(|e| e.0 == "error").collect();
    assert_eq!(errors.len(), 3);
    assert_eq!(attr(errors[0], "line"), "1");
    assert_eq!(attr(errors[0], "column"), "16");
    assert_eq!(attr(errors[0], "severity"), "warning");
    assert_eq!(attr(errors[0], "source"), "DF001");
    // Escaping round-trips, line breaks included.
    assert_eq!(attr(errors[1], "message"), diags[1].message);
    assert_eq!(attr(errors[1], "severity"), "error");
    assert_eq!(attr(errors[2], "severity"), "info");
}

#[test]
fn junit_parses_back() {
    let (diags, mut sources) = sample();
    let xml = render(OutputFormat::Junit, &diags, &mut sources);
    let els = parse_xml(&xml);
    assert_eq!(els[0].0, "testsuites");
    assert_eq!(attr(&els[0], "tests"), "3");
    assert_eq!(attr(&els[0], "failures"), "2");
    let cases: Vec<_> = els.iter().filter(|e| e.0 == "testcase").collect();
    assert_eq!(cases.len(), 3, "one test case per file");
    assert_eq!(attr(cases[0], "name"), "Dockerfile");
    let failures: Vec<_> = els.iter().filter(|e| e.0 == "failure").collect();
    assert_eq!(failures.len(), 3, "one failure per finding");
    assert_eq!(attr(failures[0], "type"), "DF001");
    assert_eq!(
        attr(failures[1], "message"),
        format!("DF005 duplicate-stage-name: {}", diags[1].message)
    );
    assert!(failures[1]
        .2
        .starts_with("Dockerfile:3:17: DF005 100% <bad> &"));
    assert!(failures[1].2.ends_with("help: rename one of the stages"));
}

#[test]
fn xml_escaping_drops_forbidden_control_characters() {
    use bakelint::output::checkstyle::xml_escape;
    assert_eq!(xml_escape("a\u{1}b\u{1b}c"), "a\u{FFFD}b\u{FFFD}c");
    assert_eq!(
        xml_escape("<&>\"'\t\n\r"),
        "&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13;"
    );
    let mut sources = Sources::default();
    sources.insert(PathBuf::from("D"), "x\n".to_string());
    let d = diag(
        "DF001",
        "n",
        Severity::Warning,
        "D",
        Span::new(0, 1),
        "bell\u{7} ]]> end",
    );
    for format in [OutputFormat::Checkstyle, OutputFormat::Junit] {
        let xml = render(format, std::slice::from_ref(&d), &mut sources);
        parse_xml(&xml);
    }
}

// ---------------------------------------------------------------- json lines

#[test]
fn json_lines_match_json() {
    let (diags, mut sources) = sample();
    let lines = render(OutputFormat::JsonLines, &diags, &mut sources);
    let json: Value =
        serde_json::from_str(&render(OutputFormat::Json, &diags, &mut sources)).expect("json");
    let parsed: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object per line"))
        .collect();
    assert_eq!(Value::Array(parsed), json);
    assert_eq!(lines.lines().count(), 3);
    assert!(render(OutputFormat::JsonLines, &[], &mut sources).is_empty());
}

// ---------------------------------------------------------------- end to end

fn bakelint() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bakelint"));
    cmd.env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR");
    cmd
}

/// A small project: a repository with a Dockerfile that has problems and a clean one.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine AS Builder\nMAINTAINER someone@example.com\nFROM builder AS builder\nRUN echo done\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("ok")).expect("mkdir");
    std::fs::write(
        dir.path().join("ok/Dockerfile"),
        "FROM alpine:3.20\nRUN echo ok\n",
    )
    .expect("write");
    dir
}

fn run_format(dir: &Path, format: &str) -> (String, String, i32) {
    let out = bakelint()
        .current_dir(dir)
        .args(["check", "--output-format", format, "."])
        .output()
        .expect("run bakelint");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The number of findings in the project, per the `json` format.
fn count_findings(dir: &Path) -> usize {
    let (stdout, _, _) = run_format(dir, "json");
    let v: Value = serde_json::from_str(&stdout).expect("json");
    v.as_array().map_or(0, Vec::len)
}

#[test]
fn e2e_every_format_is_valid_for_the_project() {
    let dir = project();
    let n = count_findings(dir.path());
    let expected_exit = if n > 0 { 1 } else { 0 };

    let (out, _, code) = run_format(dir.path(), "sarif");
    assert_eq!(code, expected_exit);
    let log: Value = serde_json::from_str(&out).expect("sarif json");
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), n);
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or("");
        assert!(uri == "Dockerfile" || uri == "ok/Dockerfile", "{uri}");
    }
    // Stable across runs.
    let (again, _, _) = run_format(dir.path(), "sarif");
    assert_eq!(out, again);

    let (out, _, code) = run_format(dir.path(), "gitlab");
    assert_eq!(code, expected_exit);
    let v: Value = serde_json::from_str(&out).expect("gitlab json");
    assert_eq!(v.as_array().map(Vec::len), Some(n));

    let (out, _, _) = run_format(dir.path(), "checkstyle");
    let els = parse_xml(&out);
    assert_eq!(els.iter().filter(|e| e.0 == "error").count(), n);
    assert_eq!(els.iter().filter(|e| e.0 == "file").count(), 2);

    let (out, _, _) = run_format(dir.path(), "junit");
    let els = parse_xml(&out);
    assert_eq!(els.iter().filter(|e| e.0 == "failure").count(), n);
    assert_eq!(els.iter().filter(|e| e.0 == "testcase").count(), 2);

    let (out, _, _) = run_format(dir.path(), "json-lines");
    assert_eq!(out.lines().count(), n);
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).expect("json line");
        assert!(v["code"].is_string());
    }

    let (out, _, _) = run_format(dir.path(), "github");
    let annotations = out.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(annotations, n);
    assert!(out
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("Found ") || l == "All checks passed."));
}

#[test]
fn e2e_finds_problems_in_the_project() {
    // Needs the real parser and rules (merged from their branches).
    let dir = project();
    let (out, _, code) = run_format(dir.path(), "github");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("::warning file=Dockerfile,line=1,"), "{out}");
    assert!(out.contains("title=DF001 stage-name-casing::"), "{out}");
}

#[test]
fn e2e_github_actions_defaults_to_annotations() {
    let dir = project();
    let n = count_findings(dir.path());
    let out = bakelint()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .arg(".")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::")).count(),
        n,
        "{stdout}"
    );
    assert_eq!(
        lines.len(),
        n + 1,
        "annotations plus one summary line: {stdout}"
    );
    // An explicit format wins.
    let out = bakelint()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .args(["--output-format", "concise", "."])
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("::"));
}

#[test]
fn e2e_output_file_gets_report_terminal_gets_summary() {
    let dir = project();
    let report = dir.path().join("report.sarif");
    let out = bakelint()
        .current_dir(dir.path())
        .args(["--output-format", "sarif", "-o"])
        .arg(&report)
        .arg("Dockerfile")
        .arg("ok")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Found ") || stdout.starts_with("All checks passed."),
        "summary on the terminal: {stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_valid_sarif(&log);

    // --quiet drops the summary; the file is still written.
    let report2 = dir.path().join("report.xml");
    let out = bakelint()
        .current_dir(dir.path())
        .args(["--quiet", "--output-format", "junit", "--output-file"])
        .arg(&report2)
        .arg(".")
        .output()
        .expect("run");
    assert!(out.stdout.is_empty());
    parse_xml(&std::fs::read_to_string(&report2).expect("report"));

    // An unwritable path is an error (exit 2).
    let out = bakelint()
        .current_dir(dir.path())
        .args([
            "-o",
            "no/such/dir/report.json",
            "--output-format",
            "json",
            ".",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
}

#[test]
fn e2e_machine_formats_have_no_summary_on_stdout() {
    let dir = project();
    for format in [
        "json",
        "json-lines",
        "sarif",
        "gitlab",
        "checkstyle",
        "junit",
    ] {
        let (out, _, _) = run_format(dir.path(), format);
        assert!(
            !out.contains("All checks passed") && !out.contains("Found "),
            "{format}: {out}"
        );
    }
}

#[test]
fn completions_and_version() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bakelint()
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("bakelint"), "{shell}");
        assert!(text.contains("output-format"), "{shell}");
    }
    let out = bakelint().arg("--version").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    // `bakelint 0.1.0 (abc1234)` or `(unknown)` without git.
    let version = env!("CARGO_PKG_VERSION");
    assert!(text.starts_with(&format!("bakelint {version} (")), "{text}");
    let commit = text
        .trim()
        .rsplit('(')
        .next()
        .unwrap_or("")
        .trim_end_matches(')');
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{text}"
    );
}

#[test]
fn sarif_schema_check_catches_mistakes() {
    let (diags, mut sources) = sample();
    let mut log = sarif::log(&diags, &mut sources, &base());
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let validator = sarif_schema_validator();
    assert!(
        !validator.is_valid(&log),
        "an unknown level must be rejected"
    );
    let mut log = sarif::log(&diags, &mut sources, &base());
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!validator.is_valid(&log), "line 0 must be rejected");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every format for the bundled example projects: produced, validated
/// (schema or parse-back) and consistent with the `json` report.
#[test]
fn e2e_example_projects_in_every_format() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples");
    let Ok(entries) = std::fs::read_dir(&examples) else {
        panic!("no example projects in {}", examples.display());
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        copy_tree(&entry.path(), &root);
        std::fs::create_dir_all(root.join(".git")).expect(".git");
        let n = count_findings(&root);
        total += n;
        let name = entry.file_name().to_string_lossy().into_owned();

        let (out, _, _) = run_format(&root, "sarif");
        let log: Value = serde_json::from_str(&out).expect("sarif");
        assert_valid_sarif(&log);
        let results = log["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(results.len(), n, "{name}");
        for r in &results {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            assert!(
                region["startLine"].as_u64().is_some_and(|l| l >= 1),
                "{name}: {r}"
            );
            assert!(
                region["endColumn"].as_u64().is_some_and(|c| c >= 1),
                "{name}: {r}"
            );
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("");
            assert!(
                !uri.starts_with('/') && !uri.starts_with(".."),
                "{name}: {uri}"
            );
            assert!(root.join(uri.replace("%20", " ")).exists(), "{name}: {uri}");
        }

        let (out, _, _) = run_format(&root, "gitlab");
        let v: Value = serde_json::from_str(&out).expect("gitlab");
        assert_eq!(v.as_array().map(Vec::len), Some(n), "{name}");

        for format in ["checkstyle", "junit"] {
            let (out, _, _) = run_format(&root, format);
            let els = parse_xml(&out);
            let tag = if format == "junit" {
                "failure"
            } else {
                "error"
            };
            assert_eq!(
                els.iter().filter(|e| e.0 == tag).count(),
                n,
                "{name} {format}"
            );
        }

        let (out, _, _) = run_format(&root, "json-lines");
        assert_eq!(out.lines().count(), n, "{name}");
        let (out, _, _) = run_format(&root, "github");
        assert_eq!(
            out.lines().filter(|l| l.starts_with("::")).count(),
            n,
            "{name}"
        );
    }
    assert!(total > 0, "the example projects have findings");
}
