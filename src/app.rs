//! What the commands do (the binary only parses arguments and calls in here).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, PrintArgs, RuleArgs};
use crate::config::{CliSelection, ConfigError, Settings};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::fix::{self, fix_all, FileSource, FixMode};
use crate::linter::{self, FileError};
use crate::output::{self, display_path, OutputFormat, Sources};
use crate::project::{self, FileKind};
use crate::rules::{self, RULES};
use crate::workspace::{self, Plan};

/// Exit codes.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Some(Command::Check(args)) => check(&args),
        Some(Command::Rule(args)) => rule(&args),
        Some(Command::Server) => match crate::lsp::run() {
            Ok(end) => end.exit_code(),
            Err(e) => {
                eprintln!("error: language server: {e}");
                EXIT_ERROR
            }
        },
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            completions(shell, &mut script);
            write_stdout(&script)
        }
        Some(Command::Print(args)) => print(&args),
        None => check(&cli.check),
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

fn print_config_error(err: &ConfigError) {
    let color = use_color(ColorChoice::Auto, std::io::stderr().is_terminal());
    match (&err.path, err.span) {
        (Some(path), Some(span)) => {
            eprintln!(
                "{}",
                output::full::render_error(
                    &err.message,
                    err.help.as_deref(),
                    display_path(path),
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

fn print_file_error(err: &FileError) {
    eprintln!("error: {}: {}", display_path(&err.path), err.message);
}

/// `NAME=VALUE` pairs of `--var` (validated by [`crate::cli::bake_var`];
/// empty arguments are skipped, as buildx skips them).
fn parse_vars(vars: &[String]) -> Vec<(String, String)> {
    vars.iter()
        .filter_map(|v| v.split_once('='))
        .map(|(k, val)| (k.to_string(), val.to_string()))
        .collect()
}

/// Overlay of in-memory contents over the files on disk.
struct Overlay<'a> {
    stdin: Option<(&'a Path, &'a str)>,
}

impl FileSource for Overlay<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        if let Some((p, t)) = self.stdin {
            if workspace::normalize(p) == workspace::normalize(path) {
                return Some(t.to_string());
            }
        }
        crate::fsread::read_text(path).ok()
    }
}

fn check(args: &CheckArgs) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let selection = CliSelection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        extend_select: args.extend_select.clone(),
    };
    let settings = match Settings::discover(args.config.as_deref(), &cwd, &selection) {
        Ok(s) => s,
        Err(e) => {
            print_config_error(&e);
            return EXIT_ERROR;
        }
    };
    let stdout_tty = std::io::stdout().is_terminal();
    let to_file = args.output_file.is_some();
    let color = use_color(args.color, stdout_tty) && !to_file;
    let github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let format = args
        .output_format
        .unwrap_or_else(|| default_format(github_actions, to_file, stdout_tty));

    // Gather files.
    let mut errors: Vec<FileError> = Vec::new();
    let mut files: Vec<(PathBuf, FileKind)> = Vec::new();
    let mut stdin_text: Option<(PathBuf, String)> = None;
    let paths: Vec<PathBuf> = if args.paths.is_empty() && args.file.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin_paths, disk_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    if !stdin_paths.is_empty() {
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        let mut bytes = Vec::new();
        match std::io::stdin().read_to_end(&mut bytes) {
            Ok(_) => match linter::decode_source(&name, bytes) {
                Ok(text) => {
                    let kind = project::classify(&name).unwrap_or(FileKind::Dockerfile);
                    files.push((name.clone(), kind));
                    stdin_text = Some((name, text));
                }
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(FileError {
                path: name,
                message: format!("cannot read standard input: {e}"),
            }),
        }
    }
    let found = project::discover(&disk_paths);
    errors.extend(found.errors);
    files.extend(found.files);
    let mut plan = Plan::new(&files, &args.file);
    plan.roots = disk_paths.iter().filter(|p| p.is_dir()).cloned().collect();
    plan.vars = parse_vars(&args.var);
    // Files named one by one (as pre-commit passes them): find the bake
    // definition that builds each Dockerfile, so its args and stage count,
    // but report only on the files that were named.
    let requested: Option<std::collections::BTreeSet<PathBuf>> =
        if args.file.is_empty() && !disk_paths.is_empty() && disk_paths.iter().all(|p| p.is_file())
        {
            let has_bake = files.iter().any(|(_, k)| *k == FileKind::Bake);
            let mut added = false;
            if !has_bake {
                for (path, kind) in &files {
                    if *kind != FileKind::Dockerfile {
                        continue;
                    }
                    // Paths in it resolve against the working directory, as
                    // for `docker buildx bake -f <file>` run here.
                    if let Some((_, set)) = workspace::find_bake_for(path) {
                        if !plan.bake_sets.contains(&set) {
                            plan.bake_sets.push(set);
                            added = true;
                        }
                    }
                }
            }
            added.then(|| files.iter().map(|(p, _)| workspace::normalize(p)).collect())
        } else {
            None
        };

    // The stdin text is an overlay over the (nonexistent) file of its name.
    let base_overlay: BTreeMap<PathBuf, String> = stdin_text.iter().cloned().collect();
    let first = workspace::lint(&plan, &base_overlay, &settings);
    errors.extend(first.errors);
    let keep = |d: &Diagnostic| {
        requested
            .as_ref()
            .is_none_or(|r| r.contains(&workspace::normalize(&d.file)))
    };
    let mut diagnostics: Vec<Diagnostic> = first.diagnostics.into_iter().filter(keep).collect();
    let mut sources = Sources::default();
    for (p, t) in first.texts {
        sources.insert(p, t);
    }

    let mut exit = EXIT_CLEAN;
    let mut fixed_count = 0;
    let stdin_path = stdin_text.as_ref().map(|(p, _)| p.clone());

    if args.fix || args.diff {
        let mode = FixMode {
            unsafe_fixes: args.unsafe_fixes,
        };
        let originals: BTreeMap<PathBuf, String> = stdin_text.iter().cloned().collect();
        let lint = |overlay: &BTreeMap<PathBuf, String>| -> Vec<Diagnostic> {
            let mut merged = base_overlay.clone();
            merged.extend(overlay.iter().map(|(k, v)| (k.clone(), v.clone())));
            workspace::lint(&plan, &merged, &settings)
                .diagnostics
                .into_iter()
                .filter(keep)
                .collect()
        };
        let overlay_source = Overlay {
            stdin: stdin_text.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
        };
        let result = fix_all(diagnostics.clone(), mode, &overlay_source, &lint);
        for failure in &result.failures {
            eprintln!("error: {}", failure.message);
            exit = EXIT_ERROR;
        }
        let changed: Vec<(PathBuf, Option<String>, String)> = result
            .changed()
            .map(|(p, o, n)| (p.clone(), o.cloned(), n.clone()))
            .collect();
        if args.diff {
            let mut out = std::io::stdout().lock();
            for (path, old, new) in &changed {
                let old = old
                    .as_deref()
                    .or_else(|| originals.get(path).map(String::as_str));
                let created = result.originals.get(path).is_some_and(Option::is_none);
                let _ = write!(
                    out,
                    "{}",
                    fix::unified_diff(path, if created { None } else { old }, new)
                );
            }
            if !args.quiet {
                let n = result.total_applied();
                eprintln!(
                    "Would fix {n} problem{} in {} file{}.",
                    if n == 1 { "" } else { "s" },
                    changed.len(),
                    if changed.len() == 1 { "" } else { "s" }
                );
            }
            let code = if changed.is_empty() {
                exit
            } else {
                exit.max(EXIT_FINDINGS)
            };
            for e in &errors {
                print_file_error(e);
            }
            return if errors.is_empty() { code } else { EXIT_ERROR };
        }
        // --fix: write (standard input goes back to standard output).
        // All files or none: a multi-file fix must not be left half-written.
        let writes: Vec<fix::FileWrite<'_>> = changed
            .iter()
            .filter(|(path, _, _)| {
                stdin_path.as_ref().map(|p| workspace::normalize(p))
                    != Some(workspace::normalize(path))
            })
            .map(|(path, old, new)| fix::FileWrite {
                path,
                content: new,
                create: old.is_none(),
            })
            .collect();
        let written = fix::write_all_atomic(&writes);
        match &written {
            Ok(()) => {
                for w in &writes {
                    sources.insert(w.path.to_path_buf(), w.content.to_string());
                }
            }
            Err(write_errors) => {
                for e in write_errors.iter() {
                    eprintln!("error: {e}");
                }
                eprintln!(
                    "error: no file was changed ({} file{} could not be written)",
                    write_errors.len(),
                    if write_errors.len() == 1 { "" } else { "s" }
                );
                exit = EXIT_ERROR;
            }
        }
        if let Some(p) = &stdin_path {
            let text = result
                .contents
                .get(&workspace::normalize(p))
                .or_else(|| result.contents.get(p))
                .cloned()
                .or_else(|| stdin_text.as_ref().map(|(_, t)| t.clone()))
                .unwrap_or_default();
            print!("{text}");
            sources.insert(p.clone(), text);
        }
        // Nothing was written: the findings stand as they were.
        if written.is_ok() {
            fixed_count = result.total_applied();
            diagnostics = result.remaining;
        }
    }

    // Report.
    let mut out = std::io::stdout().lock();
    // With --fix on standard input, the fixed text went to stdout: findings go to stderr.
    let mut err_out = std::io::stderr().lock();
    let sink: &mut dyn Write = if args.fix && stdin_path.is_some() {
        &mut err_out
    } else {
        &mut out
    };
    match &args.output_file {
        Some(path) => {
            // The report goes to the file; the terminal keeps the summary.
            let mut buf: Vec<u8> = Vec::new();
            let written = output::render(format, &diagnostics, &mut sources, false, &mut buf)
                .and_then(|()| std::fs::write(path, &buf));
            if let Err(e) = written {
                eprintln!("error: cannot write {}: {e}", display_path(path));
                exit = EXIT_ERROR;
            }
        }
        None => {
            let _ = output::render(format, &diagnostics, &mut sources, color, sink);
        }
    }
    if args.statistics {
        print_statistics(&diagnostics, sink);
    }
    if !args.quiet && (format.is_human() || to_file) {
        let summary = summary_line(&diagnostics, fixed_count, args.unsafe_fixes);
        if !summary.is_empty() {
            let _ = writeln!(sink, "{summary}");
        }
    }
    drop(out);
    for e in &errors {
        print_file_error(e);
    }
    if !errors.is_empty() || exit == EXIT_ERROR {
        EXIT_ERROR
    } else if !diagnostics.is_empty() && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `Found 12 problems (7 fixable with --fix, 3 more with --unsafe-fixes).`
pub fn summary_line(diagnostics: &[Diagnostic], fixed: usize, unsafe_enabled: bool) -> String {
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
        let mut line = format!("Found {n} problem{}", if n == 1 { "" } else { "s" });
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
        parts.push(line);
    } else if fixed == 0 {
        parts.push("All checks passed.".to_string());
    }
    parts.join("\n")
}

fn print_statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) {
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
