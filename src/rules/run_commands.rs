//! The RUN commands hadolint's RUN rules look at (DL3001, DL3003, DL3004,
//! DL3027, DL3046, DL3047, DL4001, DL4006, DL3059): every `RUN` and `ONBUILD
//! RUN` whose shell is POSIX sh, with its analysed scripts, and which
//! program a simple command runs.
//!
//! hadolint names a command by its first word as written (`wget`, not
//! `/usr/bin/wget`), looking through `busybox`, `builtin`, `command` and
//! `exec`. bakelint also looks through the wrappers the shell analysis knows
//! (`sudo`, `env A=1`, `nice`, `xargs`, `timeout 5`, ...) and takes the
//! basename, so `sudo apt install` and `/usr/bin/wget` count too.

use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Keyword};
use crate::rules::run_shell::{run_shells, RunShell};
use crate::shell::{command_basename, RunScript, SimpleCommand, Word};

/// One RUN (or the RUN of an `ONBUILD RUN`) in a POSIX shell.
pub struct ShellRun<'a> {
    /// Node index of the instruction in the file.
    pub node: usize,
    /// The instruction as written (the `ONBUILD` for an `ONBUILD RUN`).
    pub top: &'a Instruction,
    /// The RUN itself.
    pub run: &'a Instruction,
    /// The shell in effect (the default `/bin/sh -c` outside any stage).
    pub shell: &'a RunShell,
}

/// Every RUN and ONBUILD RUN of the file whose shell is POSIX sh, in order.
/// RUNs under PowerShell or cmd (a `SHELL` or a Windows base image) are left
/// out: their text is not shell.
pub fn posix_runs(df: &Dockerfile) -> Vec<ShellRun<'_>> {
    let shells = run_shells(df);
    let mut out = Vec::new();
    for (node, top) in df.instructions() {
        let run = match &top.kind {
            InstructionKind::Run(_) => top,
            InstructionKind::Onbuild(inner) if inner.keyword == Keyword::Run => inner.as_ref(),
            _ => continue,
        };
        let shell = shells
            .get(node)
            .and_then(Option::as_deref)
            .unwrap_or_else(|| default_shell());
        if !shell.is_posix() {
            continue;
        }
        out.push(ShellRun {
            node,
            top,
            run,
            shell,
        });
    }
    out
}

fn default_shell() -> &'static RunShell {
    static DEFAULT: std::sync::OnceLock<RunShell> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(|| RunShell {
        argv: vec!["/bin/sh".to_string(), "-c".to_string()],
        set_at: None,
        root_image: None,
    })
}

impl ShellRun<'_> {
    /// The analysed scripts of the RUN (shell form, heredocs run by a
    /// shell, exec-form `sh -c`).
    pub fn scripts<'d>(&self, df: &'d Dockerfile) -> std::borrow::Cow<'d, [RunScript]> {
        df.run_scripts(self.run)
    }
}

/// Programs that run their first non-option argument (hadolint looks
/// through these too).
const RUNNERS: &[&str] = &["busybox", "builtin", "command", "exec"];

/// Whether `command` runs the program `name` (a basename: `wget`), as
/// hadolint names it or once wrappers are skipped.
pub fn runs(command: &SimpleCommand, name: &str) -> bool {
    program_names(command).any(|p| p == name)
}

/// The names a command goes by: its first word, its basename, the program a
/// runner (`busybox wget`, `exec wget`) or a wrapper (`sudo wget`) runs.
pub fn program_names(command: &SimpleCommand) -> impl Iterator<Item = &str> {
    let first = command.name.as_ref().and_then(command_basename);
    let runner = first
        .filter(|f| RUNNERS.contains(f))
        .and_then(|_| command.args.first())
        .and_then(|w| w.as_str())
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.rsplit('/').next().unwrap_or(a));
    let effective = command.program();
    first.into_iter().chain(runner).chain(effective)
}

/// The program word and the arguments after it when `command` runs
/// `name` (`sudo -u x wget -q URL` gives `wget` and `-q URL`).
pub fn program_args<'c>(command: &'c SimpleCommand, name: &str) -> Option<(&'c Word, &'c [Word])> {
    program_words(command)
        .into_iter()
        .flatten()
        .find(|p| p.name == name)
        .map(|p| (p.word, p.args))
}

/// The first of `names` `command` runs, with its program word and the
/// arguments after it: [`program_args`] for each name in turn, with the
/// command's program words read once.
pub fn program_args_any<'c, 'n>(
    command: &'c SimpleCommand,
    names: &[&'n str],
) -> Option<(&'n str, &'c Word, &'c [Word])> {
    let programs = program_words(command);
    names.iter().find_map(|&name| {
        programs
            .iter()
            .flatten()
            .find(|p| p.name == name)
            .map(|p| (name, p.word, p.args))
    })
}

/// A program a command runs: its basename, its word and the arguments after it.
#[derive(Clone, Copy)]
struct ProgramWord<'c> {
    name: &'c str,
    word: &'c Word,
    args: &'c [Word],
}

/// The programs a command may be said to run, in the order they are
/// compared: its first word; the program a wrapper (`sudo`, `env`, ...)
/// runs; the first argument of a runner (`busybox wget`). Nothing when
/// the first word is not static.
fn program_words(command: &SimpleCommand) -> [Option<ProgramWord<'_>>; 3] {
    let mut found = [None; 3];
    let Some((word, name)) = command
        .name
        .as_ref()
        .and_then(|w| Some((w, command_basename(w)?)))
    else {
        return found;
    };
    found[0] = Some(ProgramWord {
        name,
        word,
        args: &command.args,
    });
    // Only a wrapper runs another program; anything else is its own
    // effective program, which is the first word.
    if crate::shell::is_wrapper(name) {
        found[1] = command.effective().and_then(|(word, args)| {
            let name = command_basename(word)?;
            Some(ProgramWord { name, word, args })
        });
    }
    if RUNNERS.contains(&name) {
        found[2] = command.args.split_first().and_then(|(word, args)| {
            let name = command_basename(word)?;
            Some(ProgramWord { name, word, args })
        });
    }
    found
}

/// hadolint's option names of an argument list: `--name[=v]` gives `name`,
/// `-abc` gives `a`, `b`, `c`; `-` and `--` none. Dynamic words are not
/// options. Yields each name with the index of its argument.
pub fn option_names(args: &[Word]) -> impl Iterator<Item = (usize, &str)> {
    args.iter().enumerate().flat_map(|(i, w)| {
        let text = w.as_str().unwrap_or("");
        let names: Vec<&str> = if text == "-" || text == "--" || !text.starts_with('-') {
            Vec::new()
        } else if let Some(long) = text.strip_prefix("--") {
            vec![long.split('=').next().unwrap_or(long)]
        } else {
            let short = &text[1..];
            short
                .char_indices()
                .map(|(at, c)| &short[at..at + c.len_utf8()])
                .collect()
        };
        names.into_iter().map(move |n| (i, n))
    })
}

/// A command hadolint counts: one with a static command word (a bare
/// assignment `X=1` or a `$CMD` is not one).
pub fn is_counted(command: &SimpleCommand) -> bool {
    command.name_str().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn names(src: &str) -> Vec<Vec<String>> {
        let df = parse(src);
        let mut out = Vec::new();
        for run in posix_runs(&df) {
            for script in run.scripts(&df).iter() {
                for c in script.commands() {
                    out.push(program_names(c).map(str::to_string).collect());
                }
            }
        }
        out
    }

    #[test]
    fn wrappers_runners_and_paths() {
        let n = names(
            "FROM debian\nRUN sudo wget x && /usr/bin/curl y && busybox ps && command -v top\n",
        );
        assert!(n[0].contains(&"wget".to_string()) && n[0].contains(&"sudo".to_string()));
        assert_eq!(n[1], vec!["curl", "curl"]);
        assert!(n[2].contains(&"ps".to_string()));
        assert!(!n[3].contains(&"top".to_string()));
    }

    #[test]
    fn non_posix_shells_and_onbuild() {
        let df = parse("FROM debian\nONBUILD RUN a\nSHELL [\"pwsh\", \"-c\"]\nRUN b\n");
        let runs = posix_runs(&df);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].top.keyword, Keyword::Onbuild);
        assert_eq!(runs[0].run.keyword, Keyword::Run);
        let df = parse("RUN top\n");
        assert_eq!(posix_runs(&df).len(), 1);
    }

    #[test]
    fn programs_of_a_command_are_found_in_order() {
        let src = "FROM debian\nRUN sudo -u x wget -q u && busybox ps aux && exec top && \
                   /bin/kill 1 && env A=1 ssh h && $X top && command -v top && sudo\n";
        let df = parse(src);
        let scripts = df.run_scripts(df.instructions().map(|(_, i)| i).nth(1).expect("RUN"));
        let commands = scripts[0].commands();
        let names = [
            "top", "kill", "ssh", "ps", "wget", "sudo", "busybox", "exec",
        ];
        for command in commands {
            let one_by_one = names
                .iter()
                .find_map(|&n| program_args(command, n).map(|(w, a)| (n, w.span, a.len())));
            let at_once = program_args_any(command, &names).map(|(n, w, a)| (n, w.span, a.len()));
            assert_eq!(one_by_one, at_once, "{}", command.span.slice(src));
        }
        let found: Vec<Option<&str>> = commands
            .iter()
            .map(|c| program_args_any(c, &names).map(|(n, _, _)| n))
            .collect();
        assert_eq!(
            found,
            vec![
                Some("wget"),
                Some("ps"),
                Some("top"),
                Some("kill"),
                Some("ssh"),
                None,
                None,
                Some("sudo")
            ]
        );
        let (word, args) = program_args(&commands[0], "wget").expect("wget");
        assert_eq!(word.span.slice(src), "wget");
        assert_eq!(args.len(), 2);
    }
}
