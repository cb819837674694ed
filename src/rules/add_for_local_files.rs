//! DL3020 `add-instead-of-copy` (hadolint: `DL3020`).
//!
//! `ADD` fetches URLs and Git repositories and unpacks local tar archives;
//! for plain local files and directories `COPY` does the same with no
//! surprises. Not reported: an `ADD` with a URL or Git source, an archive
//! (by name: `.tar`, `.tgz`, `.tar.gz`, ...) or a flag only `ADD` has
//! (`--checksum`, `--keep-git-dir`, `--unpack`).
//!
//! A source that starts with a variable is judged by the value an `ARG`
//! default or `ENV` of the file gives it (`ARG PKG_URL=https://...` makes
//! `ADD ${PKG_URL} /tmp/` a download); a variable with no known value may
//! hold a URL and is not reported.
//!
//! The fix renames the keyword. It is safe when every source is a literal
//! path: `ADD` unpacks a local tar archive whatever its name, so a source
//! with a variable or a wildcard, which may name an archive, gets an unsafe
//! fix.

use std::collections::HashMap;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::{is_archive_name, is_remote};
use crate::rules::source_text::keyword_case;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3020",
    name: "add-instead-of-copy",
    aliases: &[],
    severity: Severity::Error,
    summary: "Use COPY instead of ADD for files and folders",
    doc: include_str!("../../rules/DL3020.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Flags only `ADD` understands.
const ADD_ONLY_FLAGS: &[&str] = &["checksum", "keep-git-dir", "unpack"];

/// The variable a source starts with (`$NAME`, `${NAME}`, `${NAME:-x}`).
fn leading_variable(source: &str) -> Option<&str> {
    let rest = crate::rules::copy_paths::unquote(source).strip_prefix('$')?;
    let rest = rest.strip_prefix('{').unwrap_or(rest);
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Whether a source may be remote: a URL or Git address, or a leading
/// variable whose value in this file is one or is not known.
fn may_be_remote(source: &str, values: &HashMap<&str, &str>) -> bool {
    if is_remote(source) {
        return true;
    }
    match leading_variable(source) {
        Some(name) => values
            .get(name)
            .is_none_or(|v| is_remote(v) || v.starts_with('$')),
        None => false,
    }
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    // The last value each ARG default / ENV of the file gives a name.
    let mut values: HashMap<&str, &str> = HashMap::new();
    for (_, ins) in ctx.dockerfile.instructions() {
        match &ins.kind {
            InstructionKind::Arg(decls) => {
                for d in decls {
                    if let Some(default) = &d.default {
                        values.insert(&d.name.value, &default.value);
                    }
                }
                continue;
            }
            InstructionKind::Env(pairs) => {
                for p in pairs {
                    values.insert(&p.key.value, &p.value.value);
                }
                continue;
            }
            _ => {}
        }
        let InstructionKind::Add(add) = &ins.kind else {
            continue;
        };
        if add.sources.is_empty()
            || ins
                .flags
                .iter()
                .any(|f| ADD_ONLY_FLAGS.contains(&f.name.value.as_str()))
            || add
                .sources
                .iter()
                .any(|s| is_archive_name(&s.value) || may_be_remote(&s.value, &values))
        {
            continue;
        }
        let literal = add
            .sources
            .iter()
            .all(|s| !s.value.starts_with("<<") && !s.value.contains(['$', '*', '?', '[']))
            || add.sources.iter().all(|s| s.value.starts_with("<<"));
        let copy = keyword_case(ctx.source(), ins.keyword_span, "COPY");
        let edits = vec![Edit::replace(ctx.path, ins.keyword_span, copy.clone())];
        let fix = if literal {
            Fix::safe(format!("Replace `ADD` with `{copy}`"), edits)
        } else {
            Fix::unsafe_(
                format!("Replace `ADD` with `{copy}` (a wildcard or variable source may name a tar archive, which `ADD` unpacks)"),
                edits,
            )
        };
        out.push(
            ctx.diagnostic(
                ins.keyword_span,
                "Use COPY instead of ADD for files and folders",
            )
            .with_help("use `COPY`: `ADD` is for URLs and for unpacking local tar archives")
            .with_fix(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_add_of_local_files_and_fixes_to_copy() {
        let src =
            "FROM alpine:3\nADD file /usr/src/app/\nadd --chown=1:1 dir /x\nADD \"file.zip\" /y/\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["ADD", "add", "ADD"]);
        assert_fixes_to(
            &RULE,
            src,
            "FROM alpine:3\nCOPY file /usr/src/app/\ncopy --chown=1:1 dir /x\nCOPY \"file.zip\" /y/\n",
        );
    }

    #[test]
    fn archives_urls_git_and_add_only_flags_are_fine() {
        let src = "FROM alpine:3\nADD file.tar /a/\nADD \"file.tgz\" /a/\nADD file.tar.xz /a/\n\
                   ADD http://file.com /a/\nADD \"https://x/y\" /a/\nADD git@github.com:moby/moby.git /src\n\
                   ADD --checksum=sha256:abc f /a/\nADD --keep-git-dir=true https://github.com/a/b.git /b\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }

    #[test]
    fn wildcards_and_variables_get_an_unsafe_fix() {
        let src =
            "FROM alpine:3\nARG SRC=conf\nADD files/* /a/\nADD $SRC /b/\nADD <<EOF /c\nhi\nEOF\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 3);
        let kinds: Vec<_> = diags
            .iter()
            .map(|d| d.fix.as_ref().map(|f| f.applicability))
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(Applicability::Unsafe),
                Some(Applicability::Unsafe),
                Some(Applicability::Safe)
            ]
        );
    }

    #[test]
    fn variables_holding_or_maybe_holding_urls() {
        let src = "FROM alpine:3\nARG PKG_URL=https://example.org/v${V}/pkg\nADD ${PKG_URL} /tmp/pkg.rpm\n\
                   ADD $UNKNOWN /tmp/x\nENV LOCAL=./conf\nADD ${LOCAL}/app.conf /etc/app.conf\n";
        let diags = lint(&RULE, src);
        assert_eq!(crate::rules::testing::lines(src, &diags), vec![6]);
    }
}
