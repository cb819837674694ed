//! Test support for Dockerfile rules: run one rule over text, look at what
//! its diagnostics cover, and apply its fixes the way the fix engine does.
//! Bake rules lint little projects: [`bake`].

use std::path::Path;

use crate::diagnostic::{Diagnostic, Edit};
use crate::rules::{BuildInfo, DockerfileContext, RuleDef};
use crate::span::Span;

pub mod bake;

/// Runs `rule`'s Dockerfile check over `src` (path `Dockerfile`, default
/// options and build info).
pub fn run(rule: &'static RuleDef, src: &str) -> Vec<Diagnostic> {
    run_with(rule, src, &BuildInfo::default(), Path::new("Dockerfile"))
}

/// [`run`] with the given build info (bake args, target, context) and path.
pub fn run_with(
    rule: &'static RuleDef,
    src: &str,
    build: &BuildInfo,
    path: &Path,
) -> Vec<Diagnostic> {
    let df = crate::dockerfile::parse(src);
    let options = toml::Table::new();
    let ctx = DockerfileContext {
        path,
        dockerfile: &df,
        rule,
        options: &options,
        build,
    };
    let mut out = Vec::new();
    if let Some(check) = rule.dockerfile_check() {
        check(&ctx, &mut out);
    }
    out
}

/// Another name for [`run`].
pub fn lint(rule: &'static RuleDef, src: &str) -> Vec<Diagnostic> {
    run(rule, src)
}

/// [`run_with`] at path `Dockerfile`.
pub fn lint_with(rule: &'static RuleDef, src: &str, build: &BuildInfo) -> Vec<Diagnostic> {
    run_with(rule, src, build, Path::new("Dockerfile"))
}

/// The text each diagnostic points at.
pub fn slices<'a>(src: &'a str, diags: &[Diagnostic]) -> Vec<&'a str> {
    diags.iter().map(|d| d.span.slice(src)).collect()
}

/// The text each diagnostic and each of its same-file labels points at, in
/// source order (rules that report one finding per command name the other
/// words of it as labels).
pub fn package_slices<'a>(src: &'a str, diags: &[Diagnostic]) -> Vec<&'a str> {
    let mut spans: Vec<crate::span::Span> = Vec::new();
    for d in diags {
        spans.push(d.span);
        spans.extend(d.labels.iter().filter(|l| l.file.is_none()).map(|l| l.span));
    }
    spans.sort_by_key(|s| s.start);
    spans.iter().map(|s| s.slice(src)).collect()
}

/// The 1-based line each diagnostic starts on.
pub fn lines(src: &str, diags: &[Diagnostic]) -> Vec<usize> {
    let index = crate::span::LineIndex::new(src);
    diags
        .iter()
        .map(|d| index.position(src, d.span.start).line)
        .collect()
}

/// One round of fixes as `fix::fix_all` makes it: in position order, a fix
/// overlapping one already taken waits (all applicabilities; edits to other
/// files and created files are left out).
pub fn apply_round(src: &str, diags: &[Diagnostic]) -> String {
    let mut fixes: Vec<Vec<(Span, String)>> = diags
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .map(|f| {
            f.edits
                .iter()
                .filter_map(|e| match e {
                    Edit::Replace { span, content, .. } => Some((*span, content.clone())),
                    Edit::Create { .. } => None,
                })
                .collect::<Vec<_>>()
        })
        .filter(|edits| !edits.is_empty())
        .collect();
    fixes.sort_by_key(|edits| edits.iter().map(|(s, _)| s.start).min());
    let mut taken: Vec<Span> = Vec::new();
    let mut accepted: Vec<(Span, String)> = Vec::new();
    for edits in fixes {
        if edits
            .iter()
            .any(|(span, _)| taken.iter().any(|t| t.overlaps(span)))
        {
            continue;
        }
        taken.extend(edits.iter().map(|(s, _)| *s));
        accepted.extend(edits);
    }
    accepted.sort_by_key(|(span, _)| (span.start, span.end));
    crate::fix::apply_edits(src, &accepted)
}

/// Another name for [`apply_round`].
pub fn apply_fixes(src: &str, diags: &[Diagnostic]) -> String {
    apply_round(src, diags)
}

/// Fixes in rounds until nothing changes (at most 8).
pub fn fix_until_clean(lint: &dyn Fn(&str) -> Vec<Diagnostic>, src: &str) -> String {
    let mut text = src.to_string();
    for _ in 0..8 {
        let diags = lint(&text);
        let next = apply_round(&text, &diags);
        if next == text {
            break;
        }
        text = next;
    }
    text
}

/// Fixes `src` until nothing changes, asserting there was a finding to fix
/// and that none is left afterwards (so a second run changes nothing).
pub fn fixed_clean(lint: &dyn Fn(&str) -> Vec<Diagnostic>, src: &str) -> String {
    assert!(!lint(src).is_empty(), "no finding in {src:?}");
    let text = fix_until_clean(lint, src);
    assert!(lint(&text).is_empty(), "still fires on {text:?}");
    text
}

/// Asserts that one round of fixes turns `src` into `expected`, that the
/// result is clean and that fixing again changes nothing.
pub fn assert_fixes_to(rule: &'static RuleDef, src: &str, expected: &str) {
    let diags = run(rule, src);
    assert!(!diags.is_empty(), "expected a finding in {src:?}");
    let fixed = apply_round(src, &diags);
    assert_eq!(fixed, expected);
    let again = run(rule, &fixed);
    assert!(again.is_empty(), "fixed text still fires: {again:?}");
    assert_eq!(apply_round(&fixed, &again), fixed);
}

#[cfg(test)]
mod tests {
    /// The stage and casing rules (DF001–DF010) on every corpus Dockerfile, on prefixes of
    /// them (cut mid-instruction) and on odd inputs: no panic, spans in range
    /// and on character boundaries, fixes that splice.
    #[test]
    fn rules_never_panic_and_spans_stay_in_bounds() {
        use crate::rules::*;
        let rules: [&'static RuleDef; 10] = [
            &stage_name_casing::RULE,
            &from_as_casing::RULE,
            &no_empty_continuation::RULE,
            &consistent_instruction_casing::RULE,
            &duplicate_stage_name::RULE,
            &reserved_stage_name::RULE,
            &json_args_recommended::RULE,
            &maintainer_deprecated::RULE,
            &undefined_arg_in_from::RULE,
            &workdir_relative_path::RULE,
        ];
        let mut inputs: Vec<String> = [
            "",
            "FROM",
            "FROM a AS",
            "FROM a AS B C D\nCOPY --from= x y\n",
            "\u{feff}FROM a AS B\r\nMAINTAINER\r\nCMD\r\nWORKDIR\r\n",
            "FROM ${\nFROM $\nFROM --platform=${A:-$B} x\nWORKDIR ${X:?boom}\n",
            "# escape=`\nFROM a `\n\n  AS Ü\nCMD a ``\n",
            "ONBUILD\nFROM a\nONBUILD ONBUILD CMD x\nRUN --mount=from x\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // The project's Dockerfiles, and BuildKit's parser corpus when the
        // read-only material in ../shared is next to the project.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![
            root.join("testdata"),
            root.join("../shared/conformance/buildkit-parser"),
        ];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("Dockerfile"))
                {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        let cuts: Vec<usize> =
                            text.char_indices().map(|(i, _)| i).step_by(13).collect();
                        inputs.extend(cuts.into_iter().map(|i| text[..i].to_string()));
                        inputs.push(text);
                    }
                }
            }
        }
        assert!(inputs.len() > 100, "corpus not found");
        for src in &inputs {
            for rule in rules {
                let diags = crate::rules::testing::lint(rule, src);
                for d in &diags {
                    assert!(
                        d.span.start <= d.span.end && d.span.end <= src.len(),
                        "{}",
                        rule.code
                    );
                    assert!(src.is_char_boundary(d.span.start) && src.is_char_boundary(d.span.end));
                }
                let _ = crate::rules::testing::apply_fixes(src, &diags);
            }
        }
    }

    /// Every prefix of a tricky Dockerfile (and a few mangled copies)
    /// through BP004 and BP007, fixes applied: nothing panics.
    #[test]
    fn truncated_and_mangled_input_does_not_panic() {
        let src = "# syntax=docker/dockerfile:1\r\nFROM node:20 AS base\r\nARG SKIP_CHROMIUM\r\nRUN --mount=type=cache,target=/root/.npm apt-get update && apt-get install -y \\\r\n# comment\r\n    curl chromium=1* \\\r\n  && npm i puppeteer é \"$(pip install x --no-cache-dir)\" \r\nONBUILD RUN <<-EOF\r\n\tnpx playwright install\r\n\tgo install x@v1\r\nEOF\r\nRUN [\"sh\", \"-c\", \"yarn add puppeteer \\u00e9\"]\r\n";
        let rules = [
            &crate::rules::chromium_skip_arg::RULE,
            &crate::rules::cache_mount::RULE,
        ];
        let mut inputs: Vec<String> = src
            .char_indices()
            .map(|(i, _)| src[..i].to_string())
            .collect();
        inputs.push(src.replace('\\', "`"));
        inputs.push(format!("# escape=`\n{}", src.replace('\\', "`")));
        inputs.push(src.replace("\r\n", "\n").replace(' ', "\t"));
        inputs.push(src.replace("EOF", "E"));
        for input in &inputs {
            for rule in rules {
                let diags = crate::rules::testing::run(rule, input);
                let _ = crate::rules::testing::apply_round(input, &diags);
            }
        }
    }
}
