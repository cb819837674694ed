//! End-to-end tests of the `bakelint` binary: exit codes, formats, fixes,
//! suppressions, configuration and bad input.

mod common;
use common::cli::{assert_exit, bakelint, bakelint_stdin, stderr, stdout};
use common::project;

const CASING: &str = "FROM node:8 as build\nRUN echo hi\n";

#[test]
fn clean_file_exits_zero() {
    let dir = project(&[("Dockerfile", "FROM node:8 AS build\nRUN echo hi\n")]);
    let out = bakelint(dir.path(), &["check", "--output-format", "concise"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("All checks passed."));
}

#[test]
fn findings_exit_one_with_exact_position() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--output-format", "concise", "Dockerfile"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("Dockerfile:1:13: DF002")),
        "expected the `as` keyword at 1:13:\n{text}"
    );
    assert!(
        text.contains("Found 1 problem in 1 file (1 fixable with --fix)."),
        "{text}"
    );
}

#[test]
fn exit_zero_flag() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--exit-zero", "--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn missing_path_is_an_io_error() {
    let dir = project(&[]);
    let out = bakelint(dir.path(), &["does-not-exist/Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does-not-exist/Dockerfile"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = project(&[]);
    let out = bakelint(dir.path(), &["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn binary_and_invalid_utf8_files_are_reported_and_others_still_linted() {
    let dir = project(&[("Dockerfile", CASING)]);
    std::fs::write(dir.path().join("bin.Dockerfile"), b"FROM a\0\x01\x02").expect("w");
    std::fs::write(
        dir.path().join("latin1.Dockerfile"),
        b"FROM node:8\nLABEL a=\"caf\xe9\"\n",
    )
    .expect("w");
    let out = bakelint(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bin.Dockerfile: binary file"), "{err}");
    assert!(
        err.contains("latin1.Dockerfile: invalid UTF-8 at line 2, column 13"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("Dockerfile:1:13: DF002"),
        "other files are still linted"
    );
}

#[test]
fn empty_file_is_a_syntax_error() {
    let dir = project(&[("Dockerfile", "")]);
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("Dockerfile:1:1: DF000"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unterminated_heredoc_is_a_syntax_error_not_a_hang() {
    let dir = project(&[("Dockerfile", "FROM node:8\nRUN <<EOF\necho hi\n")]);
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("DF000"), "{}", stdout(&out));
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(&[
        ("ok/Dockerfile", "FROM node:8\n"),
        ("locked/Dockerfile", "FROM node:8\n"),
    ]);
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // root reads anything: then the directory is readable and that is fine.
    let readable = std::fs::read_dir(&locked).is_ok();
    let out = bakelint(dir.path(), &["--output-format", "concise", "."]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    if readable {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    }
}

#[test]
fn json_output_is_structured() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--output-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let first = &v[0];
    assert_eq!(first["code"], "DF002");
    assert_eq!(first["name"], "from-as-casing");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["path"], "Dockerfile");
    assert_eq!(first["start"]["line"], 1);
    assert_eq!(first["start"]["column"], 13);
    assert_eq!(first["start"]["offset"], 12);
    assert_eq!(first["end"]["offset"], 14);
    assert_eq!(first["fix"]["applicability"], "safe");
    assert_eq!(first["fix"]["edits"][0]["content"], "AS");
}

/// `rule --output-format json` lists every rule with its aliases, as the
/// hadolint conformance tool and editors read them.
#[test]
fn rule_json_lists_codes_aliases_and_docs() {
    let dir = project(&[]);
    let out = bakelint(dir.path(), &["rule", "--all", "--output-format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rules = v.as_array().expect("a list");
    let df010 = rules
        .iter()
        .find(|r| r["code"] == "DF010")
        .expect("DF010 listed");
    assert_eq!(df010["name"], "workdir-relative-path");
    assert!(df010["aliases"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "DL3000")));
    assert!(df010["explanation"]
        .as_str()
        .is_some_and(|d| d.starts_with("# DF010")));

    let out = bakelint(dir.path(), &["rule", "DL3024", "--output-format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["code"], "DF005");
    let out = bakelint(dir.path(), &["rule", "NOPE", "--output-format", "json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn full_output_shows_snippet_and_help() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--output-format", "full", "--color", "never"]);
    let text = stdout(&out);
    assert!(text.contains("DF002"), "{text}");
    assert!(text.contains("FROM node:8 as build"), "snippet: {text}");
    assert!(text.contains("fixable with --fix"), "{text}");
}

#[test]
fn color_always_and_never() {
    let dir = project(&[("Dockerfile", CASING)]);
    let colored = bakelint(
        dir.path(),
        &["--output-format", "concise", "--color", "always"],
    );
    assert!(stdout(&colored).contains("\x1b["));
    let plain = bakelint(
        dir.path(),
        &["--output-format", "concise", "--color", "never"],
    );
    assert!(!stdout(&plain).contains("\x1b["));
}

#[test]
fn fix_writes_and_converges() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--fix", "--output-format", "concise"]);
    assert_exit(&out, 0);
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert_eq!(fixed, "FROM node:8 AS build\nRUN echo hi\n");
    let again = bakelint(dir.path(), &["--fix", "--diff"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).is_empty(),
        "second run must change nothing: {}",
        stdout(&again)
    );
}

#[test]
fn diff_prints_and_writes_nothing() {
    let dir = project(&[("Dockerfile", CASING)]);
    let out = bakelint(dir.path(), &["--diff"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
        "{text}"
    );
    assert!(
        text.contains("-FROM node:8 as build\n+FROM node:8 AS build\n"),
        "{text}"
    );
    let unchanged = std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert_eq!(unchanged, CASING);
}

#[test]
fn fix_keeps_crlf_bom_and_mode() {
    let original = "\u{feff}FROM node:8 as build\r\nRUN echo hi\r\n";
    let dir = project(&[("Dockerfile", original)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("Dockerfile"),
            std::fs::Permissions::from_mode(0o640),
        )
        .expect("chmod");
    }
    let out = bakelint(dir.path(), &["--fix"]);
    assert_exit(&out, 0);
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert_eq!(fixed, "\u{feff}FROM node:8 AS build\r\nRUN echo hi\r\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("Dockerfile"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

#[test]
fn stdin_with_filename() {
    let dir = project(&[]);
    let out = bakelint_stdin(
        dir.path(),
        &[
            "-",
            "--stdin-filename",
            "web/Dockerfile",
            "--output-format",
            "concise",
        ],
        CASING.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("web/Dockerfile:1:13: DF002"),
        "{}",
        stdout(&out)
    );
    let fixed = bakelint_stdin(dir.path(), &["-", "--fix"], CASING.as_bytes());
    assert_eq!(stdout(&fixed), "FROM node:8 AS build\nRUN echo hi\n");
}

#[test]
fn select_and_ignore_accept_codes_prefixes_names_and_buildkit_names() {
    let dir = project(&[("Dockerfile", CASING)]);
    for ignore in ["DF002", "DF", "from-as-casing", "FromAsCasing"] {
        let out = bakelint(
            dir.path(),
            &["--ignore", ignore, "--output-format", "concise"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "--ignore {ignore}: {}",
            stdout(&out)
        );
    }
    let out = bakelint(
        dir.path(),
        &["--select", "DF001", "--output-format", "concise"],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = bakelint(dir.path(), &["--select", "NOPE1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn suppression_comments() {
    for (label, text) in [
        (
            "bakelint",
            "# bakelint ignore=DF002 legacy base\nFROM node:8 as build\n",
        ),
        (
            "buildkit",
            "# check=skip=FromAsCasing\nFROM node:8 as build\n",
        ),
        (
            "global",
            "FROM node:8\n# bakelint global ignore=from-as-casing\nFROM node:8 as build\n",
        ),
    ] {
        let dir = project(&[("Dockerfile", text)]);
        let out = bakelint(dir.path(), &["--output-format", "concise"]);
        assert_eq!(out.status.code(), Some(0), "{label}: {}", stdout(&out));
    }
    // A comment separated by a blank line does not suppress.
    let dir = project(&[(
        "Dockerfile",
        "# bakelint ignore=DF002\n\nFROM node:8 as build\n",
    )]);
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn config_file_and_its_errors() {
    let dir = project(&[
        ("Dockerfile", CASING),
        ("bakelint.toml", "ignore = [\"FromAsCasing\"]\n"),
    ]);
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let dir = project(&[
        ("Dockerfile", CASING),
        ("bakelint.toml", "selec = [\"DF\"]\n"),
    ]);
    let out = bakelint(dir.path(), &["--color", "never"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bakelint.toml"), "{err}");
    assert!(err.contains("selec"), "{err}");

    let dir = project(&[
        ("Dockerfile", CASING),
        ("bakelint.toml", "[severity]\nDF002 = \"error\"\n"),
    ]);
    let out = bakelint(dir.path(), &["--output-format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["severity"], "error");
}

#[test]
fn statistics() {
    let dir = project(&[("Dockerfile", "FROM node:8 as a\nFROM node:8 as b\n")]);
    let out = bakelint(dir.path(), &["--statistics", "--output-format", "concise"]);
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("2  DF002  [*] from-as-casing")),
        "{text}"
    );
}

#[test]
fn rule_docs_command() {
    let dir = project(&[]);
    let out = bakelint(dir.path(), &["rule", "StageNameCasing"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# DF001 stage-name-casing"));
    let out = bakelint(dir.path(), &["rule", "DF9999"]);
    assert_eq!(out.status.code(), Some(2));
    let out = bakelint(dir.path(), &["rule", "--all"]);
    assert!(stdout(&out).contains("# DF020 copy-ignored-file"));
}

#[test]
fn walks_directories_and_honours_gitignore() {
    let dir = project(&[
        ("svc/api/Dockerfile", CASING),
        ("svc/web.Dockerfile", CASING),
        ("node_modules/x/Dockerfile", CASING),
        (".gitignore", "node_modules/\n"),
        ("README.md", "FROM not a dockerfile\n"),
    ]);
    let out = bakelint(dir.path(), &["--output-format", "concise"]);
    let text = stdout(&out);
    assert!(text.contains("svc/api/Dockerfile:1:13"), "{text}");
    assert!(text.contains("svc/web.Dockerfile:1:13"), "{text}");
    assert!(!text.contains("node_modules"), "{text}");
    assert!(!text.contains("README"), "{text}");
}

#[test]
fn hadolint_ignore_comments_work_for_aliased_rules() {
    let text = "FROM node:8\n# hadolint ignore=DL3000\nWORKDIR app\nFROM node:8\nWORKDIR rel\n";
    let dir = project(&[("Dockerfile", text)]);
    let out = bakelint(
        dir.path(),
        &["--output-format", "concise", "--select", "DF010"],
    );
    let report = stdout(&out);
    assert!(
        !report.contains("Dockerfile:3:"),
        "suppressed by its hadolint code: {report}"
    );
    assert!(
        report.contains("Dockerfile:5:9: DF010"),
        "the other stage's WORKDIR is still reported: {report}"
    );
}

#[test]
fn named_dockerfile_finds_the_bake_file_that_builds_it() {
    // As pre-commit runs it: one changed Dockerfile named on the command line.
    // The bake target builds stage `app`, so the legacy ENV in the unused
    // stage is not checked (as `docker build --check --target app`).
    let bake = "target \"default\" {\n  context = \"svc\"\n  target = \"app\"\n  tags = [\"INVALID TAG\"]\n}\n";
    let dockerfile = "FROM node:8 AS app\nRUN true\n\nFROM node:8 AS other\nENV FOO bar\n";
    let dir = project(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("docker-bake.hcl", bake),
        ("svc/Dockerfile", dockerfile),
    ]);
    let out = bakelint(
        dir.path(),
        &["--output-format", "concise", "svc/Dockerfile"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "only the target's stages are checked, and the bake file's own findings are not reported: {}",
        stdout(&out)
    );
    // Without the bake file every stage is checked.
    std::fs::remove_file(dir.path().join("docker-bake.hcl")).expect("rm");
    let out = bakelint(
        dir.path(),
        &["--output-format", "concise", "svc/Dockerfile"],
    );
    assert!(
        stdout(&out).contains("svc/Dockerfile:5:"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_error_run_never_says_all_checks_passed() {
    // The only file cannot be read as text: nothing was checked.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Dockerfile"), b"FROM node:8\0\x01\x02").expect("write");
    let out = bakelint(dir.path(), &["check", "--output-format", "concise"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("All checks passed"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("binary file"), "{}", stderr(&out));
}

/// BP004 reads the Dockerfile's directory names the same wherever bakelint
/// runs: linted inside `headless-chrome/` (the path is just `Dockerfile`)
/// as from its parent. Before: only the parent's run saw the name.
#[test]
fn browser_image_names_do_not_depend_on_the_working_directory() {
    let chromium = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends chromium\n";
    let dir = project(&[
        ("headless-chrome/Dockerfile", chromium),
        ("web/Dockerfile", chromium),
    ]);
    let from_parent = bakelint(
        dir.path(),
        &["--select", "BP004", "--output-format", "concise", "."],
    );
    assert_eq!(
        stdout(&from_parent).lines().filter(|l| l.contains("BP004")).collect::<Vec<_>>(),
        ["web/Dockerfile:2:66: BP004 [*] `chromium` is installed unconditionally: no `SKIP_CHROMIUM` build arg can switch it off"]
    );
    for sub in ["headless-chrome", "web"] {
        let inside = bakelint(
            &dir.path().join(sub),
            &[
                "--select",
                "BP004",
                "--output-format",
                "concise",
                "Dockerfile",
            ],
        );
        assert_eq!(
            stdout(&inside).contains("BP004"),
            sub == "web",
            "{sub}: {}",
            stdout(&inside)
        );
    }
}
