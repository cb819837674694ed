//! BuildKit's own shell-lexer test vectors (`shell/envVarTest`,
//! `shell/wordsTest`), run against `bakelint::dockerfile::expand`.
//!
//! The file formats and environments follow BuildKit's `lex_test.go`
//! (`TestShellParser4EnvVars`, `TestShellParser4Words`); see
//! the README of `../shared/conformance/buildkit-parser` (the tests skip
//! when it is absent).

use std::collections::HashMap;

use bakelint::dockerfile::expand::ShellLex;

/// Cases for platforms A and U in `envVarTest` (W, Windows-only, is skipped).
const ENV_VAR_CASES: usize = 228;
/// Cases in `wordsTest` (`ENV` lines and comments are not cases).
const WORDS_CASES: usize = 24;

mod common;

/// A case file of the shared corpus, or `None` (skip) when it is absent.
fn read_case_file(name: &str) -> Option<String> {
    let path = common::buildkit_parser_corpus()?.join("shell").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(text)
}

#[test]
fn env_var_test() {
    let Some(text) = read_case_file("envVarTest") else {
        return;
    };
    let env: HashMap<String, String> = [
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let lex = ShellLex::new('\\');

    let mut run = 0;
    let mut failures = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        if raw.starts_with('#') {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        let [platform, source, expected] = fields.as_slice() else {
            failures.push(format!("line {line_no}: malformed case {raw:?}"));
            continue;
        };
        let (platform, source, expected) = (platform.trim(), source.trim(), expected.trim());
        match platform {
            "A" | "U" => {}
            "W" => continue,
            other => {
                failures.push(format!("line {line_no}: unknown platform {other:?}"));
                continue;
            }
        }
        run += 1;
        let got = lex.process_word(source, &env);
        let ok = match (&got, expected) {
            (Err(_), "error") => true,
            (Ok(value), expected) => expected != "error" && value == expected,
            (Err(_), _) => false,
        };
        if !ok {
            failures.push(format!(
                "line {line_no}: {source:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {run} envVarTest cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(run, ENV_VAR_CASES, "unexpected number of envVarTest cases");
}

#[test]
fn words_test() {
    let Some(text) = read_case_file("wordsTest") else {
        return;
    };
    let lex = ShellLex::new('\\');
    let mut env: HashMap<String, String> = HashMap::new();

    let mut run = 0;
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            // Like BuildKit: everything after `ENV` and its spaces is `k=v`,
            // trailing spaces included.
            let entry = rest.trim_start_matches(' ');
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            env.insert(key.to_string(), value.to_string());
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        let [input, expected] = fields.as_slice() else {
            failures.push(format!("line {line_no}: malformed case {line:?}"));
            continue;
        };
        let input = input.trim();
        let expected: Vec<String> = expected
            .trim_start_matches(' ')
            .split(',')
            .map(str::to_string)
            .collect();
        run += 1;
        let got = match lex.process_words(input, &env) {
            Ok(words) => words,
            Err(_) => vec!["error".to_string()],
        };
        if got != expected {
            failures.push(format!(
                "line {line_no}: {input:?}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {run} wordsTest cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(run, WORDS_CASES, "unexpected number of wordsTest cases");
}
