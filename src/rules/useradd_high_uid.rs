//! DL3046 `useradd-high-uid`: `useradd` with a high UID and without `-l`
//! writes sparse `/var/log/lastlog` and `/var/log/faillog` files sized by
//! the UID, which docker stores in full: a 10-digit UID makes a layer of
//! gigabytes.
//!
//! As hadolint: the UID given with `-u` (also in a cluster: `-ou`) is
//! longer than 5 characters and there is no `-l` / `--no-log-init`. A UID
//! from a variable (`-u "$UID"`) counts, as in hadolint: it may be high.
//! bakelint also reads `--uid N`, `--uid=N` and `-uN`. The fix (safe)
//! adds `-l`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::run_commands::{option_names, posix_runs, program_args};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::shell::Word;

pub static RULE: RuleDef = RuleDef {
    code: "DL3046",
    name: "useradd-high-uid",
    aliases: &[],
    severity: Severity::Warning,
    summary: "`useradd` without flag `-l` and high UID will result in excessively large Image",
    doc: include_str!("../../rules/DL3046.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The UID argument of a useradd: its text as written and its word.
fn uid(args: &[Word]) -> Option<(String, &Word)> {
    for (i, word) in args.iter().enumerate() {
        let Some(text) = word.as_str() else { continue };
        if let Some(value) = text.strip_prefix("--uid=") {
            return Some((value.to_string(), word));
        }
        if text == "--uid" {
            let next = args.get(i + 1)?;
            return Some((next.raw.clone(), next));
        }
        if text.starts_with("--") || !text.starts_with('-') {
            continue;
        }
        let short = &text[1..];
        if let Some(at) = short.find('u') {
            let rest = &short[at + 1..];
            if rest.is_empty() {
                let next = args.get(i + 1)?;
                return Some((next.raw.clone(), next));
            }
            // `-u1234567`: the value is attached, if it is one.
            if rest.bytes().all(|b| b.is_ascii_digit()) {
                return Some((rest.to_string(), word));
            }
        }
    }
    None
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    for run in posix_runs(df) {
        let scripts = run.scripts(df);
        for command in scripts.iter().flat_map(|s| s.commands()) {
            let Some((program, args)) = program_args(command, "useradd") else {
                continue;
            };
            let no_log_init = option_names(args).any(|(_, n)| n == "l" || n == "no-log-init");
            if no_log_init {
                continue;
            }
            let Some((value, word)) = uid(args) else {
                continue;
            };
            let dynamic = word.as_str().is_none() || value.contains('$');
            if value.len() <= 5 && !dynamic {
                continue;
            }
            let message = if dynamic {
                format!("`useradd` with UID `{value}` (may be high) and without `-l`: a high UID makes the lastlog and faillog files huge")
            } else {
                format!("`useradd` with the high UID {value} and without `-l`: the lastlog and faillog files grow to its size")
            };
            out.push(
                ctx.diagnostic(word.span, message)
                    .with_help("Add `-l` (`--no-log-init`) so useradd leaves the user out of lastlog and faillog")
                    .with_fix(Fix::safe(
                        "Add `-l`",
                        vec![Edit::insert(ctx.path, program.span.end, " -l")],
                    )),
            );
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fixes_to, lint, slices};

    #[test]
    fn high_uid_without_l() {
        let src = "RUN useradd -u 123456 luser\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["123456"]);
        assert_fixes_to(&RULE, src, "RUN useradd -l -u 123456 luser\n");
        for src in [
            "RUN useradd -ou 123456 luser\n",
            "RUN useradd --uid 123456 luser\n",
            "RUN useradd --uid=123456 luser\n",
            "RUN useradd -u ${HOST_UID} luser\n",
            "RUN useradd -u $UID luser\n",
            "RUN sudo useradd -u 1000000 luser\n",
        ] {
            assert_eq!(lint(&RULE, src).len(), 1, "{src}");
        }
    }

    #[test]
    fn low_uids_and_no_log_init_are_fine() {
        for src in [
            "RUN useradd luser\n",
            "RUN useradd -u 12345 luser\n",
            "RUN useradd -l -u 123456 luser\n",
            "RUN useradd --no-log-init -u 123456 luser\n",
            "RUN useradd -lu 123456 luser\n",
            "RUN useradd -l luser\n",
        ] {
            assert!(lint(&RULE, src).is_empty(), "{src}");
        }
    }
}
