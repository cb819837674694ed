//! DL3047 `wget-without-progress`: `wget` without `--progress`, `-q`,
//! `-nv` or a log file prints a progress bar that floods the build log.
//!
//! hadolint's conditions: none of `--progress`, `-q`/`--quiet`,
//! `-nv`/`--no-verbose`, `-o`/`--output-file`, `-a`/`--append-output`
//! (short options also inside clusters: `-qO-`). The fix adds
//! `--progress=dot:giga` after `wget`: safe where the image's wget is GNU
//! wget (Debian, Ubuntu, Red Hat family), unsafe elsewhere (busybox wget,
//! Alpine's default, does not know `--progress`).

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::Dockerfile;
use crate::rules::image_shells::{shell_of_image, shell_of_managers, PipefailShell};
use crate::rules::run_commands::{option_names, posix_runs, program_args, program_names};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::PackageManager;

pub static RULE: RuleDef = RuleDef {
    code: "DL3047",
    name: "wget-without-progress",
    aliases: &[],
    severity: Severity::Info,
    summary: "Avoid use of wget without progress bar; use `wget --progress=dot:giga <url>`",
    doc: include_str!("../../rules/DL3047.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Long options that quiet the progress output or send it to a file.
const QUIET_LONG: &[&str] = &[
    "progress",
    "quiet",
    "no-verbose",
    "output-file",
    "append-output",
];
/// Short options that do (`-q`, `-o FILE`, `-a FILE`).
const QUIET_SHORT: &[&str] = &["q", "o", "a"];

/// Whether the file's wget is surely GNU wget: the stage chain is Debian,
/// Ubuntu or Red Hat based and never runs `apk`.
fn gnu_wget(managers: &[PackageManager], root_image: Option<&str>) -> bool {
    if managers.contains(&PackageManager::Apk) {
        return false;
    }
    root_image
        .and_then(shell_of_image)
        .or_else(|| shell_of_managers(managers))
        == Some(PipefailShell::Bash)
}

/// The package managers the file's RUNs install with.
fn file_managers(df: &Dockerfile) -> Vec<PackageManager> {
    let mut managers = Vec::new();
    for (_, ins) in df.instructions() {
        for script in df.run_scripts(ins).iter() {
            for manager in script.install_managers() {
                if !managers.contains(&manager) {
                    managers.push(manager);
                }
            }
        }
    }
    managers
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let mut managers: Option<Vec<PackageManager>> = None;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        let found = scripts.iter().flat_map(|s| s.commands()).find_map(|c| {
            let (word, args) = program_args(c, "wget")?;
            let quiet = option_names(args)
                .any(|(_, n)| QUIET_LONG.contains(&n) || QUIET_SHORT.contains(&n))
                || args.iter().any(|a| a.is("-nv"));
            let via_busybox = program_names(c).next() == Some("busybox");
            (!quiet).then_some((word, via_busybox))
        });
        let Some((word, via_busybox)) = found else {
            continue;
        };
        let mut diag = ctx
            .diagnostic(
                word.span,
                "`wget` without `--progress`: its progress bar floods the build log",
            )
            .with_help(
                "Use `wget --progress=dot:giga <url>`, or `-q` / `-nv` (`--quiet`, \
                 `--no-verbose`) to print less",
            );
        if !via_busybox {
            let managers = managers.get_or_insert_with(|| file_managers(df));
            let safe = gnu_wget(managers, run.shell.root_image.as_deref());
            let edit = vec![Edit::insert(
                ctx.path,
                word.span.end,
                " --progress=dot:giga",
            )];
            let message = "Add `--progress=dot:giga`";
            diag = diag.with_fix(if safe {
                Fix::safe(message, edit)
            } else {
                Fix::unsafe_(message, edit)
            });
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_wget_and_fixes_safely_on_debian() {
        let src = "FROM debian:12\nRUN apt-get update && wget -O /tmp/x https://x\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["wget"]);
        assert_eq!(
            diags[0].fix.as_ref().map(|f| f.applicability),
            Some(Applicability::Safe)
        );
        assert_fixes_to(
            &RULE,
            src,
            "FROM debian:12\nRUN apt-get update && wget --progress=dot:giga -O /tmp/x https://x\n",
        );
    }

    #[test]
    fn unsafe_on_alpine_and_unknown_images() {
        for src in [
            "FROM alpine:3\nRUN wget https://x\n",
            "FROM myorg/base\nRUN wget https://x\n",
            "FROM debian:12\nRUN apk add wget && wget https://x\n",
        ] {
            let diags = lint(&RULE, src);
            assert_eq!(
                diags[0].fix.as_ref().map(|f| f.applicability),
                Some(Applicability::Unsafe),
                "{src}"
            );
        }
        let diags = lint(&RULE, "FROM alpine\nRUN busybox wget https://x\n");
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn quiet_options_are_fine() {
        for opts in [
            "--progress=dot:giga",
            "-q",
            "--quiet",
            "-nv",
            "--no-verbose",
            "--output-file=/tmp/wget.log",
            "-o /tmp/wget.log",
            "--append-output=/tmp/wget.log",
            "-a /tmp/wget.log",
            "-qO-",
            "-qO /tmp/x",
        ] {
            let src = format!("FROM node as foo\nRUN wget {opts} my.xyz\n");
            assert!(lint(&RULE, &src).is_empty(), "{opts}");
        }
    }

    #[test]
    fn onbuild_sudo_paths_and_no_from() {
        assert_eq!(lint(&RULE, "FROM node\nONBUILD RUN wget my.xyz\n").len(), 1);
        assert_eq!(lint(&RULE, "RUN sudo /usr/bin/wget my.xyz\n").len(), 1);
        assert_eq!(lint(&RULE, "RUN wget -nc my.xyz && wget -q y\n").len(), 1);
        assert!(lint(&RULE, "RUN apt-get install -y wget && command -v wget\n").is_empty());
    }
}
