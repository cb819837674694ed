//! BK003 `missing-dockerfile`.
//!
//! A target with a local context builds `<context>/<dockerfile>` (default
//! `Dockerfile`). When that file or the context directory does not exist,
//! the build fails before it starts. Remote contexts, `dockerfile-inline`
//! and templates only inherited by other targets are not checked.

use std::path::{Path, PathBuf};

use crate::bake::Target;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label, Findings};
use crate::rules::bake_targets::built_targets;
use crate::rules::suggest::{closest, did_you_mean};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK003",
    name: "missing-dockerfile",
    aliases: &[],
    severity: Severity::Error,
    summary: "The Dockerfile a target builds does not exist",
    doc: include_str!("../../rules/BK003.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// Context values that are not local directories.
const NON_LOCAL_CONTEXT_PREFIXES: &[&str] = &["target:", "docker-image:", "oci-layout:"];

/// `path` relative to `base` when inside it, for messages.
fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The file in `path`'s directory whose name is closest to `path`'s.
fn similar_file(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let entries = std::fs::read_dir(path.parent()?).ok()?;
    let names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    closest(name, names.iter().map(String::as_str)).map(str::to_string)
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Findings::default();
    for target in built_targets(ctx.project) {
        if let Some(diag) = check_target(ctx, target) {
            if findings.first(&diag.file, diag.span, &diag.message) {
                out.push(diag);
            }
        }
    }
}

fn check_target(ctx: &BakeContext<'_>, target: &Target) -> Option<Diagnostic> {
    let context = target.context();
    if NON_LOCAL_CONTEXT_PREFIXES
        .iter()
        .any(|p| context.starts_with(p))
        || context.contains("://")
    {
        return None;
    }
    let context_dir = target.context_path()?;
    let cwd = target.cwd.clone();
    if !context_dir.is_dir() {
        let origin = target.attr("context").map(|r| &r.origin)?;
        if !in_file(origin) {
            return None;
        }
        let diag = ctx
            .diagnostic(
                &origin.file,
                origin.span,
                format!(
                    "build context `{}` does not exist",
                    shown(&context_dir, &cwd)
                ),
            )
            .with_help(format!(
                "`context` is resolved against the directory `docker buildx bake` runs in: {}",
                crate::workspace::base::describe(target)
            ));
        return Some(with_inherit_label(diag, target, origin));
    }
    if target.dockerfile_inline().is_some() {
        return None;
    }
    let path: PathBuf = target.dockerfile()?;
    // Something there that is not a file (a FIFO, a device) is reported
    // when it is read, as not a regular file; it is not missing.
    if ctx.dockerfile(&path).is_some() || path.metadata().is_ok_and(|m| !m.is_dir()) {
        return None;
    }
    let suggestion = similar_file(&path);
    let message = format!(
        "Dockerfile `{}` does not exist{}",
        shown(&path, &cwd),
        did_you_mean(suggestion.as_deref())
    );
    match target.attr("dockerfile").map(|r| &r.origin) {
        Some(origin) if in_file(origin) => {
            let diag = ctx
                .diagnostic(&origin.file, origin.span, message)
                .with_help(format!(
                "`dockerfile` is relative to the context `{context}`, resolved against {}; point it at an existing file", crate::workspace::base::describe(target)
            ));
            Some(with_inherit_label(diag, target, origin))
        }
        Some(_) => None,
        None => {
            let block = target.block.as_ref().filter(|b| in_file(b))?;
            Some(
                ctx.diagnostic(&block.file, block.span, message)
                    .with_help(format!(
                        "target `{}` builds the default `Dockerfile` of the context `{context}`, resolved against {}; set `dockerfile` or `context`",
                        target.name, crate::workspace::base::describe(target)
                    )),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::lint;

    #[test]
    fn default_dockerfile_missing_points_at_the_label() {
        let hcl = "target \"app\" {\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"app\""]);
        assert!(l.messages()[0].contains("`Dockerfile` does not exist"));
    }

    #[test]
    fn explicit_dockerfile_with_suggestion() {
        let hcl = "target \"app\" {\n  context = \"app\"\n  dockerfile = \"Dockerfile.prd\"\n}\n";
        let l = lint(
            &RULE,
            &[
                ("docker-bake.hcl", hcl),
                ("app/Dockerfile.prod", "FROM alpine\n"),
            ],
        );
        assert_eq!(l.slices(), vec!["\"Dockerfile.prd\""]);
        assert!(
            l.messages()[0].contains("app/Dockerfile.prd"),
            "{:?}",
            l.messages()
        );
        assert!(l.messages()[0].contains("did you mean `Dockerfile.prod`"));
    }

    #[test]
    fn inherited_dockerfile_is_reported_at_the_parent() {
        let hcl = "target \"_base\" {\n  dockerfile = \"build/Dockerfile\"\n}\ntarget \"a\" {\n  inherits = [\"_base\"]\n}\ntarget \"b\" {\n  inherits = [\"_base\"]\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"build/Dockerfile\""]);
        assert_eq!(l.diagnostics[0].labels.len(), 1);
    }

    #[test]
    fn existing_inline_and_remote_are_fine() {
        let hcl = r#"target "a" {
}
target "b" {
  dockerfile-inline = "FROM alpine\n"
  context = "nowhere-but-inline-needs-no-file"
}
target "c" {
  context = "https://github.com/docker/buildx.git"
}
target "d" {
  contexts = { x = "target:a" }
  context = "."
}
"#;
        let l = lint(
            &RULE,
            &[("docker-bake.hcl", hcl), ("Dockerfile", "FROM alpine\n")],
        );
        assert_eq!(l.slices(), vec!["\"nowhere-but-inline-needs-no-file\""]);
    }

    #[test]
    fn templates_depend_on_groups() {
        // Without groups, an inherited target is buildable on its own.
        let hcl = "target \"app\" {\n  context = \"app\"\n}\ntarget \"app-debug\" {\n  inherits = [\"app\"]\n  dockerfile = \"debug.Dockerfile\"\n}\n";
        let l = lint(
            &RULE,
            &[
                ("docker-bake.hcl", hcl),
                ("app/debug.Dockerfile", "FROM alpine\n"),
            ],
        );
        assert_eq!(l.slices(), vec!["\"app\""]);
        // With a group that leaves it out, it is a template.
        let grouped = format!("group \"default\" {{\n  targets = [\"app-debug\"]\n}}\n{hcl}");
        let l = lint(
            &RULE,
            &[
                ("docker-bake.hcl", &grouped),
                ("app/debug.Dockerfile", "FROM alpine\n"),
            ],
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }

    #[test]
    fn missing_context_directory() {
        let hcl = "target \"app\" {\n  context = \"srv\"\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl)]);
        assert_eq!(l.slices(), vec!["\"srv\""]);
        assert!(l.messages()[0].contains("build context `srv`"));
    }

    #[test]
    fn json_definition() {
        let json = r#"{"target": {"app": {"dockerfile": "Dockerfile.dev"}}}"#;
        let l = lint(
            &RULE,
            &[("docker-bake.json", json), ("Dockerfile", "FROM alpine\n")],
        );
        assert_eq!(l.slices(), vec!["\"Dockerfile.dev\""]);
    }
}
