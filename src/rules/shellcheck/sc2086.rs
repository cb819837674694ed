//! SC2086 `unquoted-variable`: an unquoted `$VAR` is split on blanks and
//! globbed.
//!
//! Found by [`crate::shell::checks`], which also tells how the script
//! assigns the variable (ShellCheck's data flow: `x=1; echo $x` is fine).
//! Here the Dockerfile adds what hadolint tells ShellCheck: ENV and ARG
//! names in scope are defined with a value that cannot split, so `ENV
//! DIR=/app` then `RUN cd $DIR` is not reported; neither are the proxy
//! variables Docker predefines.
//!
//! Fix (unsafe): wrap the expansion in double quotes. Unsafe because a
//! variable meant to hold several words (`apt-get install $PACKAGES`) stops
//! being split, and an empty one becomes an empty argument.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::checks::VarState;
use crate::shell::ScriptOrigin;

pub static RULE: RuleDef = RuleDef {
    code: "SC2086",
    name: "unquoted-variable",
    aliases: &[],
    severity: Severity::Info,
    summary: "Double quote to prevent globbing and word splitting",
    doc: include_str!("../../../rules/SC2086.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    super::for_each_finding(ctx, RULE.code, |script, finding, run| {
        let Some(expansion) = &finding.expansion else {
            return;
        };
        if finding.sh_only && !run.is_sh_dialect() {
            return;
        }
        let reported = match &expansion.state {
            VarState::Safe => false,
            VarState::Unsafe => true,
            VarState::Unassigned => !expansion.name.as_deref().is_some_and(|n| run.defines(n)),
            VarState::FromVariables(deps) => !deps.iter().all(|d| run.defines(d)),
        };
        if !reported {
            return;
        }
        let text = finding.span.slice(ctx.source());
        let mut diag = ctx
            .diagnostic(finding.span, finding.message.clone())
            .with_help(format!(
            "double-quote it (`\"{text}\"`) unless its value is meant to split into several words"
        ));
        // JSON strings (exec form) would need escaped quotes: no fix there.
        if expansion.quotable && !matches!(script.origin, ScriptOrigin::ExecForm) {
            diag = diag.with_fix(Fix::unsafe_(
                format!("Quote `{text}`"),
                vec![
                    Edit::insert(ctx.path, finding.span.start, "\""),
                    Edit::insert(ctx.path, finding.span.end, "\""),
                ],
            ));
        }
        out.push(diag);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint};

    /// The text of each finding.
    fn spans(src: &str) -> Vec<String> {
        lint(&RULE, src)
            .iter()
            .map(|d| d.span.slice(src).to_string())
            .collect()
    }

    #[test]
    fn unquoted_variables_from_the_environment_or_commands() {
        let src = "FROM debian:12\nRUN echo $HOME && V=$(cat /v) && cp x /opt/$V\n";
        assert_eq!(spans(src), vec!["$HOME", "$V"]);
        let d = lint(&RULE, src);
        assert_eq!(
            d[0].message,
            "Double quote to prevent globbing and word splitting"
        );
        assert!(d[0].help.as_deref().unwrap().starts_with("double-quote it"));
    }

    #[test]
    fn env_and_arg_names_are_defined_as_hadolint_tells_shellcheck() {
        let src = "FROM debian:12\nARG VERSION\nENV DIR=/app\nRUN cd $DIR && curl -o x-$VERSION.tgz $URL\n";
        assert_eq!(spans(src), vec!["$URL"]);
        // A child stage inherits them; an unrelated stage does not.
        let src = "FROM debian:12 AS base\nENV DIR=/app\nFROM base\nRUN cd $DIR\nFROM debian:12\nRUN cd $DIR\n";
        assert_eq!(
            crate::rules::testing::lines(src, &lint(&RULE, src)),
            vec![6]
        );
        // Before the ENV it is not defined yet; the proxies always are.
        let src = "FROM debian:12\nRUN echo $DIR $http_proxy\nENV DIR=/app\n";
        assert_eq!(spans(src), vec!["$DIR"]);
    }

    #[test]
    fn what_shellcheck_does_not_report() {
        for script in [
            "echo \"$X\" && Y=$X && [[ $X ]]",
            "case $X in a) ;; esac",
            "echo $# $? $$ ${#X} $((X + 1))",
            "N=4; make -j$N",
            "for f in a b; do echo $f; done",
            "echo ${X:+--verbose}",
            "cat <<EOF\n$X\nEOF",
        ] {
            let src = format!("FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN {script}\n");
            assert!(lint(&RULE, &src).is_empty(), "{script}");
        }
    }

    #[test]
    fn declarations_split_in_sh_not_in_bash() {
        let run = "RUN export PATH=$PATH:/opt/bin\n";
        assert_eq!(spans(&format!("FROM debian:12\n{run}")), vec!["$PATH"]);
        assert!(spans(&format!(
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\n{run}"
        ))
        .is_empty());
    }

    #[test]
    fn fix_quotes_the_expansion() {
        assert_fixes_to(
            &RULE,
            "FROM debian:12\nRUN cp x /opt/${NAME} && \\\n    echo $HOME\n",
            "FROM debian:12\nRUN cp x /opt/\"${NAME}\" && \\\n    echo \"$HOME\"\n",
        );
    }

    #[test]
    fn not_for_powershell_or_exec_form_programs() {
        assert!(lint(
            &RULE,
            "FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN echo $env:PATH\n"
        )
        .is_empty());
        assert!(lint(&RULE, "FROM debian:12\nRUN [\"echo\", \"$HOME\"]\n").is_empty());
        assert_eq!(
            spans("FROM debian:12\nRUN [\"sh\", \"-c\", \"echo $HOME\"]\n"),
            vec!["$HOME"]
        );
        let d = lint(
            &RULE,
            "FROM debian:12\nRUN [\"sh\", \"-c\", \"echo $HOME\"]\n",
        );
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn heredoc_scripts_are_read() {
        let src = "FROM debian:12\nRUN <<EOF\nset -e\necho $HOME\nEOF\n";
        assert_eq!(spans(src), vec!["$HOME"]);
    }
}
