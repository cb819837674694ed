//! DF015 `secrets-used-in-arg-or-env` (BuildKit: `SecretsUsedInArgOrEnv`).
//!
//! BuildKit matches each `ARG` and `ENV` name of a stage against two
//! case-insensitive regular expressions: a name is secret-looking when one of
//! its `_`-separated parts is a secret token, unless one of its parts is an
//! allow token. `(?:_|^)token(?:_|$)` finds exactly a `_`-delimited part, so
//! splitting on `_` is equivalent.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::go_quote;
use crate::dockerfile::{InstructionKind, Spanned};
use crate::rules::build_args::constant_word;
use crate::rules::stages::dispatched_stages;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF015",
    name: "secrets-used-in-arg-or-env",
    aliases: &["SecretsUsedInArgOrEnv", "DL3064"],
    severity: Severity::Warning,
    summary: "Sensitive data should not be used in the ARG or ENV commands",
    doc: include_str!("../../rules/DF015.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// BuildKit's secret tokens.
const SECRET_TOKENS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];

/// BuildKit's allow tokens: a name with one of these parts is never flagged.
const ALLOW_TOKENS: &[&str] = &["public", "file", "version"];

/// Whether BuildKit considers `name` a secret-looking variable name.
pub fn is_secret_name(name: &str) -> bool {
    let has_token = |tokens: &[&str]| {
        name.split('_')
            .any(|part| tokens.iter().any(|t| fold_eq(part, t)))
    };
    has_token(SECRET_TOKENS) && !has_token(ALLOW_TOKENS)
}

/// Case-insensitive equality as Go's `(?i)` does it against an ASCII token:
/// simple case folding, so `ſ` matches `s` and the Kelvin sign matches `k`.
fn fold_eq(part: &str, token: &str) -> bool {
    let mut folded = part.chars().map(|c| match c {
        '\u{17f}' => 's',
        '\u{212a}' => 'k',
        c => c.to_ascii_lowercase(),
    });
    token.chars().all(|t| folded.next() == Some(t)) && folded.next().is_none()
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    // BuildKit checks the ARG and ENV instructions it dispatches: those of
    // the stages (global ARGs and ONBUILD triggers are not).
    for stage in dispatched_stages(df, ctx.build.target.as_deref()) {
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let (instruction, keys): (&str, Vec<(&Spanned<String>, String)>) = match &ins.kind {
                // ARG names are used as written.
                InstructionKind::Arg(decls) => (
                    "ARG",
                    decls
                        .iter()
                        .map(|d| (&d.name, d.name.value.clone()))
                        .collect(),
                ),
                // ENV names are expanded first; names with variables are skipped.
                InstructionKind::Env(pairs) => (
                    "ENV",
                    pairs
                        .iter()
                        .filter_map(|kv| Some((&kv.key, constant_word(&lex, &kv.key.value)?)))
                        .collect(),
                ),
                _ => continue,
            };
            for (word, key) in keys {
                if !is_secret_name(&key) {
                    continue;
                }
                out.push(
                    ctx.diagnostic(
                        word.span,
                        format!(
                            "Do not use ARG or ENV instructions for sensitive data ({instruction} {})",
                            go_quote(&key)
                        ),
                    )
                    .with_help(
                        "Build arguments and environment variables are kept in the image metadata; pass the secret with `RUN --mount=type=secret,id=...` (and `docker build --secret`) instead",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, slices};

    #[test]
    fn buildkit_test_case() {
        let src = "FROM scratch\nARG SECRET_PASSPHRASE\nENV SUPER_Secret=foo\nENV password=bar secret=baz\nARG super_duper_secret_token=foo auth=bar\nENV apikey=bar sunflower=foo\nENV git_key=\nENV PUBLIC_KEY=\nARG public_token\n";
        let diags = run(&RULE, src);
        assert_eq!(
            slices(src, &diags),
            [
                "SECRET_PASSPHRASE",
                "SUPER_Secret",
                "password",
                "secret",
                "super_duper_secret_token",
                "auth",
                "apikey",
                "git_key"
            ]
        );
        assert_eq!(
            diags[0].message,
            "Do not use ARG or ENV instructions for sensitive data (ARG \"SECRET_PASSPHRASE\")"
        );
        assert_eq!(
            diags[1].message,
            "Do not use ARG or ENV instructions for sensitive data (ENV \"SUPER_Secret\")"
        );
    }

    #[test]
    fn token_matching() {
        for name in [
            "AUTH",
            "api_key",
            "GITHUB_TOKEN",
            "secret_MESSAGE",
            "DB_PASSWD",
            "X_CREDENTIALS",
            "\u{17f}ecret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "AUTHOR",
            "KEYS",
            "MONKEY",
            "sunflower",
            "SECRET_FILE",
            "KEY_VERSION",
            "public_token",
            "PASSWORDS",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn global_args_onbuild_and_legacy() {
        let src = "ARG GLOBAL_TOKEN\nFROM scratch\nONBUILD ENV MY_SECRET=x\nenv API_KEY abc\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["API_KEY"]);
    }

    #[test]
    fn multi_line_env() {
        let src = "FROM scratch\nENV A=1 \\\n    DB_PASSWORD=x \\\n    B=2\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["DB_PASSWORD"]);
    }

    #[test]
    fn crlf_and_quoted_env_name() {
        let src = "FROM scratch\r\nENV \"AUTH_TOKEN\"=x\r\nARG build_version\r\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            "Do not use ARG or ENV instructions for sensitive data (ENV \"AUTH_TOKEN\")"
        );
    }

    #[test]
    fn help_points_to_secret_mounts() {
        let src = "FROM scratch\nARG TOKEN\n";
        let diags = run(&RULE, src);
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("--mount=type=secret"));
    }
}
