//! BP007 `cache-mount`: a package install whose RUN has no
//! `--mount=type=cache` for the tool's download cache, so every rebuild of
//! the layer downloads everything again.
//!
//! The tools, their cache directories and what the fix may do are data in
//! [`TOOLS`]. The fix (unsafe) adds the mount right after `RUN ` for pip,
//! npm, yarn, pnpm, go and cargo (pip's `--no-cache-dir` goes, it would
//! leave the cache empty). apt gets both mounts with `sharing=locked`, the
//! stage keeps downloaded packages (Docker's `docker-clean` hook goes, once
//! per stage) and the RUN's `rm -rf /var/lib/apt/lists/*` / `apt-get clean`
//! goes (it would wipe the cache). apk, bundle and composer get help only.

use std::borrow::Cow;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Stage};
use crate::rules::source_text::{can_prefix_command, line_start, word_removal};
use crate::rules::stage_walk::{stage_parents, work};
use crate::rules::{CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::shell::{analyze_run, PackageInstall, PackageManager, RunScript, ScriptOrigin};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP007",
    name: "cache-mount",
    aliases: &[],
    severity: Severity::Info,
    summary: "A package install without a cache mount for the tool's cache",
    doc: include_str!("../../rules/BP007.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "scope",
        kind: OptionKind::OneOf(SCOPES),
    }],
    check: CheckFn::Dockerfile(check),
};

/// Values of the `scope` option: which Dockerfiles the rule looks at.
const SCOPES: &[&str] = &[SCOPE_BUILDKIT, SCOPE_CACHE_MOUNTS, SCOPE_ALL];
/// Dockerfiles known to be built with BuildKit (the default).
const SCOPE_BUILDKIT: &str = "buildkit";
/// Only Dockerfiles that already use a cache mount.
const SCOPE_CACHE_MOUNTS: &str = "cache-mounts";
/// Every Dockerfile.
const SCOPE_ALL: &str = "all";

/// Flags only BuildKit's Dockerfile frontend knows: a Dockerfile that uses
/// one is built with BuildKit, where a cache mount works.
const BUILDKIT_FLAGS: &[&str] = &[
    "mount", "network", "security", "link", "chmod", "parents", "exclude", "checksum",
];

/// Whether the rule looks at this Dockerfile. Cache mounts need BuildKit
/// and pay off only on a builder that keeps them (see the rule's doc), so by
/// default only Dockerfiles that are surely built with BuildKit are
/// reported: those a bake target builds (a `dockerfile-inline` too), and
/// those that already use BuildKit-only syntax (a `# syntax=` directive, a
/// heredoc, `RUN --mount`, `COPY --link`, ...). A Dockerfile written for any
/// builder (the official images, Kaniko or older Podman builds) is left
/// alone unless `scope = "all"`.
fn in_scope(ctx: &DockerfileContext<'_>) -> bool {
    let df = ctx.dockerfile;
    let uses_cache_mounts = || {
        df.instructions()
            .any(|(_, ins)| !cache_mount_targets(crate::rules::stages::effective(ins)).is_empty())
    };
    match ctx.option_str("scope").unwrap_or(SCOPE_BUILDKIT) {
        SCOPE_ALL => true,
        SCOPE_CACHE_MOUNTS => uses_cache_mounts(),
        _ => {
            ctx.build.from_bake
                || is_bake_file(ctx.path)
                || df.directives.iter().any(|d| d.name.value == "syntax")
                || df.instructions().any(|(_, ins)| {
                    let ins = crate::rules::stages::effective(ins);
                    !ins.heredocs.is_empty()
                        || ins
                            .flags
                            .iter()
                            .any(|f| BUILDKIT_FLAGS.contains(&f.name.value.as_str()))
                })
        }
    }
}

/// Whether `path` is a bake file (the Dockerfile is a `dockerfile-inline`).
fn is_bake_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("hcl") || e.eq_ignore_ascii_case("json"))
}

/// One cache directory a tool needs mounted.
struct CacheDir {
    /// Accepted locations; the first is what the fix mounts.
    paths: &'static [&'static str],
    /// Where the cache is on images that move it (`golang` sets `GOPATH=/go`).
    image_paths: &'static [(&'static str, &'static str)],
    /// ENV variables that move the cache, with the suffix to append to their value.
    env: &'static [(&'static str, &'static str)],
    /// Install subcommands that do not use this cache (`go mod download` does not build).
    not_for: &'static [&'static str],
    /// Ends of mount targets that hold this cache in another home or project
    /// directory (`/src/.yarn/cache` for a Yarn project cache,
    /// `/home/app/.cache/pip`): the author mounted the tool's cache there.
    mounted_as: &'static [&'static str],
}

/// What bakelint can do about a missing mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remedy {
    /// Add the mount (unsafe fix).
    Mount,
    /// Add the mounts with `sharing=locked`, keep downloaded packages in
    /// the stage and drop the RUN's cache cleanup (unsafe fix).
    AptMount,
    /// Explain only (the tool needs more than a mount).
    HelpOnly,
}

struct CacheTool {
    managers: &'static [PackageManager],
    caches: &'static [CacheDir],
    /// Options that point the tool at another cache directory (`--cache-dir DIR`).
    cache_dir_options: &'static [&'static str],
    /// Options that switch the cache off (removed by the fix).
    no_cache_options: &'static [&'static str],
    /// Options with which an install keeps no cache on purpose and little
    /// is lost: not reported (`apk add --no-cache`, what Alpine documents and
    /// hadolint's DL3019 asks for; Alpine packages are small and quick to fetch).
    deliberate_no_cache: &'static [&'static str],
    remedy: Remedy,
    /// What the help adds after the mount advice.
    advice: &'static str,
}

const NONE: &[(&str, &str)] = &[];

const TOOLS: &[CacheTool] = &[
    CacheTool {
        managers: &[PackageManager::Pip],
        caches: &[CacheDir {
            paths: &["/root/.cache/pip"],
            image_paths: NONE,
            env: &[("PIP_CACHE_DIR", "")],
            not_for: &[],
            mounted_as: &["/.cache/pip"],
        }],
        cache_dir_options: &["--cache-dir"],
        no_cache_options: &["--no-cache-dir"],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "pip then reuses downloaded wheels instead of fetching every package again",
    },
    CacheTool {
        managers: &[PackageManager::Npm],
        caches: &[CacheDir {
            paths: &["/root/.npm"],
            image_paths: NONE,
            env: &[("npm_config_cache", ""), ("NPM_CONFIG_CACHE", "")],
            not_for: &[],
            mounted_as: &["/.npm", "/.npm/_cacache"],
        }],
        cache_dir_options: &["--cache"],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "npm then reuses downloaded tarballs instead of fetching node_modules again",
    },
    CacheTool {
        managers: &[PackageManager::Yarn],
        caches: &[CacheDir {
            paths: &[
                "/usr/local/share/.cache/yarn",
                "/root/.cache/yarn",
                "/root/.yarn/berry/cache",
            ],
            image_paths: NONE,
            env: &[("YARN_CACHE_FOLDER", "")],
            not_for: &[],
            mounted_as: &["/.yarn/cache", "/.cache/yarn", "/.yarn/berry/cache"],
        }],
        cache_dir_options: &["--cache-folder"],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "yarn then reuses its package cache instead of fetching every package again",
    },
    CacheTool {
        managers: &[PackageManager::Pnpm],
        caches: &[CacheDir {
            paths: &[
                "/root/.local/share/pnpm/store",
                "/root/.cache/pnpm",
                "/pnpm/store",
            ],
            image_paths: NONE,
            env: &[("PNPM_HOME", "/store")],
            not_for: &[],
            mounted_as: &["/pnpm/store", "/.pnpm-store", "/.cache/pnpm"],
        }],
        cache_dir_options: &["--store-dir"],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "pnpm then links packages from its store instead of fetching them again",
    },
    CacheTool {
        managers: &[PackageManager::Go],
        caches: &[
            CacheDir {
                paths: &["/root/go/pkg/mod", "/go/pkg/mod"],
                image_paths: &[("golang", "/go/pkg/mod")],
                env: &[("GOMODCACHE", ""), ("GOPATH", "/pkg/mod")],
                not_for: &[],
                mounted_as: &["/go/pkg/mod"],
            },
            CacheDir {
                paths: &["/root/.cache/go-build"],
                image_paths: NONE,
                env: &[("GOCACHE", "")],
                not_for: &["mod download"],
                mounted_as: &["/.cache/go-build"],
            },
        ],
        cache_dir_options: &[],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "go then reuses downloaded modules and compiled packages",
    },
    CacheTool {
        managers: &[PackageManager::Cargo],
        caches: &[CacheDir {
            paths: &["/usr/local/cargo/registry", "/root/.cargo/registry"],
            image_paths: NONE,
            env: &[("CARGO_HOME", "/registry")],
            not_for: &[],
            mounted_as: &["/.cargo/registry", "/cargo/registry"],
        }],
        cache_dir_options: &[],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::Mount,
        advice: "cargo then reuses the crates it downloaded (a `target` cache mount also keeps compiled dependencies)",
    },
    CacheTool {
        managers: &[PackageManager::AptGet, PackageManager::Apt],
        caches: &[
            CacheDir {
                paths: &["/var/cache/apt"],
                image_paths: NONE,
                env: NONE,
                not_for: &[],
                mounted_as: &[],
            },
            CacheDir {
                paths: &["/var/lib/apt"],
                image_paths: NONE,
                env: NONE,
                not_for: &[],
                mounted_as: &[],
            },
        ],
        cache_dir_options: &[],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::AptMount,
        advice: "Debian and Ubuntu images delete downloaded packages after each install: remove `/etc/apt/apt.conf.d/docker-clean`, set `Keep-Downloaded-Packages` and drop `rm -rf /var/lib/apt/lists/*` from that RUN (`bakelint rule BP007` shows how)",
    },
    CacheTool {
        managers: &[PackageManager::Apk],
        caches: &[CacheDir {
            paths: &["/var/cache/apk", "/etc/apk/cache"],
            image_paths: NONE,
            env: NONE,
            not_for: &[],
            mounted_as: &[],
        }],
        cache_dir_options: &["--cache-dir"],
        no_cache_options: &[],
        deliberate_no_cache: &["--no-cache"],
        remedy: Remedy::HelpOnly,
        advice: "apk only keeps packages when `/etc/apk/cache` exists: link it in that RUN (`ln -s /var/cache/apk /etc/apk/cache`)",
    },
    CacheTool {
        managers: &[PackageManager::Bundle],
        caches: &[CacheDir {
            paths: &[
                "/root/.gem",
                "/root/.bundle/cache",
                "/usr/local/bundle/cache",
                "/root/.bundle",
            ],
            image_paths: NONE,
            env: NONE,
            not_for: &[],
            mounted_as: &["/.gem", "/.bundle/cache", "/bundle/cache"],
        }],
        cache_dir_options: &[],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::HelpOnly,
        advice: "the installed gems live in the image (`/usr/local/bundle`), so mount only the download cache and keep `bundle install` writing to the image",
    },
    CacheTool {
        managers: &[PackageManager::Composer],
        caches: &[CacheDir {
            paths: &["/root/.composer/cache", "/tmp/cache", "/root/.cache/composer"],
            image_paths: &[("composer", "/tmp/cache")],
            env: &[("COMPOSER_CACHE_DIR", ""), ("COMPOSER_HOME", "/cache")],
            not_for: &[],
            mounted_as: &["/.composer/cache", "/.cache/composer"],
        }],
        cache_dir_options: &[],
        no_cache_options: &[],
        deliberate_no_cache: &[],
        remedy: Remedy::HelpOnly,
        advice: "the cache is `$COMPOSER_HOME/cache` (`/tmp/cache` in the official composer image, `/root/.composer/cache` elsewhere); check `composer config --global cache-dir`",
    },
];

/// The tool entry for a package manager, with its index in [`TOOLS`].
fn tool_for(manager: PackageManager) -> Option<(usize, &'static CacheTool)> {
    TOOLS
        .iter()
        .enumerate()
        .find(|(_, t)| t.managers.contains(&manager))
}

/// What a stage knows when a RUN executes: ENV values, the base image, the
/// user, whether apt keeps downloaded packages.
#[derive(Debug, Default, Clone)]
struct StageState {
    env: Vec<(String, String)>,
    base_image: String,
    base_tag: String,
    non_root_user: bool,
    /// A setup RUN of its own (no cache mounts, as in Docker's docs)
    /// removed the `docker-clean` hook. RUNs this rule fixes carry the
    /// removal themselves, so they never count here: whether a RUN gets it
    /// must not depend on which fix happened to land first.
    apt_hook_removed: bool,
}

impl StageState {
    fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Records `ENV name=value` when the variable moves a tool's cache (only
    /// those are kept, once each, so a state stays small however many ENV
    /// lines a chain of stages has).
    fn set_env(&mut self, name: &str, value: &str) {
        let moves_a_cache = TOOLS
            .iter()
            .flat_map(|t| t.caches)
            .any(|c| c.env.iter().any(|(var, _)| *var == name));
        if !moves_a_cache {
            return;
        }
        match self.env.iter_mut().find(|(k, _)| k == name) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.env.push((name.to_string(), value.to_string())),
        }
    }

    fn apply(&mut self, ins: &Instruction, source: &str) {
        work::add(1);
        match &ins.kind {
            InstructionKind::Run(_)
                if removes_docker_clean(ins, source) && cache_mount_targets(ins).is_empty() =>
            {
                self.apt_hook_removed = true;
            }
            InstructionKind::Env(kvs) => {
                for kv in kvs {
                    let value = kv.value.value.trim_matches(|c| c == '"' || c == '\'');
                    self.set_env(&kv.key.value, value);
                }
            }
            InstructionKind::User(user) => {
                let name = user.value.split(':').next().unwrap_or("").trim();
                self.non_root_user = !(name.is_empty() || name == "root" || name == "0");
            }
            _ => {}
        }
    }
}

/// The state at the start of a root stage (one not built on another): its base image.
fn root_state(df: &Dockerfile, stage: &Stage) -> StageState {
    let mut state = StageState::default();
    if let Some(from) = df.stage_from(stage) {
        let repository = &from.image_ref.repository.value;
        state.base_image = repository
            .rsplit('/')
            .next()
            .unwrap_or(repository)
            .to_string();
        state.base_tag = from
            .image_ref
            .tag
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
    }
    state
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !in_scope(ctx) {
        return;
    }
    let df = ctx.dockerfile;
    let stages = df.stages();
    // Each stage starts from the end state of the stage it is built on
    // (always an earlier one), so every instruction is applied once.
    let parents = stage_parents(df, &ctx.build.args);
    let mut end_states: Vec<StageState> = Vec::with_capacity(stages.len());
    for (index, stage) in stages.iter().enumerate() {
        let parent = parents.get(index).copied().flatten();
        let mut state = match parent.and_then(|p| end_states.get(p)) {
            Some(parent) => parent.clone(),
            None => root_state(df, stage),
        };
        for &node in &stage.instruction_nodes {
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let run = match &ins.kind {
                InstructionKind::Onbuild(inner) => inner.as_ref(),
                _ => ins,
            };
            state.apply(ins, df.source.as_str());
            if !matches!(run.kind, InstructionKind::Run(_)) {
                continue;
            }
            let mounts = cache_mount_targets(run);
            let scripts = df.run_scripts(ins);
            let scripts: &[crate::shell::RunScript] = &scripts;
            // One finding per tool and RUN.
            let mut reported_tools: Vec<usize> = Vec::new();
            for script in scripts {
                for install in &script.installs_of(|m| tool_for(m).is_some()) {
                    work::add(1);
                    let Some((tool_index, tool)) = tool_for(install.manager) else {
                        continue;
                    };
                    if reported_tools.contains(&tool_index) {
                        continue;
                    }
                    let finding = InstallFinding {
                        ctx,
                        ins,
                        run,
                        tool,
                        install,
                        script,
                        scripts,
                        state: &state,
                        mounts: &mounts,
                    };
                    if let Some(diag) = finding.diagnostic() {
                        reported_tools.push(tool_index);
                        out.push(diag);
                    }
                }
            }
        }
        end_states.push(state);
    }
}

/// A cache mount's target, `None` when it depends on a variable (it may be anything).
fn cache_mount_targets(run: &Instruction) -> Vec<Option<String>> {
    let mut targets = Vec::new();
    for flag in run.flags.iter().filter(|f| f.name.value == "mount") {
        let options = flag.options();
        let is_cache = options.iter().any(|o| {
            o.key.value.eq_ignore_ascii_case("type")
                && o.value.as_ref().is_some_and(|v| v.value == "cache")
        });
        if !is_cache {
            continue;
        }
        let target = options.iter().find_map(|o| {
            matches!(
                o.key.value.to_ascii_lowercase().as_str(),
                "target" | "dst" | "destination"
            )
            .then(|| o.value.as_ref().map(|v| v.value.clone()))
            .flatten()
        });
        if let Some(target) = target {
            let target = target.trim_matches(|c| c == '"' || c == '\'');
            if target.contains('$') {
                targets.push(None);
            } else {
                targets.push(Some(normalize_dir(target)));
            }
        }
    }
    targets
}

fn normalize_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Whether a mount at `target` holds `path`.
fn covers(target: &str, path: &str) -> bool {
    target == "/"
        || path == target
        || path
            .strip_prefix(target)
            .is_some_and(|r| r.starts_with('/'))
}

/// A mount target that holds a cache.
enum Accepted {
    /// A mount of this directory or of a parent.
    Dir(Cow<'static, str>),
    /// A mount whose target ends so (`/src/.yarn/cache`).
    End(&'static str),
}

impl Accepted {
    fn holds(&self, target: &str) -> bool {
        match self {
            Accepted::Dir(dir) => covers(target, dir),
            Accepted::End(end) => target.ends_with(end),
        }
    }
}

struct InstallFinding<'a> {
    ctx: &'a DockerfileContext<'a>,
    /// The RUN or the ONBUILD holding it.
    ins: &'a Instruction,
    /// The RUN (the trigger of an ONBUILD).
    run: &'a Instruction,
    tool: &'static CacheTool,
    install: &'a PackageInstall<'a>,
    /// The script holding the install, and every script of the RUN.
    script: &'a RunScript,
    scripts: &'a [RunScript],
    state: &'a StageState,
    mounts: &'a [Option<String>],
}

impl InstallFinding<'_> {
    /// The directory each of the tool's caches is in for this install, and
    /// whether it is one bakelint may mount (a known location).
    fn required_dirs(&self) -> Vec<(String, Vec<Accepted>)> {
        let subcommand = self.install.subcommand_str().unwrap_or("");
        let mut dirs = Vec::new();
        for cache in self.tool.caches {
            if cache.not_for.contains(&subcommand) {
                continue;
            }
            let from_option = self
                .tool
                .cache_dir_options
                .iter()
                .find_map(|o| self.install.flag_value(o))
                .filter(|v| v.starts_with('/'));
            // `COMPOSER_CACHE_DIR=/tmp composer require ...` wins over ENV.
            let assigned = |var: &str| {
                self.install.command.assignments.iter().find_map(|w| {
                    let text = w.as_str()?;
                    text.strip_prefix(var)?.strip_prefix('=')
                })
            };
            let from_env = cache.env.iter().find_map(|(var, suffix)| {
                assigned(var)
                    .or_else(|| self.state.env_value(var))
                    .filter(|v| v.starts_with('/') && !v.contains('$'))
                    .map(|v| format!("{}{suffix}", v.trim_end_matches('/')))
            });
            let moved = from_option.map(str::to_string).or(from_env);
            let (preferred, accepted) = match moved {
                Some(dir) => {
                    let dir = normalize_dir(&dir);
                    (dir.clone(), vec![Accepted::Dir(Cow::Owned(dir))])
                }
                None => {
                    let preferred = cache
                        .image_paths
                        .iter()
                        .find(|(image, _)| *image == self.state.base_image)
                        .map_or(cache.paths[0], |(_, p)| p);
                    let dirs = cache.paths.iter().map(|&p| Accepted::Dir(Cow::Borrowed(p)));
                    let ends = cache.mounted_as.iter().map(|e| Accepted::End(e));
                    (preferred.to_string(), dirs.chain(ends).collect())
                }
            };
            dirs.push((preferred, accepted));
        }
        dirs
    }

    fn diagnostic(&self) -> Option<Diagnostic> {
        if self.mounts.iter().any(Option::is_none) {
            // A mount whose target depends on a variable: assume it is the cache.
            return None;
        }
        if self.install.has_flag(self.tool.deliberate_no_cache) || self.installs_local_files_only()
        {
            return None;
        }
        let mounted = |accepted: &[Accepted]| {
            self.mounts
                .iter()
                .flatten()
                .any(|t| accepted.iter().any(|a| a.holds(t)))
        };
        let missing: Vec<String> = self
            .required_dirs()
            .into_iter()
            .filter(|(_, accepted)| !mounted(accepted))
            .map(|(preferred, _)| preferred)
            .collect();
        let no_cache_flags: Vec<Span> = self
            .install
            .flags
            .iter()
            .filter(|f| {
                f.flag
                    .as_str()
                    .is_some_and(|t| self.tool.no_cache_options.contains(&t))
            })
            .map(|f| f.flag.span)
            .collect();
        if missing.is_empty() && no_cache_flags.is_empty() {
            return None;
        }
        let command = self.command_text();
        let span = match &self.install.subcommand {
            Some(sub) if sub.span.start >= self.install.program.span.start => {
                self.install.program.span.cover(sub.span)
            }
            _ => self.install.program.span,
        };
        // Built with `concat` and `push_str`: a file can have a finding in every RUN.
        let message = if missing.is_empty() {
            [
                "`",
                &command,
                "` disables its cache with `--no-cache-dir`, so the cache mount stays empty",
            ]
            .concat()
        } else {
            let mut message = ["`", &command, "` runs without a cache mount for "].concat();
            for (i, dir) in missing.iter().enumerate() {
                if i > 0 {
                    message.push_str(" and ");
                }
                message.extend(["`", dir.as_str(), "`"]);
            }
            message
        };
        let flags = mount_flags(&missing, "");
        let locked = mount_flags(&missing, ",sharing=locked");
        let sharing = if self.tool.remedy == Remedy::AptMount {
            &locked
        } else {
            &flags
        };
        let help = if missing.is_empty() {
            [
                "Remove `--no-cache-dir`: the cache mount keeps the cache out of the image anyway.\n",
                self.tool.advice,
                ".",
            ]
            .concat()
        } else {
            [
                "Add `RUN ",
                sharing,
                "`.\n",
                self.tool.advice,
                ".\nWithout it, a rebuild of this layer downloads everything again; it pays off where the builder keeps its state (`--cache-to` never exports cache mounts).",
            ]
            .concat()
        };
        let diag = self.ctx.diagnostic(span, message).with_help(help);
        // A cache directory a flag cannot hold as written (`ENV GOPATH /g s`
        // would split the flag in two): help only.
        let unwritable = |d: &str| {
            d.chars()
                .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '\\' | '`'))
        };
        if missing.iter().any(|d| unwritable(d)) {
            return Some(diag);
        }
        match self.tool.remedy {
            Remedy::HelpOnly => return Some(diag),
            Remedy::AptMount => {
                return Some(match self.apt_fix(&locked) {
                    Some(fix) => diag.with_fix(fix),
                    None => diag,
                })
            }
            Remedy::Mount => {}
        }
        if self.state.non_root_user && missing.iter().any(|d| d.starts_with("/root/")) {
            // The cache lives in another home directory: help only.
            return Some(diag.with_help(format!(
                "Add a cache mount for this tool's cache in the home directory of the USER (and `uid=` for it): {}",
                self.tool.advice
            )));
        }
        let mut edits = Vec::new();
        if !missing.is_empty() {
            edits.push(Edit::insert(
                self.ctx.path,
                self.flag_insertion_point(),
                [&flags, " "].concat(),
            ));
        }
        let source = self.ctx.source();
        let words: Vec<&crate::shell::Word> = self.install.command.words().collect();
        for flag in no_cache_flags {
            let index = words.iter().position(|w| w.span == flag).unwrap_or(0);
            let previous_end = index
                .checked_sub(1)
                .and_then(|i| words.get(i))
                .map_or(flag.start, |w| w.span.end);
            let removal = if index + 1 == words.len() {
                Span::new(previous_end, flag.end)
            } else {
                let removal = word_removal(source, flag, previous_end, false);
                // Prefer dropping the flag with its following space.
                let mut end = flag.end;
                let bytes = source.as_bytes();
                while matches!(bytes.get(end), Some(b' ' | b'\t')) {
                    end += 1;
                }
                if removal.end == flag.end && end > flag.end {
                    Span::new(flag.start, end)
                } else {
                    removal
                }
            };
            edits.push(Edit::delete(self.ctx.path, removal));
        }
        let fix_message = if missing.is_empty() {
            "Remove `--no-cache-dir`".to_string()
        } else {
            ["Add `", &flags, "`"].concat()
        };
        Some(diag.with_fix(Fix::unsafe_(fix_message, edits)))
    }

    /// An OS package install of package files only (`apt-get install -y
    /// /tmp/ros2-apt-source.deb`): nothing comes from a repository, so a
    /// download cache has nothing to keep.
    fn installs_local_files_only(&self) -> bool {
        let local = |word: &crate::shell::Word| {
            word.as_str().is_some_and(|p| {
                p.starts_with('/')
                    || p.starts_with("./")
                    || p.starts_with("../")
                    || [".deb", ".rpm", ".apk"].iter().any(|ext| p.ends_with(ext))
            })
        };
        self.install.manager.is_system()
            && !self.install.packages.is_empty()
            && self.install.packages.iter().all(local)
    }

    /// `pip install`, `go mod download`, `yarn`.
    fn command_text(&self) -> String {
        let program = crate::shell::command_basename(self.install.program)
            .unwrap_or(self.install.manager.as_str());
        let program = if self.install.manager == PackageManager::Pip && !program.starts_with("pip")
        {
            "pip"
        } else {
            program
        };
        match self.install.subcommand_str() {
            Some(sub) => [program, " ", sub].concat(),
            None => program.to_string(),
        }
    }

    /// Right after `RUN ` (before any other flag). The separator may be any
    /// blank BuildKit splits on, a vertical tab or form feed included.
    fn flag_insertion_point(&self) -> usize {
        let bytes = self.ctx.source().as_bytes();
        let mut at = self.run.keyword_span.end;
        while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\x0b' | b'\x0c')) {
            at += 1;
        }
        at
    }

    /// The removal of the `docker-clean` hook at the start of the RUN's
    /// script: `rm … && echo … && ` before the first command of the shell
    /// form, or its own first line in a heredoc script.
    fn hook_removal(&self) -> Option<Edit> {
        let source = self.ctx.source();
        match self.script.origin {
            ScriptOrigin::Heredoc { index } => {
                let heredoc = self.run.heredocs.get(index)?;
                let newline = self.ctx.dockerfile.newline();
                Some(Edit::insert(
                    self.ctx.path,
                    heredoc.body_span.start,
                    [KEEP_PACKAGES, newline].concat(),
                ))
            }
            ScriptOrigin::ShellForm => {
                let first = self.scripts.first()?;
                let command = first.commands().first()?;
                can_prefix_command(source, first.span.start, command.span.start).then(|| {
                    Edit::insert(
                        self.ctx.path,
                        command.span.start,
                        [KEEP_PACKAGES, " && "].concat(),
                    )
                })
            }
            ScriptOrigin::ExecForm => None,
        }
    }

    /// The apt fix: locked mounts, the stage's `docker-clean` removal (once,
    /// at the shared slot) and no cache cleanup in the RUN. `None` (help
    /// only) where it cannot be done safely.
    fn apt_fix(&self, mounts: &str) -> Option<Fix> {
        let onbuild = !std::ptr::eq(self.ins, self.run);
        if onbuild
            || self.script.origin == ScriptOrigin::ExecForm
            || self.state.non_root_user
            || !maybe_debian(&self.state.base_image, &self.state.base_tag)
        {
            return None;
        }
        let source = self.ctx.source();
        let escape = self.ctx.dockerfile.escape;
        let mut removals = Vec::new();
        for script in self.scripts {
            removals.extend(cleanup_removals(source, escape, script)?);
        }
        let mut edits = vec![Edit::insert(
            self.ctx.path,
            self.flag_insertion_point(),
            [mounts, " "].concat(),
        )];
        // Each fixed RUN removes the hook itself: other fixes move RUNs
        // between stages and files (BP009, BP010), so a removal in another
        // RUN of the stage may not stay in front of it.
        if !self.state.apt_hook_removed && !removes_docker_clean(self.run, source) {
            edits.push(self.hook_removal()?);
        }
        edits.extend(
            merge(removals)
                .into_iter()
                .map(|span| Edit::delete(self.ctx.path, span)),
        );
        Some(Fix::unsafe_(
            ["Add `", mounts, "` and keep downloaded packages"].concat(),
            edits,
        ))
    }
}

/// `--mount=type=cache,target=<dir><options>` for each of `dirs`, space-separated.
fn mount_flags(dirs: &[String], options: &str) -> String {
    let mut flags = String::new();
    for dir in dirs {
        if !flags.is_empty() {
            flags.push(' ');
        }
        flags.extend(["--mount=type=cache,target=", dir.as_str(), options]);
    }
    flags
}

/// Docker's recipe: stop the image from deleting downloaded packages.
const KEEP_PACKAGES: &str = "rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache";

/// The hook Debian and Ubuntu images use to delete downloaded packages.
const DOCKER_CLEAN: &str = "/etc/apt/apt.conf.d/docker-clean";

/// The directories the apt mounts cover: cleaning them wipes the cache.
const APT_CACHE_DIRS: &[&str] = &["/var/cache/apt", "/var/lib/apt"];

/// Images (repository basename) known not to be Debian or Ubuntu.
const NOT_DEBIAN: &[&str] = &[
    "alpine",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "ubi",
    "ubi-minimal",
    "ubi8",
    "ubi9",
    "archlinux",
    "photon",
    "opensuse",
    "leap",
    "tumbleweed",
];

/// Whether the image may be Debian or Ubuntu (unknown images may be).
fn maybe_debian(image: &str, tag: &str) -> bool {
    !(NOT_DEBIAN.contains(&image.to_ascii_lowercase().as_str())
        || tag.to_ascii_lowercase().contains("alpine"))
}

/// Whether a RUN (not an ONBUILD one) removes the `docker-clean` hook.
fn removes_docker_clean(ins: &Instruction, source: &str) -> bool {
    if !ins.span.slice(source).contains(DOCKER_CLEAN) {
        return false;
    }
    analyze_run(ins, source).iter().any(|script| {
        script
            .commands_named("rm")
            .any(|c| c.args.iter().any(|a| a.is(DOCKER_CLEAN)))
    })
}

fn in_apt_cache(path: &str) -> bool {
    APT_CACHE_DIRS.iter().any(|dir| covers(dir, path))
}

/// What of a command wipes the apt cache: the whole command
/// (`rm -rf /var/lib/apt/lists/*`, `apt-get clean`) or some of its words
/// (`rm -rf /var/lib/apt/lists/* /tmp/build`). `None`: nothing.
enum Cleanup {
    Whole,
    Words(Vec<Span>),
}

fn cleanup_of(command: &crate::shell::SimpleCommand) -> Option<Cleanup> {
    let (program, args) = command.effective()?;
    let program = crate::shell::command_basename(program)?;
    if matches!(program, "apt-get" | "apt") {
        let action = args.iter().find(|a| !a.raw.starts_with('-'))?;
        return action.is("clean").then_some(Cleanup::Whole);
    }
    if program != "rm" {
        return None;
    }
    let mut options_done = false;
    let mut paths = Vec::new();
    for arg in args {
        if !options_done && arg.raw == "--" {
            options_done = true;
        } else if options_done || !arg.raw.starts_with('-') {
            paths.push(arg);
        }
    }
    let cached: Vec<Span> = paths
        .iter()
        .filter(|a| a.as_str().is_some_and(in_apt_cache))
        .map(|a| a.span)
        .collect();
    if cached.is_empty() {
        None
    } else if cached.len() == paths.len() {
        Some(Cleanup::Whole)
    } else {
        Some(Cleanup::Words(cached))
    }
}

/// The source ranges that drop a script's apt cache cleanup: a whole
/// command with its connector (`\\\n    && rm -rf /var/lib/apt/lists/*`),
/// or cached paths of an `rm` that also removes other things. `None` when
/// a cleanup cannot be removed safely (conditional, in a pipeline or `$( )`).
fn cleanup_removals(source: &str, escape: char, script: &RunScript) -> Option<Vec<Span>> {
    let newline_separates = matches!(script.origin, ScriptOrigin::Heredoc { .. });
    let mut removals = Vec::new();
    let mut kept_before = false;
    for command in script.commands() {
        let Some(cleanup) = cleanup_of(command) else {
            kept_before = true;
            continue;
        };
        if !command.guards.is_empty() || command.in_pipeline || command.in_substitution {
            return None;
        }
        match cleanup {
            Cleanup::Words(words) => {
                kept_before = true;
                let all: Vec<&crate::shell::Word> = command.words().collect();
                for span in words {
                    let index = all.iter().position(|w| w.span == span)?;
                    let previous_end = all.get(index.checked_sub(1)?)?.span.end;
                    let is_last = index + 1 == all.len();
                    removals.push(word_removal(source, span, previous_end, is_last));
                }
            }
            Cleanup::Whole => {
                if !ends_cleanly(source, escape, command.span.end, script.span.end) {
                    // A redirection the command span does not hold (`2>/dev/null`).
                    return None;
                }
                let gap = Gap {
                    source,
                    escape,
                    start: script.span.start,
                    end: script.span.end,
                    newline_separates,
                };
                let before = || gap.connector_before(command.span.start);
                let after = || gap.connector_after(command.span.end);
                let span = if kept_before {
                    before()
                        .map(|p| Span::new(p, command.span.end))
                        .or_else(|| after().map(|q| Span::new(command.span.start, q)))
                } else {
                    after()
                        .map(|q| Span::new(command.span.start, q))
                        .or_else(|| before().map(|p| Span::new(p, command.span.end)))
                };
                removals.push(span?);
            }
        }
    }
    Some(removals)
}

/// Whether the command ending at `at` is followed by the end of the
/// script, a line break or a connector (nothing that belongs to it).
fn ends_cleanly(source: &str, escape: char, at: usize, script_end: usize) -> bool {
    let rest = source
        .get(at..script_end)
        .unwrap_or("")
        .trim_start_matches([' ', '\t']);
    rest.is_empty()
        || rest.starts_with(['\r', '\n', ';', ')', '}', escape])
        || rest.starts_with("&&")
        || rest.starts_with("||")
}

/// Sorted, with touching or overlapping ranges joined.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Span> = Vec::new();
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}

/// The text between two commands of a script: blanks, continued line
/// breaks, comment lines and one connector.
struct Gap<'a> {
    source: &'a str,
    escape: char,
    /// The script's source range.
    start: usize,
    end: usize,
    /// A bare line break ends a command (heredoc scripts).
    newline_separates: bool,
}

impl Gap<'_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.source.as_bytes().get(at).copied()
    }

    /// Back from `at` over blanks, continuations and comment lines; also
    /// says whether a bare line break was crossed.
    fn back(&self, mut at: usize) -> (usize, bool) {
        let mut bare = false;
        loop {
            while at > self.start && matches!(self.byte(at - 1), Some(b' ' | b'\t')) {
                at -= 1;
            }
            if at <= self.start || self.byte(at - 1) != Some(b'\n') {
                return (at, bare);
            }
            let mut end = at - 1;
            if end > self.start && self.byte(end - 1) == Some(b'\r') {
                end -= 1;
            }
            let line_begin = line_start(self.source, end).max(self.start);
            let line = self.source.get(line_begin..end).unwrap_or("");
            let content = line.trim_end_matches([' ', '\t']);
            if line.trim_start().starts_with('#') {
                at = line_begin;
            } else if content.ends_with(self.escape) {
                at = line_begin + content.len() - self.escape.len_utf8();
            } else if self.newline_separates {
                bare = true;
                at = line_begin + content.len();
            } else {
                return (at, bare);
            }
        }
    }

    /// Forward from `at` over blanks, continuations and comment lines.
    fn forward(&self, mut at: usize) -> (usize, bool) {
        let mut bare = false;
        loop {
            while at < self.end && matches!(self.byte(at), Some(b' ' | b'\t')) {
                at += 1;
            }
            let rest = self.source.get(at..self.end).unwrap_or("");
            let after_escape = rest
                .strip_prefix(self.escape)
                .map(|r| r.trim_start_matches([' ', '\t']));
            let line_break = |r: &str| {
                r.strip_prefix("\r\n")
                    .or_else(|| r.strip_prefix('\n'))
                    .map(|next| at + rest.len() - next.len())
            };
            let next_line = match after_escape.and_then(line_break) {
                Some(next) => next,
                None if self.newline_separates => match line_break(rest) {
                    Some(next) => {
                        bare = true;
                        next
                    }
                    None => return (at, bare),
                },
                None => return (at, bare),
            };
            at = next_line;
            // Comment lines inside a continued RUN are not part of it.
            loop {
                let line = self.source.get(at..self.end).unwrap_or("");
                let trimmed = line.trim_start_matches([' ', '\t']);
                if !trimmed.starts_with('#') {
                    break;
                }
                match trimmed.find('\n') {
                    Some(i) => at += line.len() - trimmed.len() + i + 1,
                    None => return (at, bare),
                }
            }
        }
    }

    /// Where a removal of the command starting at `at` begins: the end of
    /// the previous command, before `&&` / `;` (or a line break in a heredoc).
    fn connector_before(&self, at: usize) -> Option<usize> {
        let (at, bare) = self.back(at);
        let text = self.source.get(self.start..at)?;
        let connector_start = if text.ends_with("&&") && !text.ends_with("&&&") {
            at - 2
        } else if text.ends_with(';') && !text.ends_with(";;") {
            at - 1
        } else if bare {
            at
        } else {
            return None;
        };
        let (previous_end, _) = self.back(connector_start);
        (previous_end > self.start).then_some(previous_end)
    }

    /// Where a removal of the command ending at `at` ends: the start of the
    /// next command, after `&&` / `;` (or a line break in a heredoc).
    fn connector_after(&self, at: usize) -> Option<usize> {
        let (at, bare) = self.forward(at);
        let text = self.source.get(at..self.end)?;
        let connector_end = if text.starts_with("&&") {
            at + 2
        } else if text.starts_with(';') && !text.starts_with(";;") {
            at + 1
        } else if bare {
            at
        } else {
            return None;
        };
        let (next_start, _) = self.forward(connector_end);
        (next_start < self.end).then_some(next_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::apply_round;
    use crate::rules::testing::slices;
    use crate::rules::BuildInfo;

    /// The rule on a stand-alone `Dockerfile` with `options`.
    fn lint_with(src: &str, options: &[(&str, &str)], build: &BuildInfo) -> Vec<Diagnostic> {
        let df = crate::dockerfile::parse(src);
        let options: toml::Table = options
            .iter()
            .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
            .collect();
        let ctx = DockerfileContext {
            path: std::path::Path::new("Dockerfile"),
            dockerfile: &df,
            rule: &RULE,
            options: &options,
            build,
        };
        let mut out = Vec::new();
        check(&ctx, &mut out);
        out
    }

    /// Most tests look at what the rule finds, not where it looks: `scope = "all"`.
    fn lint(src: &str) -> Vec<Diagnostic> {
        lint_with(src, &[("scope", "all")], &BuildInfo::default())
    }

    /// The default scope, on a stand-alone Dockerfile.
    fn lint_default(src: &str) -> Vec<Diagnostic> {
        lint_with(src, &[], &BuildInfo::default())
    }

    #[test]
    fn default_scope_is_dockerfiles_built_with_buildkit() {
        let plain = "FROM python:3.12\nRUN pip install flask\n";
        assert!(lint_default(plain).is_empty());
        for buildkit in [
            "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN pip install flask\n",
            "FROM python:3.12\nCOPY --link . /app\nRUN pip install flask\n",
            "FROM python:3.12\nRUN --mount=type=secret,id=t pip install flask\n",
            "FROM python:3.12\nRUN <<EOF\npip install flask\nEOF\n",
            "FROM python:3.12\nONBUILD RUN --mount=type=bind,target=/x true\nRUN pip install flask\n",
        ] {
            assert_eq!(lint_default(buildkit).len(), 1, "{buildkit}");
        }
        // A bake target builds it: BuildKit.
        let bake = BuildInfo {
            from_bake: true,
            in_bake_project: true,
            ..BuildInfo::default()
        };
        assert_eq!(lint_with(plain, &[], &bake).len(), 1);
        // `cache-mounts`: only where the file already uses one.
        let adopted = "FROM python:3.12\nRUN --mount=type=cache,target=/root/.npm npm ci\nRUN pip install flask\n";
        assert_eq!(
            lint_with(adopted, &[("scope", "cache-mounts")], &bake).len(),
            1
        );
        assert!(lint_with(plain, &[("scope", "cache-mounts")], &bake).is_empty());
        assert_eq!(
            lint_with(plain, &[("scope", "all")], &BuildInfo::default()).len(),
            1
        );
    }

    #[test]
    fn version_checks_are_not_installs() {
        let src = "FROM ruby:3.3\nRUN gem install bundler && bundle --version && yarn -v\n";
        assert!(lint(src).is_empty());
    }

    #[test]
    fn a_cache_moved_by_an_inline_assignment_is_expected_there() {
        let src = "FROM php:8.3\nRUN --mount=type=cache,target=/tmp COMPOSER_CACHE_DIR=/tmp composer install\n";
        assert!(lint(src).is_empty());
        let src = "FROM php:8.3\nRUN COMPOSER_CACHE_DIR=\"/tmp/c\" composer install\n";
        let diags = lint(src);
        assert!(
            diags[0].message.contains("`/tmp/c`"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn cache_env_reaches_the_stages_built_on_it() {
        let src = "FROM python AS base\nENV PIP_CACHE_DIR=/cache/pip\nFROM base AS mid\nENV OTHER=1\nFROM mid\nRUN --mount=type=cache,target=/cache/pip pip install flask\n";
        assert!(lint(src).is_empty());
        let src = "FROM python AS base\nENV PIP_CACHE_DIR=/cache/pip\nFROM python\nRUN --mount=type=cache,target=/cache/pip pip install flask\n";
        assert_eq!(lint(src).len(), 1);
    }

    fn fixed(src: &str) -> String {
        crate::rules::testing::fixed_clean(&lint, src)
    }

    #[test]
    fn pip_gets_a_mount_and_loses_no_cache_dir() {
        let src = "FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["pip install"]);
        assert_eq!(
            diags[0].message,
            "`pip install` runs without a cache mount for `/root/.cache/pip`"
        );
        assert_eq!(diags[0].severity, Severity::Info);
        assert_eq!(
            fixed(src),
            "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n"
        );
    }

    #[test]
    fn python_m_pip_and_trailing_no_cache_dir() {
        let src = "FROM python\nRUN python3 -m pip install flask --no-cache-dir\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["python3 -m pip install"]);
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip python3 -m pip install flask\n"
        );
    }

    #[test]
    fn mounted_no_cache_dir_is_still_reported() {
        let src = "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir flask\n";
        let diags = lint(src);
        assert!(diags[0].message.contains("--no-cache-dir"));
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
        );
    }

    #[test]
    fn already_mounted_caches_are_fine() {
        for src in [
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n",
            "FROM python\nRUN --mount=type=cache,target=/root/.cache pip install flask\n",
            "FROM python\nRUN --mount=type=cache,id=pip,target=/root/.cache/pip/ pip install flask\n",
            "FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\n",
            "FROM golang\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n",
            "FROM golang\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go install ./...\n",
            "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y curl\n",
            "FROM python\nRUN --mount=type=cache,target=$CACHE pip install flask\n",
            "FROM python\nENV PIP_CACHE_DIR=/cache/pip\nRUN --mount=type=cache,target=/cache/pip pip install flask\n",
            "FROM python\nRUN --mount=type=cache,target=/tmp/pip pip install --cache-dir /tmp/pip flask\n",
            "FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
            "FROM python\nRUN echo pip install flask\n",
        ] {
            assert!(lint(src).is_empty(), "{src}");
        }
    }

    #[test]
    fn go_mounts_depend_on_the_image_and_the_subcommand() {
        let src = "FROM golang:1.22\nRUN go mod download\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["go mod download"]);
        assert_eq!(
            fixed(src),
            "FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n"
        );
        let src = "FROM debian\nRUN go install example.com/tool@latest\n";
        assert_eq!(
            fixed(src),
            "FROM debian\nRUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go install example.com/tool@latest\n"
        );
        let src = "FROM golang AS base\nFROM base\nRUN --mount=type=cache,target=/go/pkg/mod go install ./cmd/app\n";
        assert_eq!(
            fixed(src),
            "FROM golang AS base\nFROM base\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod go install ./cmd/app\n"
        );
    }

    #[test]
    fn node_tools() {
        assert_eq!(
            fixed("FROM node\nRUN npm ci\n"),
            "FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
        );
        assert_eq!(
            fixed("FROM node\nRUN yarn install --frozen-lockfile\n"),
            "FROM node\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile\n"
        );
        assert_eq!(
            fixed("FROM node\nRUN pnpm install --frozen-lockfile\n"),
            "FROM node\nRUN --mount=type=cache,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile\n"
        );
        let src = "FROM node\nRUN yarn\n";
        assert_eq!(slices(src, &lint(src)), vec!["yarn"]);
    }

    #[test]
    fn cargo_install() {
        assert_eq!(
            fixed("FROM rust:1\nRUN cargo install cargo-watch\n"),
            "FROM rust:1\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo install cargo-watch\n"
        );
    }

    const KEEP: &str = "RUN rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\n";
    const APT_MOUNTS: &str = "--mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked";
    const HOOK: &str = KEEP_PACKAGES;

    #[test]
    fn apt_gets_locked_mounts_kept_packages_and_no_cleanup() {
        let src = "FROM python:3.12-slim\n\nENV A=1\n\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential \\\n    libpq-dev \\\n    && rm -rf /var/lib/apt/lists/*\n\nWORKDIR /app\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["apt-get install"]);
        assert_eq!(
            diags[0].message,
            "`apt-get install` runs without a cache mount for `/var/cache/apt` and `/var/lib/apt`"
        );
        let help = diags[0].help.clone().unwrap_or_default();
        assert!(help.contains("docker-clean"), "{help}");
        assert!(help.contains("sharing=locked"), "{help}");
        assert!(diags[0].fix.is_some());
        let expected = format!(
            "FROM python:3.12-slim\n\nENV A=1\n\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential \\\n    libpq-dev\n\nWORKDIR /app\n"
        );
        // One round does it all; a second finds nothing.
        assert_eq!(apply_round(src, &diags), expected);
        assert_eq!(fixed(src), expected);
        assert!(crate::rules::testing::run(&RULE, &expected).is_empty());
        let df = crate::dockerfile::parse(&expected);
        assert_eq!(df.instructions().count(), 4);
    }

    #[test]
    fn apt_cleanup_variants() {
        let cases = [
            // Inline, with more after it.
            (
                "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* /var/cache/apt/* && echo ok\n",
                format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl && echo ok\n"),
            ),
            // `apt-get clean` too, `;` connectors.
            (
                "FROM ubuntu\nRUN apt-get update; apt-get install -y curl; apt-get clean; rm -rf /var/lib/apt/lists/*\n",
                format!("FROM ubuntu\nRUN {APT_MOUNTS} {HOOK} && apt-get update; apt-get install -y curl\n"),
            ),
            // Other paths stay.
            (
                "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* /tmp/build\n",
                format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl && rm -rf /tmp/build\n"),
            ),
            // Cleanup first.
            (
                "FROM debian\nRUN rm -rf /var/lib/apt/lists/* \\\n && apt-get update && apt-get install -y curl\n",
                format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl\n"),
            ),
            // A comment line inside the RUN.
            (
                "FROM debian\nRUN apt-get update && apt-get install -y curl \\\n# tidy up\n    && rm -rf /var/lib/apt/lists/*\n",
                format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl\n"),
            ),
            // BP004's guarded chromium install.
            (
                "FROM debian\nARG SKIP_CHROMIUM=false\nRUN apt-get update && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y --no-install-recommends chromium; fi \\\n    && rm -rf /var/lib/apt/lists/*\n",
                format!("FROM debian\nARG SKIP_CHROMIUM=false\nRUN {APT_MOUNTS} {HOOK} && apt-get update && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y --no-install-recommends chromium; fi\n"),
            ),
            // Heredoc: the cleanup line goes.
            (
                "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n",
                format!("FROM debian\nRUN {APT_MOUNTS} <<EOF\n{HOOK}\nset -e\napt-get update\napt-get install -y curl\nEOF\n"),
            ),
        ];
        for (src, expected) in cases {
            assert_eq!(fixed(src), expected, "{src}");
        }
    }

    #[test]
    fn apt_cleanup_edge_cases() {
        // Two cleanups before the install, one between update and install.
        let src = "FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get clean && apt-get update && rm -rf /var/cache/apt/archives/* && apt-get install -y x\n";
        assert_eq!(
            fixed(src),
            format!(
                "FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y x\n"
            )
        );
        // Backtick escape.
        let src = "# escape=`\nFROM debian\nRUN apt-get update && apt-get install -y curl `\n    && rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(
            fixed(src),
            format!("# escape=`\nFROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl\n")
        );
        // Sudo.
        let src = "FROM debian\nRUN apt-get install -y x && sudo rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(
            fixed(src),
            format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get install -y x\n")
        );
        // A redirection outside the command's span: help only.
        let src =
            "FROM debian\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists/* 2>/dev/null\n";
        assert!(lint(src)[0].fix.is_none());
    }

    #[test]
    fn every_fixed_apt_run_removes_the_hook_itself() {
        let src = "FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nRUN echo hi\n  RUN apt-get update && apt-get install -y git\nFROM base AS child\nRUN apt-get update && apt-get install -y vim\nFROM debian\nRUN apt install -y jq\n";
        let diags = lint(src);
        assert_eq!(diags.len(), 4);
        assert_eq!(
            fixed(src),
            format!("FROM debian AS base\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y curl\nRUN echo hi\n  RUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y git\nFROM base AS child\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y vim\nFROM debian\nRUN {APT_MOUNTS} {HOOK} && apt install -y jq\n")
        );
        // Several apt installs in one RUN: one pair of mounts.
        let src = "FROM debian\nRUN apt-get update && apt-get install -y a && if [ \"$X\" != \"true\" ]; then apt-get install -y b; fi\n";
        assert_eq!(lint(src).len(), 1);
        assert_eq!(
            fixed(src),
            format!("FROM debian\nRUN {APT_MOUNTS} {HOOK} && apt-get update && apt-get install -y a && if [ \"$X\" != \"true\" ]; then apt-get install -y b; fi\n")
        );
    }

    #[test]
    fn existing_keep_line_and_mount() {
        let src = format!("FROM debian\n{KEEP}RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n");
        let diags = lint(&src);
        assert_eq!(
            diags[0].message,
            "`apt-get install` runs without a cache mount for `/var/cache/apt`"
        );
        assert_eq!(
            fixed(&src),
            format!("FROM debian\n{KEEP}RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n")
        );
        // Removed in the parent stage, differently written.
        let src = "FROM debian AS base\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nFROM base\nRUN apt-get install -y curl\n";
        assert_eq!(
            fixed(src),
            format!("FROM debian AS base\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nFROM base\nRUN {APT_MOUNTS} apt-get install -y curl\n")
        );
    }

    #[test]
    fn apt_fix_keeps_crlf_and_lowercase() {
        let src = "from debian\r\n\trun apt-get update \\\r\n    && apt-get install -y curl \\\r\n    && rm -rf /var/lib/apt/lists/*\r\n";
        assert_eq!(
            fixed(src),
            format!("from debian\r\n\trun {APT_MOUNTS} {HOOK} && apt-get update \\\r\n    && apt-get install -y curl\r\n")
        );
    }

    #[test]
    fn apt_help_only_cases() {
        for src in [
            "FROM debian\nUSER app\nRUN apt-get update && apt-get install -y curl\n",
            "FROM debian\nRUN [\"sh\", \"-c\", \"apt-get update && apt-get install -y curl\"]\n",
            "FROM debian\nONBUILD RUN apt-get install -y curl\n",
            "FROM alpine\nRUN apt-get install -y curl\n",
            "FROM python:3.12-alpine\nRUN apt-get install -y curl\n",
            "FROM debian\nRUN apt-get install -y curl && if [ -d /x ]; then rm -rf /var/lib/apt/lists/*; fi\n",
            "FROM debian\nRUN apt-get install -y curl && echo $(rm -rf /var/lib/apt/lists/*)\n",
        ] {
            let diags = lint(src);
            assert_eq!(diags.len(), 1, "{src}");
            assert!(diags[0].fix.is_none(), "{src}");
        }
    }

    #[test]
    fn keep_line_does_not_fire() {
        let src = format!("FROM debian\n{KEEP}");
        assert!(lint(&src).is_empty());
    }

    #[test]
    fn apk_bundle_composer_get_help_only() {
        for src in [
            "FROM alpine\nRUN apk add --update curl && rm -rf /var/cache/apk/*\n",
            "FROM ruby\nRUN bundle install\n",
            "FROM composer\nRUN composer install\n",
        ] {
            let diags = lint(src);
            assert_eq!(diags.len(), 1, "{src}");
            assert!(diags[0].fix.is_none(), "{src}");
        }
        let src = "FROM composer\nRUN composer install\n";
        assert!(lint(src)[0].message.contains("`/tmp/cache`"));
    }

    #[test]
    fn installs_of_package_files_only_download_nothing() {
        let src = "FROM ubuntu\nRUN apt-get update && apt-get install -y /tmp/ros2-apt-source.deb && rm -rf /var/lib/apt/lists/*\n";
        assert!(lint(src).is_empty());
        let src = "FROM ubuntu\nRUN apt-get update && apt-get install -y ./a.deb curl\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn caches_mounted_in_a_project_or_another_home_count() {
        for src in [
            "FROM node\nWORKDIR /src\nRUN --mount=type=cache,target=/src/.yarn/cache yarn install --immutable\n",
            "FROM python\nUSER app\nRUN --mount=type=cache,target=/home/app/.cache/pip,uid=1000 pip install flask\n",
            "FROM golang\nRUN --mount=type=cache,target=/home/u/go/pkg/mod --mount=type=cache,target=/home/u/.cache/go-build go build ./...\n",
        ] {
            assert!(lint(src).is_empty(), "{src}");
        }
        // Another tool's cache does not count.
        let src = "FROM node\nRUN --mount=type=cache,target=/src/.yarn/cache npm ci\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn cache_env_of_a_stage_named_through_a_global_arg_counts() {
        let src = "ARG BASE=py\nFROM python AS py\nENV PIP_CACHE_DIR=/var/cache/pip\nFROM ${BASE} AS app\nRUN --mount=type=cache,target=/var/cache/pip pip install flask\n";
        assert!(lint(src).is_empty());
    }

    #[test]
    fn apk_without_a_cache_on_purpose_is_fine() {
        for src in [
            "FROM alpine\nRUN apk add --no-cache curl\n",
            "FROM alpine\nRUN apk --update --no-cache add bash clang\n",
            "FROM alpine\nRUN set -eux; apk add --no-cache --virtual .build-deps gcc; apk del .build-deps\n",
        ] {
            assert!(lint(src).is_empty(), "{src}");
        }
    }

    #[test]
    fn one_finding_per_tool_and_run() {
        let src = "FROM python\nRUN pip install a && npm ci\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["pip install", "npm ci"]);
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip pip install a && npm ci\n"
        );
    }

    #[test]
    fn heredoc_onbuild_multiline_crlf() {
        let src = "FROM python\nRUN <<EOF\nset -e\npip install flask\nEOF\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["pip install"]);
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip <<EOF\nset -e\npip install flask\nEOF\n"
        );
        let src = "FROM node\nONBUILD RUN npm ci\n";
        assert_eq!(
            fixed(src),
            "FROM node\nONBUILD RUN --mount=type=cache,target=/root/.npm npm ci\n"
        );
        let src = "FROM python\nRUN apt-get update \\\n# deps\n && pip install \\\n      --no-cache-dir \\\n      flask\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["pip install"]);
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip apt-get update \\\n# deps\n && pip install \\\n      flask\n"
        );
        let src = "FROM python\r\nRUN pip install \\\r\n  --no-cache-dir flask\r\n";
        assert_eq!(
            fixed(src),
            "FROM python\r\nRUN --mount=type=cache,target=/root/.cache/pip pip install \\\r\n  flask\r\n"
        );
    }

    #[test]
    fn exec_form_shell_script() {
        let src = "FROM python\nRUN [\"sh\", \"-c\", \"pip install --no-cache-dir flask\"]\n";
        assert_eq!(
            fixed(src),
            "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip [\"sh\", \"-c\", \"pip install flask\"]\n"
        );
    }

    #[test]
    fn non_root_user_gets_no_fix() {
        let src = "FROM python\nUSER app\nRUN pip install flask\n";
        let diags = lint(src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
        let src = "FROM python\nUSER app\nUSER root\nRUN pip install flask\n";
        assert!(lint(src)[0].fix.is_some());
    }

    #[test]
    fn odd_input_does_not_panic() {
        for src in [
            "FROM python\nRUN --mount=type=cache pip install x\n",
            "FROM python\nRUN --mount= pip install\n",
            "RUN pip install x\n",
            "FROM python\nRUN pip install --no-cache-dir\n",
            "FROM python\nRUN <<EOF\npip install x\n",
            "FROM python\nONBUILD RUN\n",
            "FROM python\nRUN --mount=type=cache,target=/ pip install x\n",
            "FROM debian\nRUN apt-get install x && rm -rf /var/lib/apt/lists/* \\",
            "FROM debian\nRUN apt-get install x;; rm -rf /var/lib/apt/lists/*\n",
            "FROM debian\nRUN apt-get install x \\\n\n && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian\nRUN <<EOF\nrm -rf /var/lib/apt/lists/*\napt-get install x\n",
            "FROM debian\nRUN rm -rf /var/lib/apt/lists/é <<EOF\napt-get install x\nEOF\n",
        ] {
            let diags = lint(src);
            let _ = apply_round(src, &diags);
        }
    }
}
