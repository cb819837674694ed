//! The bake rules BK001–BK010 on whole little projects, linted as the CLI
//! does (`workspace::lint`): what fires where, what stays quiet on a clean
//! definition, fixes through the fix loop, and no panics on odd input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bakelint::config::{CliSelection, Settings};
use bakelint::diagnostic::Diagnostic;
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::workspace;

mod common;
use common::{plan as plan_for, project};

fn bake_settings() -> Settings {
    let cli = CliSelection {
        select: Some(vec!["BK".to_string()]),
        ..CliSelection::default()
    };
    Settings::from_toml(Path::new("bakelint.toml"), "", &cli).expect("settings")
}

fn lint(dir: &Path) -> Vec<Diagnostic> {
    workspace::lint(&plan_for(dir), &BTreeMap::new(), &bake_settings()).diagnostics
}

/// `(code, covered text)` of every finding, in report order.
fn findings(dir: &Path, diags: &[Diagnostic]) -> Vec<(&'static str, String)> {
    diags
        .iter()
        .map(|d| {
            let path = if d.file.is_absolute() {
                d.file.clone()
            } else {
                dir.join(&d.file)
            };
            let text = std::fs::read_to_string(path).unwrap_or_default();
            (d.code, d.span.slice(&text).to_string())
        })
        .collect()
}

const REALISTIC: &str = r#"variable "TAG" {
  default = "latest"
}

variable "UNUSED" {
  default = "x"
}

target "_common" {
  args = {
    GO_VERSION = "1.22"
  }
  platforms = ["linux/amd64", "linux/amd46"]
}

target "app" {
  inherits = ["_common"]
  context = "app"
  target = "relase"
  tags = ["example/app:${TAG}"]
  cache_from = ["type=registry,ref=example/app:cache"]
}

target "worker" {
  inherits = ["_common"]
  context = "app"
  tags = ["example/app:${TAG}"]
}

target "docs" {
  dockerfile = "docs.Dockerfile"
  dockerfile-inline = "FROM alpine\n"
  contexts = {
    src = "target:ap"
  }
}

target "missing" {
  context = "svc"
}

target "extra" {
  inherits = ["_comon"]
}

group "ci" {
  targets = ["app", "worker", "workr"]
}
"#;

const APP_DOCKERFILE: &str = "ARG GO_VERSION=1.21\nFROM golang:${GO_VERSION} AS build\nRUN true\n\nFROM alpine:3.20 AS release\nCOPY --from=build / /\n";

#[test]
fn a_realistic_definition_reports_each_problem_once_where_it_is() {
    let dir = project(&[
        ("docker-bake.hcl", REALISTIC),
        ("app/Dockerfile", APP_DOCKERFILE),
        ("svc/.keep", ""),
    ]);
    let diags = lint(dir.path());
    let got = findings(dir.path(), &diags);
    let expect: Vec<(&str, &str)> = vec![
        ("BK009", "\"UNUSED\""),
        ("BK010", "\"_common\""),
        ("BK007", "\"linux/amd46\""),
        ("BK004", "\"relase\""),
        ("BK001", "cache_from"),
        ("BK008", "\"example/app:${TAG}\""),
        ("BK006", "\"docs.Dockerfile\""),
        ("BK002", "\"target:ap\""),
        ("BK003", "\"missing\""),
        ("BK002", "\"_comon\""),
        ("BK002", "\"workr\""),
    ];
    let expect: Vec<(&str, String)> = expect
        .into_iter()
        .map(|(c, s)| (c, s.to_string()))
        .collect();
    assert_eq!(got, expect, "{diags:#?}");
    // The inherited platform is reported in `_common`, labelled with the
    // inheriting target.
    let platform = diags.iter().find(|d| d.code == "BK007").expect("BK007");
    assert!(platform
        .labels
        .iter()
        .any(|l| l.message.contains("`app`") || l.message.contains("`worker`")));
    // Every message names the concrete thing and every finding has help.
    assert!(diags.iter().all(|d| d.help.is_some()), "{diags:#?}");
}

#[test]
fn a_clean_definition_has_no_bake_findings() {
    let bake = r#"variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["app", "tests"]
}

target "_common" {
  args = {
    GO_VERSION = "1.22"
    HTTP_PROXY = ""
    BUILDKIT_INLINE_CACHE = "1"
  }
  platforms = ["linux/amd64", "linux/arm64"]
}

target "app" {
  inherits = ["_common"]
  context = "app"
  target = "release"
  tags = ["example/app:${TAG}"]
  cache-from = ["type=registry,ref=example/app:cache"]
  cache-to = ["type=inline"]
  output = ["type=registry"]
}

target "tests" {
  inherits = ["_common"]
  context = "app"
  target = "BUILD"
  contexts = {
    app = "target:app"
  }
  output = ["type=cacheonly"]
}
"#;
    let dir = project(&[
        ("docker-bake.hcl", bake),
        ("app/Dockerfile", APP_DOCKERFILE),
    ]);
    let diags = lint(dir.path());
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn undeclared_args_follow_the_built_stages() {
    let bake = r#"group "default" {
  targets = ["app", "test"]
}
target "app" {
  args = {
    TEST_FLAGS = "-race"
    TEST_FLAG = "-v"
    VERSION = "1"
  }
}
target "test" {
  inherits = ["app"]
  target = "test"
}
"#;
    let df = "FROM golang:1.22 AS build\nARG VERSION\nRUN go build\n\nFROM build AS test\nARG TEST_FLAGS\nRUN go test $TEST_FLAGS\n\nFROM alpine AS release\nCOPY --from=build /out /out\n";
    let dir = project(&[("docker-bake.hcl", bake), ("Dockerfile", df)]);
    let diags = lint(dir.path());
    let got = findings(dir.path(), &diags);
    // `app` builds `release` (and `build`), which never declares TEST_FLAGS;
    // `test` builds `test`, which does: passing it to both is fine. No
    // stage either builds declares TEST_FLAG.
    assert_eq!(got, vec![("BK005", "TEST_FLAG".to_string())], "{diags:#?}");
    assert!(diags[0].message.contains("targets `app`, `test` build"));
    assert!(diags[0].message.contains("did you mean `TEST_FLAGS`?"));
}

#[test]
fn json_definitions_are_checked_too() {
    let json = r#"{
  "variable": {"UNUSED": {"default": "1"}},
  "group": {"default": {"targets": ["app", "ap"]}},
  "target": {
    "app": {
      "cache_to": ["type=inline"],
      "tags": ["Example/App"],
      "args": {"NOPE": "1"}
    }
  }
}
"#;
    let dir = project(&[("docker-bake.json", json), ("Dockerfile", "FROM alpine\n")]);
    let diags = lint(dir.path());
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    for code in ["BK001", "BK002", "BK005", "BK007", "BK009"] {
        assert!(codes.contains(&code), "{code} missing: {diags:#?}");
    }
    let got = findings(dir.path(), &diags);
    assert!(got.contains(&("BK001", "\"cache_to\"".to_string())));
    assert!(got.contains(&("BK005", "\"NOPE\"".to_string())));
}

#[test]
fn fixes_rename_keys_and_add_the_default_group() {
    let bake =
        "target \"app\" {\n  platfroms = [\"linux/amd64\"]\n  cache_from = [\"type=gha\"]\n}\n";
    let dir = project(&[("docker-bake.hcl", bake), ("Dockerfile", "FROM alpine\n")]);
    let plan = plan_for(dir.path());
    let settings = bake_settings();
    let initial = workspace::lint(&plan, &BTreeMap::new(), &settings).diagnostics;
    let lint_fn =
        |files: &BTreeMap<PathBuf, String>| workspace::lint(&plan, files, &settings).diagnostics;
    let safe = fix_all(
        initial.clone(),
        FixMode {
            unsafe_fixes: false,
        },
        &DiskSource,
        &lint_fn,
    );
    let fixed = safe.contents.values().next().expect("bake file changed");
    assert_eq!(
        fixed,
        "target \"app\" {\n  platforms = [\"linux/amd64\"]\n  cache-from = [\"type=gha\"]\n}\n"
    );
    let all = fix_all(
        initial,
        FixMode { unsafe_fixes: true },
        &DiskSource,
        &lint_fn,
    );
    let fixed = all.contents.values().next().expect("bake file changed");
    assert_eq!(
        fixed,
        "group \"default\" {\n  targets = [\"app\"]\n}\n\ntarget \"app\" {\n  platforms = [\"linux/amd64\"]\n  cache-from = [\"type=gha\"]\n}\n"
    );
    assert!(all.remaining.is_empty(), "{:#?}", all.remaining);
}

#[test]
fn suppression_comment_silences_a_bake_finding() {
    let bake = "group \"default\" {\n  targets = [\"app\"]\n}\ntarget \"app\" {\n  args = {\n    # bakelint ignore=BK005\n    NOPE = \"1\"\n    ALSO = \"2\"\n  }\n}\n";
    let dir = project(&[("docker-bake.hcl", bake), ("Dockerfile", "FROM alpine\n")]);
    let diags = lint(dir.path());
    let got = findings(dir.path(), &diags);
    assert_eq!(got, vec![("BK005", "ALSO".to_string())], "{diags:#?}");
}

#[test]
fn matrix_targets() {
    let bake = r#"variable "VERSIONS" {
  default = ["1.21", "1.22"]
}
group "default" {
  targets = ["app"]
}
target "app" {
  matrix = {
    go = VERSIONS
  }
  name = "app-${replace(go, ".", "-")}"
  args = {
    GO_VERSION = go
  }
  tags = ["example/app:latest"]
  target = "build"
}
"#;
    let dir = project(&[("docker-bake.hcl", bake), ("Dockerfile", APP_DOCKERFILE)]);
    let diags = lint(dir.path());
    let got = findings(dir.path(), &diags);
    // The tag does not use the matrix variable: both expansions produce it.
    assert_eq!(
        got,
        vec![("BK008", "\"example/app:latest\"".to_string())],
        "{diags:#?}"
    );
    assert!(diags[0].message.contains("`app-1-21` and `app-1-22`"));
}

#[test]
fn odd_input_never_panics() {
    let inputs = [
        "",
        "target \"\" {}\n",
        "target \"a\" {\n  args = {}\n  tags = []\n  platforms = [\"\"]\n  target = \"\"\n}\n",
        "target \"a\" {\n  tags = [\"\", \":\", \"@\", \"a@\", \"/\", \"a/:b\"]\n}\n",
        "target \"a\" {\n  platforms = [\"/\", \"//\", \"linux/\", \"(x)/amd64\", \",\"]\n}\n",
        "target \"a\" {\n  output = [\"\", \"type=\", \"=\", \"type=local,dest=\"]\n  cache-from = [\",\", \"type=registry,ref=\"]\n  secret = [\"id=\", \"\"]\n  attest = [\"type=\"]\n}\n",
        "target \"a\" {\n  context = \"\"\n  dockerfile = \"\"\n  contexts = { x = \"target:\" }\n  inherits = [\"a\"]\n}\n",
        "\u{feff}target \"a\" {\n  cache_from = [\"x\"]\n}\n",
        "target \"a\" {\n  args = { \"\" = \"1\", \"=\" = \"2\" }\n}\n",
        "target \"é\" {\n}\n",
        "function \"f\" {\n  params = []\n  result = 1\n}\nvariable \"v\" {\n}\n",
        "group \"default\" {\n  targets = [\"\", \"default\"]\n}\n",
    ];
    for (i, text) in inputs.iter().enumerate() {
        let dir = project(&[
            ("docker-bake.hcl", text),
            (
                "Dockerfile",
                "FROM alpine AS a\nARG X\nFROM a\nCOPY --from= / /\nRUN --mount=from /\n",
            ),
        ]);
        let _ = lint(dir.path());
        let json_dir = project(&[(
            "docker-bake.json",
            match i % 3 {
                0 => "{}",
                1 => "{\"target\": {\"a\": {\"tags\": [\"\\u0041\"], \"args\": {\"A\\n\": \"1\"}}}}",
                _ => "{\"target\": {\"a\": [{}, {\"cache_from\": 1}]}, \"group\": {\"g\": {\"targets\": []}}}",
            },
        )]);
        let _ = lint(json_dir.path());
    }
}
