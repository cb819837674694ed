//! BK005 `undeclared-build-arg`.
//!
//! BuildKit drops a build arg that no `ARG` of the built stages declares,
//! with at most a warning in the build output. The stages that count are
//! the target stage (the last one without `target`) and every stage it
//! uses (`FROM <stage>`, `COPY --from`, `RUN --mount=from=`), plus the
//! global ARGs before the first `FROM`. Predefined args (proxy, platform,
//! `BUILDKIT_*`, `SOURCE_DATE_EPOCH`) need no declaration.
//!
//! Setting an arg in a shared parent target that only some children use is
//! ordinary bake style, so an entry is judged by every target that receives
//! it: it is reported only when none of them declares it (or might: a
//! target whose Dockerfile bakelint cannot read counts as a user). The
//! finding points at the key of the `args` entry, once, naming the targets,
//! with a did-you-mean among the `ARG`s they declare.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::bake::{Provenance, Target};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label};
use crate::rules::bake_syntax::map_key_span;
use crate::rules::bake_targets::{built_dockerfile, built_targets};
use crate::rules::build_args::{declared_args, is_predefined_arg};
use crate::rules::stages::built_stages;
use crate::rules::suggest::{closest, did_you_mean};

use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BK005",
    name: "undeclared-build-arg",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A build arg no `ARG` of the built stages declares",
    doc: include_str!("../../rules/BK005.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// A built target that sets `args`, with what its Dockerfile makes of
/// them: worked out once per target, whatever the number of entries.
struct Receiver<'a> {
    target: &'a Target,
    /// The `ARG` names its built stages declare; `None` when it may use any
    /// arg in a way bakelint cannot see (unknown Dockerfile, custom frontend).
    declared: Option<BTreeSet<String>>,
    /// The `args` keys it sets (a rename must not clash).
    keys: BTreeSet<&'a str>,
}

/// One `args` entry (one place in a file).
struct Entry<'a> {
    origin: &'a Provenance,
    /// Every built target that receives the entry (by index into the
    /// receivers), whether or not bakelint reads its Dockerfile.
    receivers: Vec<usize>,
    /// Whether the span is the key as written (not the value's).
    key_found: bool,
}

/// The `ARG` names the stages `target` builds declare; `None` when bakelint
/// cannot tell (no Dockerfile, parse errors, a custom frontend, a stage
/// graph it cannot resolve): the target may then use any arg.
fn target_declared_args(ctx: &BakeContext<'_>, target: &Target) -> Option<BTreeSet<String>> {
    let df = built_dockerfile(ctx, target)?;
    if !df.errors.is_empty() || !crate::dockerfile::buildkit_frontend(&df.directives) {
        return None;
    }
    let stages = built_stages(
        &df,
        target.target().filter(|t| !t.is_empty()),
        &target.args(),
    )?;
    Some(declared_args(&df, &stages))
}

/// The built targets that set `args`.
fn receivers<'a>(ctx: &BakeContext<'a>) -> Vec<Receiver<'a>> {
    built_targets(ctx.project)
        .into_iter()
        .filter_map(|target| {
            let args = target.attr("args")?;
            Some(Receiver {
                target,
                declared: target_declared_args(ctx, target),
                keys: args
                    .elements
                    .iter()
                    .filter_map(|x| x.key.as_deref())
                    .collect(),
            })
        })
        .collect()
}

/// Every `args` entry of the receivers, keyed by where it is written: an
/// entry in a parent block is received by all the targets inheriting it.
fn entries<'a>(
    ctx: &BakeContext<'a>,
    receivers: &[Receiver<'a>],
) -> BTreeMap<(PathBuf, Span, String), Entry<'a>> {
    let mut found: BTreeMap<(PathBuf, Span, String), Entry<'a>> = BTreeMap::new();
    for (index, receiver) in receivers.iter().enumerate() {
        let Some(args) = receiver.target.attr("args") else {
            continue;
        };
        for entry in &args.elements {
            let Some(key) = entry.key.as_deref() else {
                continue;
            };
            if entry.value.is_null() || is_predefined_arg(key) || !in_file(&entry.origin) {
                continue;
            }
            let key_span = ctx
                .file_text(&entry.origin.file)
                .and_then(|text| map_key_span(text, entry.origin.span, key));
            let span = key_span.unwrap_or(entry.origin.span);
            found
                .entry((entry.origin.file.clone(), span, key.to_string()))
                .or_insert_with(|| Entry {
                    origin: &entry.origin,
                    receivers: Vec::new(),
                    key_found: key_span.is_some(),
                })
                .receivers
                .push(index);
        }
    }
    found
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let all = receivers(ctx);
    for ((file, span, key), entry) in entries(ctx, &all) {
        let receivers: Vec<&Receiver<'_>> =
            entry.receivers.iter().filter_map(|&i| all.get(i)).collect();
        // Reported only when no receiving target declares the key (or may use it).
        let used = receivers
            .iter()
            .any(|r| r.declared.as_ref().is_none_or(|d| d.contains(&key)));
        if used {
            continue;
        }
        // A did-you-mean among the `ARG`s the receiving targets declare.
        let declared: BTreeSet<&str> = receivers
            .iter()
            .filter_map(|r| r.declared.as_ref())
            .flatten()
            .map(String::as_str)
            .collect();
        let suggestion = closest(&key, declared).map(str::to_string);
        let names = receivers
            .iter()
            .map(|r| format!("`{}`", r.target.name))
            .collect::<Vec<_>>()
            .join(", ");
        let who = if receivers.len() == 1 {
            format!("target {names} builds")
        } else {
            format!("targets {names} build")
        };
        let message = format!(
            "build arg `{key}` is declared by no `ARG` in the stages {who}{}",
            did_you_mean(suggestion.as_deref())
        );
        let help = match &suggestion {
            Some(s) => format!(
                "BuildKit ignores it; rename it to `{s}`, or declare `ARG {key}` in the stage that uses it"
            ),
            None => format!(
                "BuildKit ignores it; declare `ARG {key}` in the stage that uses it, or remove it"
            ),
        };
        let mut diag = ctx.diagnostic(&file, span, message).with_help(help);
        for r in &receivers {
            diag = with_inherit_label(diag, r.target, entry.origin);
        }
        // Renamed only when one target passes it, the key is written
        // plainly and the new name is not already one of its keys.
        let rename = suggestion.as_deref().filter(|s| {
            entry.key_found && receivers.len() == 1 && !receivers.iter().any(|r| r.keys.contains(s))
        });
        if let Some(new_name) = rename {
            if let Some(edit) = rename_edit(ctx, &file, span, &key, new_name) {
                diag = diag.with_fix(Fix::unsafe_(
                    format!("Rename the build arg to `{new_name}`"),
                    vec![edit],
                ));
            }
        }
        out.push(diag);
    }
}

/// Renames the key (at `span`, written bare or quoted) to `new_name`.
fn rename_edit(
    ctx: &BakeContext<'_>,
    file: &std::path::Path,
    span: Span,
    key: &str,
    new_name: &str,
) -> Option<Edit> {
    // Only to a plain name: written bare or quoted, it stays valid HCL and
    // JSON (an `ARG /x` would make `{ /x = "" }`).
    let plain = new_name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain {
        return None;
    }
    let written = span.slice(ctx.file_text(file)?);
    let content = if written == key {
        new_name.to_string()
    } else if written == format!("\"{key}\"") {
        format!("\"{new_name}\"")
    } else {
        return None;
    };
    Some(Edit::replace(file.to_path_buf(), span, content))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::bake::{fixed, lint};

    const DOCKERFILE: (&str, &str) = (
        "Dockerfile",
        "ARG BASE=alpine\nFROM golang:1.22 AS build\nARG GO_FLAGS\nRUN go build $GO_FLAGS\n\
FROM build AS test\nARG TEST_ARGS\nRUN go test $TEST_ARGS\n\
FROM ${BASE} AS release\nARG VERSION\nCOPY --from=build /out /out\n",
    );

    #[test]
    fn undeclared_key_is_flagged_at_the_key() {
        let hcl = r#"target "app" {
  args = {
    VERSION = "1.0"
    GO_FLAGS = "-v"
    VERSON = "1.0"
    TEST_ARGS = "-race"
    HTTP_PROXY = "http://proxy"
    BUILDKIT_INLINE_CACHE = "1"
    BASE = "debian"
  }
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        // TEST_ARGS belongs to the `test` stage, which `release` does not use.
        assert_eq!(
            l.slices(),
            vec!["VERSON", "TEST_ARGS"],
            "{:?}",
            l.messages()
        );
        assert!(l.messages()[0].contains("did you mean `VERSION`"));
        // VERSION is already set: renaming VERSON would duplicate it.
        assert!(l.diagnostics[0].fix.is_none());
    }

    #[test]
    fn unsafe_fix_renames_a_plain_key() {
        let hcl =
            "target \"app\" {\n  args = {\n    VERSON = \"1\"\n    \"go_flags\" = \"-v\"\n  }\n}\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["VERSON", "\"go_flags\""]);
        assert_eq!(
            fixed(&l, "docker-bake.hcl"),
            hcl.replace("VERSON", "VERSION")
                .replace("go_flags", "GO_FLAGS")
        );
    }

    #[test]
    fn target_stage_selects_the_stages() {
        let hcl = r#"target "test" {
  target = "test"
  args = {
    TEST_ARGS = "-race"
    GO_FLAGS = "-v"
    VERSION = "1"
  }
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["VERSION"]);
    }

    #[test]
    fn inherited_args_are_reported_once_in_the_parent() {
        let hcl = r#"target "_common" {
  args = {
    "NOPE" = "1"
  }
}
target "a" {
  inherits = ["_common"]
}
target "b" {
  inherits = ["_common"]
  dockerfile-inline = "FROM alpine\nARG OTHER\n"
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"NOPE\""]);
        assert!(l.messages()[0].contains("targets `a`, `b`"));
        assert_eq!(l.diagnostics[0].labels.len(), 2);
    }

    #[test]
    fn parent_arg_used_by_some_children_is_not_flagged() {
        // `_common` passes GO_FLAGS to `lint` (whose stages do not declare
        // it) and to `build` (whose do): ordinary bake style.
        let hcl = r#"target "_common" {
  args = {
    GO_FLAGS = "-v"
  }
}
target "build" {
  inherits = ["_common"]
  target = "build"
}
target "lint" {
  inherits = ["_common"]
  dockerfile-inline = "FROM alpine\nARG LINT_FLAGS\n"
}
group "default" {
  targets = ["build", "lint"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
    }

    #[test]
    fn parent_arg_no_child_uses_suggests_a_near_miss() {
        let hcl = r#"target "_common" {
  args = {
    GO_FLAG = "-v"
  }
}
target "build" {
  inherits = ["_common"]
  target = "build"
}
target "lint" {
  inherits = ["_common"]
  dockerfile-inline = "FROM alpine\nARG LINT_FLAGS\n"
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["GO_FLAG"]);
        assert_eq!(
            l.messages()[0],
            "build arg `GO_FLAG` is declared by no `ARG` in the stages targets `build`, `lint` build; did you mean `GO_FLAGS`?"
        );
        // Two targets receive it: renaming is left to the reader.
        assert!(l.diagnostics[0].fix.is_none());
    }

    #[test]
    fn a_receiver_with_an_unreadable_dockerfile_may_use_it() {
        let hcl = r#"target "_common" {
  args = {
    ANY = "1"
  }
}
target "a" {
  inherits = ["_common"]
}
target "b" {
  inherits = ["_common"]
  dockerfile = "missing.Dockerfile"
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.messages());
    }

    #[test]
    fn args_from_variables_and_json() {
        let hcl = r#"variable "V" {
  default = "1"
}
target "app" {
  args = {
    VERSION = V
    EXTRA = "${V}-x"
  }
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["EXTRA"]);
        let json = r#"{"target": {"app": {"args": {"EXTRA": "x", "VERSION": "1"}}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"EXTRA\""]);
    }

    #[test]
    fn custom_frontends_are_skipped() {
        let hcl = "target \"app\" {\n  args = {\n    ANY = \"1\"\n  }\n}\n";
        let df = "# syntax=example.com/my/frontend:1\nFROM alpine\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), ("Dockerfile", df)]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let df = "# syntax=docker/dockerfile:1\nFROM alpine\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), ("Dockerfile", df)]);
        assert_eq!(l.slices(), vec!["ANY"]);
    }

    #[test]
    fn unresolvable_stage_reference_counts_every_stage() {
        let hcl = "target \"app\" {\n  args = {\n    ANY = \"1\"\n  }\n}\n";
        let df = "FROM alpine AS a\nARG ANY\nFROM alpine\nARG S=a\nCOPY --from=${S} / /\n";
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), ("Dockerfile", df)]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    }
}
