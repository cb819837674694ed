//! What a script does to the image's files, as far as its simple commands
//! tell: where `cd` moves, and which paths it fetches from elsewhere or
//! writes itself (`git clone`, `tar -x`, `unzip`, `curl -o`, `wget`,
//! `poetry export -o`, `> file`). Rules use it to tell a file of the build
//! context from one the image made: a requirements file of software cloned
//! in the RUN is not the project's.

use super::{command_basename, RunScript, SimpleCommand, Word};
use crate::image_path::join;

/// The working directory before each command of `script`, starting in
/// `workdir` (absolute). `cd`/`pushd` to a static path move it; a `cd`
/// elsewhere (a variable, `-`, home) makes it unknown (`None`) from there on.
pub fn working_dirs(script: &RunScript, workdir: &str) -> Vec<Option<String>> {
    let mut current = Some(workdir.to_string());
    let mut out = Vec::with_capacity(script.commands().len());
    for command in script.commands() {
        out.push(current.clone());
        let Some((program, args)) = command.effective() else {
            continue;
        };
        match command_basename(program) {
            Some("cd" | "pushd") => {
                let target = args
                    .iter()
                    .filter(|a| !a.as_str().is_some_and(|t| t.starts_with('-') && t != "-"))
                    .map(Word::as_str)
                    .next();
                current = match (current, target) {
                    (Some(dir), Some(Some(to))) if !to.starts_with('~') && to != "-" => {
                        Some(join(&dir, to))
                    }
                    _ => None,
                };
            }
            Some("popd") => current = None,
            _ => {}
        }
    }
    out
}

/// Options of `git clone` (and `hg`/`svn` checkouts) that take a value.
const CLONE_VALUE_OPTIONS: &[&str] = &[
    "-b",
    "--branch",
    "--depth",
    "-o",
    "--origin",
    "-c",
    "--config",
    "--reference",
    "--reference-if-able",
    "--separate-git-dir",
    "-j",
    "--jobs",
    "--filter",
    "--shallow-since",
    "--shallow-exclude",
    "-u",
    "--upload-pack",
    "--template",
    "-r",
    "--rev",
    "--revision",
    "--username",
    "--password",
];

/// Tools that write a requirements/lock export to the file their `-o` names.
const EXPORTERS: &[(&str, &[&str])] = &[
    ("poetry", &["export"]),
    ("uv", &["export", "pip"]),
    ("pdm", &["export"]),
    ("pip-compile", &[]),
    ("pipenv", &["requirements"]),
];

/// The paths (as written: relative to the command's directory, or
/// absolute) that command `index` of `script` fetches from outside the
/// build context or writes. A directory stands for everything below it.
/// `source` is the Dockerfile text (redirections are not words of a command).
pub fn made_paths(script: &RunScript, index: usize, source: &str) -> Vec<String> {
    let commands = script.commands();
    let Some(command) = commands.get(index) else {
        return Vec::new();
    };
    let until = commands
        .get(index + 1)
        .map_or(script.span.end, |next| next.span.start);
    let mut out = redirect_targets(command, source, until);
    let Some((program, args)) = command.effective() else {
        return out;
    };
    let Some(name) = command_basename(program) else {
        return out;
    };
    let text = |i: usize| args.get(i).and_then(Word::as_str);
    match name {
        "git" | "hg" if text(0) == Some("clone") => out.extend(checkout_dir(&args[1..])),
        "svn" if matches!(text(0), Some("checkout" | "co" | "export")) => {
            out.extend(checkout_dir(&args[1..]));
        }
        "gh" if text(0) == Some("repo") && text(1) == Some("clone") => {
            out.extend(checkout_dir(args.get(2..).unwrap_or(&[])));
        }
        "tar" if extracts(args) => {
            out.push(option_value(args, &["-C", "--directory"]).unwrap_or_else(|| ".".into()));
        }
        "unzip" | "bsdtar" | "7z" => {
            let dir = option_value(args, &["-d", "-o"]).unwrap_or_else(|| ".".into());
            out.push(dir);
        }
        "curl" => out.extend(option_value(args, &["-o", "--output"])),
        "wget" => match option_value(args, &["-O", "--output-document"]) {
            Some(file) => out.push(file),
            None => out.push(
                option_value(args, &["-P", "--directory-prefix"]).unwrap_or_else(|| ".".into()),
            ),
        },
        _ => {
            let exports = EXPORTERS.iter().any(|(tool, subs)| {
                *tool == name && (subs.is_empty() || text(0).is_some_and(|t| subs.contains(&t)))
            });
            if exports {
                out.extend(option_value(args, &["-o", "--output", "--output-file"]));
            }
        }
    }
    out.retain(|p| p != "-" && !p.contains('$'));
    out
}

/// The directory a `clone URL [DIR]` fills: `DIR`, else the URL's last part
/// without `.git`.
fn checkout_dir(args: &[Word]) -> Option<String> {
    let mut positionals = Vec::new();
    let mut i = 0;
    while let Some(word) = args.get(i) {
        i += 1;
        let text = word.as_str()?;
        if text.starts_with('-') && text.len() > 1 {
            if CLONE_VALUE_OPTIONS.contains(&text) {
                i += 1;
            }
            continue;
        }
        positionals.push(text);
    }
    match positionals.as_slice() {
        [_, dir, ..] => Some(dir.to_string()),
        [url] => {
            let last = url.trim_end_matches('/').rsplit(['/', ':']).next()?;
            let dir = last.strip_suffix(".git").unwrap_or(last);
            (!dir.is_empty()).then(|| dir.to_string())
        }
        [] => None,
    }
}

/// Whether a `tar` command extracts (`-x`, `xzf`, `--extract`, `--get`).
fn extracts(args: &[Word]) -> bool {
    args.iter().filter_map(Word::as_str).enumerate().any(|(i, t)| {
        t == "--extract"
            || t == "--get"
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'))
            // The old style: the first word is the cluster without a dash.
            || (i == 0 && !t.starts_with('-') && t.contains('x') && t.chars().all(|c| c.is_ascii_alphabetic()))
    })
}

/// The value of the first of `names` (`-C dir`, `--directory=dir`, `-Cdir`).
fn option_value(args: &[Word], names: &[&str]) -> Option<String> {
    for (i, word) in args.iter().enumerate() {
        let Some(text) = word.as_str() else { continue };
        for name in names {
            if text == *name {
                return args.get(i + 1).and_then(Word::as_str).map(str::to_string);
            }
            if let Some(value) = text.strip_prefix(name) {
                let value = if name.starts_with("--") {
                    value.strip_prefix('=')
                } else {
                    Some(value)
                };
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    return Some(value.to_string());
                }
            }
        }
    }
    None
}

/// The files a command's output redirections (`> f`, `>> f`, `&> f`)
/// write: they follow its words, before the next command (at `until`).
fn redirect_targets(command: &SimpleCommand, source: &str, until: usize) -> Vec<String> {
    let words_end = command
        .words()
        .chain(command.assignments.iter())
        .map(|w| w.span.end)
        .max()
        .unwrap_or(command.span.start)
        .max(command.span.start);
    let Some(tail) = source.get(words_end..until.max(words_end)) else {
        return Vec::new();
    };
    // Up to the operator that ends the command.
    let end = ["&&", "||", ";", "\n"]
        .iter()
        .filter_map(|op| tail.find(op))
        .chain(
            tail.match_indices('|')
                .filter(|(i, _)| !tail[..*i].ends_with('>'))
                .map(|(i, _)| i),
        )
        .min()
        .unwrap_or(tail.len());
    let mut rest = &tail[..end];
    let mut out = Vec::new();
    while let Some(at) = rest.find('>') {
        let after = rest[at + 1..].trim_start_matches(['>', '|']);
        let after = after.trim_start_matches([' ', '\t']);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
            .unwrap_or(after.len());
        let target = after[..end].trim_matches(|c| c == '"' || c == '\'');
        // `2>&1` duplicates a descriptor; `/dev/null` writes nothing.
        if !target.is_empty() && !target.starts_with('&') && !target.starts_with("/dev/") {
            out.push(target.to_string());
        }
        rest = &after[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::LogicalText;
    use crate::shell::{analyze_text, ScriptOrigin};

    fn script(text: &str) -> RunScript {
        let logical = LogicalText {
            text: text.to_string(),
            segments: vec![(0, 0, text.len())],
        };
        analyze_text(&logical, ScriptOrigin::ShellForm)
    }

    fn made(text: &str) -> Vec<Vec<String>> {
        let s = script(text);
        (0..s.commands().len())
            .map(|i| made_paths(&s, i, text))
            .collect()
    }

    #[test]
    fn fetches_and_outputs() {
        assert_eq!(
            made("git clone --depth=1 -b v1 https://github.com/librenms/librenms.git . && git clone https://x/y/tool.git && git clone git@h:o/r.git src/r"),
            vec![vec!["."], vec!["tool"], vec!["src/r"]]
        );
        assert_eq!(
            made("curl -fsSL https://x/a.tgz | tar -xz -C /opt/a && tar xzf b.tgz && unzip c.zip -d /opt/c"),
            vec![vec![], vec!["/opt/a"], vec!["."], vec!["/opt/c"]]
        );
        assert_eq!(
            made("curl -o /tmp/req.txt https://x/req.txt && wget -O- https://x | sh && wget https://x/y"),
            vec![vec!["/tmp/req.txt"], vec![], vec![], vec!["."]]
        );
        assert_eq!(
            made("poetry export -f requirements.txt -o requirements.txt && pip freeze > frozen.txt 2>&1 && echo x >> /etc/y"),
            vec![vec!["requirements.txt"], vec!["frozen.txt"], vec!["/etc/y"]]
        );
        assert!(made("pip install -r requirements.txt 2>/dev/null")[0].is_empty());
    }

    #[test]
    fn cd_moves_the_working_directory() {
        let s = script("cd /opt && git clone https://x/lib && cd lib && pip install -r requirements.txt && cd $HOME && true");
        assert_eq!(
            working_dirs(&s, "/app"),
            vec![
                Some("/app".to_string()),
                Some("/opt".to_string()),
                Some("/opt".to_string()),
                Some("/opt/lib".to_string()),
                Some("/opt/lib".to_string()),
                None,
            ]
        );
    }
}
