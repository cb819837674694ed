//! Migrating from hadolint: `.hadolint.yaml` is honoured when a project has
//! no bakelint config, `config --from-hadolint` prints the equivalent
//! `bakelint.toml` (and that config behaves the same), and hadolint's codes
//! work wherever a rule is named.

mod common;

use std::path::Path;

use bakelint::config::{CliSelection, Settings};
use bakelint::rules::RULES;
use common::cli::{assert_exit, bakelint, command, stderr, stdout};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
}

/// `check --output-format json` in `dir` with HOME (and XDG) pointing at `home`.
fn check_json(dir: &Path, home: &Path, args: &[&str]) -> (Vec<serde_json::Value>, String, i32) {
    let out = command(dir)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .args(["check", "--output-format", "json"])
        .args(args)
        .output()
        .expect("run");
    let findings: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| serde_json::json!([]));
    (
        findings.as_array().cloned().unwrap_or_default(),
        stderr(&out),
        out.status.code().unwrap_or(-1),
    )
}

fn codes(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect()
}

const DOCKERFILE: &str = "FROM random.com/debian\nMAINTAINER me\nLABEL Version=\"1\" org.opencontainers.image.url=\"not a url\"\n";

const HADOLINT: &str = "\
ignored:
  - DL4000        # MAINTAINER: bakelint's DF008
  - DL9999        # a code bakelint does not have
override:
  error: [DL3048]
  info: [DL3057]
failure-threshold: warning
trustedRegistries:
  - docker.io
label-schema:
  org.opencontainers.image.url: url
format: json
no-color: true
";

#[test]
fn hadolint_config_is_honoured_without_a_bakelint_config() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        &[("Dockerfile", DOCKERFILE), (".hadolint.yaml", HADOLINT)],
    );
    let (findings, err, code) = check_json(dir.path(), dir.path(), &[]);
    let got = codes(&findings);
    assert!(!got.contains(&"DF008".to_string()), "{got:?}");
    for c in ["DL3026", "DL3048", "DL3052", "DL3057"] {
        assert!(got.contains(&c.to_string()), "{c} in {got:?}");
    }
    let dl3048 = findings.iter().find(|f| f["code"] == "DL3048").unwrap();
    assert_eq!(dl3048["severity"], "error");
    // The unknown code is a warning that points at it; the run goes on.
    assert!(
        err.contains("warning: .hadolint.yaml:3:5:") && err.contains("DL9999"),
        "{err}"
    );
    assert_eq!(code, 1);

    // A bakelint config wins over it.
    write(dir.path(), &[("bakelint.toml", "select = [\"DF008\"]\n")]);
    let (findings, err, _) = check_json(dir.path(), dir.path(), &[]);
    assert_eq!(codes(&findings), vec!["DF008"]);
    assert!(!err.contains("DL9999"), "{err}");
}

#[test]
fn user_level_hadolint_configs_are_found_and_yml_too() {
    let home = tempfile::tempdir().expect("tmp");
    let proj = tempfile::tempdir().expect("tmp");
    write(proj.path(), &[("Dockerfile", "FROM a\nMAINTAINER me\n")]);
    let (findings, _, _) = check_json(proj.path(), home.path(), &["--select", "DF008"]);
    assert_eq!(codes(&findings), vec!["DF008"]);
    write(
        home.path(),
        &[(".config/hadolint.yaml", "ignored: [DL4000]\n")],
    );
    let (findings, _, _) = check_json(proj.path(), home.path(), &["--select", "DF008"]);
    assert!(findings.is_empty(), "{findings:?}");
    // The project's own `.hadolint.yml` comes first.
    write(proj.path(), &[(".hadolint.yml", "ignored: []\n")]);
    let (findings, _, _) = check_json(proj.path(), home.path(), &["--select", "DF008"]);
    assert_eq!(codes(&findings), vec!["DF008"]);
}

#[test]
fn config_flag_takes_a_hadolint_yaml() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        &[
            ("Dockerfile", "FROM a\nMAINTAINER me\n"),
            ("ci/hadolint.yml", "ignored: [DL4000]\n"),
        ],
    );
    let (findings, _, _) = check_json(dir.path(), dir.path(), &["--select", "DF008"]);
    assert_eq!(codes(&findings), vec!["DF008"]);
    let (findings, err, code) = check_json(
        dir.path(),
        dir.path(),
        &["--select", "DF008", "--config", "ci/hadolint.yml"],
    );
    assert!(findings.is_empty(), "{findings:?} {err}");
    assert_eq!(code, 0);
}

#[test]
fn no_fail_and_disable_ignore_pragma() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        &[
            (
                "Dockerfile",
                "FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n",
            ),
            (".hadolint.yaml", "no-fail: true\n"),
        ],
    );
    let (findings, _, code) = check_json(dir.path(), dir.path(), &["--select", "DF008"]);
    assert!(findings.is_empty(), "the pragma suppresses: {findings:?}");
    assert_eq!(code, 0);
    write(
        dir.path(),
        &[(
            ".hadolint.yaml",
            "no-fail: true\ndisable-ignore-pragma: true\n",
        )],
    );
    let (findings, _, code) = check_json(dir.path(), dir.path(), &["--select", "DF008"]);
    assert_eq!(codes(&findings), vec!["DF008"]);
    assert_eq!(code, 0, "no-fail: findings do not fail the run");
}

#[test]
fn config_errors_point_into_the_yaml() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        &[
            ("Dockerfile", "FROM a\n"),
            (".hadolint.yaml", "failure-threshold: loud\n"),
        ],
    );
    let out = command(dir.path())
        .env("HOME", dir.path())
        .args(["check", "--color", "never"])
        .output()
        .expect("run");
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("invalid failure-threshold `loud`"), "{err}");
    assert!(err.contains(".hadolint.yaml:1:20"), "{err}");
}

const MIGRATED: &str = "\
ignored: [DL4000, SC9999]
override:
  warning: [DL3051]
  style: [DL3026]
  info: [DL1001]
failure-threshold: info
no-fail: false
disable-ignore-pragma: true
trustedRegistries: [docker.io, \"*.corp.example\"]
label-schema:
  author: text
  org.opencontainers.image.url: url
  org.opencontainers.image.created: rfc3339
  org.opencontainers.image.licenses: spdx
  org.opencontainers.image.revision: hash
  org.opencontainers.image.version: semver
  maintainer: email
strict-labels: true
";

/// The printed config, used as `bakelint.toml`, resolves to the same
/// settings as the hadolint config it came from.
#[test]
fn from_hadolint_round_trips_through_settings() {
    let cli = CliSelection::default();
    let yaml_path = Path::new("proj/.hadolint.yaml");
    let from_yaml = Settings::from_hadolint(yaml_path, MIGRATED, &cli).expect("yaml");
    let translation =
        bakelint::hadolint_config::translate(yaml_path, MIGRATED).expect("translation");
    let from_toml = Settings::from_toml(Path::new("proj/bakelint.toml"), &translation.toml, &cli)
        .expect("printed config is valid");
    assert_eq!(from_yaml.warnings.len(), 1, "SC9999 only");
    assert!(from_toml.warnings.is_empty());
    assert_eq!(from_yaml.fail_level, from_toml.fail_level);
    assert_eq!(from_yaml.exit_zero, from_toml.exit_zero);
    assert!(from_toml.disable_ignore_pragma);
    let file = Path::new("proj/Dockerfile");
    for rule in RULES {
        assert_eq!(
            from_yaml.is_enabled(rule, file),
            from_toml.is_enabled(rule, file),
            "{}",
            rule.code
        );
        assert_eq!(
            from_yaml.severity(rule),
            from_toml.severity(rule),
            "{}",
            rule.code
        );
        assert_eq!(
            from_yaml.options(rule),
            from_toml.options(rule),
            "{}",
            rule.code
        );
    }
    let find = |c: &str| bakelint::rules::find(c).expect(c);
    assert!(!from_toml.is_enabled(find("DL4000"), file));
    assert!(from_toml.is_enabled(find("DL1001"), file));
    assert!(!from_toml.is_enabled(find("DL3057"), file));
    assert_eq!(
        from_toml.severity(find("DL3026")),
        bakelint::diagnostic::Severity::Style
    );
    assert_eq!(from_toml.fail_level, bakelint::diagnostic::Severity::Info);
}

/// The same through the binary: `config --from-hadolint` output as
/// `bakelint.toml` gives the same findings and exit code as the YAML.
#[test]
fn from_hadolint_cli_round_trips_through_check() {
    let dockerfile = "FROM random.com/debian\n# hadolint ignore=DL3048\nLABEL Team=\"x\" author=\"\" maintainer=\"Jane\" org.opencontainers.image.version=\"v1\"\n";
    let yaml = tempfile::tempdir().expect("tmp");
    write(
        yaml.path(),
        &[("Dockerfile", dockerfile), (".hadolint.yaml", MIGRATED)],
    );
    let out = command(yaml.path())
        .env("HOME", yaml.path())
        .args(["config", "--from-hadolint"])
        .output()
        .expect("run");
    assert_exit(&out, 0);
    let printed = stdout(&out);
    assert!(printed.contains("[rules.DL3026]"), "{printed}");
    assert!(stderr(&out).contains("SC9999"), "{}", stderr(&out));
    // Named explicitly, the same text.
    let named = bakelint(
        yaml.path(),
        &["config", "--from-hadolint", ".hadolint.yaml"],
    );
    assert_eq!(stdout(&named), printed);

    let toml = tempfile::tempdir().expect("tmp");
    write(
        toml.path(),
        &[("Dockerfile", dockerfile), ("bakelint.toml", &printed)],
    );
    let (a, _, code_a) = check_json(yaml.path(), yaml.path(), &[]);
    let (b, _, code_b) = check_json(toml.path(), toml.path(), &[]);
    let summary = |v: &[serde_json::Value]| -> Vec<(String, String, u64)> {
        v.iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or("").to_string(),
                    f["severity"].as_str().unwrap_or("").to_string(),
                    f["start"]["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(code_a, code_b);
    let got = codes(&a);
    for c in [
        "DL1001", "DL3026", "DL3048", "DL3050", "DL3051", "DL3056", "DL3058",
    ] {
        assert!(got.contains(&c.to_string()), "{c} in {got:?}");
    }

    let missing = tempfile::tempdir().expect("tmp");
    let out = command(missing.path())
        .env("HOME", missing.path())
        .env_remove("XDG_CONFIG_HOME")
        .args(["config", "--from-hadolint"])
        .output()
        .expect("run");
    assert_exit(&out, 2);
}

/// hadolint codes work wherever bakelint takes a rule: `--select`,
/// `--ignore`, `per-file-ignores`, `[severity]` and `# hadolint ignore=`.
#[test]
fn hadolint_codes_are_accepted_everywhere() {
    let dir = tempfile::tempdir().expect("tmp");
    let dockerfile = "FROM a\nMAINTAINER me\nLABEL Bad=1\n";
    write(dir.path(), &[("Dockerfile", dockerfile)]);
    let run = |args: &[&str]| codes(&check_json(dir.path(), dir.path(), args).0);
    assert_eq!(run(&["--select", "DL4000,DL3048"]), vec!["DF008", "DL3048"]);
    assert_eq!(
        run(&["--select", "DL4000,DL3048", "--ignore", "DL4000"]),
        vec!["DL3048"]
    );
    write(
        dir.path(),
        &[(
            "bakelint.toml",
            "select = [\"DL4000\", \"DL3048\"]\n[per-file-ignores]\n\"Dockerfile\" = [\"DL3048\"]\n",
        )],
    );
    assert_eq!(run(&[]), vec!["DF008"]);
    write(
        dir.path(),
        &[
            ("bakelint.toml", "select = [\"DL4000\", \"DL3048\"]\n"),
            (
                "Dockerfile",
                "FROM a\n# hadolint ignore=DL4000\nMAINTAINER me\n# hadolint ignore=DL3048\nLABEL Bad=1\n",
            ),
        ],
    );
    assert!(run(&[]).is_empty());
}

/// `rule --all --output-format json`: every rule, each with code, name,
/// aliases, severity, fix applicability and summary.
#[test]
fn rule_json_describes_every_rule() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = bakelint(dir.path(), &["rule", "--all", "--output-format", "json"]);
    assert_exit(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rules = v.as_array().expect("list");
    assert_eq!(rules.len(), RULES.len());
    for (r, def) in rules.iter().zip(RULES) {
        assert_eq!(r["code"], def.code);
        assert_eq!(r["name"], def.name);
        assert_eq!(
            r["aliases"].as_array().map(Vec::len),
            Some(def.aliases.len())
        );
        assert_eq!(r["severity"], def.severity.as_str());
        assert!(
            r["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{}",
            def.code
        );
        match def.fix {
            None => assert!(r["fix"].is_null(), "{}", def.code),
            Some(_) => assert!(
                matches!(r["fix"].as_str(), Some("safe" | "unsafe" | "display-only")),
                "{}: {}",
                def.code,
                r["fix"]
            ),
        }
    }
    let dl3026 = rules
        .iter()
        .find(|r| r["code"] == "DL3026")
        .expect("DL3026");
    assert_eq!(dl3026["severity"], "error");
}
