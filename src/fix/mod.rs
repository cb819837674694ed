//! Applying fixes: choose non-overlapping fixes, splice them in, re-lint,
//! repeat until nothing changes; revert any file a fix broke; write every
//! file or none, keeping line endings, BOM, file mode and symlinks.
//!
//! Fixes that would write outside the project root (or, when files are
//! named, change another file) are withheld by [`containment`]: everything
//! that shows or writes fixes goes through [`fix_all_within`].

pub mod containment;
mod line_diff;
pub mod temp_files;
mod write;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::dockerfile::LINE_TOO_LONG;
use crate::span::Span;

pub use containment::{same_file, ProjectRoot, Refusal, Withheld, WriteScope};
pub use line_diff::unified_diff;
pub use write::{write_all_atomic, FileWrite, WriteError, WriteFailure};

/// The most rounds of fix + re-lint before giving up.
pub const MAX_ROUNDS: usize = 10;

/// Codes whose diagnostics mean "this file does not parse".
const SYNTAX_CODES: &[&str] = &["DF000", "BK000"];

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixMode {
    pub unsafe_fixes: bool,
}

impl FixMode {
    pub fn allows(&self, fix: &Fix) -> bool {
        self.admits(fix.applicability)
    }

    /// Whether fixes of this applicability are applied.
    pub fn admits(&self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// A fix that broke a file: reported as an internal error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixFailure {
    pub file: PathBuf,
    pub codes: Vec<&'static str>,
    pub message: String,
}

/// The files as the fixes left them, in memory.
#[derive(Debug, Clone, Default)]
pub struct FixResult {
    /// Original content of each touched file (`None`: the file is new).
    pub originals: BTreeMap<PathBuf, Option<String>>,
    /// Current content of each touched file.
    pub contents: BTreeMap<PathBuf, String>,
    /// Diagnostics after the last round.
    pub remaining: Vec<Diagnostic>,
    /// Number of fixes applied, per rule code.
    pub applied: BTreeMap<&'static str, usize>,
    pub failures: Vec<FixFailure>,
    /// Fixes the mode allows that the write scope withheld, as of the last
    /// round (their findings are among `remaining`, with a help line).
    pub withheld: Vec<Withheld>,
    /// Other spellings of the files in `contents` (same device and inode),
    /// each to the spelling `contents` uses.
    pub aliases: BTreeMap<PathBuf, PathBuf>,
}

impl FixResult {
    /// Files whose content differs from the original.
    pub fn changed(&self) -> impl Iterator<Item = (&PathBuf, Option<&String>, &String)> {
        self.contents.iter().filter_map(|(path, new)| {
            let old = self.originals.get(path)?.as_ref();
            (old != Some(new)).then_some((path, old, new))
        })
    }

    pub fn total_applied(&self) -> usize {
        self.applied.values().sum()
    }

    /// The fixed content of `path`, however it is spelled (`None`: no fix
    /// touched it).
    pub fn content_of(&self, path: &Path) -> Option<&String> {
        let normal = containment::lexical_normal(path);
        let key = self.aliases.get(&normal).unwrap_or(&normal);
        self.contents.get(key)
    }
}

/// The files a lint run sees: those being linted plus any a fix touched.
pub trait FileSource {
    /// Current content of `path` (`None` when it does not exist).
    fn read(&self, path: &Path) -> Option<String>;
}

/// Reads from disk.
pub struct DiskSource;

impl FileSource for DiskSource {
    fn read(&self, path: &Path) -> Option<String> {
        crate::fsread::read_text(path).ok()
    }
}

/// Applies fixes in rounds, without a write scope: for in-memory use (rule
/// tests). Anything that shows or writes fixes uses [`fix_all_within`].
pub fn fix_all(
    initial: Vec<Diagnostic>,
    mode: FixMode,
    source: &dyn FileSource,
    lint: &dyn Fn(&BTreeMap<PathBuf, String>) -> Vec<Diagnostic>,
) -> FixResult {
    run_rounds(initial, mode, None, source, lint)
}

/// Applies fixes in rounds. `lint` lints the whole set of files given the
/// current in-memory contents (`overlay` wins over disk); `initial` are the
/// diagnostics of the unmodified files. A fix that would write where `scope`
/// does not allow is not applied: it becomes display-only, with a help line
/// (in `remaining` too).
pub fn fix_all_within(
    initial: Vec<Diagnostic>,
    mode: FixMode,
    scope: &WriteScope,
    source: &dyn FileSource,
    lint: &dyn Fn(&BTreeMap<PathBuf, String>) -> Vec<Diagnostic>,
) -> FixResult {
    run_rounds(initial, mode, Some(scope), source, lint)
}

fn run_rounds(
    initial: Vec<Diagnostic>,
    mode: FixMode,
    scope: Option<&WriteScope>,
    source: &dyn FileSource,
    lint: &dyn Fn(&BTreeMap<PathBuf, String>) -> Vec<Diagnostic>,
) -> FixResult {
    let mut names = FileNames::default();
    // Each lint's findings: one name per file, fixes confined to the scope.
    let prepare = |diags: Vec<Diagnostic>,
                   names: &mut FileNames,
                   result: &mut FixResult|
     -> Vec<Diagnostic> {
        let mut diags = names.unify(diags);
        if let Some(scope) = scope {
            let mut withheld = scope.confine(&mut diags);
            withheld.retain(|w| mode.admits(w.applicability));
            result.withheld = withheld;
        }
        result.aliases = names.aliases();
        diags
    };
    let mut result = FixResult::default();
    result.remaining = prepare(initial, &mut names, &mut result);
    let relint = |contents: &BTreeMap<PathBuf, String>, aliases: &BTreeMap<PathBuf, PathBuf>| {
        lint(&with_aliases(contents, aliases))
    };
    // Files a fix broke (and that were reverted): no further fixes this run.
    let mut frozen: BTreeSet<PathBuf> = BTreeSet::new();
    for _round in 0..MAX_ROUNDS {
        let before_round = result.contents.clone();
        let syntax_before = syntax_error_counts(&result.remaining, &mut names);
        let broken_before = broken_syntax_counts(&result.remaining, &mut names);
        let accepted = select_fixes(&result.remaining, mode, &result.contents, source, &frozen);
        if accepted.is_empty() {
            break;
        }
        // Group edits per file, remembering which codes touched which file.
        let mut per_file: BTreeMap<PathBuf, Vec<(Span, String)>> = BTreeMap::new();
        let mut creates: Vec<(PathBuf, String)> = Vec::new();
        let mut touched_by: BTreeMap<PathBuf, BTreeSet<&'static str>> = BTreeMap::new();
        for (code, fix) in &accepted {
            *result.applied.entry(code).or_default() += 1;
            for edit in &fix.edits {
                touched_by
                    .entry(edit.file().clone())
                    .or_default()
                    .insert(code);
                match edit {
                    Edit::Replace {
                        file,
                        span,
                        content,
                    } => per_file
                        .entry(file.clone())
                        .or_default()
                        .push((*span, content.clone())),
                    Edit::Create { file, content } => creates.push((file.clone(), content.clone())),
                }
            }
        }
        for (file, mut edits) in per_file {
            let Some(text) = current(&result.contents, source, &file) else {
                continue;
            };
            result
                .originals
                .entry(file.clone())
                .or_insert_with(|| Some(text.clone()));
            edits.sort_by_key(|(span, _)| (span.start, span.end));
            result.contents.insert(file, apply_edits(&text, &edits));
        }
        for (file, content) in creates {
            result.originals.entry(file.clone()).or_insert(None);
            result.contents.insert(file, content);
        }

        let linted = relint(&result.contents, &result.aliases);
        let mut diags = prepare(linted, &mut names, &mut result);
        // A file that parsed before this round and no longer does is reverted.
        let syntax_after = syntax_error_counts(&diags, &mut names);
        let broken_after = broken_syntax_counts(&diags, &mut names);
        let mut reverted = false;
        for (file, codes) in &touched_by {
            let before = syntax_before.get(file).copied().unwrap_or(0);
            let after = syntax_after.get(file).copied().unwrap_or(0);
            if after > before {
                match before_round.get(file) {
                    Some(old) => {
                        result.contents.insert(file.clone(), old.clone());
                    }
                    None => {
                        if let Some(Some(orig)) = result.originals.get(file) {
                            result.contents.insert(file.clone(), orig.clone());
                        } else {
                            result.contents.remove(file);
                            result.originals.remove(file);
                        }
                    }
                }
                // A fix that only pushed a line past BuildKit's length limit
                // is not wrong, just not applicable here: its finding stays.
                let broke = broken_after.get(file).copied().unwrap_or(0)
                    > broken_before.get(file).copied().unwrap_or(0);
                if broke {
                    // The error the fixed text had, for the bug report.
                    let error = diags
                        .iter()
                        .find(|d| SYNTAX_CODES.contains(&d.code) && names.key(&d.file) == *file)
                        .map(|d| format!(" ({})", d.message))
                        .unwrap_or_default();
                    result.failures.push(FixFailure {
                        file: file.clone(),
                        codes: codes.iter().copied().collect(),
                        message: format!(
                            "internal error: applying the fix of {} made {} fail to parse{error}; the change was reverted (please report this bug)",
                            codes.iter().copied().collect::<Vec<_>>().join(", "),
                            file.display()
                        ),
                    });
                }
                frozen.insert(file.clone());
                reverted = true;
            }
        }
        if reverted {
            let linted = relint(&result.contents, &result.aliases);
            diags = prepare(linted, &mut names, &mut result);
        }
        // The other files' fixes go on: a file broken and reverted is
        // frozen, so the fixes that broke it are not retried.
        result.remaining = diags;
    }
    result
}

/// The in-memory contents under every spelling of each file, so a lint that
/// reads a file by another name sees the fixed text too.
fn with_aliases(
    contents: &BTreeMap<PathBuf, String>,
    aliases: &BTreeMap<PathBuf, PathBuf>,
) -> BTreeMap<PathBuf, String> {
    let mut all = contents.clone();
    for (alias, key) in aliases {
        if let Some(text) = contents.get(key) {
            all.insert(alias.clone(), text.clone());
        }
    }
    all
}

/// One name per file for fix edits. Rules may spell one file differently
/// (`./web/Dockerfile` from discovery, `web/Dockerfile` from a bake target,
/// `/abs/web/Dockerfile` named on the command line, a symlink to it): edits
/// are keyed by the lexical normal form, and spellings of one existing file
/// (same device and inode) by the first one seen, so two fixes of one file
/// conflict, merge and land in one version of it.
#[derive(Default)]
struct FileNames {
    /// Normal form → the key used for it.
    keys: HashMap<PathBuf, PathBuf>,
    by_id: HashMap<containment::FileId, PathBuf>,
}

impl FileNames {
    fn key(&mut self, path: &Path) -> PathBuf {
        let normal = containment::lexical_normal(path);
        if let Some(key) = self.keys.get(&normal) {
            return key.clone();
        }
        let key = match containment::FileId::of(&normal) {
            Some(id) => self
                .by_id
                .entry(id)
                .or_insert_with(|| normal.clone())
                .clone(),
            None => normal.clone(),
        };
        self.keys.insert(normal, key.clone());
        key
    }

    /// Renames fix edits to their keys; notes the spellings diagnostics use.
    fn unify(&mut self, mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        for d in &mut diags {
            self.key(&d.file);
            if let Some(fix) = &mut d.fix {
                for edit in &mut fix.edits {
                    match edit {
                        Edit::Replace { file, .. } | Edit::Create { file, .. } => {
                            *file = self.key(file);
                        }
                    }
                }
            }
        }
        diags
    }

    /// Every spelling that is not its own key → its key.
    fn aliases(&self) -> BTreeMap<PathBuf, PathBuf> {
        self.keys
            .iter()
            .filter(|(normal, key)| normal != key)
            .map(|(n, k)| (n.clone(), k.clone()))
            .collect()
    }
}

fn current(
    contents: &BTreeMap<PathBuf, String>,
    source: &dyn FileSource,
    path: &Path,
) -> Option<String> {
    contents.get(path).cloned().or_else(|| source.read(path))
}

/// Parse errors per file, keyed as fix edits are.
fn syntax_error_counts(diags: &[Diagnostic], names: &mut FileNames) -> BTreeMap<PathBuf, usize> {
    let mut counts = BTreeMap::new();
    for d in diags.iter().filter(|d| SYNTAX_CODES.contains(&d.code)) {
        *counts.entry(names.key(&d.file)).or_default() += 1;
    }
    counts
}

/// Parse errors per file other than lines past the length limit (those a
/// correct fix can cause by making a huge line a little longer).
fn broken_syntax_counts(diags: &[Diagnostic], names: &mut FileNames) -> BTreeMap<PathBuf, usize> {
    let mut counts = BTreeMap::new();
    let size_limit = |d: &Diagnostic| d.code == "DF000" && d.message.starts_with(LINE_TOO_LONG);
    for d in diags
        .iter()
        .filter(|d| SYNTAX_CODES.contains(&d.code) && !size_limit(d))
    {
        *counts.entry(names.key(&d.file)).or_default() += 1;
    }
    counts
}

/// Picks the fixes to apply this round: in order of position, skipping any
/// fix that overlaps (in any of its edits) one already chosen.
fn select_fixes<'a>(
    diags: &'a [Diagnostic],
    mode: FixMode,
    contents: &BTreeMap<PathBuf, String>,
    source: &dyn FileSource,
    frozen: &BTreeSet<PathBuf>,
) -> Vec<(&'static str, &'a Fix)> {
    let mut candidates: Vec<(&'static str, &'a Fix)> = diags
        .iter()
        .filter_map(|d| d.fix.as_ref().map(|f| (d.code, f)))
        .filter(|(_, f)| mode.allows(f) && !f.edits.is_empty())
        .filter(|(_, f)| !f.edits.iter().any(|e| frozen.contains(e.file())))
        .collect();
    candidates.sort_by_cached_key(|(code, fix)| (first_position(fix), *code));
    let mut taken: BTreeMap<PathBuf, TakenSpans> = BTreeMap::new();
    let mut created: BTreeSet<PathBuf> = BTreeSet::new();
    let mut accepted = Vec::new();
    'fixes: for (code, fix) in candidates {
        for edit in &fix.edits {
            match edit {
                Edit::Replace { file, span, .. } => {
                    if created.contains(file) {
                        continue 'fixes;
                    }
                    if taken.get(file).is_some_and(|t| t.conflicts(span)) {
                        continue 'fixes;
                    }
                }
                Edit::Create { file, .. } => {
                    if created.contains(file)
                        || taken.contains_key(file)
                        || current(contents, source, file).is_some()
                    {
                        continue 'fixes;
                    }
                }
            }
        }
        // Edits within one fix must not overlap each other either.
        let mut own: Vec<(&PathBuf, Span)> = Vec::new();
        for edit in &fix.edits {
            if let Edit::Replace { file, span, .. } = edit {
                // Insertions at one point keep their order within a fix.
                let conflict = |s: &Span| s.overlaps(span) && !(s.is_empty() && span.is_empty());
                if own.iter().any(|(f, s)| *f == file && conflict(s)) {
                    continue 'fixes;
                }
                own.push((file, *span));
            }
        }
        for edit in &fix.edits {
            match edit {
                Edit::Replace { file, span, .. } => {
                    taken.entry(file.clone()).or_default().insert(*span)
                }
                Edit::Create { file, .. } => {
                    created.insert(file.clone());
                }
            }
        }
        accepted.push((code, fix));
    }
    accepted
}

/// The spans of one file that accepted fixes edit. They do not overlap one
/// another, so sorted by start their ends do not decrease either: a lookup
/// walks back from the query's end only while spans can still reach it.
#[derive(Default)]
struct TakenSpans(BTreeSet<(usize, usize)>);

impl TakenSpans {
    fn insert(&mut self, span: Span) {
        self.0.insert((span.start, span.end));
    }

    fn conflicts(&self, span: &Span) -> bool {
        for &(start, end) in self.0.range(..=(span.end, usize::MAX)).rev() {
            if (Span { start, end }).overlaps(span) {
                return true;
            }
            if end <= span.start && start < span.start {
                return false;
            }
        }
        false
    }
}

fn first_position(fix: &Fix) -> (PathBuf, usize) {
    fix.edits
        .iter()
        .map(|e| match e {
            Edit::Replace { file, span, .. } => (file.clone(), span.start),
            Edit::Create { file, .. } => (file.clone(), 0),
        })
        .min()
        .unwrap_or_default()
}

/// Splices sorted, non-overlapping edits into `text`. Inserted text follows
/// the file's line endings (CRLF stays CRLF); edits never split the BOM.
pub fn apply_edits(text: &str, edits: &[(Span, String)]) -> String {
    let crlf = uses_crlf(text);
    let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for (span, content) in edits {
        let start = crate::span::clamp_to_char_boundary(text, span.start.max(bom_len).max(cursor));
        let end = crate::span::clamp_to_char_boundary(text, span.end.max(start));
        out.push_str(&text[cursor..start]);
        if crlf {
            out.push_str(&to_crlf(content));
        } else {
            out.push_str(content);
        }
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Whether the text's first line ending is CRLF.
pub fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r'))
}

fn to_crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = '\0';
    for c in s.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TakenSpans answers as checking every taken span would, on spans
    /// accepted the way select_fixes accepts them.
    #[test]
    fn taken_spans_agree_with_a_linear_scan() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % bound
        };
        for _ in 0..200 {
            let (mut taken, mut all) = (TakenSpans::default(), Vec::<Span>::new());
            for _ in 0..40 {
                let start = next(60);
                let span = Span {
                    start,
                    end: start + next(4),
                };
                let expected = all.iter().any(|s| s.overlaps(&span));
                assert_eq!(taken.conflicts(&span), expected, "{span:?} vs {all:?}");
                if !expected {
                    taken.insert(span);
                    all.push(span);
                }
            }
        }
    }
    use crate::diagnostic::Severity;

    fn diag(file: &str, span: Span, fix: Option<Fix>) -> Diagnostic {
        Diagnostic {
            code: "DF001",
            name: "x",
            severity: Severity::Warning,
            file: PathBuf::from(file),
            span,
            message: "m".into(),
            help: None,
            labels: vec![],
            fix,
        }
    }

    struct Mem(BTreeMap<PathBuf, String>);
    impl FileSource for Mem {
        fn read(&self, path: &Path) -> Option<String> {
            self.0.get(path).cloned()
        }
    }

    #[test]
    fn crlf_and_bom_are_kept() {
        let text = "\u{feff}FROM a\r\nRUN b\r\n";
        let out = apply_edits(text, &[(Span::empty(0), "# x\n".into())]);
        assert_eq!(out, "\u{feff}# x\r\nFROM a\r\nRUN b\r\n");
    }

    #[test]
    fn overlapping_fixes_are_skipped_then_retried() {
        // Two fixes on the same bytes: the second is skipped in round 1 and
        // re-offered by the re-lint in round 2 (here the lint offers nothing).
        let src = Mem(BTreeMap::from([(PathBuf::from("D"), "abc".to_string())]));
        let d1 = diag(
            "D",
            Span::new(0, 1),
            Some(Fix::safe(
                "A",
                vec![Edit::replace("D", Span::new(0, 1), "A")],
            )),
        );
        let d2 = diag(
            "D",
            Span::new(0, 2),
            Some(Fix::safe(
                "B",
                vec![Edit::replace("D", Span::new(0, 2), "XY")],
            )),
        );
        let res = fix_all(
            vec![d1, d2],
            FixMode {
                unsafe_fixes: false,
            },
            &src,
            &|_| vec![],
        );
        assert_eq!(
            res.contents.get(Path::new("D")).map(String::as_str),
            Some("Abc")
        );
        assert_eq!(res.total_applied(), 1);
    }

    #[test]
    fn one_file_spelled_two_ways_is_one_file() {
        // Discovery says `./w/D`, a bake target says `w/D`: the two fixes
        // overlap, so only one applies, and the result is one version.
        let src = Mem(BTreeMap::from([(PathBuf::from("w/D"), "abc".to_string())]));
        let d1 = diag(
            "./w/D",
            Span::new(0, 1),
            Some(Fix::safe(
                "A",
                vec![Edit::replace("./w/D", Span::new(0, 1), "A")],
            )),
        );
        let d2 = diag(
            "w/D",
            Span::new(0, 2),
            Some(Fix::safe(
                "B",
                vec![Edit::replace("w/D", Span::new(0, 2), "XY")],
            )),
        );
        let res = fix_all(
            vec![d1, d2],
            FixMode {
                unsafe_fixes: false,
            },
            &src,
            &|_| vec![],
        );
        assert_eq!(res.contents.len(), 1, "{:?}", res.contents);
        assert_eq!(
            res.contents.get(Path::new("w/D")).map(String::as_str),
            Some("Abc")
        );
        assert_eq!(res.total_applied(), 1);
    }

    #[test]
    fn unsafe_fixes_need_opt_in() {
        let src = Mem(BTreeMap::from([(PathBuf::from("D"), "abc".to_string())]));
        let d = diag(
            "D",
            Span::new(0, 1),
            Some(Fix::unsafe_(
                "A",
                vec![Edit::replace("D", Span::new(0, 1), "A")],
            )),
        );
        let res = fix_all(
            vec![d.clone()],
            FixMode {
                unsafe_fixes: false,
            },
            &src,
            &|_| vec![],
        );
        assert!(res.contents.is_empty());
        let res = fix_all(vec![d], FixMode { unsafe_fixes: true }, &src, &|_| vec![]);
        assert_eq!(
            res.contents.get(Path::new("D")).map(String::as_str),
            Some("Abc")
        );
    }

    #[test]
    fn a_fix_that_breaks_parsing_is_reverted() {
        let src = Mem(BTreeMap::from([(PathBuf::from("D"), "ok".to_string())]));
        let d = diag(
            "D",
            Span::new(0, 2),
            Some(Fix::safe(
                "break",
                vec![Edit::replace("D", Span::new(0, 2), "bad")],
            )),
        );
        let lint = |files: &BTreeMap<PathBuf, String>| {
            if files.get(Path::new("D")).is_some_and(|t| t == "bad") {
                let mut e = diag("D", Span::new(0, 3), None);
                e.code = "DF000";
                vec![e]
            } else {
                vec![]
            }
        };
        let res = fix_all(
            vec![d],
            FixMode {
                unsafe_fixes: false,
            },
            &src,
            &lint,
        );
        assert_eq!(
            res.contents.get(Path::new("D")).map(String::as_str),
            Some("ok")
        );
        assert_eq!(res.failures.len(), 1);
        assert_eq!(res.failures[0].codes, vec!["DF001"]);
        assert_eq!(res.changed().count(), 0);
    }

    #[test]
    fn a_scope_withholds_fixes_that_write_outside_and_says_why() {
        let base = tempfile::tempdir().expect("tempdir");
        let base = base.path().canonicalize().expect("canonical");
        let root = base.join("proj");
        std::fs::create_dir(&root).expect("mkdir");
        let dockerfile = root.join("Dockerfile");
        std::fs::write(&dockerfile, "abc").expect("write");
        let scope = WriteScope::new(
            ProjectRoot::for_paths(std::slice::from_ref(&root), &base),
            &base,
        );
        let inside = diag(
            &dockerfile.to_string_lossy(),
            Span::new(0, 1),
            Some(Fix::safe(
                "A",
                vec![Edit::replace(&dockerfile, Span::new(0, 1), "A")],
            )),
        );
        let outside = diag(
            &dockerfile.to_string_lossy(),
            Span::new(2, 3),
            Some(Fix::safe(
                "ignore",
                vec![Edit::Create {
                    file: base.join("proj/../.dockerignore"),
                    content: ".git\n".into(),
                }],
            )),
        );
        let res = fix_all_within(
            vec![inside, outside.clone()],
            FixMode {
                unsafe_fixes: false,
            },
            &scope,
            &DiskSource,
            &|_| vec![outside.clone()],
        );
        assert_eq!(res.total_applied(), 1);
        assert_eq!(res.content_of(&dockerfile).map(String::as_str), Some("Abc"));
        assert_eq!(res.contents.len(), 1, "{:?}", res.contents);
        assert_eq!(res.withheld.len(), 1);
        assert_eq!(
            res.remaining[0].help.as_deref(),
            Some(
                format!(
                    "the fix is not applied: it would write `{}`, outside the project root `{}`",
                    base.join(".dockerignore").display(),
                    root.display()
                )
                .as_str()
            )
        );
    }

    #[test]
    fn one_existing_file_named_relatively_and_absolutely_is_one_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let absolute = dir.path().canonicalize().expect("canonical").join("D");
        std::fs::write(&absolute, "abc").expect("write");
        // Seen from the working directory, through a relative path.
        let cwd = std::env::current_dir().expect("cwd");
        let relative: PathBuf = cwd
            .components()
            .skip(1)
            .map(|_| Path::new(".."))
            .collect::<PathBuf>()
            .join(absolute.strip_prefix("/").expect("absolute"));
        let d1 = diag(
            &relative.to_string_lossy(),
            Span::new(0, 1),
            Some(Fix::safe(
                "A",
                vec![Edit::replace(&relative, Span::new(0, 1), "A")],
            )),
        );
        let d2 = diag(
            &absolute.to_string_lossy(),
            Span::new(1, 2),
            Some(Fix::safe(
                "B",
                vec![Edit::replace(&absolute, Span::new(1, 2), "B")],
            )),
        );
        let seen = std::cell::RefCell::new(Vec::new());
        let res = fix_all(
            vec![d1, d2],
            FixMode {
                unsafe_fixes: false,
            },
            &DiskSource,
            &|overlay| {
                seen.borrow_mut().push(overlay.clone());
                vec![]
            },
        );
        assert_eq!(res.contents.len(), 1, "{:?}", res.contents);
        assert_eq!(res.content_of(&absolute).map(String::as_str), Some("ABc"));
        assert_eq!(res.content_of(&relative).map(String::as_str), Some("ABc"));
        // The re-lint sees the fixed text under both spellings.
        let overlay = seen.borrow()[0].clone();
        assert_eq!(overlay.get(&absolute).map(String::as_str), Some("ABc"));
        assert_eq!(overlay.get(&relative).map(String::as_str), Some("ABc"));
    }

    #[test]
    fn multi_file_fix_with_create() {
        let src = Mem(BTreeMap::from([(PathBuf::from("a"), "one\n".to_string())]));
        let d = diag(
            "a",
            Span::new(0, 3),
            Some(Fix::safe(
                "split",
                vec![
                    Edit::replace("a", Span::new(0, 3), "two"),
                    Edit::Create {
                        file: PathBuf::from("b"),
                        content: "new\n".into(),
                    },
                ],
            )),
        );
        let res = fix_all(
            vec![d],
            FixMode {
                unsafe_fixes: false,
            },
            &src,
            &|_| vec![],
        );
        let changed: Vec<_> = res
            .changed()
            .map(|(p, o, n)| (p.clone(), o.cloned(), n.clone()))
            .collect();
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[1], (PathBuf::from("b"), None, "new\n".to_string()));
        let diff = unified_diff(Path::new("b"), None, "new\n");
        assert!(diff.starts_with("--- /dev/null\n+++ b/b\n"), "{diff}");
    }
}
