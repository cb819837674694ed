//! Helpers shared by the browser rules (BP004 `chromium-skip-arg`, BP005
//! `test-image-chromium`) and the cache-mount rule (BP007): Chromium install
//! detection on top of [`crate::shell`], the stages a build needs, and byte
//! helpers for format-preserving edits.

use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Stage};
use crate::shell::{PackageManager, RunScript, SimpleCommand};
use crate::span::Span;

/// The build arg that switches browser installs off.
pub const DEFAULT_SKIP_ARG: &str = "SKIP_CHROMIUM";

/// OS packages that install Chromium or Chrome (apt, apk, dnf, yum, ...).
pub const CHROMIUM_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "chromium-driver",
    "chromium-chromedriver",
    "chromium-headless-shell",
    "google-chrome-stable",
];

/// `playwright install <browser>` names that download a Chromium build.
pub const PLAYWRIGHT_CHROMIUM_BROWSERS: &[&str] = &[
    "chromium",
    "chromium-headless-shell",
    "chrome",
    "chrome-beta",
];

/// npm packages whose install downloads a browser.
pub const PUPPETEER_PACKAGES: &[&str] = &["puppeteer"];

/// Environment variables that stop puppeteer's browser download.
pub const PUPPETEER_SKIP_VARS: &[&str] = &[
    "PUPPETEER_SKIP_DOWNLOAD",
    "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD",
];

/// How a RUN installs a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserSource {
    /// OS packages of a system install (the install and the browser package words).
    SystemPackages {
        /// Every package of the install command, in order.
        packages: Vec<crate::shell::Word>,
        /// The browser packages among them.
        browser_packages: Vec<crate::shell::Word>,
        /// The install also reads requirement files.
        has_requirement_files: bool,
    },
    /// `playwright install [chromium]`.
    Playwright,
    /// `dpkg -i google-chrome-stable_current_amd64.deb`.
    LocalPackage,
    /// `npm install puppeteer` and friends.
    Puppeteer,
}

impl BrowserSource {
    /// What the install does, for messages (`` `chromium` is installed ``).
    pub fn describe(&self, what: &str) -> String {
        match self {
            BrowserSource::SystemPackages { .. } => format!("`{what}` is installed"),
            BrowserSource::Playwright => format!("`{what}` downloads Chromium"),
            BrowserSource::LocalPackage => format!("`{what}` is installed"),
            BrowserSource::Puppeteer => format!("installing `{what}` downloads Chromium"),
        }
    }
}

/// One browser install found in a RUN script.
#[derive(Debug, Clone)]
pub struct BrowserInstall {
    pub source: BrowserSource,
    /// The command that installs (with its guards).
    pub command: SimpleCommand,
    /// Where to point: the (first) browser package word, or `playwright install`.
    pub span: Span,
    /// What is installed, for messages (`chromium`, `playwright install chromium`).
    pub what: String,
    /// The command runs under a condition on the skip arg.
    pub guarded: bool,
}

/// The package name of a package word without version pin / arch
/// (`chromium=120.*` → `chromium`, `chromium:amd64` → `chromium`,
/// `puppeteer@21` → `puppeteer`).
pub fn package_name(word: &str) -> &str {
    let scoped = word.starts_with('@');
    let cut = word
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '=' | ':' | '<' | '>' | '~')
                || (c == '@' && !(scoped && i == 0))
                || (c == '>' || c == '<')
        })
        .map_or(word.len(), |(i, _)| i);
    &word[..cut]
}

/// The package a word names: a repository package (`chromium=120*`) or a
/// local package file (`./google-chrome-stable_current_amd64.deb` →
/// `google-chrome-stable`).
pub fn installed_package(word: &str) -> &str {
    let is_file = [".deb", ".rpm", ".apk"]
        .iter()
        .any(|ext| word.ends_with(ext));
    if !is_file {
        return package_name(word);
    }
    let file = word.rsplit('/').next().unwrap_or(word);
    file.split('_').next().unwrap_or(file)
}

/// Whether a package word installs Chromium or Chrome.
pub fn is_browser_package(word: &crate::shell::Word) -> bool {
    word.as_str()
        .is_some_and(|p| CHROMIUM_PACKAGES.contains(&installed_package(p)))
}

/// Browser installs in one analysed script.
pub fn browser_installs(script: &RunScript, skip_arg: &str) -> Vec<BrowserInstall> {
    let mut found = Vec::new();
    for install in &script.installs() {
        if install.manager.is_system() {
            let browser_packages: Vec<crate::shell::Word> = install
                .packages
                .iter()
                .filter(|w| is_browser_package(w))
                .map(|w| w.clone().into_owned())
                .collect();
            let Some(first) = browser_packages.first() else {
                continue;
            };
            let what = browser_packages
                .iter()
                .filter_map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            found.push(BrowserInstall {
                span: first.span,
                what,
                guarded: install.command.is_guarded_by(skip_arg),
                command: install.command.clone(),
                source: BrowserSource::SystemPackages {
                    packages: install
                        .packages
                        .iter()
                        .map(|w| w.clone().into_owned())
                        .collect(),
                    browser_packages,
                    has_requirement_files: !install.requirement_files.is_empty(),
                },
            });
        } else if matches!(
            install.manager,
            PackageManager::Npm | PackageManager::Yarn | PackageManager::Pnpm
        ) {
            let Some(word) = install.packages.iter().find(|w| {
                w.as_str()
                    .is_some_and(|p| PUPPETEER_PACKAGES.contains(&package_name(p)))
            }) else {
                continue;
            };
            if puppeteer_skipped_in_script(script, install.command) {
                continue;
            }
            found.push(BrowserInstall {
                span: word.span,
                what: word.as_str().unwrap_or("puppeteer").to_string(),
                guarded: install.command.is_guarded_by(skip_arg),
                command: install.command.clone(),
                source: BrowserSource::Puppeteer,
            });
        }
    }
    for command in script.commands() {
        if let Some(word) = dpkg_browser_install(command) {
            found.push(BrowserInstall {
                source: BrowserSource::LocalPackage,
                span: word.span,
                what: word.as_str().unwrap_or_default().to_string(),
                guarded: command.is_guarded_by(skip_arg),
                command: command.clone(),
            });
        }
        if let Some((span, what)) = playwright_install(command) {
            found.push(BrowserInstall {
                source: BrowserSource::Playwright,
                span,
                what,
                guarded: command.is_guarded_by(skip_arg),
                command: command.clone(),
            });
        }
    }
    found.sort_by_key(|b| b.span.start);
    found
}

/// The browser package file of `dpkg -i chrome.deb` / `rpm -i chrome.rpm`.
fn dpkg_browser_install(command: &SimpleCommand) -> Option<&crate::shell::Word> {
    let program = command.program()?;
    if !matches!(program, "dpkg" | "rpm") {
        return None;
    }
    let installs = command.args.iter().any(|a| {
        a.as_str().is_some_and(|t| {
            t == "--install"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains(['i', 'U']))
        })
    });
    if !installs {
        return None;
    }
    command.args.iter().find(|a| is_browser_package(a))
}

/// `playwright install [--with-deps] [browsers]`, `npx playwright install`,
/// `python -m playwright install`, `pnpm exec playwright install`: the span
/// of `playwright install` and a description, when Chromium is among the browsers.
fn playwright_install(command: &SimpleCommand) -> Option<(Span, String)> {
    let words: Vec<&crate::shell::Word> = command.words().collect();
    let at = words.iter().position(|w| {
        w.as_str()
            .is_some_and(|t| package_name(t.rsplit('/').next().unwrap_or(t)) == "playwright")
    })?;
    // Only runners may precede `playwright` (npx, pnpm exec, yarn, python -m, bunx ...).
    let runner_ok = words[..at].iter().all(|w| {
        w.as_str().is_some_and(|t| {
            let base = t.rsplit('/').next().unwrap_or(t);
            RUNNERS.contains(&base) || t.starts_with('-') || base.starts_with("python")
        })
    });
    if !runner_ok {
        return None;
    }
    let rest = &words[at + 1..];
    let sub = rest
        .iter()
        .position(|w| !w.as_str().is_some_and(|t| t.starts_with('-')))?;
    let sub_word = rest[sub];
    if !sub_word.is("install") {
        return None;
    }
    let browsers: Vec<&str> = rest[sub + 1..]
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    let chromium = browsers.is_empty()
        || browsers
            .iter()
            .any(|b| PLAYWRIGHT_CHROMIUM_BROWSERS.contains(b));
    if !chromium {
        return None;
    }
    let span = words[at].span.cover(sub_word.span);
    let what = if browsers.is_empty() {
        "playwright install".to_string()
    } else {
        format!("playwright install {}", browsers.join(" "))
    };
    Some((span, what))
}

/// Commands that run a package's binary (`npx playwright`, `pnpm exec
/// playwright`, `uv run playwright`); `python -m` is matched separately.
const RUNNERS: &[&str] = &[
    "npx", "pnpx", "bunx", "pnpm", "yarn", "npm", "exec", "run", "dlx", "sudo", "env", "uv",
    "poetry", "pipenv",
];

/// Whether an earlier command of the script (or the command's own prefix)
/// sets a puppeteer skip variable.
fn puppeteer_skipped_in_script(script: &RunScript, command: &SimpleCommand) -> bool {
    let sets_skip = |word: &crate::shell::Word| {
        let text = word.raw.as_str();
        PUPPETEER_SKIP_VARS
            .iter()
            .any(|v| text.strip_prefix(v).is_some_and(|r| r.starts_with('=')))
    };
    if command.assignments.iter().any(sets_skip) || command.args.iter().any(sets_skip) {
        return true;
    }
    script
        .commands()
        .iter()
        .take_while(|c| c.span.start < command.span.start)
        .any(|c| {
            c.assignments.iter().any(sets_skip)
                || (matches!(c.name_str(), Some("export" | "declare" | "typeset"))
                    && c.args.iter().any(sets_skip))
        })
}

/// The ARG names an instruction declares (`ARG A B=1`).
pub fn declared_args(ins: &Instruction) -> Vec<&str> {
    match &ins.kind {
        InstructionKind::Arg(decls) => decls.iter().map(|d| d.name.value.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// The ENV names an instruction sets.
pub fn env_names(ins: &Instruction) -> Vec<&str> {
    match &ins.kind {
        InstructionKind::Env(kvs) => kvs.iter().map(|kv| kv.key.value.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// The index of the stage a `FROM`/`COPY --from`/`--mount=from=` reference names, if a stage.
pub fn stage_by_ref(dockerfile: &Dockerfile, stages: &[Stage], reference: &str) -> Option<usize> {
    let reference = reference.trim_matches(|c| c == '"' || c == '\'');
    if let Ok(index) = reference.parse::<usize>() {
        return (index < stages.len()).then_some(index);
    }
    stages.iter().position(|s| {
        dockerfile
            .stage_from(s)
            .and_then(|f| f.stage_name.as_ref())
            .is_some_and(|n| n.value.eq_ignore_ascii_case(reference))
    })
}

/// The stages a build of stage `index` runs: the stage, the stages it is
/// built `FROM`, and the stages it copies or mounts from, transitively.
/// Sorted, each once.
pub fn stages_needed(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Vec<usize> {
    let mut needed = vec![false; stages.len()];
    let mut todo = vec![index];
    while let Some(current) = todo.pop() {
        let Some(stage) = stages.get(current) else {
            continue;
        };
        if needed[current] {
            continue;
        }
        needed[current] = true;
        let mut references: Vec<String> = Vec::new();
        if let Some(from) = dockerfile.stage_from(stage) {
            references.push(from.image.value.clone());
        }
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&i| dockerfile.instruction(i))
        {
            if let Some(flag) = ins.flag("from") {
                if let Some(value) = &flag.value {
                    references.push(value.value.clone());
                }
            }
            for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for option in flag.options() {
                    if option.key.value == "from" {
                        if let Some(value) = option.value {
                            references.push(value.value);
                        }
                    }
                }
            }
        }
        for reference in references {
            if let Some(dep) = stage_by_ref(dockerfile, &stages[..current], &reference) {
                todo.push(dep);
            }
        }
    }
    (0..stages.len()).filter(|&i| needed[i]).collect()
}

/// The stage a build targets: the named one, else the last.
pub fn target_stage(
    dockerfile: &Dockerfile,
    stages: &[Stage],
    target: Option<&str>,
) -> Option<usize> {
    match target {
        Some(name) => stage_by_ref(dockerfile, stages, name),
        None => stages.len().checked_sub(1),
    }
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(source: &str, offset: usize) -> usize {
    source
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Byte offset of the end of the line holding `offset` (before `\r\n` / `\n`).
pub fn line_end(source: &str, offset: usize) -> usize {
    let end = source
        .get(offset..)
        .and_then(|s| s.find('\n'))
        .map_or(source.len(), |i| offset + i);
    if end > 0 && source.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// The leading spaces and tabs of the line holding `offset`.
pub fn indentation_at(source: &str, offset: usize) -> &str {
    let start = line_start(source, offset);
    let line = source.get(start..).unwrap_or("");
    let len = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..len]
}

/// Whether a Dockerfile keyword is written in lowercase (to match casing in inserted lines).
pub fn keyword_case(source: &str, keyword_span: Span, keyword: &str) -> String {
    let written = keyword_span.slice(source);
    if !written.is_empty() && written == written.to_lowercase() {
        keyword.to_lowercase()
    } else {
        keyword.to_uppercase()
    }
}

/// The byte range that removes `word` (one word of a command) cleanly:
/// its whole line when it sits alone on a continued line, else the word
/// and the blanks on one side of it. `previous_end` is the end of the word
/// before it in the same command; `is_last` says no word of the command follows.
pub fn word_removal(source: &str, word: Span, previous_end: usize, is_last: bool) -> Span {
    let bytes = source.as_bytes();
    if is_last {
        return Span::new(previous_end.min(word.start), word.end);
    }
    let start_of_line = line_start(source, word.start);
    let before = source.get(start_of_line..word.start).unwrap_or("");
    let end_of_line = line_end(source, word.end);
    let after = source.get(word.end..end_of_line).unwrap_or("").trim();
    let alone_before = before.trim().is_empty();
    if alone_before && (after == "\\" || after == "`") {
        // The whole line, its line ending included.
        let mut end = end_of_line;
        if bytes.get(end) == Some(&b'\r') {
            end += 1;
        }
        if bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        return Span::new(start_of_line, end);
    }
    if !alone_before {
        let mut start = word.start;
        while start > start_of_line && matches!(bytes.get(start - 1), Some(b' ' | b'\t')) {
            start -= 1;
        }
        return Span::new(start, word.end);
    }
    let mut end = word.end;
    while matches!(bytes.get(end), Some(b' ' | b'\t')) {
        end += 1;
    }
    Span::new(word.start, end)
}

/// Whether a command may be prefixed with `other && ` without changing
/// what the shell does: it starts the script or follows `&&`, `;`, a line
/// break or a compound-command keyword.
pub fn can_prefix_command(source: &str, script_start: usize, command_start: usize) -> bool {
    let before = source.get(script_start..command_start).unwrap_or("");
    // Drop trailing blanks and line continuations.
    let mut text = before.trim_end();
    while let Some(rest) = text.strip_suffix('\\').or_else(|| text.strip_suffix('`')) {
        text = rest.trim_end();
    }
    if text.is_empty() {
        return true;
    }
    let raw_before = before.trim_end_matches([' ', '\t']);
    if raw_before.ends_with('\n') && !raw_before.trim_end().ends_with(['\\', '`', '|']) {
        return true;
    }
    if text.ends_with("&&") || text.ends_with(';') && !text.ends_with(";;") {
        return true;
    }
    ["then", "do", "else", "{", "("]
        .iter()
        .any(|k| text.ends_with(k) && !text.ends_with(&format!("${k}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_drop_pins() {
        assert_eq!(package_name("chromium=120.0*"), "chromium");
        assert_eq!(package_name("chromium:amd64"), "chromium");
        assert_eq!(package_name("puppeteer@21.0.0"), "puppeteer");
        assert_eq!(package_name("@scope/pkg@1"), "@scope/pkg");
        assert_eq!(package_name("chromium"), "chromium");
        assert_eq!(
            installed_package("./google-chrome-stable_current_amd64.deb"),
            "google-chrome-stable"
        );
        assert_eq!(installed_package("chromium_1.0.rpm"), "chromium");
    }

    #[test]
    fn stages_needed_follow_from_copy_and_mount() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS a\nFROM alpine AS b\nFROM a AS c\nCOPY --from=b /x /x\nFROM alpine AS d\nRUN --mount=type=bind,from=c,target=/c true\nFROM alpine AS e\n",
        );
        let stages = df.stages();
        assert_eq!(stages_needed(&df, &stages, 3), vec![0, 1, 2, 3]);
        assert_eq!(stages_needed(&df, &stages, 4), vec![4]);
        assert_eq!(target_stage(&df, &stages, Some("C")), Some(2));
        assert_eq!(target_stage(&df, &stages, None), Some(4));
    }

    #[test]
    fn removal_ranges() {
        let src = "RUN apt-get install -y \\\n    curl \\\n    chromium \\\n    git\n";
        let word = Span::new(
            src.find("chromium").unwrap(),
            src.find("chromium").unwrap() + 8,
        );
        let r = word_removal(src, word, 0, false);
        assert_eq!(r.slice(src), "    chromium \\\n");
        let src = "RUN apt-get install -y curl chromium git";
        let at = src.find("chromium").unwrap();
        let r = word_removal(src, Span::new(at, at + 8), 0, false);
        assert_eq!(r.slice(src), " chromium");
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

    #[test]
    fn prefixable_positions() {
        let src = "RUN a && b | c; d";
        let at = |w: &str| src.find(w).unwrap();
        assert!(can_prefix_command(src, 4, at("a")));
        assert!(can_prefix_command(src, 4, at("b")));
        assert!(!can_prefix_command(src, 4, at("c")));
        assert!(can_prefix_command(src, 4, at("d")));
    }
}
