//! The `check` command, step by step: read the settings, gather the inputs
//! (named paths, walked directories, standard input), plan what to lint,
//! lint, then show the fixes (`--diff`) or write them (`--fix`), and report.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use crate::app::{
    default_format, parse_vars, print_config_error, print_config_warning, print_file_error,
    summary_line, use_color, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS,
};
use crate::cli::CheckArgs;
use crate::config::{CliSelection, Settings};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::fix::{self, fix_all_within, FileSource, FixMode, FixResult, ProjectRoot, WriteScope};
use crate::linter::{self, FileError};
use crate::output::{self, display_path, OutputFormat, Sources};
use crate::project::{self, Exclusions, FileKind};
use crate::workspace::{self, Plan};

/// Runs `bakelint check`; returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let settings = match load_settings(args, &cwd) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let inputs = gather_inputs(args, &settings.exclude);
    let session = Session::new(args, &inputs, settings, &cwd);
    let first = session.lint(&BTreeMap::new());
    let mut outcome = Outcome {
        diagnostics: first.diagnostics,
        texts: first.texts,
        errors: inputs.errors,
        failed: false,
        fixed: 0,
        withheld: Vec::new(),
    };
    outcome.errors.extend(first.errors);
    if args.diff {
        let result = session.fix(&outcome.diagnostics, args.unsafe_fixes);
        return show_diff(args, &session, &result, &mut outcome);
    }
    if args.fix {
        let result = session.fix(&outcome.diagnostics, args.unsafe_fixes);
        write_fixes(&session, &result, &mut outcome);
    }
    report(args, &session, &mut outcome);
    let fail_level = args.fail_level.unwrap_or(session.settings.fail_level);
    outcome.exit_code(args.exit_zero || session.settings.exit_zero, fail_level)
}

/// The settings from the config file (discovered or `--config`) and the
/// command line; a config error is printed and becomes exit code 2.
fn load_settings(args: &CheckArgs, cwd: &Path) -> Result<Settings, u8> {
    let selection = CliSelection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        extend_select: args.extend_select.clone(),
    };
    let settings = Settings::discover(args.config.as_deref(), cwd, &selection).map_err(|e| {
        print_config_error(&e);
        EXIT_ERROR
    })?;
    for warning in &settings.warnings {
        print_config_warning(warning);
    }
    Ok(settings)
}

/// The files to lint, as found on disk and read from standard input.
struct Inputs {
    files: Vec<(PathBuf, FileKind)>,
    /// Paths named on the command line that exist on disk.
    disk_paths: Vec<PathBuf>,
    /// The text read from standard input, under its `--stdin-filename`.
    stdin: Option<(PathBuf, String)>,
    errors: Vec<FileError>,
}

/// Reads standard input when `-` is named and discovers the other paths
/// (the current directory when none is named), skipping what `exclude`
/// names below the directories walked.
fn gather_inputs(args: &CheckArgs, exclude: &Exclusions) -> Inputs {
    let paths: Vec<PathBuf> = if args.paths.is_empty() && args.file.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin_paths, disk_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == "-");
    let mut inputs = Inputs {
        files: Vec::new(),
        disk_paths,
        stdin: None,
        errors: Vec::new(),
    };
    if !stdin_paths.is_empty() {
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        match read_stdin(&name) {
            Ok(text) => {
                let kind = project::classify(&name).unwrap_or(FileKind::Dockerfile);
                if kind == FileKind::Bake {
                    inputs.files.extend(default_siblings(&name));
                }
                inputs.files.push((name.clone(), kind));
                inputs.stdin = Some((name, text));
            }
            Err(e) => inputs.errors.push(e),
        }
    }
    let found = project::discover_excluding(&inputs.disk_paths, exclude);
    inputs.errors.extend(found.errors);
    inputs.files.extend(found.files);
    inputs
}

/// A bake file read from standard input under a default name loads with
/// the other default-named files next to that name, as `docker buildx
/// bake` run there would (and as the language server does for an unsaved
/// buffer).
fn default_siblings(name: &Path) -> Vec<(PathBuf, FileKind)> {
    let file_name = name.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !workspace::DEFAULT_BAKE_FILES.contains(&file_name) {
        return Vec::new();
    }
    let dir = name.parent().unwrap_or(Path::new(""));
    workspace::DEFAULT_BAKE_FILES
        .iter()
        .filter(|n| **n != file_name)
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .map(|p| (p, FileKind::Bake))
        .collect()
}

/// Standard input decoded as a source file named `name`.
fn read_stdin(name: &Path) -> Result<String, FileError> {
    let mut bytes = Vec::new();
    // One byte more than the limit tells a too-large input from one at it.
    let limit = crate::fsread::MAX_FILE_BYTES;
    std::io::stdin()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError {
            path: name.to_path_buf(),
            message: format!("cannot read standard input: {e}"),
        })?;
    if bytes.len() as u64 > limit {
        return Err(FileError {
            path: name.to_path_buf(),
            message: format!(
                "standard input is larger than {}: not linted",
                crate::fsread::human_size(limit)
            ),
        });
    }
    linter::decode_source(name, bytes)
}

/// What one `check` run lints, and with which settings; lints the same set
/// again over the fix loop's in-memory contents.
struct Session {
    plan: Plan,
    settings: Settings,
    /// The standard-input text as an overlay over the file of its name.
    stdin: BTreeMap<PathBuf, String>,
    /// Files named one by one (as pre-commit passes them): findings in other
    /// files the lint reached are not reported.
    requested: Option<BTreeSet<PathBuf>>,
    /// Where fixes may write (see `fix::containment`).
    scope: WriteScope,
}

impl Session {
    fn new(args: &CheckArgs, inputs: &Inputs, settings: Settings, cwd: &Path) -> Session {
        let mut plan = Plan::new(&inputs.files, &args.file);
        plan.roots = inputs
            .disk_paths
            .iter()
            .filter(|p| p.is_dir())
            .cloned()
            .collect();
        plan.vars = parse_vars(&args.var);
        let requested = named_files_only(args, inputs, &mut plan).or_else(|| stdin_only(inputs));
        Session {
            plan,
            settings,
            stdin: inputs.stdin.iter().cloned().collect(),
            requested,
            scope: write_scope(args, inputs, cwd),
        }
    }

    /// Whether a finding is in a file this run reports on.
    fn keeps(&self, d: &Diagnostic) -> bool {
        self.requested
            .as_ref()
            .is_none_or(|r| r.contains(&workspace::normalize(&d.file)))
    }

    /// Lints the plan with `overlay` (and standard input) over the disk.
    fn lint(&self, overlay: &BTreeMap<PathBuf, String>) -> workspace::LintOutput {
        let mut merged = self.stdin.clone();
        merged.extend(overlay.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut out = workspace::lint(&self.plan, &merged, &self.settings);
        out.diagnostics.retain(|d| self.keeps(d));
        out
    }

    /// Applies the fixes `mode` allows in memory, re-linting until stable.
    fn fix(&self, diagnostics: &[Diagnostic], unsafe_fixes: bool) -> FixResult {
        let lint = |overlay: &BTreeMap<PathBuf, String>| self.lint(overlay).diagnostics;
        let source = StdinOverlay {
            stdin: self.stdin_text(),
        };
        fix_all_within(
            diagnostics.to_vec(),
            FixMode { unsafe_fixes },
            &self.scope,
            &source,
            &lint,
        )
    }

    fn stdin_text(&self) -> Option<(&Path, &str)> {
        self.stdin
            .iter()
            .next()
            .map(|(p, t)| (p.as_path(), t.as_str()))
    }

    fn is_stdin(&self, path: &Path) -> bool {
        self.stdin_text()
            .is_some_and(|(p, _)| workspace::normalize(p) == workspace::normalize(path))
    }
}

/// When only files are named (as pre-commit passes them) and none is a
/// bake file, adds the bake definition that builds each named Dockerfile to
/// the plan, so its args and target stage count, and returns the named
/// files: findings are reported only there.
fn named_files_only(
    args: &CheckArgs,
    inputs: &Inputs,
    plan: &mut Plan,
) -> Option<BTreeSet<PathBuf>> {
    let only_files = args.file.is_empty()
        && !inputs.disk_paths.is_empty()
        && inputs.disk_paths.iter().all(|p| p.is_file());
    if !only_files || inputs.files.iter().any(|(_, k)| *k == FileKind::Bake) {
        return None;
    }
    let mut added = false;
    // The search depends only on the directory: named files are mostly
    // siblings (a few hundred from one directory cost one walk, not one each).
    let mut by_dir: std::collections::HashMap<&Path, Option<Vec<PathBuf>>> =
        std::collections::HashMap::new();
    for (path, kind) in &inputs.files {
        if *kind != FileKind::Dockerfile {
            continue;
        }
        // Paths in it resolve against the working directory, as for
        // `docker buildx bake -f <file>` run here.
        let dir = path.parent().unwrap_or(Path::new(""));
        let found = by_dir
            .entry(dir)
            .or_insert_with(|| workspace::find_bake_for(path).map(|(_, set)| set));
        if let Some(set) = found.clone() {
            if !plan.bake_sets.contains(&set) {
                plan.bake_sets.push(set);
                added = true;
            }
        }
    }
    added.then(|| {
        inputs
            .files
            .iter()
            .map(|(p, _)| workspace::normalize(p))
            .collect()
    })
}

/// Where this run's fixes may write: the project root of the paths named
/// (see `fix::containment`) and, when only files are named (as pre-commit and
/// editors pass them) or standard input is linted, only those files: a fix
/// that would also change another file is held back.
fn write_scope(args: &CheckArgs, inputs: &Inputs, cwd: &Path) -> WriteScope {
    let stdin_name = inputs.stdin.as_ref().map(|(name, _)| name.clone());
    let mut named: Vec<PathBuf> = inputs.disk_paths.clone();
    named.extend(args.file.iter().cloned());
    named.extend(stdin_name.iter().cloned());
    let scope = WriteScope::new(ProjectRoot::for_paths(&named, cwd), cwd);
    let only_files = inputs.disk_paths.iter().all(|p| !p.is_dir())
        && (!inputs.disk_paths.is_empty() || stdin_name.is_some());
    if only_files {
        scope.only_named(&named)
    } else {
        scope
    }
}

/// When standard input is all there is to lint, only its findings are
/// reported (not those in the Dockerfiles a bake file on it builds).
fn stdin_only(inputs: &Inputs) -> Option<BTreeSet<PathBuf>> {
    let (name, _) = inputs.stdin.as_ref()?;
    inputs
        .disk_paths
        .is_empty()
        .then(|| BTreeSet::from([workspace::normalize(name)]))
}

/// Standard input's text over the files on disk, for the fix loop.
struct StdinOverlay<'a> {
    stdin: Option<(&'a Path, &'a str)>,
}

impl FileSource for StdinOverlay<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        if let Some((p, t)) = self.stdin {
            if workspace::normalize(p) == workspace::normalize(path) {
                return Some(t.to_string());
            }
        }
        crate::fsread::read_text(path).ok()
    }
}

/// What the run found and did, carried to the report.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    /// The text of every file linted, as the report shows it (after a
    /// successful `--fix`, the fixed text).
    texts: BTreeMap<PathBuf, String>,
    errors: Vec<FileError>,
    /// An error other than a file error happened (a fix or a write failed).
    failed: bool,
    fixed: usize,
    /// Fixes the write scope held back (`--fix`, `--diff`).
    withheld: Vec<fix::Withheld>,
}

impl Outcome {
    /// 2 on errors; 1 when a finding at or above the fail level remains
    /// (findings below it are reported but do not fail the run); else 0.
    fn exit_code(&self, exit_zero: bool, fail_level: Severity) -> u8 {
        let failing = self
            .diagnostics
            .iter()
            .any(|d| d.severity.fails_at(fail_level));
        if !self.errors.is_empty() || self.failed {
            EXIT_ERROR
        } else if failing && !exit_zero {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        }
    }

    fn report_fix_failures(&mut self, result: &FixResult) {
        for failure in &result.failures {
            eprintln!("error: {}", failure.message);
            self.failed = true;
        }
        self.withheld = result.withheld.clone();
    }
}

/// `--diff`: prints the change the fixes would make and writes nothing.
/// Exit code 1 when there is a change, 2 on errors.
fn show_diff(args: &CheckArgs, session: &Session, result: &FixResult, outcome: &mut Outcome) -> u8 {
    outcome.report_fix_failures(result);
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut files = 0;
    for (path, old, new) in result.changed() {
        files += 1;
        let created = result.originals.get(path).is_some_and(Option::is_none);
        let old = old.map(String::as_str).or_else(|| {
            session
                .stdin_text()
                .filter(|(p, _)| workspace::normalize(p) == workspace::normalize(path))
                .map(|(_, t)| t)
        });
        let diff = fix::unified_diff(path, if created { None } else { old }, new);
        let _ = write!(out, "{diff}");
    }
    drop(out);
    if !args.quiet {
        let n = result.total_applied();
        eprintln!(
            "Would fix {n} problem{} in {files} file{}.",
            plural(n),
            plural(files)
        );
        print_withheld(&outcome.withheld);
    }
    for e in &outcome.errors {
        print_file_error(e);
    }
    if !outcome.errors.is_empty() || outcome.failed {
        EXIT_ERROR
    } else if files > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Says how many fixes the write scope held back, and why (the findings'
/// help lines say it for each).
fn print_withheld(withheld: &[fix::Withheld]) {
    let mut by_kind: BTreeMap<&str, (usize, BTreeSet<String>)> = BTreeMap::new();
    for w in withheld {
        let (count, files) = by_kind.entry(w.refusal.kind()).or_default();
        *count += 1;
        if let fix::Refusal::NotNamed { path } = &w.refusal {
            files.insert(format!("`{}`", path.display()));
        }
    }
    for (kind, (n, files)) in by_kind {
        let fixes = if n == 1 {
            "1 fix".to_string()
        } else {
            format!("{n} fixes")
        };
        let (they, them, each) = if n == 1 {
            ("it", "it", "the finding")
        } else {
            ("they", "them", "each finding")
        };
        if files.is_empty() {
            eprintln!("{fixes} not applied: {they} {kind} (see the help of {each}).");
        } else {
            let files = files.into_iter().collect::<Vec<_>>().join(", ");
            eprintln!("{fixes} held back: {they} {kind} ({files}); run `bakelint check --fix` on the directory to apply {them}.");
        }
    }
}

/// `--fix`: writes every changed file or none (standard input's fixed text
/// goes to standard output); on success the remaining findings, shown in
/// the fixed text, replace the first lint's.
fn write_fixes(session: &Session, result: &FixResult, outcome: &mut Outcome) {
    outcome.report_fix_failures(result);
    let writes: Vec<fix::FileWrite<'_>> = result
        .changed()
        .filter(|(path, _, _)| !session.is_stdin(path))
        .map(|(path, old, new)| fix::FileWrite {
            path,
            content: new,
            create: old.is_none(),
        })
        .collect();
    let written = fix::write_all_atomic(&writes, &session.scope);
    if let Err(failure) = &written {
        eprintln!("error: {failure}");
        outcome.failed = true;
    }
    if let Some((path, original)) = session.stdin_text() {
        let text = result.content_of(path).map_or(original, String::as_str);
        print!("{text}");
        outcome.texts.insert(path.to_path_buf(), text.to_string());
    }
    // Nothing was written: the findings stand as they were.
    if written.is_ok() {
        for (path, text) in outcome.texts.iter_mut() {
            if let Some(fixed) = result.content_of(path) {
                text.clone_from(fixed);
            }
        }
        outcome.fixed = result.total_applied();
        outcome.diagnostics = result.remaining.clone();
    }
}

/// Prints the findings in the chosen format (to `--output-file` when
/// given), the statistics, the summary line and the file errors.
fn report(args: &CheckArgs, session: &Session, outcome: &mut Outcome) {
    // Fixes that may not be applied here are shown as suggestions, with why.
    session.scope.confine(&mut outcome.diagnostics);
    let mut sources = Sources::default();
    for (path, text) in &outcome.texts {
        sources.insert(path.clone(), text.clone());
    }
    let stdout_tty = std::io::stdout().is_terminal();
    let to_file = args.output_file.is_some();
    let color = use_color(args.color, stdout_tty) && !to_file;
    let github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let format: OutputFormat = args
        .output_format
        .unwrap_or_else(|| default_format(github_actions, to_file, stdout_tty));
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // With --fix on standard input, the fixed text went to stdout: findings go to stderr.
    let mut err_out = std::io::stderr().lock();
    let sink: &mut dyn Write = if args.fix && session.stdin_text().is_some() {
        &mut err_out
    } else {
        &mut out
    };
    match &args.output_file {
        Some(path) => {
            // The report goes to the file; the terminal keeps the summary.
            let mut buf: Vec<u8> = Vec::new();
            let written =
                output::render(format, &outcome.diagnostics, &mut sources, false, &mut buf)
                    .and_then(|()| std::fs::write(path, &buf));
            if let Err(e) = written {
                eprintln!("error: cannot write {}: {e}", display_path(path));
                outcome.failed = true;
            }
        }
        None => {
            let _ = output::render(format, &outcome.diagnostics, &mut sources, color, sink);
        }
    }
    if args.statistics {
        crate::app::print_statistics(&outcome.diagnostics, sink);
    }
    if !args.quiet && (format.is_human() || to_file) {
        let errored = !outcome.errors.is_empty() || outcome.failed;
        // The counts by rule go with a report read in the terminal, not
        // with annotations or a report written to a file.
        let by_rule = !to_file
            && !args.statistics
            && matches!(format, OutputFormat::Full | OutputFormat::Concise);
        let summary = summary_line(
            &outcome.diagnostics,
            outcome.fixed,
            args.unsafe_fixes,
            by_rule,
        );
        // An error run never claims that all checks passed.
        let summary = if errored && outcome.diagnostics.is_empty() && outcome.fixed == 0 {
            String::new()
        } else {
            summary
        };
        if !summary.is_empty() {
            let _ = writeln!(sink, "{summary}");
        }
    }
    drop(out);
    if args.fix && !args.quiet {
        print_withheld(&outcome.withheld);
    }
    for e in &outcome.errors {
        print_file_error(e);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
