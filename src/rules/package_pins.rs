//! Version pins of package installs, shared by the hadolint pin rules
//! (DL3008 apt, DL3018 apk, DL3013 pip, DL3016 npm, DL3028 gem, DL3033 yum,
//! DL3037 zypper, DL3041 dnf, DL3062 go).
//!
//! Each ecosystem is one [`Ecosystem`] in a table: which managers and
//! install subcommands it covers, which options pin every package of the
//! command (`gem install x -v 1`, `pip install -c constraints.txt`), and a
//! `classify` function that reads one package argument: pinned, unpinned,
//! or not something a version applies to (a local file, a path, a URL, a
//! group). Install detection itself is [`crate::shell::PackageInstall`].
//!
//! Words with expansions are read with their quotes removed: a variable
//! that an `ARG` (anywhere earlier) or an `ENV` (earlier in the stage or
//! the stages it is built from) declares reads as a version (`0`), as
//! does a command substitution (`kernel-devel-$(uname -r)`); any other
//! variable stays as written, so `curl=${V}` is pinned by its `=` and a bare
//! `$PKGS` is not (hadolint reports both words the same way).

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::dockerfile::{InstructionKind, Keyword};
use crate::rules::run_shell::run_shells;
use crate::rules::stages::effective;
use crate::rules::DockerfileContext;
use crate::shell::{PackageInstall, PackageManager, RunScript, SimpleCommand, Word};
use crate::span::Span;

/// How one package argument stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// It names a version (or a version range the ecosystem accepts as a pin).
    Pinned,
    /// It names a package without a version.
    Unpinned,
    /// No version applies: a local file, a directory, a URL, a group.
    NotVersioned,
}

/// One package ecosystem's pin conventions.
pub struct Ecosystem {
    /// The managers whose installs are read.
    pub managers: &'static [PackageManager],
    /// Install subcommands whose packages are read (`install`, `module install`).
    pub subcommands: &'static [&'static str],
    /// Options that pin every package of the command (`gem install x -v 1`)
    /// or make it install nothing (`apt-get install -s x`, a simulation).
    pub pinning_options: &'static [&'static str],
    /// Words after `--` are the tool's own arguments (gem's build options).
    pub stop_at_double_dash: bool,
    /// Reads one package argument (quotes removed); the second argument is the subcommand.
    pub classify: fn(&str, &str) -> Pin,
    /// More commands that name packages, which are not installs
    /// ([`PackageInstall`]): `go run pkg@v1`, `pipx install x`.
    pub extra: Option<fn(&SimpleCommand) -> Vec<&Word>>,
    /// How to pin `name`: `curl=<version>`.
    pub pinned_form: fn(&str) -> String,
    /// Installs whose arguments are not packages (`zypper install -t pattern x`).
    pub skip: Option<fn(&PackageInstall<'_>) -> bool>,
    /// When not empty, the `--options` the install knows that take no value:
    /// a word after any other `--option` is that option's value, not a
    /// package (gem refuses options it does not know).
    pub known_switches: &'static [&'static str],
    /// Text one of the programs' names contains: a RUN without any is not
    /// parsed (a cheap filter; the shell analysis is what costs).
    pub needles: &'static [&'static str],
}

/// One unpinned package argument.
pub struct Unpinned {
    /// The package word.
    pub span: Span,
    /// The word as read (quotes removed).
    pub text: String,
    /// For a variable (`$PKGS`), the unpinned packages of the list it holds.
    pub listed: Vec<String>,
    /// Where the install command starts: the packages of one command are
    /// one finding.
    pub command: usize,
}

/// Every unpinned package of `eco` in the RUNs (and `ONBUILD RUN`s) of the file.
pub fn unpinned(ctx: &DockerfileContext<'_>, eco: &Ecosystem) -> Vec<Unpinned> {
    let df = ctx.dockerfile;
    // Nine pin rules walk the file's scopes: only those whose manager it
    // uses (an ecosystem with `extra` commands, `go run`, `pipx`, always).
    if eco.extra.is_none() && !df.installs_with(|m| eco.managers.contains(&m)) {
        return Vec::new();
    }
    let mut shells = None;
    let mut found = Vec::new();
    let mut scope = Scope::default();
    let mut stage_end_env: Vec<HashMap<String, Option<String>>> = Vec::new();
    let mut stage = None::<usize>;
    for (node, ins) in df.instructions() {
        let inner = effective(ins);
        match &inner.kind {
            _ if ins.keyword == Keyword::From => {
                if let Some(current) = stage {
                    stage_end_env.push(std::mem::take(&mut scope.env));
                    debug_assert_eq!(stage_end_env.len(), current + 1);
                }
                let index = stage.map_or(0, |s| s + 1);
                stage = Some(index);
                scope.env = df
                    .stage_parent(index)
                    .and_then(|p| stage_end_env.get(p).cloned())
                    .unwrap_or_default();
            }
            InstructionKind::Arg(decls) if std::ptr::eq(inner, ins) => {
                scope.args.extend(decls.iter().map(|d| {
                    let default = d.default.as_ref().map(|v| v.value.clone());
                    (d.name.value.clone(), default)
                }));
            }
            InstructionKind::Env(pairs) if std::ptr::eq(inner, ins) => {
                scope.env.extend(
                    pairs
                        .iter()
                        .map(|p| (p.key.value.clone(), Some(p.value.value.clone()))),
                );
            }
            InstructionKind::Run(_) => {
                let text = ins.span.slice(&df.source);
                if !eco.needles.iter().any(|n| text.contains(n)) {
                    continue;
                }
                if shells
                    .get_or_insert_with(|| run_shells(df))
                    .get(node)
                    .and_then(|s| s.as_ref())
                    .is_some_and(|s| !s.is_posix())
                {
                    continue;
                }
                for script in df.run_scripts(ins).iter() {
                    let reading = Reading {
                        eco,
                        scope: &scope,
                        script,
                    };
                    for install in script.installs_of(|m| eco.managers.contains(&m)) {
                        reading.check_install(&install, &mut found);
                    }
                    if let Some(extra) = eco.extra {
                        for command in script.commands() {
                            for word in extra(command) {
                                reading.push_if_unpinned(word, "", command.span.start, &mut found);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Builds the diagnostics of a pin rule: one per install command (as
/// hadolint reports one per RUN), at its first unpinned package, naming
/// them all; the other package words are labels. `action` starts the
/// message (`Pin versions in apt-get install`).
pub fn check(
    ctx: &DockerfileContext<'_>,
    eco: &Ecosystem,
    out: &mut Vec<Diagnostic>,
    action: &str,
    help: fn(&str, &str) -> String,
) {
    let found = unpinned(ctx, eco);
    // Diagnostics are large: growing `out` by doubling would copy them over and over.
    out.reserve(found.chunk_by(|a, b| a.command == b.command).count());
    for group in found.chunk_by(|a, b| a.command == b.command) {
        let Some(first) = group.first() else {
            continue;
        };
        let example = first.listed.first().unwrap_or(&first.text);
        let pinned = (eco.pinned_form)(example);
        // Built with `concat` (one exact allocation): a file can have a
        // thousand unpinned packages.
        let mut diag = ctx
            .diagnostic(first.span, [action, ": ", &describe(group)].concat())
            .with_help(help(example, &pinned));
        for other in &group[1..] {
            diag = diag.with_label(other.span, "no version either");
        }
        out.push(diag);
    }
}

/// `` `curl` has no version``, `` `curl`, `git` and 3 more have no
/// version``, `` `$PKGS` holds packages without a version: `a`, `b` ``.
fn describe(group: &[Unpinned]) -> String {
    const NAMED: usize = 4;
    if let [one] = group {
        if !one.listed.is_empty() {
            let names: Vec<String> = one.listed.iter().map(|p| format!("`{p}`")).collect();
            return format!(
                "`{}` holds packages without a version: {}",
                one.text,
                names.join(", ")
            );
        }
        return ["`", &one.text, "` has no version"].concat();
    }
    let mut names: Vec<String> = group
        .iter()
        .take(NAMED)
        .map(|u| format!("`{}`", u.text))
        .collect();
    let rest = group.len().saturating_sub(NAMED);
    let last = if rest > 0 {
        format!("{rest} more")
    } else {
        names.pop().unwrap_or_default()
    };
    format!("{} and {last} have no version", names.join(", "))
}

/// Variables declared so far: every earlier `ARG`, and the `ENV`s of the
/// stage and of the stages it is built from (as hadolint reads them).
/// Each name maps to its value as written, when it has one.
#[derive(Default)]
struct Scope {
    args: HashMap<String, Option<String>>,
    env: HashMap<String, Option<String>>,
}

impl Scope {
    fn declares(&self, name: &str) -> bool {
        self.args.contains_key(name) || self.env.contains_key(name)
    }

    /// The value `name` has in a RUN: the `ENV` one, else the `ARG` default.
    fn value(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .or_else(|| self.args.get(name))
            .and_then(|v| v.as_deref())
    }
}

/// What a RUN script's package words are read against.
struct Reading<'a> {
    eco: &'a Ecosystem,
    scope: &'a Scope,
    script: &'a RunScript,
}

impl Reading<'_> {
    fn check_install(&self, install: &PackageInstall<'_>, found: &mut Vec<Unpinned>) {
        let eco = self.eco;
        if !eco.managers.contains(&install.manager) {
            return;
        }
        let Some(subcommand) = install.subcommand_str() else {
            return;
        };
        if !eco.subcommands.contains(&subcommand) {
            return;
        }
        if !eco.pinning_options.is_empty() && install.has_flag(eco.pinning_options) {
            return;
        }
        if eco.skip.is_some_and(|skip| skip(install)) {
            return;
        }
        let args = &install.command.args;
        // `gem install x:1 -- --with-opt=y`: the rest goes to the build.
        let end = if eco.stop_at_double_dash {
            args.iter()
                .find(|w| w.raw == "--")
                .map_or(usize::MAX, |w| w.span.start)
        } else {
            usize::MAX
        };
        // Words after an option the tool does not know are that option's value.
        let values_of_unknown: Vec<usize> = if eco.known_switches.is_empty() {
            Vec::new()
        } else {
            args.windows(2)
                .filter(|pair| {
                    pair[0].as_str().is_some_and(|t| {
                        t.starts_with("--") && !t.contains('=') && !eco.known_switches.contains(&t)
                    })
                })
                .map(|pair| pair[1].span.start)
                .collect()
        };
        for package in &install.packages {
            if package.span.start >= end {
                break;
            }
            if values_of_unknown.contains(&package.span.start) {
                continue;
            }
            self.push_if_unpinned(package, subcommand, install.span.start, found);
        }
    }

    fn push_if_unpinned(
        &self,
        word: &Word,
        subcommand: &str,
        command_start: usize,
        found: &mut Vec<Unpinned>,
    ) {
        let text = match word.as_str() {
            Some(value) => value.to_string(),
            None => match whole_variable(&word.raw) {
                Some(name) => {
                    // `$PKGS`: read the list it holds, when the file shows it.
                    let Some(value) = self.list_value(name, command_start) else {
                        return;
                    };
                    let unpinned: Vec<String> = value
                        .split_whitespace()
                        .filter(|p| !p.starts_with('-'))
                        .filter(|p| (self.eco.classify)(p, subcommand) == Pin::Unpinned)
                        .map(str::to_string)
                        .collect();
                    if !unpinned.is_empty() {
                        found.push(Unpinned {
                            span: word.span,
                            text: word.raw.trim_matches('"').to_string(),
                            listed: unpinned,
                            command: command_start,
                        });
                    }
                    return;
                }
                // `$(cat packages.txt)`: the list is not in the file either.
                None if is_whole_substitution(&word.raw) => return,
                None => read_expansions(&word.raw, self.scope),
            },
        };
        if text.is_empty() {
            return;
        }
        if (self.eco.classify)(&text, subcommand) == Pin::Unpinned {
            // Shown as written, variables kept (`${PKG}-dev`), quotes removed.
            let shown = if word.is_static() {
                text
            } else {
                word.raw.replace(['"', '\''], "")
            };
            found.push(Unpinned {
                span: word.span,
                text: shown,
                listed: Vec::new(),
                command: command_start,
            });
        }
    }

    /// The package list variable `name` holds at the command starting at
    /// `before`: the last plain assignment in the script before it, else the
    /// `ENV` value or `ARG` default. `None` when it is not visible (no
    /// value, or the output of a command).
    fn list_value(&self, name: &str, before: usize) -> Option<String> {
        let prefix = format!("{name}=");
        let assigned = self
            .script
            .commands()
            .iter()
            .rev()
            .filter(|c| c.name.is_none() && c.span.start < before)
            .flat_map(|c| c.assignments.iter().rev())
            .find(|a| a.raw.starts_with(&prefix))
            .map(|a| a.raw[prefix.len()..].to_string());
        let raw = match assigned {
            Some(raw) => raw,
            None => self.scope.value(name)?.to_string(),
        };
        if raw.contains("$(") || raw.contains('`') {
            return None;
        }
        Some(read_expansions(&raw, self.scope))
    }
}

/// Whether `raw` is one command substitution and nothing else (`$(cat x)`, `` `cat x` ``).
fn is_whole_substitution(raw: &str) -> bool {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    (inner.starts_with("$(") && inner.ends_with(')') && !inner.starts_with("$(("))
        || (inner.len() > 1 && inner.starts_with('`') && inner.ends_with('`'))
}

/// The variable name when `raw` is one expansion and nothing else (`$X`, `"${X}"`).
fn whole_variable(raw: &str) -> Option<&str> {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    let name = inner.strip_prefix('$')?;
    let name = match name.strip_prefix('{') {
        Some(braced) => braced.strip_suffix('}')?,
        None => name,
    };
    (!name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit()))
    .then_some(name)
}

/// `raw` with quotes removed, declared variables and command substitutions
/// read as `0`, other variables kept as written.
fn read_expansions(raw: &str, scope: &Scope) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i += 1,
            b'\\' => {
                if let Some(c) = raw[i + 1..].chars().next() {
                    out.push(c);
                    i += 1 + c.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'`' => {
                let close = raw[i + 1..].find('`').map_or(bytes.len(), |j| i + 2 + j);
                out.push('0');
                i = close;
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < bytes.len() {
                    match bytes[j] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                out.push('0');
                i = j + 1;
            }
            b'$' => {
                let braced = bytes.get(i + 1) == Some(&b'{');
                let start = i + 1 + usize::from(braced);
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                if end == start {
                    out.push('$');
                    i += 1;
                    continue;
                }
                let close = if braced {
                    raw[end..].find('}').map_or(bytes.len(), |j| end + j + 1)
                } else {
                    end
                };
                if scope.declares(&raw[start..end]) {
                    out.push('0');
                } else {
                    out.push_str(&raw[i..close]);
                }
                i = close;
            }
            _ => {
                let c = raw[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

// ------------------------------------------------------------------ apt

/// `apt-get install curl=7.88*`, `curl/bookworm-backports`, `./x.deb`.
pub static APT: Ecosystem = Ecosystem {
    managers: &[PackageManager::AptGet, PackageManager::Apt],
    subcommands: &["install", "reinstall"],
    pinning_options: &[
        "-s",
        "--simulate",
        "--dry-run",
        "--just-print",
        "--no-act",
        "--recon",
        "-d",
        "--download-only",
    ],
    stop_at_double_dash: false,
    classify: apt_pin,
    extra: None,
    pinned_form: |name| [name, "=<version>"].concat(),
    skip: None,
    known_switches: &[],
    needles: &["apt"],
};

fn apt_pin(package: &str, _: &str) -> Pin {
    if package.ends_with(".deb") || package.starts_with(['.', '/']) {
        Pin::NotVersioned
    } else if package.contains(['=', '/']) {
        // `=version` (wildcards too), or `/release`.
        Pin::Pinned
    } else {
        Pin::Unpinned
    }
}

// ------------------------------------------------------------------ apk

/// `apk add curl=8.5.0-r0`, `curl~8.5`, `"curl>8"`, `./x.apk`.
pub static APK: Ecosystem = Ecosystem {
    managers: &[PackageManager::Apk],
    subcommands: &["add"],
    pinning_options: &["-s", "--simulate"],
    stop_at_double_dash: false,
    classify: apk_pin,
    extra: None,
    pinned_form: |name| [name, "=<version>"].concat(),
    skip: None,
    known_switches: &[],
    needles: &["apk"],
};

fn apk_pin(package: &str, _: &str) -> Pin {
    if package.ends_with(".apk") || package.starts_with(['.', '/']) {
        Pin::NotVersioned
    } else if package.contains(['=', '~', '<', '>']) {
        Pin::Pinned
    } else {
        Pin::Unpinned
    }
}

// ------------------------------------------------------------------ pip

/// `pip install flask==2.0`, `'flask>=2'`, `git+https://...@v1`, local
/// paths and archives; `-c constraints.txt` pins the whole command.
pub static PIP: Ecosystem = Ecosystem {
    managers: &[PackageManager::Pip],
    subcommands: &["install"],
    pinning_options: &["-c", "--constraint", "--dry-run"],
    stop_at_double_dash: false,
    classify: pip_pin,
    extra: Some(pipx_packages),
    pinned_form: |name| format!("{name}==<version>"),
    skip: None,
    known_switches: &[],
    needles: &["pip"],
};

/// Version operators of PEP 440 (and `@` of a direct reference).
const PIP_OPERATORS: &[&str] = &["==", ">=", "<=", "!=", "~=", ">", "<", "@"];

/// VCS schemes pip accepts (`git+https://`, `hg+ssh://`, ...).
const VCS_PREFIXES: &[&str] = &["git+", "hg+", "svn+", "bzr+", "git://"];

/// Archives pip installs from a file or URL.
const PIP_ARCHIVES: &[&str] = &[".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip"];

fn pip_pin(package: &str, _: &str) -> Pin {
    if VCS_PREFIXES.iter().any(|p| package.starts_with(p)) {
        return if vcs_has_revision(package) {
            Pin::Pinned
        } else {
            Pin::Unpinned
        };
    }
    if package.starts_with(['.', '/', '~'])
        || package.contains('/')
        || PIP_ARCHIVES.iter().any(|s| package.ends_with(s))
    {
        return Pin::NotVersioned;
    }
    if PIP_OPERATORS.iter().any(|op| package.contains(op)) {
        Pin::Pinned
    } else {
        Pin::Unpinned
    }
}

/// `git+https://host/repo.git@v1.0#egg=x`: a `@rev` in the path (not the `user@` of the host).
fn vcs_has_revision(url: &str) -> bool {
    let url = url.split('#').next().unwrap_or(url);
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split_once('/')
        .is_some_and(|(_, path)| path.contains('@'))
}

/// Options of `pipx install` that take a value.
const PIPX_VALUE_OPTIONS: &[&str] = &[
    "--python",
    "--pip-args",
    "--index-url",
    "-i",
    "--suffix",
    "--preinstall",
    "--backend",
];

/// The packages of `pipx install ...`.
fn pipx_packages(command: &SimpleCommand) -> Vec<&Word> {
    positionals_after(command, "pipx", &["install"], PIPX_VALUE_OPTIONS)
}

// ------------------------------------------------------------------ npm

/// `npm install express@4`, `@scope/x@1`, git URLs with `#ref`, tarballs, folders.
pub static NPM: Ecosystem = Ecosystem {
    managers: &[PackageManager::Npm],
    subcommands: &["install", "i", "add", "in", "isntall"],
    pinning_options: &["--dry-run"],
    stop_at_double_dash: false,
    classify: npm_pin,
    extra: None,
    pinned_form: |name| format!("{}@<version>", npm_name(name)),
    skip: None,
    known_switches: &[],
    needles: &["npm"],
};

const NPM_GIT_PREFIXES: &[&str] = &["git://", "git+ssh://", "git+http://", "git+https://"];
const NPM_HOSTED_PREFIXES: &[&str] = &["github:", "gitlab:", "bitbucket:", "gist:"];
const NPM_TARBALLS: &[&str] = &[".tar", ".tar.gz", ".tgz"];

fn npm_pin(package: &str, _: &str) -> Pin {
    let pinned_if = |yes: bool| if yes { Pin::Pinned } else { Pin::Unpinned };
    if NPM_GIT_PREFIXES
        .iter()
        .chain(NPM_HOSTED_PREFIXES)
        .any(|p| package.starts_with(p))
    {
        return pinned_if(package.contains('#'));
    }
    if NPM_TARBALLS.iter().any(|s| package.ends_with(s))
        || package.starts_with(['.', '/', '~'])
        || package.starts_with("file:")
        || package.starts_with("http://")
        || package.starts_with("https://")
    {
        return Pin::NotVersioned;
    }
    let unscoped = match package.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map_or("", |(_, name)| name),
        None => package,
    };
    match unscoped.split_once('@') {
        Some((_, version)) => pinned_if(!version.is_empty() && version != "latest"),
        // `user/repo` is a GitHub shorthand, pinned by `#ref`.
        None if package.contains('/') && !package.starts_with('@') => {
            pinned_if(package.contains('#'))
        }
        None => Pin::Unpinned,
    }
}

/// The package name of an npm argument without its tag (`x@latest` → `x`).
pub fn npm_name(package: &str) -> &str {
    let scope_len = if package.starts_with('@') {
        package.find('/').map_or(0, |i| i + 1)
    } else {
        0
    };
    match package[scope_len..].find('@') {
        Some(at) => &package[..scope_len + at],
        None => package,
    }
}

// ------------------------------------------------------------------ gem

/// `gem install rails:7.1`, `gem install rails -v 7.1`, `./x.gem`.
pub static GEM: Ecosystem = Ecosystem {
    managers: &[PackageManager::Gem],
    subcommands: &["install", "i"],
    pinning_options: &["-v", "--version"],
    stop_at_double_dash: true,
    classify: gem_pin,
    extra: None,
    pinned_form: |name| format!("{name}:<version>"),
    skip: None,
    known_switches: GEM_SWITCHES,
    needles: &["gem"],
};

/// `gem install` options that take no value.
const GEM_SWITCHES: &[&str] = &[
    "--no-document",
    "--document",
    "--no-ri",
    "--no-rdoc",
    "--ri",
    "--rdoc",
    "--user-install",
    "--no-user-install",
    "--force",
    "--no-force",
    "--conservative",
    "--minimal-deps",
    "--development",
    "--development-all",
    "--prerelease",
    "--no-prerelease",
    "--pre",
    "--local",
    "--remote",
    "--both",
    "--clear-sources",
    "--ignore-dependencies",
    "--env-shebang",
    "--no-env-shebang",
    "--wrappers",
    "--no-wrappers",
    "--quiet",
    "--silent",
    "--verbose",
    "--no-verbose",
    "--default",
    "--explain",
    "--lock",
    "--no-lock",
    "--suggestions",
    "--no-suggestions",
    "--update-sources",
    "--no-update-sources",
    "--format-executable",
    "--no-format-executable",
    "--post-install-message",
    "--no-post-install-message",
    "--norc",
    "--backtrace",
    "--debug",
    "--vendor",
    "--system",
    "--no-http-proxy",
    "--install-as-default",
];

fn gem_pin(package: &str, _: &str) -> Pin {
    if package.ends_with(".gem") || package.starts_with(['.', '/']) {
        Pin::NotVersioned
    } else if package.contains(':') {
        Pin::Pinned
    } else {
        Pin::Unpinned
    }
}

// ------------------------------------------------------------------ rpm

/// `yum install httpd-2.4.6`, `openssl-1:1.1.1k`, `yum module install nodejs:18`.
pub static YUM: Ecosystem = Ecosystem {
    managers: &[PackageManager::Yum],
    subcommands: &["install", "reinstall", "localinstall", "module install"],
    pinning_options: &["--downloadonly", "--assumeno"],
    stop_at_double_dash: false,
    classify: rpm_pin,
    extra: None,
    pinned_form: rpm_pinned_form,
    skip: None,
    known_switches: &[],
    needles: &["yum"],
};

/// `dnf install httpd-2.4.6`, `microdnf install ...`, `dnf module install nodejs:18`.
pub static DNF: Ecosystem = Ecosystem {
    managers: &[PackageManager::Dnf, PackageManager::Microdnf],
    subcommands: &["install", "reinstall", "localinstall", "module install"],
    pinning_options: &["--downloadonly", "--assumeno"],
    stop_at_double_dash: false,
    classify: rpm_pin,
    extra: None,
    pinned_form: rpm_pinned_form,
    skip: None,
    known_switches: &[],
    needles: &["dnf"],
};

fn rpm_pinned_form(name: &str) -> String {
    format!("{name}-<version>")
}

/// Characters of an rpm version or release (`1:2.51.0`, `2.fc42`, `1.*`).
fn is_rpm_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+' | '*')
}

fn rpm_pin(package: &str, subcommand: &str) -> Pin {
    if package.ends_with(".rpm") || package.contains('/') || package.starts_with('@') {
        return Pin::NotVersioned;
    }
    if subcommand == "module install" {
        // A module stream: `nodejs:18`, `nodejs:18/common`.
        return if package.contains(':') {
            Pin::Pinned
        } else {
            Pin::Unpinned
        };
    }
    if package.contains(['=', '<', '>']) {
        return Pin::Pinned;
    }
    // `name-version[-release]`: the last dash-separated part is a version
    // or release (starts with a digit): `git-core-2.51.0-2.fc42`.
    match package.rsplit_once('-') {
        Some((name, last))
            if !name.is_empty()
                && last.starts_with(|c: char| c.is_ascii_digit())
                && last.chars().all(is_rpm_version_char) =>
        {
            Pin::Pinned
        }
        _ => Pin::Unpinned,
    }
}

// ------------------------------------------------------------------ zypper

/// `zypper install curl=8.0`, `'curl>=8'`, `./x.rpm`; `-t pattern` is not a package.
pub static ZYPPER: Ecosystem = Ecosystem {
    managers: &[PackageManager::Zypper],
    subcommands: &["install", "in"],
    pinning_options: &["--dry-run", "-D", "--download-only", "-d"],
    stop_at_double_dash: false,
    classify: zypper_pin,
    extra: None,
    pinned_form: |name| [name, "=<version>"].concat(),
    skip: Some(zypper_non_package_type),
    known_switches: &[],
    needles: &["zypper"],
};

fn zypper_pin(package: &str, _: &str) -> Pin {
    if package.ends_with(".rpm") || package.contains('/') {
        Pin::NotVersioned
    } else if package.contains(['=', '<', '>']) {
        Pin::Pinned
    } else {
        Pin::Unpinned
    }
}

/// Whether a zypper install names something other than packages (`-t pattern`).
pub fn zypper_non_package_type(install: &PackageInstall<'_>) -> bool {
    ["-t", "--type"]
        .iter()
        .any(|name| install.flag_value(name).is_some_and(|v| v != "package"))
}

// ------------------------------------------------------------------ go

/// `go install example.com/cmd@v1.2.3`, `go get x@v1`, `go run x@v1`; local
/// packages (`./...`, `.`, `main.go`) have no version.
pub static GO: Ecosystem = Ecosystem {
    managers: &[PackageManager::Go],
    subcommands: &["install", "get"],
    pinning_options: &[],
    stop_at_double_dash: false,
    classify: go_pin,
    extra: Some(go_run_package),
    pinned_form: |name| format!("{}@<version>", name.split('@').next().unwrap_or(name)),
    skip: None,
    known_switches: &[],
    needles: &["go"],
};

/// Package patterns that name no module (`go install tool` builds go.mod's tools).
const GO_PATTERNS: &[&str] = &["all", "std", "cmd", "tool"];

/// Version queries that are not a version.
const GO_MOVING_QUERIES: &[&str] = &["latest", "upgrade", "patch", ""];

fn go_pin(package: &str, _: &str) -> Pin {
    let path = package.split('@').next().unwrap_or(package);
    if path.starts_with(['.', '/']) || path.ends_with(".go") || GO_PATTERNS.contains(&path) {
        return Pin::NotVersioned;
    }
    match package.split_once('@') {
        Some((_, version)) if !GO_MOVING_QUERIES.contains(&version) => Pin::Pinned,
        _ => Pin::Unpinned,
    }
}

/// Build flags of the go command that take a value.
const GO_VALUE_OPTIONS: &[&str] = &[
    "-ldflags",
    "-tags",
    "-gcflags",
    "-asmflags",
    "-mod",
    "-modfile",
    "-C",
    "-p",
    "-pkgdir",
    "-toolexec",
    "-buildmode",
    "-compiler",
    "-exec",
    "-overlay",
    "-pgo",
    "-o",
    "-installsuffix",
    "-gccgoflags",
    "--ldflags",
    "--tags",
    "--gcflags",
];

/// The package of `go run pkg@v1 args...` (only the first positional: the
/// rest are the program's arguments).
fn go_run_package(command: &SimpleCommand) -> Vec<&Word> {
    let mut words = positionals_after(command, "go", &["run"], GO_VALUE_OPTIONS);
    words.truncate(1);
    words
}

/// The positional words of `program subcommand...` after the subcommand,
/// options (and the values of `value_options`) left out; stops at `--`.
fn positionals_after<'a>(
    command: &'a SimpleCommand,
    program: &str,
    subcommand: &[&str],
    value_options: &[&str],
) -> Vec<&'a Word> {
    let Some((name, args)) = command.effective() else {
        return Vec::new();
    };
    if crate::shell::command_basename(name) != Some(program) {
        return Vec::new();
    }
    let mut positionals = Vec::new();
    let mut matched = 0;
    let mut i = 0;
    while let Some(word) = args.get(i) {
        i += 1;
        let text = word.as_str().unwrap_or("");
        if text == "--" {
            break;
        }
        if text.starts_with('-') && text.len() > 1 {
            if value_options.contains(&text) {
                i += 1;
            }
            continue;
        }
        if matched < subcommand.len() {
            if word.as_str() != Some(subcommand[matched]) {
                return Vec::new();
            }
            matched += 1;
            continue;
        }
        positionals.push(word);
    }
    if matched < subcommand.len() {
        return Vec::new();
    }
    positionals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_forms() {
        for (p, want) in [
            ("curl", Pin::Unpinned),
            ("curl=7.88.1-10", Pin::Pinned),
            ("curl=7.*", Pin::Pinned),
            ("git=1:2.5.0*", Pin::Pinned),
            ("curl/bookworm-backports", Pin::Pinned),
            ("./x.deb", Pin::NotVersioned),
            ("/tmp/x.deb", Pin::NotVersioned),
        ] {
            assert_eq!(apt_pin(p, "install"), want, "{p}");
        }
    }

    #[test]
    fn pip_forms() {
        for (p, want) in [
            ("flask", Pin::Unpinned),
            ("flask[async]", Pin::Unpinned),
            ("flask==2.0", Pin::Pinned),
            ("flask>=2", Pin::Pinned),
            ("flask~=2.0", Pin::Pinned),
            ("flask!=0.7", Pin::Pinned),
            (".", Pin::NotVersioned),
            (".[dev]", Pin::NotVersioned),
            ("foo/bar", Pin::NotVersioned),
            ("pkg.zip", Pin::NotVersioned),
            ("mypkg.whl", Pin::NotVersioned),
            ("https://foo.bar/baz.zip", Pin::NotVersioned),
            ("git+https://github.com/a/b.git@0.6#egg=b", Pin::Pinned),
            ("git+ssh://git@github.com/a/b.git#egg=b", Pin::Unpinned),
            ("git+https://github.com/a/b.git#egg=b", Pin::Unpinned),
        ] {
            assert_eq!(pip_pin(p, "install"), want, "{p}");
        }
    }

    #[test]
    fn npm_forms() {
        for (p, want) in [
            ("express", Pin::Unpinned),
            ("express@4.1.1", Pin::Pinned),
            ("express@latest", Pin::Unpinned),
            ("@org/pkg", Pin::Unpinned),
            ("@org/pkg@>=0.1.0 <0.2.0", Pin::Pinned),
            ("git+ssh://git@github.com:npm/npm.git", Pin::Unpinned),
            ("git://github.com/npm/npm.git#v1.0.27", Pin::Pinned),
            ("user/repo", Pin::Unpinned),
            ("user/repo#v1", Pin::Pinned),
            ("package-v1.2.3.tgz", Pin::NotVersioned),
            ("~/folder", Pin::NotVersioned),
        ] {
            assert_eq!(npm_pin(p, "install"), want, "{p}");
        }
        assert_eq!(npm_name("@org/pkg@latest"), "@org/pkg");
        assert_eq!(npm_name("npm@latest"), "npm");
    }

    #[test]
    fn rpm_forms() {
        for (p, want) in [
            ("tomcat", Pin::Unpinned),
            ("rpm-sign", Pin::Unpinned),
            ("python3-pip", Pin::Unpinned),
            ("java-11-openjdk", Pin::Unpinned),
            ("tomcat-9.0.1", Pin::Pinned),
            ("openssl-1:1.1.1k", Pin::Pinned),
            ("gcc-c++-1.1.1", Pin::Pinned),
            ("git-core-2.51.0-2.fc42", Pin::Pinned),
            (
                "https://x/epel-release-latest-8.noarch.rpm",
                Pin::NotVersioned,
            ),
            ("@development-tools", Pin::NotVersioned),
        ] {
            assert_eq!(rpm_pin(p, "install"), want, "{p}");
        }
        assert_eq!(rpm_pin("tomcat", "module install"), Pin::Unpinned);
        assert_eq!(rpm_pin("tomcat:9", "module install"), Pin::Pinned);
    }

    #[test]
    fn go_forms() {
        for (p, want) in [
            ("example.com/pkg", Pin::Unpinned),
            ("example.com/pkg@latest", Pin::Unpinned),
            ("example.com/pkg@v1.2.3", Pin::Pinned),
            ("./...", Pin::NotVersioned),
            (".", Pin::NotVersioned),
            ("main.go", Pin::NotVersioned),
        ] {
            assert_eq!(go_pin(p, "install"), want, "{p}");
        }
    }

    #[test]
    fn expansions_read_declared_variables_as_versions() {
        let mut scope = Scope::default();
        scope.args.insert("version".into(), None);
        assert_eq!(read_expansions("git-core-${version}", &scope), "git-core-0");
        assert_eq!(read_expansions("git-core-$version", &scope), "git-core-0");
        assert_eq!(read_expansions("\"$PKGS\"", &scope), "$PKGS");
        assert_eq!(read_expansions("k-$(uname -r)", &scope), "k-0");
        assert_eq!(read_expansions("'a=b'${X:-1}", &scope), "a=b${X:-1}");
    }
}
