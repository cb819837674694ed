//! Bake definitions and Dockerfiles linted together: the Dockerfiles a
//! target builds are linted with what the target passes, inline Dockerfiles
//! report into the bake file, and fixes edit both.

use std::collections::BTreeMap;
use std::path::Path;

use bakelint::config::Settings;
use bakelint::fix::{fix_all, DiskSource, FixMode};
use bakelint::project::discover;
use bakelint::workspace::{self, LintOutput, Plan};

mod common;
use common::{plan, project};

fn lint(dir: &Path) -> LintOutput {
    workspace::lint(&plan(dir), &BTreeMap::new(), &Settings::default())
}

fn codes(out: &LintOutput) -> Vec<(&'static str, String)> {
    out.diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                d.file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

const DOCKERFILE_WITH_ARG_FROM: &str = "FROM ${BASE_IMAGE} AS app\nRUN true\n";

#[test]
fn bake_args_count_as_declared_for_the_dockerfile() {
    // Alone, the Dockerfile uses an undeclared ARG in FROM.
    let alone = project(&[("app/Dockerfile", DOCKERFILE_WITH_ARG_FROM)]);
    let out = lint(alone.path());
    assert!(
        codes(&out).iter().any(|(c, _)| *c == "DF009"),
        "{:?}",
        out.diagnostics
    );

    // Built by a bake target that passes BASE_IMAGE, it is fine.
    let bake = "group \"default\" {\n  targets = [\"app\"]\n}\ntarget \"app\" {\n  context = \"app\"\n  args = { BASE_IMAGE = \"alpine:3.20\" }\n}\n";
    let dir = project(&[
        ("app/Dockerfile", DOCKERFILE_WITH_ARG_FROM),
        ("docker-bake.hcl", bake),
    ]);
    let out = lint(dir.path());
    assert!(
        !codes(&out).iter().any(|(c, _)| *c == "DF009"),
        "{:?}",
        out.diagnostics
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn dockerfiles_built_by_targets_are_linted_even_when_not_walked() {
    let bake = "target \"default\" {\n  context = \"svc\"\n  dockerfile = \"build.containerfile.txt\"\n}\n";
    let dir = project(&[
        ("svc/build.containerfile.txt", "FROM alpine as x\n"),
        ("docker-bake.hcl", bake),
    ]);
    let out = lint(dir.path());
    let found: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "DF002")
        .map(|d| d.file.clone())
        .collect();
    assert_eq!(found.len(), 1, "{:?}", out.diagnostics);
    assert!(found[0].ends_with("svc/build.containerfile.txt"));
}

#[test]
fn inline_dockerfile_findings_point_into_the_bake_file() {
    let bake =
        "target \"default\" {\n  dockerfile-inline = \"FROM alpine as build\\nRUN true\\n\"\n}\n";
    let dir = project(&[("docker-bake.hcl", bake)]);
    let out = lint(dir.path());
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code == "DF002")
        .expect("DF002 in the inline Dockerfile");
    assert!(d.file.ends_with("docker-bake.hcl"));
    assert_eq!(&bake[d.span.start..d.span.end], "as");
    assert!(d.message.contains("dockerfile-inline"), "{}", d.message);

    // The fix edits the HCL string in place.
    let lint_fn = |files: &BTreeMap<std::path::PathBuf, String>| {
        workspace::lint(&plan(dir.path()), files, &Settings::default()).diagnostics
    };
    let res = fix_all(
        out.diagnostics.clone(),
        FixMode {
            unsafe_fixes: false,
        },
        &DiskSource,
        &lint_fn,
    );
    let fixed = res.contents.values().next().expect("bake file changed");
    assert_eq!(fixed, &bake.replace(" as ", " AS "));
}

#[test]
fn inline_heredoc_with_interpolation_reports_on_the_expression() {
    let bake = "variable \"BASE\" {\n  default = \"alpine\"\n}\ntarget \"default\" {\n  dockerfile-inline = <<EOT\nFROM ${BASE} as build\nEOT\n}\n";
    let dir = project(&[("docker-bake.hcl", bake)]);
    let out = lint(dir.path());
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.code == "DF002")
        .expect("DF002");
    assert!(
        bake[d.span.start..d.span.end].starts_with("<<EOT"),
        "whole expression"
    );
    assert!(d.fix.is_none(), "no fix through an interpolated template");
}

#[test]
fn bake_errors_are_bk000_with_spans_and_other_files_still_lint() {
    let bake = "target \"app\" {\n  tags = [\"x:${NOPE}\"]\n}\n";
    let dir = project(&[
        ("docker-bake.hcl", bake),
        ("other/Dockerfile", "FROM alpine as b\n"),
    ]);
    let out = lint(dir.path());
    let bk: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "BK000")
        .collect();
    assert_eq!(bk.len(), 1, "{:?}", out.diagnostics);
    assert!(
        bake[bk[0].span.start..bk[0].span.end].contains("NOPE"),
        "{:?}",
        bk[0]
    );
    assert!(out.diagnostics.iter().any(|d| d.code == "DF002"));
}

#[test]
fn suppression_comment_in_a_bake_file() {
    let bake = "target \"app\" {\n  # bakelint ignore=BK000\n  tags = [\"x:${NOPE}\"]\n}\n";
    let dir = project(&[("docker-bake.hcl", bake)]);
    let out = lint(dir.path());
    assert!(
        !out.diagnostics.iter().any(|d| d.code == "BK000"),
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn default_files_load_together_others_alone() {
    let base = "target \"app\" {\n  context = \"app\"\n  args = { BASE_IMAGE = \"alpine\" }\n}\ngroup \"default\" {\n  targets = [\"app\"]\n}\n";
    let over = "target \"app\" {\n  tags = [\"example/app:dev\"]\n}\n";
    let dir = project(&[
        ("docker-bake.hcl", base),
        ("docker-bake.override.hcl", over),
        ("app/Dockerfile", DOCKERFILE_WITH_ARG_FROM),
    ]);
    let p = plan(dir.path());
    assert_eq!(p.bake_sets.len(), 1, "{:?}", p.bake_sets);
    assert_eq!(p.bake_sets[0].len(), 2);
    assert!(
        p.bake_sets[0][0].ends_with("docker-bake.hcl"),
        "buildx order: hcl before override"
    );
    let out = lint(dir.path());
    assert_eq!(out.projects.len(), 1);
    assert_eq!(
        out.projects[0].targets()["app"].tags(),
        vec!["example/app:dev".to_string()]
    );
}

#[test]
fn bake_file_in_a_subdirectory_resolves_paths_against_the_linted_root() {
    let bake = "target \"default\" {\n  context = \".\"\n  dockerfile = \"deployment/docker/app.Dockerfile\"\n  args = { BASE_IMAGE = \"alpine\" }\n}\n";
    let dir = project(&[
        ("deployment/docker-bake.hcl", bake),
        ("deployment/docker/app.Dockerfile", DOCKERFILE_WITH_ARG_FROM),
    ]);
    let found = discover(&[dir.path().to_path_buf()]);
    let mut p = Plan::new(&found.files, &[]);
    p.env = BTreeMap::new();
    p.roots = vec![dir.path().to_path_buf()];
    let out = workspace::lint(&p, &BTreeMap::new(), &Settings::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.projects.len(), 1);
    assert!(
        !out.diagnostics
            .iter()
            .any(|d| d.code == "DF009" || d.code == "BK000"),
        "the target's args must reach the Dockerfile: {:?}",
        out.diagnostics
    );
}
