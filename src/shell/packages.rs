//! Package-manager install commands and the packages they install.
//!
//! Everything manager-specific is data in [`MANAGERS`]: the executable
//! names, the subcommands that install, and the options that take a value
//! (so `-o Dpkg::Options::=--force-confold` or `--index-url URL` are never
//! mistaken for packages).

use super::word::Word;
use super::SimpleCommand;
use crate::span::Span;

/// A package manager bakelint recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageManager {
    AptGet,
    Apt,
    Apk,
    Dnf,
    Yum,
    Microdnf,
    Zypper,
    Pip,
    Npm,
    Yarn,
    Pnpm,
    Gem,
    Go,
    Cargo,
    Composer,
    Bundle,
}

impl PackageManager {
    /// The usual executable name.
    pub fn as_str(self) -> &'static str {
        spec(self).names[0]
    }

    /// Splits a package argument into its name and version constraint, the
    /// constraint keeping its operator so nothing is lost: `curl=7.88*` →
    /// (`curl`, `=7.88*`), `flask>=2` → (`flask`, `>=2`), `@types/node@20` →
    /// (`@types/node`, `@20`), `httpd-2.4.6` (rpm) → (`httpd`, `-2.4.6`).
    pub fn split_version(self, spec: &str) -> (&str, Option<&str>) {
        let separators = spec_separators(self);
        // Scoped npm names start with `@`; never split at byte 0.
        let at = spec
            .char_indices()
            .skip(1)
            .find(|(_, c)| separators.contains(c))
            .map(|(i, _)| i);
        let at = match (at, rpm_style(self)) {
            (Some(i), _) => Some(i),
            // `name-1.2.3`: the first `-` followed by a digit.
            (None, true) => spec
                .as_bytes()
                .windows(2)
                .position(|w| w[0] == b'-' && w[1].is_ascii_digit())
                .filter(|&i| i > 0),
            (None, false) => None,
        };
        match at {
            Some(i) => (&spec[..i], Some(&spec[i..])),
            None => (spec, None),
        }
    }

    /// System (OS-level) package managers, as opposed to language ones.
    pub fn is_system(self) -> bool {
        matches!(
            self,
            PackageManager::AptGet
                | PackageManager::Apt
                | PackageManager::Apk
                | PackageManager::Dnf
                | PackageManager::Yum
                | PackageManager::Microdnf
                | PackageManager::Zypper
        )
    }
}

/// Characters that start a version constraint in a package argument.
fn spec_separators(manager: PackageManager) -> &'static [char] {
    use PackageManager::*;
    match manager {
        AptGet | Apt => &['=', '/'],
        Apk => &['=', '~', '<', '>'],
        Dnf | Yum | Microdnf | Zypper => &['=', '<', '>'],
        Pip => &['=', '<', '>', '!', '~', ';', '@', ' '],
        Npm | Yarn | Pnpm | Go | Cargo => &['@'],
        Gem | Composer => &[':'],
        Bundle => &[],
    }
}

/// Managers whose packages may be written `name-version` (rpm NEVRA).
fn rpm_style(manager: PackageManager) -> bool {
    matches!(
        manager,
        PackageManager::Dnf | PackageManager::Yum | PackageManager::Microdnf
    )
}

/// An option of an install command, with its value when it takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallFlag<'a> {
    /// The option word (`-y`, `--no-cache`, `--index-url`, `--target=/x`).
    pub flag: &'a Word,
    /// The separate value word (`URL` of `--index-url URL`), if the option takes one.
    pub value: Option<&'a Word>,
}

/// Words of an install, in order: the command's own, or made up by the
/// detection and kept in its [`InstallShape`]. Nothing is copied: every
/// rule that reads an install resolves it again, so resolving must not
/// allocate.
#[derive(Clone, Copy)]
pub struct InstallWords<'a> {
    at: &'a [WordAt],
    command: &'a SimpleCommand,
}

impl<'a> InstallWords<'a> {
    pub fn iter(&self) -> InstallWordsIter<'a> {
        InstallWordsIter {
            at: self.at.iter(),
            command: self.command,
        }
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    pub fn first(&self) -> Option<&'a Word> {
        self.get(0)
    }

    pub fn get(&self, index: usize) -> Option<&'a Word> {
        self.at.get(index)?.word(self.command)
    }
}

impl<'a> IntoIterator for &InstallWords<'a> {
    type Item = &'a Word;
    type IntoIter = InstallWordsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The words of [`InstallWords`], in order.
pub struct InstallWordsIter<'a> {
    at: std::slice::Iter<'a, WordAt>,
    command: &'a SimpleCommand,
}

impl<'a> Iterator for InstallWordsIter<'a> {
    type Item = &'a Word;
    fn next(&mut self) -> Option<&'a Word> {
        // Argument indexes were checked when the install was resolved.
        let command = self.command;
        self.at.by_ref().find_map(|at| at.word(command))
    }
}

impl DoubleEndedIterator for InstallWordsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let command = self.command;
        self.at.by_ref().rev().find_map(|at| at.word(command))
    }
}

/// Indexes like a slice (and panics out of range like one).
impl<'a> std::ops::Index<usize> for InstallWords<'a> {
    type Output = Word;
    fn index(&self, index: usize) -> &Word {
        match self.get(index) {
            Some(word) => word,
            None => panic!("install word {index} of {}", self.len()),
        }
    }
}

impl std::fmt::Debug for InstallWords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for InstallWords<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for InstallWords<'_> {}

/// The options of an install, in order, borrowed from its command.
#[derive(Clone, Copy)]
pub struct InstallFlags<'a> {
    /// Option and value argument indexes.
    at: &'a [(usize, Option<usize>)],
    command: &'a SimpleCommand,
}

impl<'a> InstallFlags<'a> {
    pub fn iter(&self) -> InstallFlagsIter<'a> {
        InstallFlagsIter {
            at: self.at.iter(),
            args: &self.command.args,
        }
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<InstallFlag<'a>> {
        self.iter().nth(index)
    }
}

impl<'a> IntoIterator for &InstallFlags<'a> {
    type Item = InstallFlag<'a>;
    type IntoIter = InstallFlagsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The options of [`InstallFlags`], in order.
pub struct InstallFlagsIter<'a> {
    at: std::slice::Iter<'a, (usize, Option<usize>)>,
    args: &'a [Word],
}

impl<'a> Iterator for InstallFlagsIter<'a> {
    type Item = InstallFlag<'a>;
    fn next(&mut self) -> Option<InstallFlag<'a>> {
        // Argument indexes were checked when the install was resolved.
        let args = self.args;
        self.at.by_ref().find_map(|&(flag, value)| {
            Some(InstallFlag {
                flag: args.get(flag)?,
                value: value.and_then(|v| args.get(v)),
            })
        })
    }
}

impl std::fmt::Debug for InstallFlags<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for InstallFlags<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for InstallFlags<'_> {}

/// One package-manager install found in a RUN. It borrows the words of
/// its [`SimpleCommand`], and the few words the detection made up (`mod
/// download`, the `x` of `--requirement=x`) from its [`InstallShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInstall<'a> {
    pub manager: PackageManager,
    /// Index of the command in [`super::RunScript::commands`]
    /// ([`super::RunScript::command_of`] returns it).
    pub command_index: usize,
    /// The command itself (with its guards).
    pub command: &'a SimpleCommand,
    /// The executable word as written after wrappers (`apt-get`, `/usr/bin/pip3`, `python3` for `python3 -m pip`).
    pub program: &'a Word,
    /// The install subcommand (`install`, `add`, `ci`, `mod download`, ...);
    /// `None` for a bare `yarn` / `bundle`. Several words are covered by one span.
    pub subcommand: Option<&'a Word>,
    /// Package arguments, in order (version pins kept: `curl=7.88*`, `flask==2.0`, `x@v1`).
    pub packages: InstallWords<'a>,
    /// Requirement / constraint files (`pip -r req.txt`, `-c constraints.txt`).
    pub requirement_files: InstallWords<'a>,
    /// Options, in order (global ones before the subcommand included).
    pub flags: InstallFlags<'a>,
    /// Span of the whole command (wrappers included).
    pub span: Span,
}

impl PackageInstall<'_> {
    /// Whether an enclosing condition of the command references variable `var`.
    pub fn is_guarded_by(&self, var: &str) -> bool {
        self.command.is_guarded_by(var)
    }

    /// Whether any of `names` is given (`--yes`, or `--target=x` for `--target`).
    /// Single-letter names (`-y`) also match inside clusters such as `-qy`.
    pub fn has_flag(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|f| {
            let Some(text) = f.flag.as_str() else {
                return false;
            };
            names.iter().any(|name| {
                if text == *name {
                    return true;
                }
                if let Some(rest) = text.strip_prefix(name) {
                    if name.starts_with("--") && rest.starts_with('=') {
                        return true;
                    }
                }
                is_short(name) && is_short_cluster(text) && text[1..].contains(&name[1..])
            })
        })
    }

    /// The value of option `name` (`--index-url URL` or `--index-url=URL`).
    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flags.iter().find_map(|f| {
            let text = f.flag.as_str()?;
            if text == name {
                return f.value.and_then(|v| v.as_str());
            }
            text.strip_prefix(name)?.strip_prefix('=')
        })
    }

    /// The subcommand's static text (`"install"`, `"mod download"`).
    pub fn subcommand_str(&self) -> Option<&str> {
        self.subcommand.as_ref().and_then(|w| w.as_str())
    }
}

fn is_short(name: &str) -> bool {
    name.len() == 2 && name.starts_with('-') && name != "--"
}

fn is_short_cluster(text: &str) -> bool {
    text.len() > 2
        && text.starts_with('-')
        && !text.starts_with("--")
        && text[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// What one manager looks like on the command line.
struct ManagerSpec {
    manager: PackageManager,
    /// Executable names (basename; `pip3.11` matches `pip3` through [`VERSIONED_PREFIXES`]).
    names: &'static [&'static str],
    /// Subcommand word sequences that install.
    installs: &'static [&'static [&'static str]],
    /// The bare command (no subcommand) installs (`yarn`, `bundle`).
    bare_installs: bool,
    /// Options that consume the next word as their value.
    value_options: &'static [&'static str],
    /// Options whose value is a requirements/constraints file.
    requirement_options: &'static [&'static str],
    /// Options whose value is itself a package (`pip -e .`).
    package_options: &'static [&'static str],
}

const APT_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "--option",
    "-c",
    "--config-file",
    "-t",
    "--target-release",
    "--default-release",
    "-a",
    "--host-architecture",
];

const RPM_VALUE_OPTIONS: &[&str] = &[
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--setopt",
    "-x",
    "--exclude",
    "--installroot",
    "--releasever",
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "--rpmverbosity",
    "--forcearch",
    "--downloaddir",
    "--destdir",
    "--color",
    "--repofrompath",
    "--comment",
    "--platform",
];

const PIP_VALUE_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--progress-bar",
    "--trusted-host",
    "--cache-dir",
    "--src",
    "--upgrade-strategy",
    "--no-binary",
    "--only-binary",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cert",
    "--client-cert",
    "--global-option",
    "--config-settings",
    "-C",
    "--install-option",
    "--report",
    "--python",
    "--root-user-action",
    "--use-feature",
    "--use-deprecated",
    "--keyring-provider",
    "--group",
];

const MANAGERS: &[ManagerSpec] = &[
    ManagerSpec {
        manager: PackageManager::AptGet,
        names: &["apt-get"],
        installs: &[&["install"], &["reinstall"]],
        bare_installs: false,
        value_options: APT_VALUE_OPTIONS,
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Apt,
        names: &["apt"],
        installs: &[&["install"], &["reinstall"]],
        bare_installs: false,
        value_options: APT_VALUE_OPTIONS,
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Apk,
        names: &["apk"],
        installs: &[&["add"]],
        bare_installs: false,
        value_options: &[
            "-X",
            "--repository",
            "-p",
            "--root",
            "--arch",
            "--cache-dir",
            "--keys-dir",
            "--repositories-file",
            "-t",
            "--virtual",
            "--cache-max-age",
            "--timeout",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Dnf,
        names: &["dnf", "dnf5", "dnf-3"],
        installs: &[
            &["install"],
            &["reinstall"],
            &["localinstall"],
            &["groupinstall"],
            &["group", "install"],
            &["module", "install"],
        ],
        bare_installs: false,
        value_options: RPM_VALUE_OPTIONS,
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Yum,
        names: &["yum"],
        installs: &[
            &["install"],
            &["reinstall"],
            &["localinstall"],
            &["groupinstall"],
            &["group", "install"],
            &["module", "install"],
        ],
        bare_installs: false,
        value_options: RPM_VALUE_OPTIONS,
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Microdnf,
        names: &["microdnf"],
        installs: &[&["install"], &["reinstall"], &["module", "install"]],
        bare_installs: false,
        value_options: RPM_VALUE_OPTIONS,
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Zypper,
        names: &["zypper"],
        installs: &[&["install"], &["in"]],
        bare_installs: false,
        value_options: &[
            "-r",
            "--repo",
            "--root",
            "-c",
            "--config",
            "-t",
            "--type",
            "--from",
            "-R",
            "--reposd-dir",
            "-C",
            "--cache-dir",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Pip,
        names: &["pip", "pip3", "pip2"],
        installs: &[&["install"]],
        bare_installs: false,
        value_options: PIP_VALUE_OPTIONS,
        requirement_options: &["-r", "--requirement", "-c", "--constraint"],
        package_options: &["-e", "--editable"],
    },
    ManagerSpec {
        manager: PackageManager::Npm,
        names: &["npm"],
        installs: &[
            &["install"],
            &["i"],
            &["ci"],
            &["add"],
            &["in"],
            &["isntall"],
        ],
        bare_installs: false,
        value_options: &[
            "--prefix",
            "--registry",
            "--cache",
            "--omit",
            "--include",
            "--tag",
            "-w",
            "--workspace",
            "--userconfig",
            "--loglevel",
            "--install-strategy",
            "--before",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Yarn,
        names: &["yarn", "yarnpkg"],
        installs: &[&["install"], &["add"], &["global", "add"]],
        bare_installs: true,
        value_options: &[
            "--cwd",
            "--registry",
            "--cache-folder",
            "--modules-folder",
            "--network-timeout",
            "--mutex",
            "--global-folder",
            "--link-folder",
            "--network-concurrency",
            "--prefix",
            "--use-yarnrc",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Pnpm,
        names: &["pnpm"],
        installs: &[&["install"], &["i"], &["add"], &["ci"]],
        bare_installs: false,
        value_options: &[
            "-C",
            "--dir",
            "-F",
            "--filter",
            "--registry",
            "--store-dir",
            "--reporter",
            "--config",
            "--network-concurrency",
            "--child-concurrency",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Gem,
        names: &["gem"],
        installs: &[&["install"], &["i"]],
        bare_installs: false,
        value_options: &[
            "-v",
            "--version",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "--source",
            "-s",
            "-P",
            "--trust-policy",
            "--platform",
            "-g",
            "--file",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Go,
        names: &["go"],
        installs: &[&["install"], &["get"], &["mod", "download"]],
        bare_installs: false,
        value_options: &[
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
            "-coverpkg",
            "-covermode",
            // The go command accepts `--flag` for every `-flag`.
            "--ldflags",
            "--tags",
            "--gcflags",
            "--installsuffix",
            "--mod",
            "--o",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Cargo,
        names: &["cargo"],
        installs: &[&["install"], &["build"], &["b"], &["fetch"]],
        bare_installs: false,
        value_options: &[
            "--version",
            "--vers",
            "--git",
            "--branch",
            "--tag",
            "--rev",
            "--path",
            "--root",
            "--index",
            "--registry",
            "--features",
            "-F",
            "-j",
            "--jobs",
            "--target",
            "--target-dir",
            "--profile",
            "--bin",
            "--example",
            "-p",
            "--package",
            "--manifest-path",
            "--config",
            "-Z",
            "--color",
        ],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Composer,
        names: &["composer", "composer.phar"],
        installs: &[&["install"], &["i"], &["require"]],
        bare_installs: false,
        value_options: &["-d", "--working-dir", "--ignore-platform-req"],
        requirement_options: &[],
        package_options: &[],
    },
    ManagerSpec {
        manager: PackageManager::Bundle,
        names: &["bundle", "bundler"],
        installs: &[&["install"]],
        bare_installs: true,
        value_options: &[
            "-j",
            "--jobs",
            "--retry",
            "--path",
            "--without",
            "--with",
            "--gemfile",
            "--shebang",
            "--trust-policy",
            "--target-rbconfig",
        ],
        requirement_options: &[],
        package_options: &[],
    },
];

fn spec(manager: PackageManager) -> &'static ManagerSpec {
    MANAGERS
        .iter()
        .find(|s| s.manager == manager)
        .unwrap_or(&MANAGERS[0])
}

/// Options of a bare command (`yarn`, `bundle`: no subcommand) that print
/// the version or the usage instead of installing. (`--version` after a
/// subcommand can be a value option: `gem install rails --version 7`.)
const BARE_INFO_OPTIONS: &[&str] = &["--version", "-v", "-h", "--help"];

/// Executable names that may carry a version suffix (`pip3.11`, `python3.12`).
const VERSIONED_PREFIXES: &[(&str, &str)] = &[("pip3.", "pip3"), ("pip2.", "pip2")];

/// Interpreters that run pip as a module (`python3 -m pip install`).
fn is_python(name: &str) -> bool {
    let rest = match name.strip_prefix("python") {
        Some(rest) => rest,
        None => return false,
    };
    rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Prefix commands that run their argument command, with the options that take a value.
const WRAPPERS: &[(&str, &[&str])] = &[
    (
        "sudo",
        &[
            "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group",
        ],
    ),
    (
        "env",
        &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
    ),
    ("nice", &["-n", "--adjustment"]),
    ("nohup", &[]),
    ("time", &["-f", "--format", "-o", "--output"]),
    ("command", &[]),
    ("exec", &["-a"]),
    ("xargs", &["-I", "-n", "-P", "-d", "-a", "-s", "-L", "-E"]),
    ("stdbuf", &["-i", "-o", "-e"]),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"]),
    ("eatmydata", &[]),
    ("chroot", &[]),
];

/// The basename of a static word (`/usr/bin/apt-get` → `apt-get`).
pub fn command_basename(word: &Word) -> Option<&str> {
    let value = word.as_str()?;
    // A byte loop: rules ask this of every command, and words are short.
    Some(match value.bytes().rposition(|b| b == b'/') {
        Some(slash) => &value[slash + 1..],
        None => value,
    })
}

/// Whether a program basename is a wrapper [`effective_start`] looks
/// through (`sudo`, `env`, `nice`, ...).
pub fn is_wrapper(base: &str) -> bool {
    WRAPPERS.iter().any(|(w, _)| *w == base)
}

/// The command after wrappers (`sudo -u x`, `env A=1`, `nice -n 5`): the
/// index of the effective program word in `name + args` order.
pub fn effective_start(name: &Word, args: &[Word]) -> usize {
    let word_at = |i: usize| if i == 0 { Some(name) } else { args.get(i - 1) };
    let mut i = 0;
    while let Some(word) = word_at(i) {
        let Some(base) = command_basename(word) else {
            return i;
        };
        let Some((wrapper, value_options)) = WRAPPERS.iter().find(|(w, _)| *w == base) else {
            return i;
        };
        // `command -v x` is a lookup, not a run.
        if *wrapper == "command"
            && word_at(i + 1)
                .and_then(|w| w.as_str())
                .is_some_and(|a| a == "-v" || a == "-V")
        {
            return i;
        }
        i += 1;
        // `timeout 10 cmd` and `chroot /dir cmd` take one positional first.
        let mut positional_to_skip = usize::from(matches!(*wrapper, "timeout" | "chroot"));
        while let Some(arg) = word_at(i) {
            let Some(text) = arg.as_str() else { break };
            if text == "--" {
                i += 1;
                break;
            }
            if text.starts_with('-') && text.len() > 1 {
                i += if value_options.contains(&text) { 2 } else { 1 };
            } else if *wrapper == "env" && is_assignment(text) {
                i += 1;
            } else if positional_to_skip > 0 {
                positional_to_skip -= 1;
                i += 1;
            } else {
                break;
            }
        }
    }
    i
}

fn is_assignment(text: &str) -> bool {
    match text.find('=') {
        Some(eq) if eq > 0 => text[..eq]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        _ => false,
    }
}

/// Where a word of an install is: one of its command's arguments, or a
/// word the detection made up (`mod download`, the `x` of `--requirement=x`).
#[derive(Debug, Clone)]
enum WordAt {
    Arg(usize),
    Made(Word),
}

impl WordAt {
    fn word<'a>(&'a self, command: &'a SimpleCommand) -> Option<&'a Word> {
        match self {
            WordAt::Arg(i) => command.args.get(*i),
            WordAt::Made(word) => Some(word),
        }
    }
}

/// An install as [`install_shape`] finds it in a command, by argument
/// position: a script keeps the shapes of its installs, and each rule that
/// asks for them only resolves them against the command's words.
#[derive(Debug, Clone)]
pub struct InstallShape {
    pub manager: PackageManager,
    pub command_index: usize,
    /// The program's argument index (`None`: the command name).
    program: Option<usize>,
    subcommand: Option<WordAt>,
    packages: Vec<WordAt>,
    requirement_files: Vec<WordAt>,
    /// Option and value argument indexes.
    flags: Vec<(usize, Option<usize>)>,
}

impl InstallShape {
    /// The install in `command` (the command the shape was found in);
    /// `None` if an argument index does not fit it.
    pub fn resolve<'a>(&'a self, command: &'a SimpleCommand) -> Option<PackageInstall<'a>> {
        let fits = |i: usize| i < command.args.len();
        let words_fit = |list: &[WordAt]| {
            list.iter().all(|at| match at {
                WordAt::Arg(i) => fits(*i),
                WordAt::Made(_) => true,
            })
        };
        let flags_fit = self
            .flags
            .iter()
            .all(|&(flag, value)| fits(flag) && value.is_none_or(fits));
        if !(flags_fit && words_fit(&self.packages) && words_fit(&self.requirement_files)) {
            return None;
        }
        let program = match self.program {
            None => command.name.as_ref()?,
            Some(i) => command.args.get(i)?,
        };
        let words = |at: &'a [WordAt]| InstallWords { at, command };
        Some(PackageInstall {
            manager: self.manager,
            command_index: self.command_index,
            command,
            program,
            subcommand: match &self.subcommand {
                Some(at) => Some(at.word(command)?),
                None => None,
            },
            packages: words(&self.packages),
            requirement_files: words(&self.requirement_files),
            flags: InstallFlags {
                at: &self.flags,
                command,
            },
            span: command.span,
        })
    }
}

/// The shape of the install `command` is, if it is one.
pub fn install_shape(command: &SimpleCommand, command_index: usize) -> Option<InstallShape> {
    command.name.as_ref()?;
    let start = command.effective_start;
    let program = start.checked_sub(1);
    let program_word = match program {
        None => command.name.as_ref()?,
        Some(i) => command.args.get(i)?,
    };
    let base = command_basename(program_word)?;
    // Index in `command.args` of `rest[0]`.
    let mut first = start;
    let mut rest: &[Word] = command.args.get(start..).unwrap_or(&[]);

    let manager_spec = if is_python(base) {
        // `python -m pip install ...` / `python3 -mpip install ...`
        let mut i = 0;
        let mut found = false;
        while let Some(arg) = rest.get(i) {
            let text = arg.as_str()?;
            match text {
                "-m" => {
                    found = rest.get(i + 1).and_then(|w| w.as_str()) == Some("pip");
                    i += 2;
                    break;
                }
                "-mpip" => {
                    found = true;
                    i += 1;
                    break;
                }
                _ if text.starts_with('-') => i += 1,
                _ => break,
            }
        }
        if !found {
            return None;
        }
        rest = rest.get(i..).unwrap_or(&[]);
        first += i;
        spec(PackageManager::Pip)
    } else {
        let base = VERSIONED_PREFIXES
            .iter()
            .find(|(prefix, _)| base.starts_with(prefix))
            .map_or(base, |(_, canonical)| canonical);
        MANAGERS.iter().find(|s| s.names.contains(&base))?
    };

    let mut flags: Vec<(usize, Option<usize>)> = Vec::new();
    let mut positionals: Vec<usize> = Vec::with_capacity(rest.len());
    let mut packages: Vec<WordAt> = Vec::new();
    let mut requirement_files: Vec<WordAt> = Vec::new();
    let mut i = 0;
    let mut after_double_dash = false;
    while let Some(word) = rest.get(i) {
        let text = word.as_str().unwrap_or("");
        let is_option = !after_double_dash && text.starts_with('-') && text.len() > 1;
        if text == "--" && !after_double_dash {
            after_double_dash = true;
            i += 1;
            continue;
        }
        if !is_option {
            positionals.push(first + i);
            i += 1;
            continue;
        }
        let (option_name, inline_value) = match text.find('=') {
            Some(eq) if text.starts_with("--") => (&text[..eq], Some(eq + 1)),
            _ => (text, None),
        };
        let takes_value = manager_spec.value_options.contains(&option_name)
            || manager_spec.requirement_options.contains(&option_name)
            || manager_spec.package_options.contains(&option_name);
        let flag_at = first + i;
        let value = if takes_value && inline_value.is_none() {
            i += 1;
            rest.get(i).map(|_| first + i)
        } else {
            None
        };
        i += 1;
        let value_word = value.map(WordAt::Arg).or_else(|| {
            inline_value
                .and_then(|at| sub_word(word, at))
                .map(WordAt::Made)
        });
        if let Some(v) = value_word {
            if manager_spec.requirement_options.contains(&option_name) {
                requirement_files.push(v);
            } else if manager_spec.package_options.contains(&option_name) {
                packages.push(v);
            }
        }
        flags.push((flag_at, value));
    }
    let arg_text = |at: usize| command.args.get(at).and_then(Word::as_str);

    // Match the subcommand sequence against the leading positionals.
    let subcommand_len = manager_spec
        .installs
        .iter()
        .filter(|seq| {
            seq.len() <= positionals.len()
                && seq
                    .iter()
                    .zip(positionals.iter())
                    .all(|(expected, &at)| arg_text(at) == Some(expected))
        })
        .map(|seq| seq.len())
        .max();
    let subcommand = match subcommand_len {
        Some(1) => positionals.first().map(|&at| WordAt::Arg(at)),
        Some(len) => {
            let parts: Vec<&Word> = positionals[..len]
                .iter()
                .filter_map(|&at| command.args.get(at))
                .collect();
            let first = parts.first()?;
            let last = parts.last()?;
            Some(WordAt::Made(Word::with_value(
                parts
                    .iter()
                    .map(|w| w.raw.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                Some(
                    parts
                        .iter()
                        .filter_map(|w| w.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                first.span.cover(last.span),
            )))
        }
        None if manager_spec.bare_installs && positionals.is_empty() => None,
        None => return None,
    };
    // `yarn --version`, `bundle -v`, `pip install --help` only print something.
    let prints_only = flags.iter().any(|&(flag, _)| {
        arg_text(flag).is_some_and(|t| {
            t == "--help" || (subcommand.is_none() && BARE_INFO_OPTIONS.contains(&t))
        })
    });
    if prints_only {
        return None;
    }
    let skip = subcommand_len.unwrap_or(0);
    // Package words keep their source order (option-attached ones included).
    packages.extend(positionals[skip..].iter().map(|&at| WordAt::Arg(at)));
    let start_of = |at: &WordAt| match at {
        WordAt::Arg(i) => command.args.get(*i).map_or(0, |w| w.span.start),
        WordAt::Made(word) => word.span.start,
    };
    packages.sort_by_key(start_of);

    Some(InstallShape {
        manager: manager_spec.manager,
        command_index,
        program,
        subcommand,
        packages,
        requirement_files,
        flags,
    })
}

/// The part of `word` from byte `at` of its raw text (the value of `--opt=value`).
/// Only for words whose raw text is plain up to `at`, so the span stays exact.
fn sub_word(word: &Word, at: usize) -> Option<Word> {
    let prefix = word.raw.get(..at)?;
    if prefix.contains(['\'', '"', '\\', '$']) || word.span.len() != word.raw.len() {
        return None;
    }
    let raw = word.raw.get(at..)?;
    Some(Word::new(
        raw,
        Span::new(word.span.start + at, word.span.end),
    ))
}
