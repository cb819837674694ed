//! DL3010 `copy-archive-then-extract` (hadolint: `DL3010`).
//!
//! `COPY app.tar.gz /src/` followed by `RUN tar -xzf /src/app.tar.gz` keeps
//! the archive in the COPY layer for good; `ADD app.tar.gz /src/` unpacks a
//! local tar archive (plain or compressed) in one step. Reported on the
//! COPY of a file whose name says tar archive (`.tar`, `.tar.gz`, `.tgz`,
//! ...; not `.zip`, which `ADD` does not unpack) when a later RUN of the same
//! stage extracts a file of that name (`tar -x`, `tar x...`, `gunzip`,
//! `unxz`, ...). `COPY --from` is not reported: `ADD` cannot read another
//! stage.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::{InstructionKind, Keyword};
use crate::rules::copy_paths::{basename, is_archive_name, unquote};
use crate::rules::run_shell::run_shells;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::SimpleCommand;
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DL3010",
    name: "copy-archive-then-extract",
    aliases: &[],
    severity: Severity::Info,
    summary: "Use ADD for extracting archives into an image",
    doc: include_str!("../../rules/DL3010.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Decompressors that take the archive as an operand.
const UNPACKERS: &[&str] = &[
    "unzip",
    "gunzip",
    "bunzip2",
    "unlzma",
    "unxz",
    "zgz",
    "uncompress",
    "zcat",
    "gzcat",
];

/// Whether the command extracts: `tar -x...`, `tar --extract`, `tar xzf`, or a decompressor.
fn extracts(command: &SimpleCommand) -> bool {
    let Some(program) = command.program() else {
        return false;
    };
    if UNPACKERS.contains(&program) {
        return true;
    }
    if program != "tar" {
        return false;
    }
    let Some((_, args)) = command.effective() else {
        return false;
    };
    args.iter().enumerate().any(|(i, a)| {
        let Some(v) = a.as_str() else { return false };
        v == "--extract"
            || v == "--get"
            || (v.starts_with('-') && !v.starts_with("--") && v.contains('x'))
            // Old-style bundled options: `tar xzf file`.
            || (i == 0 && v.contains('x') && v.bytes().all(|b| b.is_ascii_alphabetic()))
    })
}

/// A copied archive: the span to report and the file name it has in the image.
struct Copied {
    span: Span,
    name: String,
    extracted_at: Option<Span>,
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let shells = run_shells(df);
    let mut copied: Vec<Copied> = Vec::new();
    // Indexes into `copied` by archive name.
    let mut by_name: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    let flush = |copied: &mut Vec<Copied>, out: &mut Vec<Diagnostic>| {
        for c in copied.drain(..) {
            let Some(at) = c.extracted_at else { continue };
            out.push(
                ctx.diagnostic(c.span, format!("Use ADD for extracting archives into an image (`{}` is copied, then extracted)", c.name))
                    .with_help("`ADD <archive> <dir>` unpacks a local tar archive in one step, so the archive itself never lands in a layer")
                    .with_label(at, "extracted here"),
            );
        }
    };
    for (node, ins) in df.instructions() {
        match &ins.kind {
            InstructionKind::From(_) => {
                flush(&mut copied, out);
                by_name.clear();
            }
            InstructionKind::Copy(copy) if ins.flag("from").is_none() => {
                let Some(dest) = &copy.destination else {
                    continue;
                };
                if is_archive_name(&dest.value) && !unquote(&dest.value).ends_with('/') {
                    by_name
                        .entry(basename(&dest.value).to_string())
                        .or_default()
                        .push(copied.len());
                    copied.push(Copied {
                        span: dest.span,
                        name: basename(&dest.value).to_string(),
                        extracted_at: None,
                    });
                    continue;
                }
                for source in &copy.sources {
                    if is_archive_name(&source.value) && !source.value.contains('$') {
                        by_name
                            .entry(basename(&source.value).to_string())
                            .or_default()
                            .push(copied.len());
                        copied.push(Copied {
                            span: source.span,
                            name: basename(&source.value).to_string(),
                            extracted_at: None,
                        });
                    }
                }
            }
            InstructionKind::Run(_) if ins.keyword == Keyword::Run && !copied.is_empty() => {
                if shells
                    .get(node)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| !s.is_posix())
                {
                    continue;
                }
                for script in df.run_scripts(ins).iter() {
                    for command in script.commands().iter().filter(|c| extracts(c)) {
                        let Some((_, args)) = command.effective() else {
                            continue;
                        };
                        for arg in args {
                            let Some(v) = arg.as_str() else { continue };
                            if v.starts_with('-') {
                                continue;
                            }
                            for &i in by_name.get(basename(v)).into_iter().flatten() {
                                copied[i].extracted_at.get_or_insert(command.span);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    flush(&mut copied, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn flags_copy_then_extract() {
        let src = "COPY packaged-app.tar /usr/src/app\nRUN tar -xf /usr/src/app/packaged-app.tar\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["packaged-app.tar"]);
        assert_eq!(slices(src, &[diags[0].clone()]).len(), 1);
        let src = "COPY foo/bar/packaged-app.tar /foo.tar\nRUN tar -xf /foo.tar\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["/foo.tar"]);
        let src = "FROM a:1\nCOPY v.tar.xz /v/\nRUN cd /v && tar xJf v.tar.xz && rm v.tar.xz\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["v.tar.xz"]);
    }

    #[test]
    fn every_stage_is_checked() {
        let src = "FROM a:1\nCOPY a.tgz /a/\nRUN tar -xzf /a/a.tgz\nFROM b:1\nRUN true\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["a.tgz"]);
    }

    #[test]
    fn windows_paths() {
        let src = "COPY build\\foo\\bar.tar.gz \"C:\\Program Files\\Foo\"\nRUN tar -xf \"C:\\Program Files\\Foo\\bar.tar.gz\"\n";
        assert_eq!(lint(&RULE, src).len(), 1);
    }

    #[test]
    fn no_extraction_other_stage_zip_and_copy_from_are_fine() {
        let src = "COPY packaged-app.tar /usr/src/app\nFROM debian:11 AS newstage\nRUN tar -xf packaged-app.tar\n\
                   COPY --from=builder /usr/local/share/some.tar /opt/some.tar\nRUN tar -xf /opt/some.tar\n\
                   COPY w.zip /w.zip\nRUN unzip /w.zip\nCOPY c.tar.gz /c/\nRUN tar -czf other.tar.gz /c\n";
        assert!(lint(&RULE, src).is_empty(), "{:?}", lint(&RULE, src));
    }
}
