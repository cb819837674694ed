//! ShellCheck's checks on RUN scripts, one rule per ShellCheck code (the
//! codes are kept, as hadolint reports them: `SC2086`).
//!
//! The analysis is [`crate::shell::checks`], made once per script and shared
//! by every rule here; this module adds what the Dockerfile around the RUN
//! tells, the way hadolint tells it to ShellCheck:
//! - the shell: scripts are only read when the shell is POSIX (no
//!   PowerShell, no `cmd`); the bash-only constructs (SC3xxx) are only
//!   reported when the shell is `/bin/sh` (or dash/ash) on an image whose
//!   `sh` is not bash;
//! - the ENV and ARG names in scope (hadolint passes them to ShellCheck as
//!   exported variables, whose value cannot split: `ENV DIR=/app` then
//!   `RUN cd $DIR` is not SC2086), plus the proxy variables Docker predefines.

pub mod posix_sh;
pub mod sc1007;
pub mod sc2006;
pub mod sc2012;
pub mod sc2016;
pub mod sc2028;
pub mod sc2035;
pub mod sc2038;
pub mod sc2043;
pub mod sc2046;
pub mod sc2059;
pub mod sc2086;
pub mod sc2091;
pub mod sc2102;
pub mod sc2154;
pub mod sc2155;
pub mod sc2185;
pub mod sc2196;
pub mod sc2197;
pub mod sc2251;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::dockerfile::{CommandForm, Dockerfile, Instruction, InstructionKind, Keyword};
use crate::rules::run_shell::{run_shells, RunShell};
use crate::rules::DockerfileContext;
use crate::shell::checks::ShellFinding;
use crate::shell::RunScript;

/// Variables Docker predefines as build args (hadolint tells ShellCheck about them too).
const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Image names whose `/bin/sh` is bash (so bash-only syntax works under `sh`).
const BASH_SH_IMAGES: &[&str] = &[
    "centos",
    "fedora",
    "rhel",
    "redhat",
    "ubi7",
    "ubi8",
    "ubi9",
    "ubi10",
    "amazonlinux",
    "rockylinux",
    "almalinux",
    "oraclelinux",
    "opensuse",
    "suse",
    "archlinux",
    "photon",
    "mageia",
    "clearlinux",
    "manylinux",
    "amazoncorretto",
];

/// What the Dockerfile says about one RUN's script.
pub struct RunContext<'a> {
    /// The shell the RUN's shell form runs under.
    pub shell: Option<&'a RunShell>,
    /// ENV / ARG names in scope (the predefined proxies apart).
    variables: &'a HashSet<String>,
}

impl RunContext<'_> {
    /// Whether the script is read as POSIX sh that is not bash, so bash-only
    /// constructs fail (SC3xxx).
    pub fn is_posix_sh(&self) -> bool {
        let Some(shell) = self.shell else {
            return true;
        };
        let program = shell.program().unwrap_or_default();
        if !matches!(program.as_ref(), "sh" | "dash" | "ash") {
            return false;
        }
        // An image whose `sh` is bash runs bash-isms fine.
        !(program == "sh" && shell.root_image.as_deref().is_some_and(sh_is_bash))
    }

    /// Whether ShellCheck reads the script in its sh dialect (the shell
    /// program is sh, dash, ash or busybox), whatever `/bin/sh` is: in it,
    /// `export X=$Y` splits the value (SC2086, SC2046).
    pub fn is_sh_dialect(&self) -> bool {
        self.shell.is_none_or(|shell| {
            matches!(
                shell.program().unwrap_or_default().as_ref(),
                "sh" | "dash" | "ash" | "busybox"
            )
        })
    }

    /// Whether the variable is defined by ENV/ARG (an exported value that
    /// cannot split, as hadolint presents it to ShellCheck).
    pub fn defines(&self, name: &str) -> bool {
        self.variables.contains(name) || PROXY_VARIABLES.contains(&name)
    }

    /// The names [`RunContext::defines`] accepts (a proxy declared again
    /// comes twice).
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        let declared = self.variables.iter().map(String::as_str);
        declared.chain(PROXY_VARIABLES.iter().copied())
    }
}

/// Whether an image's `/bin/sh` is bash (Red Hat family, SUSE, Arch, ...):
/// some path segment of the repository starts with one of [`BASH_SH_IMAGES`].
pub fn sh_is_bash(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    let name = lower.split('@').next().unwrap_or(&lower);
    // Drop the tag (a `:` after the last `/`; a registry port comes before it).
    let path = match name.rsplit_once(':') {
        Some((p, tag)) if !tag.contains('/') => p,
        _ => name,
    };
    path.split('/')
        .any(|segment| BASH_SH_IMAGES.iter().any(|m| segment.starts_with(m)))
}

/// Calls `f` for every finding with code `code` in a RUN's script that runs
/// under a POSIX shell, with the RUN's context. Linear: the scripts'
/// findings are cached, the context is computed only for files with a hit.
pub fn for_each_finding(
    ctx: &DockerfileContext<'_>,
    code: &str,
    mut f: impl FnMut(&RunScript, &ShellFinding, &RunContext<'_>),
) {
    let df = ctx.dockerfile;
    let Some(nodes) = finding_nodes(df).get(code) else {
        return;
    };
    let mut contexts: Option<Contexts> = None;
    for &node in nodes {
        let Some((ins, run)) = df
            .instruction(node)
            .and_then(|ins| Some((ins, run_of(ins)?)))
        else {
            continue;
        };
        let scripts = df.run_scripts(run);
        let contexts = contexts.get_or_insert_with(|| {
            let scope = df.shell_scope.0.get_or_init(|| Scope::new(df));
            Contexts {
                scope,
                windows: scope.windows_image || named_for_windows(ctx.path),
            }
        });
        let shell = contexts.scope.shells.get(node).and_then(Option::as_deref);
        if shell.is_some_and(|s| !s.is_posix()) {
            continue;
        }
        // A Windows Dockerfile the image name does not give away: the
        // backtick escape directive (only Windows files use it), a global
        // ARG naming a Windows image, a file named for Windows. Its default
        // shell is cmd; only an explicit SHELL makes it POSIX.
        if contexts.windows && shell.is_none_or(|s| s.set_at.is_none()) {
            continue;
        }
        // An ONBUILD RUN runs in some later build: hadolint reads it as
        // `/bin/sh` with no ENV/ARG names, and so does bakelint.
        let onbuild = !std::ptr::eq(run, ins);
        let scope = contexts.scope;
        let shell = if onbuild {
            Some(&scope.default_sh)
        } else {
            shell
        };
        let variables = if onbuild {
            &scope.no_variables
        } else {
            scope
                .variables
                .get(node)
                .and_then(Option::as_deref)
                .unwrap_or(&scope.no_variables)
        };
        let run_ctx = RunContext { shell, variables };
        for script in scripts.iter() {
            for finding in script.shell_findings().iter().filter(|x| x.code == code) {
                f(script, finding, &run_ctx);
            }
        }
    }
}

/// The RUN an instruction runs: itself, or the trigger of an `ONBUILD RUN`.
fn run_of(ins: &Instruction) -> Option<&Instruction> {
    Some(crate::rules::stages::effective(ins))
        .filter(|run| matches!(run.kind, InstructionKind::Run(_)))
}

/// Indexes the file's shell findings by code now (see [`prepare_scope`]).
pub fn prepare_finding_nodes(df: &Dockerfile) {
    finding_nodes(df);
}

/// The nodes of the RUNs whose scripts have a finding with each code, in
/// file order: each of the forty rules here visits the RUNs with its own
/// findings, not every RUN. Made once per file.
fn finding_nodes(df: &Dockerfile) -> &HashMap<&'static str, Vec<usize>> {
    df.shell_finding_nodes.0.get_or_init(|| {
        let mut by_code: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (node, ins) in df.instructions() {
            let Some(run) = run_of(ins) else {
                continue;
            };
            for script in df.run_scripts(run).iter() {
                for finding in script.shell_findings().iter() {
                    let nodes = by_code.entry(finding.code).or_default();
                    if nodes.last() != Some(&node) {
                        nodes.push(node);
                    }
                }
            }
        }
        by_code
    })
}

/// Computes the file's shells and variables the rules here share before
/// they run in parallel, so that no rule waits for another to compute it
/// (the scripts' findings: [`Dockerfile::prepare_runs`]).
pub fn prepare_scope(df: &Dockerfile) {
    df.shell_scope.0.get_or_init(|| Scope::new(df));
}

/// What the rules here need to know about a file's RUNs.
struct Contexts<'d> {
    scope: &'d Scope,
    /// The file looks written for Windows ([`written_for_windows`],
    /// [`named_for_windows`]).
    windows: bool,
}

/// The shell and variables at every instruction, by node index: made once
/// per file (kept in [`Dockerfile::shell_scope`]), each rule here asks.
#[derive(Debug, Clone)]
pub struct Scope {
    shells: Vec<Option<Arc<RunShell>>>,
    /// Shared between the RUNs with the same names (copied on the first
    /// ARG or ENV that adds one): a stage's RUNs mostly see the same set.
    variables: Vec<Option<Arc<HashSet<String>>>>,
    /// What an `ONBUILD RUN` sees (besides the proxies).
    no_variables: HashSet<String>,
    default_sh: RunShell,
    /// The file's text says Windows ([`written_for_windows`]).
    windows_image: bool,
}

impl Scope {
    fn new(df: &Dockerfile) -> Scope {
        // The proxies are not copied into each set: RunContext adds them.
        let no_names: Arc<HashSet<String>> = Arc::default();
        let mut shells = run_shells(df).to_vec();
        let mut variables: Vec<Option<Arc<HashSet<String>>>> = vec![None; df.nodes.len()];
        // Instructions before the first FROM (hadolint lints them too).
        let mut pre_shell = RunShellState::default();
        let mut pre_vars = no_names.clone();
        let stages = df.stages();
        let first_from = stages.first().map_or(usize::MAX, |s| s.from_node);
        for (node, ins) in df.instructions() {
            if node >= first_from {
                break;
            }
            pre_shell.apply(ins);
            add_variables(ins, &mut pre_vars);
            if ins.keyword == Keyword::Run || ins.keyword == Keyword::Onbuild {
                shells[node] = Some(Arc::new(pre_shell.shell()));
                variables[node] = Some(pre_vars.clone());
            }
        }
        // Stages: ENV and ARG names carry over to stages built FROM this one.
        let mut end_of_stage: Vec<Arc<HashSet<String>>> = Vec::with_capacity(stages.len());
        for stage in stages {
            let mut vars = match df
                .stage_parent(stage.index)
                .and_then(|p| end_of_stage.get(p))
            {
                Some(parent) => parent.clone(),
                None => no_names.clone(),
            };
            for &node in &stage.instruction_nodes {
                let Some(ins) = df.instruction(node) else {
                    continue;
                };
                add_variables(ins, &mut vars);
                if matches!(ins.keyword, Keyword::Run | Keyword::Onbuild) {
                    variables[node] = Some(vars.clone());
                }
            }
            end_of_stage.push(vars);
        }
        Scope {
            shells,
            variables,
            no_variables: HashSet::new(),
            default_sh: RunShellState::default().shell(),
            windows_image: written_for_windows(df),
        }
    }
}

/// Whether a Dockerfile looks written for Windows although its FROM lines
/// do not name a Windows image as written, by its name: a file named for
/// Windows (`Dockerfile.windows`, `Dockerfile-windows`); see also
/// [`written_for_windows`].
fn named_for_windows(path: &std::path::Path) -> bool {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    file.contains("windows") || file.contains("nanoserver") || file.contains("servercore")
}

/// Whether a Dockerfile is written for Windows although its FROM lines do
/// not name a Windows image as written, by its text: `# escape=`` ` (the
/// directive exists for Windows paths), or a FROM whose image is a Windows
/// image once the global ARG defaults are put in (`FROM
/// mcr.microsoft.com/${REPO}:${TAG}` with `ARG REPO=windows/servercore`).
fn written_for_windows(df: &Dockerfile) -> bool {
    if df.escape == '`' {
        return true;
    }
    let mut defaults: Vec<(String, String)> = Vec::new();
    for (_, ins) in df.instructions() {
        match &ins.kind {
            InstructionKind::Arg(args) => {
                for a in args {
                    if let Some(d) = &a.default {
                        defaults
                            .push((a.name.value.clone(), d.value.trim_matches('"').to_string()));
                    }
                }
            }
            InstructionKind::From(from) => {
                let mut image = from.image.value.clone();
                if !image.contains('$') {
                    continue;
                }
                for (name, value) in &defaults {
                    // Only a name the image mentions can change it.
                    if !image.contains('$') {
                        break;
                    }
                    if !image.contains(name.as_str()) {
                        continue;
                    }
                    image = image
                        .replace(&format!("${{{name}}}"), value)
                        .replace(&format!("${name}"), value);
                }
                if crate::rules::run_shell::is_windows_image(&image) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn add_variables(ins: &Instruction, vars: &mut Arc<HashSet<String>>) {
    let mut add = |name: &String| {
        if !vars.contains(name) {
            Arc::make_mut(vars).insert(name.clone());
        }
    };
    match &ins.kind {
        InstructionKind::Env(pairs) => pairs.iter().for_each(|p| add(&p.key.value)),
        InstructionKind::Arg(args) => args.iter().for_each(|a| add(&a.name.value)),
        _ => {}
    }
}

/// The shell of instructions before any FROM.
#[derive(Default)]
struct RunShellState {
    argv: Option<Vec<String>>,
}

impl RunShellState {
    fn apply(&mut self, ins: &Instruction) {
        if let InstructionKind::Shell(CommandForm::Exec(args)) = &ins.kind {
            if !args.is_empty() {
                self.argv = Some(args.iter().map(|a| a.value.clone()).collect());
            }
        }
    }

    fn shell(&self) -> RunShell {
        RunShell {
            argv: self
                .argv
                .clone()
                .unwrap_or_else(|| vec!["/bin/sh".to_string(), "-c".to_string()]),
            set_at: None,
            root_image: None,
        }
    }
}

/// The common check of the rules here: one diagnostic per finding, with the
/// finding's message and the rule's help.
pub fn report(ctx: &DockerfileContext<'_>, code: &str, help: &str, out: &mut Vec<Diagnostic>) {
    for_each_finding(ctx, code, |_, finding, run| {
        if finding.sh_only && !run.is_sh_dialect() {
            return;
        }
        out.push(
            ctx.diagnostic(finding.span, finding.message.clone())
                .with_help(help.to_string()),
        );
    });
}

/// [`report`] for a bash-only construct: only where the shell is POSIX sh
/// that is not bash.
pub fn report_bashism(
    ctx: &DockerfileContext<'_>,
    code: &str,
    help: &str,
    out: &mut Vec<Diagnostic>,
) {
    for_each_finding(ctx, code, |_, finding, run| {
        if run.is_posix_sh() {
            out.push(
                ctx.diagnostic(finding.span, finding.message.clone())
                    .with_help(help.to_string()),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_indexed_by_code_once_per_run_in_file_order() {
        let src = "FROM debian\nRUN echo $A $B\nRUN echo ok\nONBUILD RUN rm $C\nRUN <<EOF\necho $D\nEOF\n";
        let df = crate::dockerfile::parse(src);
        let runs: Vec<usize> = df
            .instructions()
            .filter(|(_, ins)| run_of(ins).is_some())
            .map(|(node, _)| node)
            .collect();
        let index = finding_nodes(&df);
        assert_eq!(index.get("SC2086"), Some(&vec![runs[0], runs[2], runs[3]]));
        assert!(index.values().all(|nodes| !nodes.contains(&runs[1])));
    }

    #[test]
    fn windows_files_the_image_name_does_not_give_away() {
        use crate::rules::testing::{lint, run_with};
        let rule = &sc2086::RULE;
        let run = "RUN Write-Host $env:PATH\n";
        for src in [
            format!("# escape=`\nFROM mcr.microsoft.com/dotnet/sdk:8.0\n{run}"),
            format!(
                "ARG REPO=windows/servercore\nFROM mcr.microsoft.com/${{REPO}}:ltsc2022\n{run}"
            ),
        ] {
            assert!(lint(rule, &src).is_empty(), "{src}");
        }
        let src = format!("FROM bats-jenkins\n{run}");
        assert!(!lint(rule, &src).is_empty());
        let build = crate::rules::BuildInfo::default();
        let path = std::path::Path::new("tests/Dockerfile-windows");
        assert!(run_with(rule, &src, &build, path).is_empty());
        // An explicit POSIX SHELL is read.
        let src = format!("# escape=`\nFROM x\nSHELL [\"/bin/sh\", \"-c\"]\n{run}");
        assert!(!lint(rule, &src).is_empty());
    }

    #[test]
    fn images_whose_sh_is_bash() {
        for image in [
            "centos:7",
            "fedora",
            "registry.access.redhat.com/ubi9/ubi-minimal:9.4",
            "amazonlinux:2023",
            "quay.io/centos/centos:stream9",
            "rockylinux:9",
        ] {
            assert!(sh_is_bash(image), "{image}");
        }
        for image in [
            "debian:12",
            "ubuntu",
            "alpine:3.20",
            "node:20",
            "python:3.12-slim",
        ] {
            assert!(!sh_is_bash(image), "{image}");
        }
    }
}
