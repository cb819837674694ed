//! The shell a RUN's shell form runs under. `SHELL` changes it for the rest
//! of the stage and for the stages built on it; a Windows base image runs
//! `cmd /S /C` by default. Rules that read RUN text as POSIX shell (the
//! ShellCheck checks, DL4006's pipefail) ask here first: on real files a
//! third of ShellCheck's findings are PowerShell or cmd read as sh.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::dockerfile::{CommandForm, Dockerfile, InstructionKind, Keyword};
use crate::rules::stage_walk::stage_parents;
use crate::span::Span;

/// Shells whose language is POSIX sh (or a superset of it).
const POSIX_SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox", "yash",
];

/// Image names (lowercased repository paths) whose default shell is `cmd`.
const WINDOWS_IMAGE_MARKERS: &[&str] = &[
    "windows/servercore",
    "windows/nanoserver",
    "windows/server",
    "windowsservercore",
    "nanoserver",
    "mcr.microsoft.com/windows",
    "powershell:nanoserver",
    "powershell:windowsservercore",
];

/// The shell in effect at one instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunShell {
    /// The shell command line (`["/bin/sh", "-c"]` by default).
    pub argv: Vec<String>,
    /// The `SHELL` instruction that set it, if any (in this file).
    pub set_at: Option<Span>,
    /// The image the stage chain starts from (`FROM` of the root stage, as
    /// written), for rules that care which `/bin/sh` that image has.
    pub root_image: Option<String>,
}

impl RunShell {
    fn default_for(root_image: Option<String>) -> RunShell {
        let windows = root_image.as_deref().is_some_and(is_windows_image);
        let argv = if windows {
            vec!["cmd".to_string(), "/S".to_string(), "/C".to_string()]
        } else {
            vec!["/bin/sh".to_string(), "-c".to_string()]
        };
        RunShell {
            argv,
            set_at: None,
            root_image,
        }
    }

    /// The shell program's base name (`bash` for `/usr/bin/env bash -c`),
    /// lowercased, `.exe` removed.
    pub fn program(&self) -> Option<Cow<'_, str>> {
        let mut words = self.argv.iter().map(|w| basename(w));
        let mut first = words.next()?;
        if first == "env" {
            first = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        }
        Some(first)
    }

    /// Whether the RUN text is POSIX shell (sh, bash, dash, ...): what the
    /// shell analysis and the ShellCheck checks understand.
    pub fn is_posix(&self) -> bool {
        self.program()
            .is_some_and(|p| POSIX_SHELLS.contains(&p.as_ref()))
    }

    /// Whether the shell is bash (so bash-only syntax is fine).
    pub fn is_bash(&self) -> bool {
        self.program().as_deref() == Some("bash")
    }

    /// Whether the shell line turns on `pipefail` (`-o pipefail`, `-eo
    /// pipefail`, `-opipefail`, `--pipefail` is not an option of any shell).
    pub fn has_pipefail(&self) -> bool {
        self.argv.windows(2).any(|w| {
            let flag = w[0].as_str();
            flag.starts_with('-')
                && !flag.starts_with("--")
                && flag.ends_with('o')
                && w[1] == "pipefail"
        }) || self.argv.iter().any(|a| a == "-opipefail")
    }
}

/// The program name of a path (`/bin/SH.exe` -> `sh`), borrowed when it
/// is already lowercase without `.exe` (the common case).
fn basename(word: &str) -> Cow<'_, str> {
    let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
    if name.bytes().any(|b| b.is_ascii_uppercase()) || name.ends_with(".exe") {
        let lower = name.to_ascii_lowercase();
        Cow::Owned(lower.strip_suffix(".exe").unwrap_or(&lower).to_string())
    } else {
        Cow::Borrowed(name)
    }
}

/// Whether an image reference names a Windows image (its default shell is cmd).
pub fn is_windows_image(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    WINDOWS_IMAGE_MARKERS.iter().any(|m| lower.contains(m))
}

/// The shell in effect at every instruction, by node index (`None` for
/// nodes that are not instructions inside a stage). A stage starts with the
/// shell its parent stage ended with, or the default of its base image.
/// Linear: each stage is visited once, parents before children; computed
/// once per file (a dozen rules ask). Instructions under the same shell
/// share one value.
pub fn run_shells(df: &Dockerfile) -> &[Option<Arc<RunShell>>] {
    df.run_shells.0.get_or_init(|| compute_run_shells(df))
}

fn compute_run_shells(df: &Dockerfile) -> Vec<Option<Arc<RunShell>>> {
    let mut by_node: Vec<Option<Arc<RunShell>>> = vec![None; df.nodes.len()];
    let stages = df.stages();
    let parents = stage_parents(df, &BTreeMap::new());
    let mut end_of_stage: Vec<Arc<RunShell>> = Vec::with_capacity(stages.len());
    for stage in stages {
        let parent = parents.get(stage.index).copied().flatten();
        let mut shell = match parent.and_then(|p| end_of_stage.get(p)) {
            Some(parent_end) => parent_end.clone(),
            None => {
                let image = df.stage_from(stage).map(|f| f.image.value.clone());
                Arc::new(RunShell::default_for(image))
            }
        };
        by_node[stage.from_node] = Some(shell.clone());
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            if ins.keyword == Keyword::Shell {
                if let InstructionKind::Shell(CommandForm::Exec(args)) = &ins.kind {
                    if !args.is_empty() {
                        let shell = Arc::make_mut(&mut shell);
                        shell.argv = args.iter().map(|a| a.value.clone()).collect();
                        shell.set_at = Some(ins.span);
                    }
                }
            }
            by_node[node] = Some(shell.clone());
        }
        end_of_stage.push(shell);
    }
    by_node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn shell_of_runs(src: &str) -> Vec<RunShell> {
        let df = parse(src);
        let shells = run_shells(&df);
        df.instructions()
            .filter(|(_, ins)| ins.keyword == Keyword::Run)
            .filter_map(|(i, _)| shells[i].as_deref().cloned())
            .collect()
    }

    #[test]
    fn default_is_sh_and_shell_changes_the_rest_of_the_stage() {
        let src = "FROM debian\nRUN a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN b\nFROM debian\nRUN c\n";
        let shells = shell_of_runs(src);
        assert_eq!(shells[0].program().as_deref(), Some("sh"));
        assert!(shells[0].is_posix() && !shells[0].has_pipefail());
        assert!(shells[1].is_bash() && shells[1].has_pipefail());
        assert!(shells[1].set_at.is_some());
        assert_eq!(shells[2].program().as_deref(), Some("sh"));
    }

    #[test]
    fn a_child_stage_inherits_its_parents_shell() {
        let src =
            "FROM alpine AS base\nSHELL [\"pwsh\", \"-Command\"]\nFROM base\nRUN Write-Host hi\n";
        let shells = shell_of_runs(src);
        assert!(!shells[0].is_posix());
        assert_eq!(shells[0].root_image.as_deref(), Some("alpine"));
    }

    #[test]
    fn windows_images_run_cmd() {
        let src = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\n";
        let shells = shell_of_runs(src);
        assert_eq!(shells[0].program().as_deref(), Some("cmd"));
        assert!(!shells[0].is_posix());
    }

    #[test]
    fn env_wrapper_and_option_clusters() {
        let src = "FROM debian\nSHELL [\"/usr/bin/env\", \"bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN x\n";
        let shells = shell_of_runs(src);
        assert!(shells[0].is_bash() && shells[0].has_pipefail());
    }

    #[test]
    fn program_names_are_lowercase_without_exe() {
        let program = |argv: &[&str]| {
            let shell = RunShell {
                argv: argv.iter().map(|a| a.to_string()).collect(),
                set_at: None,
                root_image: None,
            };
            shell.program().map(|p| p.into_owned())
        };
        assert_eq!(
            program(&["C:\\Windows\\CMD.EXE", "/S"]).as_deref(),
            Some("cmd")
        );
        assert_eq!(program(&["pwsh.exe", "-Command"]).as_deref(), Some("pwsh"));
        assert_eq!(program(&["/bin/BASH", "-c"]).as_deref(), Some("bash"));
        assert_eq!(program(&["/bin/sh", "-c"]).as_deref(), Some("sh"));
        assert_eq!(program(&[]), None);
    }
}
