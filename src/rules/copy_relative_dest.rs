//! DL3045 `copy-relative-without-workdir` (hadolint: `DL3045`).
//!
//! A relative COPY destination lands in the working directory of the base
//! image, which this Dockerfile does not control (and which changes when the
//! base image does). Fine once the stage, or a stage it is built `FROM`,
//! sets a `WORKDIR` (checked per stage lineage, as BuildKit inherits it);
//! absolute destinations (`/app`, `C:\app`, `C:/app`) and destinations
//! starting with a variable are not judged.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::InstructionKind;
use crate::rules::copy_paths::unquote;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3045",
    name: "copy-relative-without-workdir",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`COPY` to a relative destination without `WORKDIR` set",
    doc: include_str!("../../rules/DL3045.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Absolute (`/x`, `C:\x`, `C:/x`) or starting with a variable.
fn is_fixed(dest: &str) -> bool {
    let b = dest.as_bytes();
    dest.starts_with('/')
        || dest.starts_with('$')
        || (b.len() >= 3 && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    // Whether each stage (so far) has a WORKDIR, its own or inherited.
    let mut workdir_set: Vec<bool> = Vec::new();
    // Before the first FROM (not a valid Dockerfile, but linted like hadolint).
    let mut current = false;
    for (_, ins) in df.instructions() {
        match &ins.kind {
            InstructionKind::From(_) => {
                let index = workdir_set.len();
                let inherited = df
                    .stage_parent(index)
                    .and_then(|p| workdir_set.get(p).copied())
                    .unwrap_or(false);
                workdir_set.push(inherited);
                current = inherited;
            }
            InstructionKind::Workdir(_) => {
                current = true;
                if let Some(last) = workdir_set.last_mut() {
                    *last = true;
                }
            }
            InstructionKind::Copy(copy) => {
                let Some(dest) = &copy.destination else {
                    continue;
                };
                if current || is_fixed(unquote(&dest.value)) {
                    continue;
                }
                out.push(
                    ctx.diagnostic(dest.span, "`COPY` to a relative destination without `WORKDIR` set")
                        .with_help("set an absolute `WORKDIR` earlier in the stage (e.g. `WORKDIR /app`), or copy to an absolute path"),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_relative_destination_without_workdir() {
        let src = "COPY bla.sh blubb.sh\nCOPY a \"b\"\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["blubb.sh", "\"b\""]);
        let src = "FROM debian:12 AS s1\nWORKDIR /usr\nFROM debian:12\nCOPY foo bar\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["bar"]);
    }

    #[test]
    fn absolute_variable_and_windows_destinations_are_fine() {
        let src = "COPY a /usr/local/bin/b\nCOPY a \"/x\"\nCOPY a c:\\system32\\b\nCOPY a d:/p/b\nCOPY a ${DEST}\nCOPY a \"$DEST\"\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn workdir_in_stage_or_parent_stage() {
        let src = "FROM scratch\nWORKDIR /usr\nCOPY bla.sh blubb.sh\n";
        assert!(lint(&RULE, src).is_empty());
        let src = "FROM debian:12 AS base1\nWORKDIR /usr\nFROM base1 AS base2\nRUN foo\nFROM debian:12 AS other\nRUN x\nFROM base2\nCOPY foo bar\n";
        assert!(lint(&RULE, src).is_empty());
    }

    #[test]
    fn copy_before_workdir_in_the_same_stage() {
        let src = "FROM debian:12\nCOPY foo bar\nWORKDIR /app\nCOPY foo baz\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["bar"]);
    }
}
