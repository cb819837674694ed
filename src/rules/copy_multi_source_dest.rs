//! DL3021 `copy-multiple-sources-dest` (hadolint: `DL3021`).
//!
//! With more than one source, COPY's destination is a directory and must
//! end with `/` (the classic builder fails the build otherwise: "When using
//! COPY with more than one source file, the destination must be a directory
//! and end with a /"). The fix appends the `/`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::unquote;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3021",
    name: "copy-multiple-sources-dest",
    aliases: &[],
    severity: Severity::Error,
    summary: "COPY with more than 2 arguments requires the last argument to end with /",
    doc: include_str!("../../rules/DL3021.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (_, ins) in ctx.dockerfile.instructions() {
        let InstructionKind::Copy(copy) = &ins.kind else {
            continue;
        };
        let Some(dest) = &copy.destination else {
            continue;
        };
        if copy.sources.len() < 2 || unquote(&dest.value).ends_with(['/', '\\']) {
            continue;
        }
        let raw = dest.span.slice(ctx.source());
        let mut diag = ctx
            .diagnostic(
                dest.span,
                "COPY with more than 2 arguments requires the last argument to end with /",
            )
            .with_help(format!(
                "end the destination with `/` (`{}/`): it is a directory",
                unquote(&dest.value)
            ));
        if !raw.contains('$') && !unquote(raw).is_empty() {
            let at = if raw.ends_with(['"', '\'']) && raw.len() > 1 {
                dest.span.end - 1
            } else {
                dest.span.end
            };
            diag = diag.with_fix(Fix::safe(
                "Append `/` to the destination",
                vec![Edit::insert(ctx.path, at, "/")],
            ));
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_destination_without_slash() {
        let src = "COPY foo bar baz\nCOPY foo bar \"baz\"\nCOPY [\"a\", \"b\", \"dir\"]\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["baz", "\"baz\"", "\"dir\""]);
        assert_fixes_to(
            &RULE,
            src,
            "COPY foo bar baz/\nCOPY foo bar \"baz/\"\nCOPY [\"a\", \"b\", \"dir/\"]\n",
        );
    }

    #[test]
    fn two_args_or_trailing_slash_are_fine() {
        let src = "COPY foo bar\nCOPY foo bar baz/\nCOPY foo bar \"baz/\"\nCOPY *.json ./\nCOPY a b C:\\\\Windows\\\\\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn variable_destination_has_no_fix() {
        let src = "COPY a b $DEST\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }
}
