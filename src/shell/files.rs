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

/// An archive tool: when it extracts, and the options naming the directory
/// it extracts into (the working directory without one).
struct Extractor {
    name: &'static str,
    extracts: fn(&[Word]) -> bool,
    dir_options: &'static [&'static str],
}

/// Each tool's own directory options: `unzip -o` overwrites (no value) and
/// `-d DIR` names the directory; `bsdtar` is `tar`'s `-C`; `7z x -oDIR`.
const EXTRACTORS: &[Extractor] = &[
    Extractor {
        name: "tar",
        extracts,
        dir_options: &["-C", "--directory"],
    },
    Extractor {
        name: "bsdtar",
        extracts,
        dir_options: &["-C", "--directory"],
    },
    Extractor {
        name: "unzip",
        extracts: |_| true,
        dir_options: &["-d"],
    },
    Extractor {
        name: "7z",
        extracts: seven_zip_extracts,
        dir_options: &["-o"],
    },
    Extractor {
        name: "7za",
        extracts: seven_zip_extracts,
        dir_options: &["-o"],
    },
];

/// `7z x` / `7z e` (not `a`, `l`, `t`, ...).
fn seven_zip_extracts(args: &[Word]) -> bool {
    matches!(args.first().and_then(Word::as_str), Some("x" | "e"))
}

/// The option grammar of a download tool.
struct Downloader {
    /// Short options that take a value (`-o f`, `-of`, last in a cluster: `-fsSLo f`).
    short_values: &'static str,
    /// Long options that take a value (`--output f`, `--output=f`).
    long_values: &'static [&'static str],
    /// Options whose value is the file written.
    output: &'static [&'static str],
    /// Options whose value is the directory downloads go to.
    directory: &'static [&'static str],
    /// Options saving each URL under its last path component.
    remote_name: &'static [&'static str],
    /// Whether a download without an output option is saved under the
    /// URL's last path component (`wget URL`; `curl URL` writes stdout).
    names_by_default: bool,
    /// Options that save under names the command line does not tell
    /// (an input list, recursion, a server-chosen name): the whole
    /// directory counts as fetched.
    unknown_names: &'static [&'static str],
    /// Options whose value is a URL.
    url: &'static [&'static str],
}

const CURL: Downloader = Downloader {
    short_values: "AbcCdDeEFHKmoPQrTtuUwxXyYz",
    long_values: &[
        "--output",
        "--output-dir",
        "--url",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--data-ascii",
        "--json",
        "--header",
        "--user",
        "--request",
        "--user-agent",
        "--referer",
        "--cookie",
        "--cookie-jar",
        "--form",
        "--form-string",
        "--connect-timeout",
        "--max-time",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--cacert",
        "--capath",
        "--cert",
        "--key",
        "--proxy",
        "--proxy-user",
        "--limit-rate",
        "--resolve",
        "--connect-to",
        "--write-out",
        "--range",
        "--continue-at",
        "--upload-file",
        "--dump-header",
        "--config",
        "--interface",
        "--max-filesize",
        "--max-redirs",
        "--proto",
        "--proto-redir",
        "--ciphers",
        "--netrc-file",
        "--time-cond",
        "--oauth2-bearer",
        "--unix-socket",
        "--noproxy",
        "--variable",
    ],
    output: &["-o", "--output"],
    directory: &["--output-dir"],
    remote_name: &["-O", "--remote-name", "--remote-name-all"],
    names_by_default: false,
    unknown_names: &["-J", "--remote-header-name"],
    url: &["--url"],
};

const WGET: Downloader = Downloader {
    short_values: "OoaePiBTtwQlARDIXU",
    long_values: &[
        "--output-document",
        "--output-file",
        "--append-output",
        "--execute",
        "--directory-prefix",
        "--input-file",
        "--base",
        "--timeout",
        "--dns-timeout",
        "--connect-timeout",
        "--read-timeout",
        "--tries",
        "--wait",
        "--waitretry",
        "--quota",
        "--level",
        "--accept",
        "--reject",
        "--domains",
        "--include-directories",
        "--exclude-directories",
        "--user-agent",
        "--header",
        "--user",
        "--password",
        "--http-user",
        "--http-password",
        "--post-data",
        "--post-file",
        "--method",
        "--body-data",
        "--body-file",
        "--ca-certificate",
        "--ca-directory",
        "--certificate",
        "--private-key",
        "--limit-rate",
        "--referer",
        "--load-cookies",
        "--save-cookies",
        "--cut-dirs",
        "--restrict-file-names",
        "--config",
        "--bind-address",
        "--secure-protocol",
        "--progress",
        "--default-page",
        "--max-redirect",
    ],
    output: &["-O", "--output-document"],
    directory: &["-P", "--directory-prefix"],
    remote_name: &[],
    names_by_default: true,
    unknown_names: &[
        "-i",
        "--input-file",
        "-r",
        "--recursive",
        "-m",
        "--mirror",
        "--content-disposition",
        "--trust-server-names",
    ],
    url: &[],
};

/// The options (name and value, `None` for a flag or a value that is not
/// static) and positional words of a download command.
fn parse_download(
    args: &[Word],
    spec: &Downloader,
) -> (Vec<(String, Option<String>)>, Vec<String>) {
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    let mut positionals = Vec::new();
    let mut i = 0;
    let mut ended = false;
    while let Some(word) = args.get(i) {
        i += 1;
        let Some(text) = word.as_str() else {
            continue;
        };
        if ended || !text.starts_with('-') || text == "-" {
            positionals.push(text.to_string());
            continue;
        }
        if text == "--" {
            ended = true;
        } else if let Some(long) = text.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => options.push((format!("--{name}"), Some(value.into()))),
                None if spec.long_values.contains(&text) => {
                    let value = args.get(i).and_then(Word::as_str).map(str::to_string);
                    i += 1;
                    options.push((text.to_string(), value));
                }
                None => options.push((text.to_string(), None)),
            }
        } else {
            // A cluster of short options; one taking a value takes the rest
            // of the word, or the next word.
            for (at, letter) in text.char_indices().skip(1) {
                let name = format!("-{letter}");
                if !spec.short_values.contains(letter) {
                    options.push((name, None));
                    continue;
                }
                let rest = &text[at + letter.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1).and_then(Word::as_str).map(str::to_string)
                } else {
                    Some(rest.to_string())
                };
                options.push((name, value));
                break;
            }
        }
    }
    (options, positionals)
}

/// The files a `curl`/`wget` command saves.
fn downloads(args: &[Word], spec: &Downloader) -> Vec<String> {
    let (options, mut urls) = parse_download(args, spec);
    let values = |names: &[&str]| -> Vec<String> {
        options
            .iter()
            .filter(|(name, _)| names.contains(&name.as_str()))
            .filter_map(|(_, value)| value.clone())
            .collect()
    };
    let has = |names: &[&str]| {
        options
            .iter()
            .any(|(name, _)| names.contains(&name.as_str()))
    };
    urls.extend(values(spec.url));
    let directory = values(spec.directory).pop();
    let in_directory = |file: String| match &directory {
        Some(dir) if !file.starts_with('/') => format!("{}/{file}", dir.trim_end_matches('/')),
        _ => file,
    };
    let outputs = values(spec.output);
    if !outputs.is_empty() {
        // `wget -O` writes one file whatever `-P` says; `curl -o` files go
        // to `--output-dir`.
        return if spec.names_by_default {
            outputs
        } else {
            outputs.into_iter().map(in_directory).collect()
        };
    }
    if has(spec.unknown_names) {
        return vec![directory.unwrap_or_else(|| ".".into())];
    }
    if !(spec.names_by_default || has(spec.remote_name)) {
        return Vec::new();
    }
    urls.iter()
        .filter_map(|url| url_file_name(url))
        .map(in_directory)
        .collect()
}

/// The file name a download of `url` gets: its last path component
/// (`https://x/a/tool.sh` is `tool.sh`), `index.html` for none.
fn url_file_name(url: &str) -> Option<String> {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme.split(['?', '#']).next().unwrap_or("");
    let name = match path.split_once('/') {
        Some((_, path)) => path.rsplit('/').next().unwrap_or(""),
        None => "",
    };
    let name = if name.is_empty() { "index.html" } else { name };
    (name != "." && name != "..").then(|| name.to_string())
}

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
    let extractor = EXTRACTORS.iter().find(|t| t.name == name);
    match name {
        _ if extractor.is_some() => {
            if let Some(tool) = extractor.filter(|tool| (tool.extracts)(args)) {
                // Without a directory option: the working directory.
                out.push(option_value(args, tool.dir_options).unwrap_or_else(|| ".".into()));
            }
        }
        "git" | "hg" if text(0) == Some("clone") => out.extend(checkout_dir(&args[1..])),
        "svn" if matches!(text(0), Some("checkout" | "co" | "export")) => {
            out.extend(checkout_dir(&args[1..]));
        }
        "gh" if text(0) == Some("repo") && text(1) == Some("clone") => {
            out.extend(checkout_dir(args.get(2..).unwrap_or(&[])));
        }
        "curl" => out.extend(downloads(args, &CURL)),
        "wget" => out.extend(downloads(args, &WGET)),
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

/// The files a command's output redirections (`> f`, `&> f`, not `>> f`)
/// create: they follow its words, before the next command (at `until`).
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
    // Most commands redirect nothing.
    if !tail.contains('>') {
        return Vec::new();
    }
    let mut rest = &tail[..command_end(tail)];
    let mut out = Vec::new();
    while let Some(at) = rest.find('>') {
        // `>> f` appends to a file that was there already: it makes none.
        let appends = rest[at + 1..].starts_with('>');
        let after = rest[at + 1..].trim_start_matches(['>', '|']);
        let after = after.trim_start_matches([' ', '\t']);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
            .unwrap_or(after.len());
        let target = after[..end].trim_matches(|c| c == '"' || c == '\'');
        // `2>&1` duplicates a descriptor; `/dev/null` writes nothing.
        if !appends
            && !target.is_empty()
            && !target.starts_with('&')
            && !target.starts_with("/dev/")
        {
            out.push(target.to_string());
        }
        rest = &after[end..];
    }
    out
}

/// Where the operator that ends a command (`&&`, `||`, `;`, a newline, a
/// pipe that is not `>|`) starts in the text after its words.
fn command_end(tail: &str) -> usize {
    let bytes = tail.as_bytes();
    let ends_at = |i: usize| match bytes[i] {
        b';' | b'\n' => true,
        b'&' => bytes.get(i + 1) == Some(&b'&'),
        b'|' => bytes.get(i + 1) == Some(&b'|') || i == 0 || bytes[i - 1] != b'>',
        _ => false,
    };
    (0..bytes.len())
        .find(|&i| ends_at(i))
        .unwrap_or(bytes.len())
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
            vec![vec!["/tmp/req.txt"], vec![], vec![], vec!["y"]]
        );
        assert_eq!(
            made("poetry export -f requirements.txt -o requirements.txt && pip freeze > frozen.txt 2>&1 && echo x >> /etc/y"),
            vec![vec!["requirements.txt"], vec!["frozen.txt"], vec![]]
        );
        assert!(made("pip install -r requirements.txt 2>/dev/null")[0].is_empty());
    }

    #[test]
    fn wget_saves_under_the_url_file_name() {
        assert_eq!(
            made("wget https://x/tool.sh && wget -q --tries 3 https://x/a/b.tar.gz?v=1 https://x/ && wget -P /opt/dl https://x/c.sh"),
            vec![
                vec!["tool.sh"],
                vec!["b.tar.gz", "index.html"],
                vec!["/opt/dl/c.sh"]
            ]
        );
        // `-qO-` writes stdout; `-O f` and `-qOf` the file; names the
        // command line does not tell make the whole directory fetched.
        assert_eq!(
            made("wget -qO- https://x | sh && wget -qO /tmp/r.txt https://x/r && wget -nv -Or.txt https://x/r && wget -r https://x/d/ && wget -i list.txt -P /opt"),
            vec![vec![], vec![], vec!["/tmp/r.txt"], vec!["r.txt"], vec!["."], vec!["/opt"]]
        );
    }

    #[test]
    fn curl_clusters_and_remote_names() {
        assert_eq!(
            made("curl -fsSLo /tmp/get.sh https://x/get.sh && curl -fsSLo/tmp/b https://x/b && curl -sSL -H 'A: b' https://x/c | sh && curl -fsSLO https://x/d/tool.tgz && curl --output-dir /opt -O https://x/e.zip"),
            vec![
                vec!["/tmp/get.sh"],
                vec!["/tmp/b"],
                vec![],
                vec![],
                vec!["tool.tgz"],
                vec!["/opt/e.zip"]
            ]
        );
    }

    #[test]
    fn each_archive_tool_has_its_own_directory_option() {
        assert_eq!(
            made("unzip -o x.zip -d /app/vendor && unzip -qo y.zip && bsdtar -xf z.tgz -C /opt/z && bsdtar -cf out.tar . && 7z x a.7z -o/opt/a && 7z a b.7z dir"),
            vec![
                vec!["/app/vendor"],
                vec!["."],
                vec!["/opt/z"],
                vec![],
                vec!["/opt/a"],
                vec![]
            ]
        );
    }

    #[test]
    fn appending_redirections_make_nothing() {
        assert_eq!(
            made("echo x >> requirements.txt && echo y &>> log.txt && echo z 2>> err.txt && echo w > new.txt"),
            vec![vec![], vec![], vec![], vec!["new.txt"]]
        );
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

    #[test]
    fn a_command_ends_at_its_first_operator() {
        let cases = [
            (" > out.txt && next", 11),
            (" > a || b", 5),
            (" >| forced; next", 10),
            (" 2>&1 | tee log", 6),
            (" > x\nnext", 4),
            ("|head", 0),
            (" >||x", 2),
            (" > x & y", 8),
            (" > x", 4),
        ];
        for (tail, end) in cases {
            assert_eq!(command_end(tail), end, "{tail:?}");
        }
    }
}
