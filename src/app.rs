//! What the commands do (the binary only parses arguments and calls in here).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Cli, ColorChoice, Command, ConfigArgs, PrintArgs, RuleArgs, RuleFormat};
use crate::config::ConfigError;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::linter::FileError;
use crate::output::{self, display_path, OutputFormat};
use crate::rules::{self, RULES};

/// Exit codes.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Some(Command::Check(args)) => crate::check::run(&args),
        Some(Command::Rule(args)) => rule(&args),
        Some(Command::Server) => match crate::lsp::run() {
            Ok(end) => end.exit_code(),
            Err(e) => {
                // Not `eprintln!`: an editor that went away may have closed
                // standard error too, and that must not turn into a panic.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "error: language server: {e}");
                EXIT_ERROR
            }
        },
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            completions(shell, &mut script);
            write_stdout(&script)
        }
        Some(Command::Print(args)) => print(&args),
        Some(Command::Config(args)) => config(&args),
        None => crate::check::run(&cli.check),
    };
    ExitCode::from(code)
}

/// Whether to colour a stream, honouring NO_COLOR / FORCE_COLOR.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

/// Writes the completion script of `shell` (clap_complete panics if the
/// writer fails: give it a buffer, then [`write_stdout`]).
pub fn completions(shell: clap_complete::Shell, out: &mut Vec<u8>) {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "bakelint", out);
}

/// Writes a command's whole output. A reader that went away (`| head`,
/// a closed pipe) ends the command quietly, as `check` does; another
/// write error is reported (exit code 2).
fn write_stdout(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => EXIT_CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_CLEAN,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            EXIT_ERROR
        }
    }
}

/// The format when none is given: annotations in GitHub Actions, the
/// graphical report on a terminal, one line per finding otherwise.
pub fn default_format(github_actions: bool, to_file: bool, stdout_tty: bool) -> OutputFormat {
    if github_actions && !to_file {
        OutputFormat::Github
    } else if stdout_tty && !to_file {
        OutputFormat::Full
    } else {
        OutputFormat::Concise
    }
}

fn rule(args: &RuleArgs) -> u8 {
    let mut out = std::io::stdout().lock();
    if args.output_format == RuleFormat::Json {
        return rule_json(args, &mut out);
    }
    if args.all {
        for r in RULES {
            let _ = writeln!(out, "{}\n", r.doc.trim_end());
        }
        return EXIT_CLEAN;
    }
    let Some(name) = &args.rule else {
        for r in RULES {
            let _ = writeln!(out, "{:6} {:40} {}", r.code, r.name, r.summary);
        }
        return EXIT_CLEAN;
    };
    match rules::find(name) {
        Some(r) => {
            let _ = writeln!(out, "{}", r.doc.trim_end());
            EXIT_CLEAN
        }
        None => {
            let hint = rules::suggest(name)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: unknown rule `{name}`{hint}");
            EXIT_ERROR
        }
    }
}

/// `rule --output-format json`: one object for a named rule, a list for
/// `--all` or no rule.
fn rule_json(args: &RuleArgs, out: &mut impl Write) -> u8 {
    let value = match &args.rule {
        Some(name) => match rules::find(name) {
            Some(r) => rule_object(r),
            None => {
                eprintln!("error: unknown rule `{name}`");
                return EXIT_ERROR;
            }
        },
        None => serde_json::Value::Array(RULES.iter().map(|r| rule_object(r)).collect()),
    };
    let _ = writeln!(out, "{value:#}");
    EXIT_CLEAN
}

fn rule_object(r: &rules::RuleDef) -> serde_json::Value {
    serde_json::json!({
        "code": r.code,
        "name": r.name,
        "aliases": r.aliases,
        "severity": r.severity,
        "summary": r.summary,
        "fix": r.fix,
        "options": r.options.iter().map(|o| serde_json::json!({
            "name": o.name,
            "type": match o.kind {
                rules::OptionKind::String => serde_json::json!("string"),
                rules::OptionKind::StringList => serde_json::json!("string-list"),
                rules::OptionKind::Integer => serde_json::json!("integer"),
                rules::OptionKind::Bool => serde_json::json!("boolean"),
                rules::OptionKind::OneOf(values) => serde_json::json!({"one-of": values}),
            },
        })).collect::<Vec<_>>(),
        "explanation": r.doc,
    })
}

/// `config --from-hadolint [PATH]`: the hadolint config (named, or the
/// one hadolint would use in the working directory) as `bakelint.toml`
/// text on standard output; what was skipped goes to standard error.
fn config(args: &ConfigArgs) -> u8 {
    let explicit = args.from_hadolint.clone().flatten();
    let path = match explicit {
        Some(p) => p,
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            match crate::hadolint_config::find(&cwd) {
                Some(p) => p,
                None => {
                    eprintln!(
                        "error: no hadolint config found (.hadolint.yaml here or above, \
                         or hadolint.yaml in ~/.config or ~/.hadolint)"
                    );
                    return EXIT_ERROR;
                }
            }
        }
    };
    let text = match crate::fsread::read_text(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {}", display_path(&path), e.message);
            return EXIT_ERROR;
        }
    };
    match crate::hadolint_config::translate(&path, &text) {
        Ok(translation) => {
            for w in &translation.warnings {
                print_config_warning(w);
            }
            write_stdout(translation.toml.as_bytes())
        }
        Err(e) => {
            print_config_error(&e);
            EXIT_ERROR
        }
    }
}

fn print(args: &PrintArgs) -> u8 {
    let opts = crate::bake::LoadOptions {
        files: args.file.clone(),
        cwd: PathBuf::from("."),
        env: std::env::vars().collect(),
        vars: parse_vars(&args.var),
        overrides: args.set.clone(),
        ..crate::bake::LoadOptions::default()
    };
    let color = use_color(ColorChoice::Auto, std::io::stderr().is_terminal());
    let result =
        crate::bake::load(&opts).and_then(|p| p.print_json(&args.targets).map_err(|e| vec![e]));
    match result {
        Ok(json) => write_stdout(format!("{}\n", json.trim_end()).as_bytes()),
        Err(errs) => {
            for e in errs {
                print_bake_error(&e, color);
            }
            EXIT_ERROR
        }
    }
}

/// A bake error with its source snippet when it has a file and span.
fn print_bake_error(e: &crate::bake::BakeError, color: bool) {
    let text = crate::fsread::read_text(&e.file).ok();
    match text {
        Some(text) if !e.file.as_os_str().is_empty() && e.span.end <= text.len() => {
            eprintln!(
                "{}",
                output::full::render_error(
                    &e.message,
                    e.help.as_deref(),
                    display_path(&e.file),
                    text,
                    (e.span.start, e.span.end),
                    color,
                )
            );
        }
        _ => eprintln!("error: {e}"),
    }
}

pub(crate) fn print_config_error(err: &ConfigError) {
    let color = use_color(ColorChoice::Auto, std::io::stderr().is_terminal());
    match (&err.path, err.span) {
        (Some(path), Some(span)) => {
            eprintln!(
                "{}",
                output::full::render_error(
                    &err.message,
                    err.help.as_deref(),
                    display_path(&relative_to_cwd(path)),
                    err.source_text.clone(),
                    (span.start, span.end),
                    color,
                )
            );
        }
        _ => {
            eprintln!("error: {}", err.message);
            if let Some(h) = &err.help {
                eprintln!("  help: {h}");
            }
        }
    }
}

/// `path` relative to the working directory when it is inside it (config
/// paths are found canonicalised).
fn relative_to_cwd(path: &std::path::Path) -> PathBuf {
    let cwd = std::env::current_dir().ok();
    let canon = cwd.as_ref().and_then(|c| std::fs::canonicalize(c).ok());
    for base in [cwd, canon].into_iter().flatten() {
        if let Ok(rel) = path.strip_prefix(&base) {
            return rel.to_path_buf();
        }
    }
    path.to_path_buf()
}

/// A config problem that did not stop the run, as one line:
/// `warning: .hadolint.yaml:3:5: message` (and its help).
pub(crate) fn print_config_warning(warning: &ConfigError) {
    eprintln!("{}", config_warning_line(warning));
    if let Some(h) = &warning.help {
        eprintln!("  help: {h}");
    }
}

/// `warning: FILE:LINE:COL: message` (without a place when it has none).
pub fn config_warning_line(warning: &ConfigError) -> String {
    match (&warning.path, warning.span) {
        (Some(path), Some(span)) => {
            let index = crate::span::LineIndex::new(&warning.source_text);
            let pos = index.position(&warning.source_text, span.start);
            format!(
                "warning: {}:{}:{}: {}",
                display_path(&relative_to_cwd(path)),
                pos.line,
                pos.column,
                warning.message
            )
        }
        _ => format!("warning: {}", warning.message),
    }
}

pub(crate) fn print_file_error(err: &FileError) {
    eprintln!("error: {}: {}", display_path(&err.path), err.message);
}

/// `NAME=VALUE` pairs of `--var` (validated by [`crate::cli::bake_var`];
/// empty arguments are skipped, as buildx skips them).
pub(crate) fn parse_vars(vars: &[String]) -> Vec<(String, String)> {
    vars.iter()
        .filter_map(|v| v.split_once('='))
        .map(|(k, val)| (k.to_string(), val.to_string()))
        .collect()
}

/// `Found 12 problems in 3 files (7 fixable with --fix, 3 more with --unsafe-fixes).`,
/// after a line of counts by rule when more than one rule fired.
pub fn summary_line(
    diagnostics: &[Diagnostic],
    fixed: usize,
    unsafe_enabled: bool,
    by_rule: bool,
) -> String {
    let safe = diagnostics
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
        })
        .count();
    let unsafe_ = diagnostics
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Unsafe)
        })
        .count();
    let n = diagnostics.len();
    let mut parts = Vec::new();
    if fixed > 0 {
        parts.push(format!(
            "Fixed {fixed} problem{}.",
            if fixed == 1 { "" } else { "s" }
        ));
    }
    if n > 0 {
        // Spellings first (a file's findings are mostly together, so only
        // a change of spelling is hashed), then as paths (`a/b` is `a//b`).
        let mut spellings: std::collections::HashSet<&std::ffi::OsStr> = Default::default();
        let mut previous = None;
        for spelling in diagnostics.iter().map(|d| d.file.as_os_str()) {
            if previous != Some(spelling) {
                spellings.insert(spelling);
                previous = Some(spelling);
            }
        }
        let files: std::collections::BTreeSet<&std::path::Path> =
            spellings.into_iter().map(std::path::Path::new).collect();
        let mut line = format!(
            "Found {n} problem{} in {} file{}",
            if n == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        let mut extra = Vec::new();
        if safe > 0 {
            extra.push(format!("{safe} fixable with --fix"));
        }
        if unsafe_ > 0 && !unsafe_enabled {
            extra.push(format!("{unsafe_} more with --unsafe-fixes"));
        }
        if !extra.is_empty() {
            line.push_str(&format!(" ({})", extra.join(", ")));
        }
        line.push('.');
        if let Some(families) = family_counts(diagnostics).filter(|_| by_rule) {
            parts.push(families);
        }
        parts.push(line);
    } else if fixed == 0 {
        parts.push("All checks passed.".to_string());
    }
    parts.join("\n")
}

/// One line saying which kind of problem dominates, when more than one
/// rule fired: `By rule family: 25 BP, 4 DF.` across families, else `By
/// rule: 9 BP007, 5 BP001, ...` (at most six; `--statistics` has it all).
fn family_counts(diagnostics: &[Diagnostic]) -> Option<String> {
    let family = |code: &'static str| code.trim_end_matches(|c: char| c.is_ascii_digit());
    let by_rule = counts(diagnostics.iter().map(|d| d.code));
    if by_rule.len() < 2 {
        return None;
    }
    let by_family = counts(diagnostics.iter().map(|d| family(d.code)));
    let (title, list) = if by_family.len() > 1 {
        ("By rule family", by_family)
    } else {
        ("By rule", by_rule)
    };
    const SHOWN: usize = 6;
    let mut shown: Vec<String> = list
        .iter()
        .take(SHOWN)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    if list.len() > SHOWN {
        shown.push(format!("{} more", list.len() - SHOWN));
    }
    Some(format!("{title}: {}.", shown.join(", ")))
}

/// Counts of each name, most frequent first (ties by name).
fn counts(names: impl Iterator<Item = &'static str>) -> Vec<(&'static str, usize)> {
    let mut map: BTreeMap<&str, usize> = BTreeMap::new();
    for name in names {
        *map.entry(name).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = map.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    list
}

pub(crate) fn print_statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) {
    let mut counts: BTreeMap<(&str, &str), (usize, bool)> = BTreeMap::new();
    for d in diagnostics {
        let e = counts.entry((d.code, d.name)).or_default();
        e.0 += 1;
        e.1 |= d
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    for ((code, name), (count, fixable)) in rows {
        let _ = writeln!(
            out,
            "{count:5}  {code:6} {} {name}",
            if fixable { "[*]" } else { "   " }
        );
    }
}
