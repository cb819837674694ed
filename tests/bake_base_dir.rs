//! Where a bake file's paths resolve (one base per set of bake files, by
//! what resolves there), what a walk skips (vendored trees, `exclude`),
//! symbolic links, and a bake file on standard input — end to end through
//! the binary, on small projects made here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::cli::bakelint_stdin;
use common::project;

/// One finding of the JSON report, its file made absolute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    file: PathBuf,
    line: u64,
    code: String,
    message: String,
    help: String,
}

/// `bakelint check --output-format json ARGS` run in `dir`, with `input`
/// (or nothing) on its standard input.
fn run(dir: &Path, args: &[&str], input: Option<&str>) -> Output {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    bakelint_stdin(dir, &all, input.unwrap_or_default().as_bytes())
}

/// The findings of `bakelint check --output-format json ARGS` run in `dir`.
fn findings_with_input(dir: &Path, args: &[&str], input: Option<&str>) -> Vec<Finding> {
    let out = run(dir, args, input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut found: Vec<Finding> = json
        .as_array()
        .expect("an array of findings")
        .iter()
        .map(|d| {
            let path = dir.join(text(&d["path"]));
            Finding {
                file: std::fs::canonicalize(&path).unwrap_or(path),
                line: d["start"]["line"].as_u64().unwrap_or_default(),
                code: text(&d["code"]),
                message: text(&d["message"]),
                help: text(&d["help"]),
            }
        })
        .collect();
    found.sort();
    found
}

fn findings(dir: &Path, args: &[&str]) -> Vec<Finding> {
    findings_with_input(dir, args, None)
}

fn with_code<'a>(found: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    found.iter().filter(|f| f.code == code).collect()
}

/// The one finding with `code`; fails when there are none or several.
#[track_caller]
fn only<'a>(found: &'a [Finding], code: &str) -> &'a Finding {
    match with_code(found, code)[..] {
        [one] => one,
        _ => panic!("not exactly one {code}: {found:#?}"),
    }
}

/// The findings in files under `dir`, without the help (which names the
/// base as the run spells it).
fn under(found: &[Finding], dir: &Path) -> BTreeSet<(PathBuf, u64, String, String)> {
    let dir = std::fs::canonicalize(dir).expect("canonical dir");
    found
        .iter()
        .filter(|f| f.file.starts_with(&dir))
        .map(|f| (f.file.clone(), f.line, f.code.clone(), f.message.clone()))
        .collect()
}

const ROOT_DOCKERFILE: &str =
    "FROM alpine:3.20 AS build\nRUN true\n\nFROM alpine:3.20 AS release\nCOPY --from=build / /\n";
const TEST_DOCKERFILE: &str =
    "FROM golang:1.22 AS base\nRUN true\n\nFROM base AS test-coverage\nRUN true\n";

#[test]
fn a_nested_bake_file_builds_the_dockerfile_next_to_it() {
    let bake = "group \"default\" {\n  targets = [\"test\", \"typo\"]\n}\n\ntarget \"test\" {\n  dockerfile = \"Dockerfile\"\n  target = \"test-coverage\"\n}\n\ntarget \"typo\" {\n  target = \"test-coverag\"\n}\n";
    let dir = project(&[
        ("Dockerfile", ROOT_DOCKERFILE),
        ("demo/04-test/docker-bake.hcl", bake),
        ("demo/04-test/Dockerfile", TEST_DOCKERFILE),
    ]);
    let nested = dir.path().join("demo/04-test");
    let from_root = findings(dir.path(), &["."]);
    let from_own_dir = findings(&nested, &["."]);

    // Only the typo, checked against demo/04-test/Dockerfile.
    let stage_error = only(&from_root, "BK004");
    assert_eq!(stage_error.line, 11);
    assert!(
        stage_error.message.contains("did you mean `test-coverage`"),
        "{stage_error:?}"
    );
    assert!(
        stage_error
            .help
            .contains("paths resolve against `demo/04-test`, the bake file's directory"),
        "the help names the base: {}",
        stage_error.help
    );
    assert_eq!(
        under(&from_root, &nested),
        under(&from_own_dir, &nested),
        "the same findings from the root and from the bake file's directory"
    );
    let own_dir_help = &with_code(&from_own_dir, "BK004")[0].help;
    assert!(
        own_dir_help.contains("`.`, the bake file's directory"),
        "{own_dir_help}"
    );
}

#[test]
fn a_bake_file_in_a_subdirectory_may_mean_the_repository_root() {
    // `context = "."` with a Dockerfile path from the root: the file is run
    // as `docker buildx bake -f deployment/docker-bake.hcl` at the root.
    let bake = "target \"default\" {\n  context = \".\"\n  dockerfile = \"deployment/docker/app.Dockerfile\"\n  target = \"relase\"\n}\n";
    let dir = project(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("deployment/docker-bake.hcl", bake),
        ("deployment/docker/app.Dockerfile", ROOT_DOCKERFILE),
    ]);
    let deployment = dir.path().join("deployment");
    let from_root = findings(dir.path(), &["."]);
    let from_own_dir = findings(&deployment, &["."]);
    assert!(with_code(&from_root, "BK003").is_empty(), "{from_root:#?}");
    let stage_error = only(&from_root, "BK004");
    assert!(stage_error.message.contains("did you mean `release`"));
    assert!(
        stage_error.help.contains(
            "paths resolve against `.` (as for `docker buildx bake -f deployment/docker-bake.hcl` run there)"
        ),
        "{}",
        stage_error.help
    );
    assert_eq!(
        under(&from_root, dir.path()),
        under(&from_own_dir, dir.path()),
        "inside a repository the candidates do not depend on where bakelint runs"
    );
    let own_dir_help = &with_code(&from_own_dir, "BK004")[0].help;
    assert!(
        own_dir_help.contains("paths resolve against `..`"),
        "{own_dir_help}"
    );
}

/// The help of the one BK004 (`target = "nope"`) of a bake file named
/// `bake_name`, linted with `args`, in a layout where the root and `ci/`
/// both resolve every path: the tie decides, by the bake file's name.
fn tied_stage_help(bake_name: &str, args: &[&str]) -> String {
    let bake = "target \"default\" {\n  target = \"nope\"\n}\n";
    let dir = project(&[
        ("Dockerfile", ROOT_DOCKERFILE),
        ("ci/Dockerfile", TEST_DOCKERFILE),
        (bake_name, bake),
    ]);
    let found = findings(dir.path(), args);
    only(&found, "BK004").help.clone()
}

#[test]
fn on_a_tie_a_default_named_file_resolves_in_its_own_directory() {
    let help = tied_stage_help("ci/docker-bake.hcl", &["."]);
    assert!(
        help.contains("`base`, `test-coverage`"),
        "ci/Dockerfile's stages: {help}"
    );
    assert!(help.contains("`ci`, the bake file's directory"), "{help}");
}

#[test]
fn on_a_tie_another_name_resolves_at_the_lint_root() {
    let help = tied_stage_help("ci/docker-bake.release.hcl", &["."]);
    assert!(
        help.contains("`build`, `release`"),
        "the root Dockerfile's stages: {help}"
    );
    assert!(
        help.contains("as for `docker buildx bake -f ci/docker-bake.release.hcl` run there"),
        "{help}"
    );
}

#[test]
fn a_file_named_with_f_resolves_in_the_callers_directory() {
    let help = tied_stage_help("ci/docker-bake.hcl", &["-f", "ci/docker-bake.hcl"]);
    assert!(
        help.contains("`build`, `release`"),
        "the caller's Dockerfile: {help}"
    );
    assert!(
        help.contains(
            "paths resolve against `.` (as for `docker buildx bake -f ci/docker-bake.hcl` run there)"
        ),
        "{help}"
    );
}

#[test]
fn unrelated_bake_files_do_not_share_build_info() {
    // `a` passes VERSION and builds the `dev` stage; `b` passes nothing and
    // builds `prod`. Linted with `b`'s build, the Dockerfile's FROM uses an
    // undeclared arg (DF009); with `a`'s, its `dev` stage uses a legacy ENV
    // (DF013). Merged, the first would vanish, and the second with the
    // wrong target.
    let dockerfile =
        "FROM alpine:${VERSION} AS dev\nENV A 1\n\nFROM alpine:3.20 AS prod\nRUN true\n";
    let a = "target \"default\" {\n  context = \"../shared\"\n  args = { VERSION = \"3.20\" }\n  target = \"dev\"\n}\n";
    let b = "target \"default\" {\n  context = \"../shared\"\n  target = \"prod\"\n}\n";
    let dir = project(&[
        ("shared/Dockerfile", dockerfile),
        ("a/docker-bake.hcl", a),
        ("b/docker-bake.hcl", b),
    ]);
    let found = findings(dir.path(), &["."]);
    // from b's build
    let undeclared = only(&found, "DF009");
    assert!(undeclared.message.contains("VERSION"));
    // from a's build of `dev`
    let legacy = only(&found, "DF013");
    assert_eq!(legacy.line, 2);
}

const CASING: &str = "FROM alpine:3.20 as build\nRUN true\n";

fn vendored_layout() -> tempfile::TempDir {
    project(&[
        ("app/Dockerfile", "FROM alpine:3.20\nRUN true\n"),
        ("vendor/github.com/x/Dockerfile", CASING),
        ("node_modules/pkg/Dockerfile", CASING),
        (".venv/lib/Dockerfile", CASING),
        ("generated/Dockerfile", CASING),
    ])
}

fn files_with(found: &[Finding], code: &str, root: &Path) -> BTreeSet<PathBuf> {
    let root = std::fs::canonicalize(root).expect("canonical");
    with_code(found, code)
        .iter()
        .filter_map(|f| f.file.strip_prefix(&root).ok().map(Path::to_path_buf))
        .collect()
}

#[test]
fn vendored_trees_are_skipped_when_walking_but_linted_when_named() {
    let dir = vendored_layout();
    let walked = findings(dir.path(), &["."]);
    assert_eq!(
        files_with(&walked, "DF002", dir.path()),
        BTreeSet::from([PathBuf::from("generated/Dockerfile")]),
        "vendor/, node_modules/ and .venv/ are skipped"
    );
    let named = findings(
        dir.path(),
        &["vendor/github.com/x/Dockerfile", "node_modules"],
    );
    assert_eq!(
        files_with(&named, "DF002", dir.path()),
        BTreeSet::from([
            PathBuf::from("node_modules/pkg/Dockerfile"),
            PathBuf::from("vendor/github.com/x/Dockerfile"),
        ]),
        "a path named on the command line is always linted"
    );
}

#[test]
fn extend_exclude_adds_to_the_defaults_and_exclude_replaces_them() {
    let dir = vendored_layout();
    std::fs::write(
        dir.path().join("bakelint.toml"),
        "extend-exclude = [\"generated\"]\n",
    )
    .expect("write config");
    let found = findings(dir.path(), &["."]);
    assert!(
        files_with(&found, "DF002", dir.path()).is_empty(),
        "{found:#?}"
    );
    std::fs::write(
        dir.path().join("bakelint.toml"),
        "exclude = [\"node_modules\", \"app/*\"]\n",
    )
    .expect("write config");
    let found = findings(dir.path(), &["."]);
    assert_eq!(
        files_with(&found, "DF002", dir.path()),
        BTreeSet::from([
            PathBuf::from(".venv/lib/Dockerfile"),
            PathBuf::from("generated/Dockerfile"),
            PathBuf::from("vendor/github.com/x/Dockerfile"),
        ])
    );
}

#[cfg(unix)]
#[test]
fn symlinked_dockerfiles_inside_the_root_are_walked_and_links_out_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = project(&[("elsewhere/Dockerfile", CASING)]);
    let dir = project(&[("templates/app.dockerfile.tmpl", CASING)]);
    let root = dir.path();
    symlink("templates/app.dockerfile.tmpl", root.join("Dockerfile")).expect("file link");
    symlink(
        outside.path().join("elsewhere/Dockerfile"),
        root.join("Dockerfile.outside"),
    )
    .expect("link out");
    symlink(outside.path().join("elsewhere"), root.join("linked-dir")).expect("dir link out");
    symlink(".", root.join("loop")).expect("loop");
    symlink("missing", root.join("Dockerfile.dangling")).expect("dangling");
    let out = run(root, &["."], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = findings(root, &["."]);
    let linted: BTreeSet<PathBuf> = with_code(&found, "DF002")
        .iter()
        .map(|f| f.file.clone())
        .collect();
    let real = std::fs::canonicalize(root.join("templates/app.dockerfile.tmpl")).expect("real");
    assert_eq!(
        linted,
        BTreeSet::from([real]),
        "only the file the inside link points to: {found:#?}"
    );
    let fixed = run(root, &[".", "--fix"], None);
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let link = std::fs::symlink_metadata(root.join("Dockerfile")).expect("link");
    assert!(link.file_type().is_symlink(), "--fix keeps the link a link");
    let text = std::fs::read_to_string(root.join("templates/app.dockerfile.tmpl")).expect("read");
    assert!(
        text.contains(" AS build"),
        "the file it points to is fixed: {text}"
    );
}

#[test]
fn a_bake_file_on_standard_input_is_linted_from_its_content() {
    let dir = project(&[("demo/Dockerfile", TEST_DOCKERFILE)]);
    let bake = "target \"default\" {\n  target = \"test-coverag\"\n}\n";
    let found = findings_with_input(
        dir.path(),
        &["-", "--stdin-filename", "demo/docker-bake.hcl"],
        Some(bake),
    );
    assert!(with_code(&found, "BK000").is_empty(), "{found:#?}");
    let stage_error = only(&found, "BK004");
    assert_eq!(
        stage_error.file,
        dir.path()
            .canonicalize()
            .expect("canonical")
            .join("demo/docker-bake.hcl")
    );
    assert!(
        stage_error.message.contains("did you mean `test-coverage`"),
        "resolved next to the named path: {stage_error:?}"
    );
    assert!(
        found
            .iter()
            .all(|f| f.file.ends_with("demo/docker-bake.hcl")),
        "only the standard input's findings: {found:#?}"
    );
    let good = "target \"default\" {\n  target = \"test-coverage\"\n}\n";
    let clean = findings_with_input(
        dir.path(),
        &["-", "--stdin-filename", "demo/docker-bake.hcl"],
        Some(good),
    );
    assert!(
        with_code(&clean, "BK004").is_empty() && with_code(&clean, "BK003").is_empty(),
        "{clean:#?}"
    );
}

#[test]
fn a_bake_file_on_standard_input_loads_with_its_default_named_siblings() {
    // The default group is in the override on disk: loaded with it, the
    // standard input's definition has one (no BK010).
    let dir = project(&[
        ("demo/Dockerfile", TEST_DOCKERFILE),
        (
            "demo/docker-bake.override.hcl",
            "group \"default\" {\n  targets = [\"app\"]\n}\n",
        ),
    ]);
    let args = ["-", "--stdin-filename", "demo/docker-bake.hcl"];
    let input = "target \"app\" {\n}\n";
    let found = findings_with_input(dir.path(), &args, Some(input));
    assert!(found.is_empty(), "{found:#?}");
    std::fs::remove_file(dir.path().join("demo/docker-bake.override.hcl")).expect("rm");
    let alone = findings_with_input(dir.path(), &args, Some(input));
    assert_eq!(
        with_code(&alone, "BK010").len(),
        1,
        "without the override there is no default: {alone:#?}"
    );
}

/// Outside any repository (a copy, a tarball), BP008 takes the bake base —
/// the directory buildx runs in — for the repository root, whichever
/// directory bakelint runs from. Before: only a context equal to the
/// working directory "held `.git`", so the finding came and went with it.
#[test]
fn bp008_on_a_copy_does_not_depend_on_the_working_directory() {
    let dir = project(&[
        (
            "sub/docker-bake.hcl",
            "target \"default\" {\n  context = \".\"\n}\n",
        ),
        ("sub/Dockerfile", "FROM alpine:3.20\nCOPY . /app\n"),
    ]);
    let from_root = findings(dir.path(), &["--select", "BP008", "."]);
    let from_sub = findings(&dir.path().join("sub"), &["--select", "BP008", "."]);
    let (root, sub) = (only(&from_root, "BP008"), only(&from_sub, "BP008"));
    assert_eq!((&root.file, root.line), (&sub.file, sub.line));
    // The context is spelled from where bakelint runs ("sub" or "."); the claim is the same.
    for f in [root, sub] {
        assert!(f.message.contains(".git included"), "{}", f.message);
    }
}
