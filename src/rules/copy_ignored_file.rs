//! DF020 `copy-ignored-file` (BuildKit: `CopyIgnoredFile`, experimental there).
//!
//! BuildKit checks each local source of a COPY (without `--from`) or ADD
//! against the build's `.dockerignore` patterns and warns when the source, or
//! one of its parent directories, is excluded. It skips the check entirely
//! when the ignore file has `!` exceptions (a directory may be excluded while
//! a file inside it is re-included), and only reports the context root (`.`)
//! when a pattern excludes everything (`*`, `**`, `**/*`).
//!
//! The ignore file is `<Dockerfile name>.dockerignore` next to the
//! Dockerfile when it exists, else `.dockerignore` at the root of the build
//! context. Patterns are read and matched as Docker's `patternmatcher` does.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::go_quote;
use crate::dockerfile::{InstructionKind, Keyword};
use crate::rules::build_args::constant_word;
use crate::rules::stages::dispatched_stages;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF020",
    name: "copy-ignored-file",
    aliases: &["CopyIgnoredFile"],
    severity: Severity::Warning,
    summary: "Attempting to Copy file that is excluded by .dockerignore",
    doc: include_str!("../../rules/DF020.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ignore) = IgnoreFile::for_build(ctx) else {
        return;
    };
    if ignore.matcher.patterns.is_empty() || ignore.matcher.has_exclusions() {
        return;
    }
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    for stage in dispatched_stages(df, ctx.build.target.as_deref()) {
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let (cmd, copy_add) = match (&ins.keyword, &ins.kind) {
                (Keyword::Copy, InstructionKind::Copy(c)) if ins.flag("from").is_none() => {
                    ("Copy", c)
                }
                (Keyword::Add, InstructionKind::Add(c)) => ("Add", c),
                _ => continue,
            };
            for source in &copy_add.sources {
                if source.value.starts_with("<<") {
                    continue; // heredoc
                }
                let Some(path) = constant_word(&lex, &source.value) else {
                    continue;
                };
                if is_remote(&path) {
                    continue;
                }
                let cleaned = clean(&path);
                if (cleaned == "." || cleaned == "/") && !ignore.matcher.excludes_root() {
                    continue;
                }
                let Some(pattern) = ignore.matcher.matches_or_parent_matches(&cleaned) else {
                    continue;
                };
                out.push(
                    ctx.diagnostic(
                        source.span,
                        format!("Attempting to {cmd} file {} that is excluded by .dockerignore", go_quote(&cleaned)),
                    )
                    .with_file_label(ignore.path.clone(), pattern.line_span, "excluded by this pattern")
                    .with_help(format!(
                        "`{cleaned}` is not sent to the builder, so the build cannot find it: remove it from {} or stop copying it",
                        ignore.path.display()
                    )),
                );
            }
        }
    }
}

/// URLs and Git sources of ADD are fetched, not read from the context.
fn is_remote(src: &str) -> bool {
    src.contains("://") || src.starts_with("git@")
}

/// The ignore file that applies to the build, with its patterns.
struct IgnoreFile {
    path: PathBuf,
    matcher: PatternMatcher,
}

impl IgnoreFile {
    fn for_build(ctx: &DockerfileContext<'_>) -> Option<IgnoreFile> {
        let dockerfile_dir = ctx
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = ctx.path.file_name()?.to_string_lossy().into_owned();
        let specific = dockerfile_dir.join(format!("{name}.dockerignore"));
        let context = ctx
            .build
            .context
            .clone()
            .unwrap_or_else(|| dockerfile_dir.to_path_buf());
        let path = if specific.is_file() {
            specific
        } else {
            context.join(".dockerignore")
        };
        let text = crate::fsread::read_text(&path).ok()?;
        let matcher = PatternMatcher::new(read_patterns(&text))?;
        Some(IgnoreFile { path, matcher })
    }
}

/// A pattern line of an ignore file, normalised as `ignorefile.ReadAll` does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PatternLine {
    text: String,
    /// The line in the ignore file, without its line ending.
    line_span: Span,
}

/// `ignorefile.ReadAll`: skips comments and blank lines, trims, cleans,
/// and makes absolute patterns relative to the context (keeping `!`).
fn read_patterns(text: &str) -> Vec<PatternLine> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, raw_line) in text.split('\n').enumerate() {
        let start = offset;
        offset += raw_line.len() + 1;
        let mut line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let line_span = Span::new(start, start + line.len());
        if n == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        if invert {
            cleaned.insert(0, '!');
        }
        out.push(PatternLine {
            text: cleaned,
            line_span,
        });
    }
    out
}

/// Go's `path.Clean`.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir` for slash paths.
fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

/// One element of a compiled pattern (the regular expression
/// `patternmatcher` builds, as a token list).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `*`: `[^/]*`
    Star,
    /// `?`: `[^/]`
    AnyChar,
    /// `**/` or inner `**`: `(.*/)?`
    AnyDirs,
    /// trailing `**` after other wildcards: `.*`
    AnyTail,
    /// `[...]`: a character class.
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum MatchType {
    Exact,
    Prefix,
    Suffix,
    Regexp(Vec<Token>),
}

#[derive(Debug, Clone)]
struct Pattern {
    cleaned: String,
    exclusion: bool,
    match_type: MatchType,
    line_span: Span,
}

#[derive(Debug, Clone, Default)]
struct PatternMatcher {
    patterns: Vec<Pattern>,
}

impl PatternMatcher {
    /// `patternmatcher.New`; `None` where it fails (then BuildKit fails the
    /// build before any check).
    fn new(lines: Vec<PatternLine>) -> Option<PatternMatcher> {
        let mut patterns = Vec::new();
        for line in lines {
            let p = line.text.trim();
            if p.is_empty() {
                continue;
            }
            let mut p = clean(p);
            let exclusion = p.starts_with('!');
            if exclusion {
                if p.len() == 1 {
                    return None;
                }
                p.remove(0);
            }
            let match_type = compile(&p)?;
            patterns.push(Pattern {
                cleaned: p,
                exclusion,
                match_type,
                line_span: line.line_span,
            });
        }
        Some(PatternMatcher { patterns })
    }

    fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// BuildKit's `copySourceRootIgnored`.
    fn excludes_root(&self) -> bool {
        self.patterns
            .iter()
            .any(|p| !p.exclusion && matches!(p.cleaned.as_str(), "*" | "**" | "**/*"))
    }

    /// `MatchesOrParentMatches`; returns the last pattern that decided the match.
    fn matches_or_parent_matches(&self, file: &str) -> Option<&Pattern> {
        let parent = dir(file);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched: Option<&Pattern> = None;
        for pattern in &self.patterns {
            if pattern.exclusion != matched.is_some() {
                continue;
            }
            let mut hit = pattern.matches(file);
            if !hit && parent != "." {
                hit = (0..parent_dirs.len()).any(|i| pattern.matches(&parent_dirs[..=i].join("/")));
            }
            if hit {
                matched = if pattern.exclusion {
                    None
                } else {
                    Some(pattern)
                };
            }
        }
        matched
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.match_type {
            MatchType::Exact => path == self.cleaned,
            MatchType::Prefix => path.starts_with(&self.cleaned[..self.cleaned.len() - 2]),
            MatchType::Suffix => {
                let suffix = &self.cleaned[2..];
                path.ends_with(suffix) || (suffix.starts_with('/') && path == &suffix[1..])
            }
            MatchType::Regexp(tokens) => {
                let chars: Vec<char> = path.chars().collect();
                match_tokens(tokens, &chars)
            }
        }
    }
}

/// `Pattern.compile`: decides the match type and builds the token list.
fn compile(pattern: &str) -> Option<MatchType> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut kind = 0u8; // 0 exact, 1 prefix, 2 suffix, 3 regexp
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if kind == 0 {
                        kind = 1;
                    } else {
                        tokens.push(Token::AnyTail);
                        kind = 3;
                    }
                } else {
                    tokens.push(Token::AnyDirs);
                    kind = 3;
                }
                if first {
                    kind = 2;
                }
            }
            '*' => {
                tokens.push(Token::Star);
                kind = 3;
            }
            '?' => {
                tokens.push(Token::AnyChar);
                kind = 3;
            }
            '\\' => {
                if let Some(&next) = chars.get(i) {
                    i += 1;
                    tokens.push(Token::Literal(next));
                    kind = 3;
                } else {
                    tokens.push(Token::Literal('\\'));
                }
            }
            '[' => {
                let (class, next) = parse_class(&chars, i)?;
                tokens.push(class);
                i = next;
                kind = 3;
            }
            ']' => {
                tokens.push(Token::Literal(']'));
                kind = 3;
            }
            c => tokens.push(Token::Literal(c)),
        }
        first = false;
    }
    Some(match kind {
        0 => MatchType::Exact,
        1 => MatchType::Prefix,
        2 => MatchType::Suffix,
        _ => MatchType::Regexp(tokens),
    })
}

/// A character class starting after `[` at `i`; returns the token and the
/// index after `]`. `None` for an unterminated class (a bad pattern).
fn parse_class(chars: &[char], mut i: usize) -> Option<(Token, usize)> {
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        i += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        if c == '\\' {
            c = *chars.get(i)?;
            i += 1;
        }
        let mut hi = c;
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&n| n != ']') {
            hi = chars[i + 1];
            i += 2;
            if hi == '\\' {
                hi = *chars.get(i)?;
                i += 1;
            }
            if hi < c {
                return None;
            }
        }
        items.push((c, hi));
    }
    Some((Token::Class { negated, items }, i))
}

/// Full match of `tokens` against `text` (backtracking).
fn match_tokens(tokens: &[Token], text: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Literal(c) => text.first() == Some(c) && match_tokens(rest, &text[1..]),
        Token::AnyChar => text.first().is_some_and(|&c| c != '/') && match_tokens(rest, &text[1..]),
        Token::Class { negated, items } => {
            text.first()
                .is_some_and(|&c| items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                && match_tokens(rest, &text[1..])
        }
        Token::Star => {
            let run = text.iter().take_while(|&&c| c != '/').count();
            (0..=run).any(|n| match_tokens(rest, &text[n..]))
        }
        Token::AnyTail => (0..=text.len()).any(|n| match_tokens(rest, &text[n..])),
        Token::AnyDirs => {
            // empty, or anything ending with '/'
            match_tokens(rest, text)
                || (0..text.len()).any(|n| text[n] == '/' && match_tokens(rest, &text[n + 1..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run_with, slices};
    use crate::rules::BuildInfo;

    fn lint_in_dir(files: &[(&str, &str)], dockerfile: &str) -> (String, Vec<Diagnostic>) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).expect("write");
        }
        let src = files
            .iter()
            .find(|(n, _)| *n == dockerfile)
            .map(|(_, c)| c.to_string())
            .unwrap_or_default();
        let path = dir.path().join(dockerfile);
        let diags = run_with(&RULE, &src, &BuildInfo::default(), &path);
        (src, diags)
    }

    fn matcher(patterns: &str) -> PatternMatcher {
        PatternMatcher::new(read_patterns(patterns)).expect("valid patterns")
    }

    #[test]
    fn buildkit_test_case() {
        let (src, diags) = lint_in_dir(
            &[
                (".dockerignore", "\nDockerfile\n"),
                (
                    "Dockerfile",
                    "FROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n",
                ),
            ],
            "Dockerfile",
        );
        assert_eq!(slices(&src, &diags), ["Dockerfile", "Dockerfile"]);
        assert_eq!(
            diags[0].message,
            "Attempting to Copy file \"Dockerfile\" that is excluded by .dockerignore"
        );
        assert_eq!(
            diags[1].message,
            "Attempting to Add file \"Dockerfile\" that is excluded by .dockerignore"
        );
        assert_eq!(diags[0].span.start, src.find("Dockerfile .").unwrap());
        assert_eq!(diags[0].labels[0].span, Span::new(1, 11));
    }

    #[test]
    fn copy_from_other_stage_is_not_checked() {
        let (_, diags) = lint_in_dir(
            &[
                (".dockerignore", "foobar\n"),
                (
                    "Dockerfile",
                    "FROM scratch AS base\nCOPY Dockerfile /foobar\nADD Dockerfile /windy\n\nFROM base\nCOPY --from=base /foobar /Dockerfile\n",
                ),
            ],
            "Dockerfile",
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn dockerfile_specific_ignore_file_wins() {
        let (src, diags) = lint_in_dir(
            &[
                (".dockerignore", "*.md\n"),
                ("app.Dockerfile.dockerignore", "src/\n"),
                (
                    "app.Dockerfile",
                    "FROM alpine\nCOPY README.md src/main.rs ./\n",
                ),
            ],
            "app.Dockerfile",
        );
        assert_eq!(slices(&src, &diags), ["src/main.rs"]);
        assert_eq!(
            diags[0].message,
            "Attempting to Copy file \"src/main.rs\" that is excluded by .dockerignore"
        );
    }

    #[test]
    fn exclusions_disable_the_check() {
        let (_, diags) = lint_in_dir(
            &[
                (".dockerignore", "*.md\n!README.md\n"),
                ("Dockerfile", "FROM alpine\nCOPY CHANGES.md /\n"),
            ],
            "Dockerfile",
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn root_only_when_everything_is_excluded() {
        let (_, diags) = lint_in_dir(
            &[
                (".dockerignore", "node_modules\n"),
                ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
            ],
            "Dockerfile",
        );
        assert!(diags.is_empty());
        let (src, diags) = lint_in_dir(
            &[
                (".dockerignore", "**\n"),
                ("Dockerfile", "FROM alpine\nCOPY ./ /app\n"),
            ],
            "Dockerfile",
        );
        assert_eq!(slices(&src, &diags), ["./"]);
        assert_eq!(
            diags[0].message,
            "Attempting to Copy file \".\" that is excluded by .dockerignore"
        );
    }

    #[test]
    fn heredocs_urls_variables_and_onbuild_are_skipped() {
        let (_, diags) = lint_in_dir(
            &[
                (".dockerignore", "*\n"),
                (
                    "Dockerfile",
                    "FROM alpine\nCOPY <<EOF /x\nhi\nEOF\nADD https://example.com/a.tgz /\nCOPY $SRC /\nONBUILD COPY a /\n",
                ),
            ],
            "Dockerfile",
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn crlf_lowercase_and_multiline() {
        let (src, diags) = lint_in_dir(
            &[
                (".dockerignore", "secrets\r\n"),
                (
                    "Dockerfile",
                    "from alpine\r\ncopy app.py \\\r\n  secrets/key.pem /app/\r\n",
                ),
            ],
            "Dockerfile",
        );
        assert_eq!(slices(&src, &diags), ["secrets/key.pem"]);
    }

    #[test]
    fn no_ignore_file_no_findings() {
        let (_, diags) = lint_in_dir(&[("Dockerfile", "FROM alpine\nCOPY . /\n")], "Dockerfile");
        assert!(diags.is_empty());
    }

    #[test]
    fn pattern_matching_like_patternmatcher() {
        let m = matcher("# comment\n/build\n**/*.log\ndocs/**\n*.tmp\nsrc/?.c\n");
        let hit = |p: &str| m.matches_or_parent_matches(p).is_some();
        assert!(hit("build"));
        assert!(hit("build/out.bin"));
        assert!(!hit("src/build"));
        assert!(hit("a.log"));
        assert!(hit("x/y/a.log"));
        assert!(hit("docs/a.md"));
        assert!(!hit("docs"));
        assert!(hit("a.tmp"));
        assert!(!hit("dir/a.tmp"));
        assert!(hit("src/a.c"));
        assert!(!hit("src/ab.c"));
        let m = matcher("**/node_modules\n[a-c]*.txt\n");
        let hit = |p: &str| m.matches_or_parent_matches(p).is_some();
        assert!(hit("node_modules"));
        assert!(hit("web/node_modules/x.js"));
        assert!(hit("b1.txt"));
        assert!(!hit("d1.txt"));
        assert!(PatternMatcher::new(read_patterns("[abc\n")).is_none());
        assert!(PatternMatcher::new(read_patterns("!\n")).is_none());
    }

    #[test]
    fn exclusion_patterns_re_include() {
        let m = matcher("*.md\n!README.md\ndocs\n!docs/keep.txt\n");
        assert!(m.has_exclusions());
        let hit = |p: &str| m.matches_or_parent_matches(p).is_some();
        assert!(hit("CHANGES.md"));
        assert!(!hit("README.md"));
        assert!(hit("docs/other.txt"));
        // a later exception re-includes a file whose parent was excluded
        assert!(!hit("docs/keep.txt"));
        assert!(!m.excludes_root());
        assert!(matcher("**/*\n").excludes_root());
    }

    #[test]
    fn go_path_clean() {
        assert_eq!(clean("./foo/"), "foo");
        assert_eq!(clean("a//b/../c"), "a/c");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("./"), ".");
        assert_eq!(dir("a/b"), "a");
        assert_eq!(dir("/a"), "/");
        assert_eq!(dir("a"), ".");
    }
}
