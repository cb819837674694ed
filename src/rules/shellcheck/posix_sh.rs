//! The bash-only constructs ShellCheck reports in POSIX sh (SC3xxx, and
//! SC2113 for the `function` keyword), one rule per ShellCheck code.
//!
//! Found by [`crate::shell::checks`]. Reported only where the RUN's shell
//! is `/bin/sh` (or dash/ash) on a base image whose `sh` is not bash: Debian
//! and Ubuntu (dash), Alpine (busybox ash). hadolint also reports them on
//! CentOS, Fedora, RHEL, Amazon Linux and the like, whose `/bin/sh` is
//! bash and runs them fine (see each rule's "Differences from hadolint").

use crate::diagnostic::Severity;
use crate::rules::{CheckFn, RuleDef, RuleScope};

macro_rules! bashism {
    ($id:ident, $code:literal, $name:literal, $summary:literal, $help:literal) => {
        pub static $id: RuleDef = RuleDef {
            code: $code,
            name: $name,
            aliases: &[],
            severity: Severity::Warning,
            summary: $summary,
            doc: include_str!(concat!("../../../rules/", $code, ".md")),
            fix: None,
            scope: RuleScope::Dockerfile,
            options: &[],
            check: CheckFn::Dockerfile(|ctx, out| super::report_bashism(ctx, $code, $help, out)),
        };
    };
}

bashism!(
    FUNCTION_KEYWORD,
    "SC2113",
    "function-keyword",
    "The `function` keyword in POSIX sh",
    "write `name() { ...; }` instead of `function name { ...; }`"
);

bashism!(
    PROCESS_SUBSTITUTION,
    "SC3001",
    "process-substitution",
    "Process substitution `<(...)` in POSIX sh",
    "write the output to a temporary file, or use a pipe"
);

bashism!(
    ANSI_C_QUOTING,
    "SC3003",
    "ansi-c-quoting",
    "`$'...'` quoting in POSIX sh",
    "use `printf` to produce special characters"
);

bashism!(
    ARITHMETIC_FOR,
    "SC3005",
    "arithmetic-for-loop",
    "A C-style `for ((...))` loop in POSIX sh",
    "loop with `i=0; while [ \"$i\" -lt 3 ]; do ...; i=$((i + 1)); done`"
);

bashism!(
    STANDALONE_ARITHMETIC,
    "SC3006",
    "standalone-arithmetic",
    "A standalone `((...))` in POSIX sh",
    "use `[ ... ]` with `-eq`/`-lt`, or assign with `x=$((...))`"
);

bashism!(
    BRACE_EXPANSION,
    "SC3009",
    "brace-expansion",
    "Brace expansion `{a,b}` in POSIX sh",
    "write the words out (`/opt/a /opt/b`)"
);

bashism!(
    DOUBLE_BRACKET,
    "SC3010",
    "double-bracket-test",
    "`[[ ]]` in POSIX sh",
    "use `[ ]` (quote the variables) or run the RUN with bash"
);

bashism!(
    HERE_STRING,
    "SC3011",
    "here-string",
    "A here-string `<<<` in POSIX sh",
    "pipe the string instead: `printf '%s\\n' \"$x\" | cmd`"
);

bashism!(
    DOUBLE_EQUALS_TEST,
    "SC3014",
    "double-equals-test",
    "`==` in `[ ]` or `test` in POSIX sh",
    "use `=` to compare strings in `[ ]`"
);

bashism!(
    INCREMENT,
    "SC3018",
    "increment-operator",
    "`++` or `--` in arithmetic in POSIX sh",
    "use `i=$((i + 1))`"
);

bashism!(
    EXPONENT,
    "SC3019",
    "exponent-operator",
    "`**` in arithmetic in POSIX sh",
    "multiply, or compute the power with a loop or `awk`"
);

bashism!(
    AMPERSAND_REDIRECT,
    "SC3020",
    "ampersand-redirect",
    "`&>` redirection in POSIX sh",
    "use `> file 2>&1`"
);

bashism!(
    APPEND_ASSIGNMENT,
    "SC3024",
    "append-assignment",
    "`+=` assignment in POSIX sh",
    "use `x=\"${x}more\"`"
);

bashism!(
    BASH_VARIABLE,
    "SC3028",
    "bash-variable",
    "A bash-only variable (`$RANDOM`, `$HOSTNAME`, `$UID`, ...) in POSIX sh",
    "use a POSIX equivalent (`$(id -u)`, `$(hostname)`, `od`/`awk` for random numbers)"
);

bashism!(
    ARRAYS,
    "SC3030",
    "arrays",
    "Arrays in POSIX sh",
    "use a blank-separated string, or `set --` for one list"
);

bashism!(
    ECHO_FLAGS,
    "SC3037",
    "echo-flags",
    "`echo` options (`-e`, `-n`) in POSIX sh",
    "use `printf` (`printf '%s' x` for `-n`, `printf 'a\\nb\\n'` for `-e`)"
);

bashism!(
    LET,
    "SC3039",
    "let-builtin",
    "`let` in POSIX sh",
    "use `x=$((...))`"
);

bashism!(
    SET_OPTION,
    "SC3040",
    "set-option",
    "A bash-only `set -o` option (`pipefail`) in POSIX sh",
    "run the RUN with bash (`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`); dash before Debian 13 and busybox before 1.34 reject `-o pipefail`"
);

bashism!(
    LOCAL,
    "SC3043",
    "local-builtin",
    "`local` in POSIX sh",
    "use a plain assignment (or a subshell function body)"
);

bashism!(
    BASH_BUILTIN,
    "SC3044",
    "bash-builtin",
    "A bash-only builtin (`declare`, `pushd`, `shopt`, `mapfile`, ...) in POSIX sh",
    "use POSIX commands (`cd` instead of `pushd`, plain assignments instead of `declare`), or run the RUN with bash"
);

bashism!(
    READ_FLAGS,
    "SC3045",
    "read-flags",
    "A bash-only `read` option (`-p`, `-a`, `-s`, ...) in POSIX sh",
    "use `read -r` only (print a prompt with `printf` first)"
);

bashism!(
    SOURCE,
    "SC3046",
    "source-builtin",
    "`source` in POSIX sh",
    "use `.` (`. /etc/os-release`)"
);

bashism!(
    TRAP_ERR,
    "SC3047",
    "trap-err",
    "`trap ... ERR` in POSIX sh",
    "use `set -e`, or trap `EXIT` and check `$?`"
);

bashism!(
    PRINTF_Q,
    "SC3050",
    "printf-q",
    "`printf %q` in POSIX sh",
    "quote with `sed` or run the RUN with bash"
);

bashism!(
    INDIRECT_EXPANSION,
    "SC3053",
    "indirect-expansion",
    "Indirect expansion `${!name}` in POSIX sh",
    "use `eval` with care, or pass the value itself"
);

bashism!(
    STRING_INDEXING,
    "SC3057",
    "string-indexing",
    "Substring expansion `${x:1:2}` in POSIX sh",
    "use `cut`, `expr substr` or `${x#...}`/`${x%...}`"
);

bashism!(
    CASE_MODIFICATION,
    "SC3059",
    "case-modification",
    "Case modification `${x^^}` / `${x,,}` in POSIX sh",
    "use `tr '[:lower:]' '[:upper:]'`"
);

bashism!(
    STRING_REPLACEMENT,
    "SC3060",
    "string-replacement",
    "Pattern replacement `${x/a/b}` in POSIX sh",
    "use `sed` (`echo \"$x\" | sed 's/a/b/'`)"
);

/// Every rule of this file, in code order (listed in [`crate::rules::RULES`]).
#[cfg(test)]
pub static RULES: &[&RuleDef] = &[
    &FUNCTION_KEYWORD,
    &PROCESS_SUBSTITUTION,
    &ANSI_C_QUOTING,
    &ARITHMETIC_FOR,
    &STANDALONE_ARITHMETIC,
    &BRACE_EXPANSION,
    &DOUBLE_BRACKET,
    &HERE_STRING,
    &DOUBLE_EQUALS_TEST,
    &INCREMENT,
    &EXPONENT,
    &AMPERSAND_REDIRECT,
    &APPEND_ASSIGNMENT,
    &BASH_VARIABLE,
    &ARRAYS,
    &ECHO_FLAGS,
    &LET,
    &SET_OPTION,
    &LOCAL,
    &BASH_BUILTIN,
    &READ_FLAGS,
    &SOURCE,
    &TRAP_ERR,
    &PRINTF_Q,
    &INDIRECT_EXPANSION,
    &STRING_INDEXING,
    &CASE_MODIFICATION,
    &STRING_REPLACEMENT,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn only_where_sh_is_not_bash() {
        let run = "RUN [[ -f /x ]] && source /etc/os-release\n";
        for (from, fires) in [
            ("FROM debian:12\n", true),
            ("FROM alpine:3.20\n", true),
            ("", true),
            ("FROM fedora:40\n", false),
            ("FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\n", false),
            (
                "FROM debian:12 AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM a\n",
                false,
            ),
            ("FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\n", false),
        ] {
            let src = format!("{from}{run}");
            assert_eq!(!lint(&DOUBLE_BRACKET, &src).is_empty(), fires, "{src}");
            assert_eq!(!lint(&SOURCE, &src).is_empty(), fires, "{src}");
        }
    }

    #[test]
    fn spans() {
        let src = "FROM debian:12\nRUN set -eux -o pipefail; echo -e 'a\\tb'; [ a == b ]\n";
        assert_eq!(slices(src, &lint(&SET_OPTION, src)), vec!["pipefail"]);
        assert_eq!(slices(src, &lint(&ECHO_FLAGS, src)), vec!["-e"]);
        assert_eq!(slices(src, &lint(&DOUBLE_EQUALS_TEST, src)), vec!["=="]);
    }
}
