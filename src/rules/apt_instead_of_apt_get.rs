//! DL3027 `apt-instead-of-apt-get`: a RUN uses `apt`, the interactive
//! front end, whose output and behaviour are not meant for scripts.
//!
//! The fix (unsafe) replaces `apt` with `apt-get` for the subcommands both
//! have with the same meaning (`install`, `update`, `remove`, ...).

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::run_commands::{posix_runs, program_args};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DL3027",
    name: "apt-instead-of-apt-get",
    aliases: &[],
    severity: Severity::Warning,
    summary:
        "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead",
    doc: include_str!("../../rules/DL3027.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Subcommands `apt-get` has with the same meaning. (`apt upgrade` also
/// installs new dependencies, `apt-get upgrade` does not; `search`, `show`,
/// `list` belong to `apt-cache`.)
const SAME_IN_APT_GET: &[&str] = &[
    "install",
    "update",
    "remove",
    "purge",
    "autoremove",
    "clean",
    "autoclean",
    "source",
    "build-dep",
];

/// The edit turning this `apt` into `apt-get`, when the subcommand means
/// the same in both.
fn apt_get_edit(
    ctx: &DockerfileContext<'_>,
    word: &crate::shell::Word,
    args: &[crate::shell::Word],
) -> Option<Edit> {
    let subcommand = args
        .iter()
        .filter_map(|a| a.as_str())
        .find(|a| !a.starts_with('-'))?;
    (word.as_str() == Some("apt") && SAME_IN_APT_GET.contains(&subcommand))
        .then(|| Edit::replace(ctx.path, word.span, "apt-get"))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        let apts: Vec<_> = scripts
            .iter()
            .flat_map(|s| s.commands())
            .filter_map(|c| program_args(c, "apt"))
            .collect();
        let Some((word, _)) = apts.first() else {
            continue;
        };
        let mut diag = ctx
            .diagnostic(
                word.span,
                "`apt` is meant for interactive use: its output and behaviour may change between releases",
            )
            .with_help("Use `apt-get` (or `apt-cache` to query packages), the interface meant for scripts");
        for (other, _) in apts.iter().skip(1) {
            diag = diag.with_label(other.span, "`apt` again");
        }
        let edits: Vec<Edit> = apts
            .iter()
            .filter_map(|(w, args)| apt_get_edit(ctx, w, args))
            .collect();
        if !edits.is_empty() {
            diag = diag.with_fix(Fix::unsafe_("Replace `apt` with `apt-get`", edits));
        }
        out.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn flags_apt_and_fixes_install() {
        let src = "FROM ubuntu\nRUN apt update && apt install -y python3\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["apt"]);
        assert_eq!(crate::rules::testing::lines(src, &diags), vec![2]);
        assert_eq!(diags[0].labels.len(), 1);
        assert_fixes_to(
            &RULE,
            src,
            "FROM ubuntu\nRUN apt-get update && apt-get install -y python3\n",
        );
        assert_eq!(lint(&RULE, "ONBUILD RUN apt install python\n").len(), 1);
    }

    #[test]
    fn upgrade_and_search_get_no_fix() {
        for src in ["RUN apt upgrade -y\n", "RUN apt search python\n"] {
            let diags = lint(&RULE, src);
            assert_eq!(diags.len(), 1);
            assert!(diags[0].fix.is_none(), "{src}");
        }
    }

    #[test]
    fn apt_get_and_apt_cache_are_fine() {
        for src in [
            "RUN apt-get install -y apt\n",
            "RUN apt-cache policy curl\n",
            "RUN rm -rf /var/lib/apt/lists/*\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
