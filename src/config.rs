//! `bakelint.toml` / `.bakelint.toml` and the resolved lint settings.
//!
//! Config errors (unknown keys, bad values, unknown rule names) are values
//! with the span of the offending text in the config file, rendered by miette.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::project::{Exclusions, DEFAULT_EXCLUDE};
use crate::rules::{self, OptionKind, RuleDef, RuleOptions, RULES};
use crate::span::Span;

/// Config file names, in lookup order within a directory.
pub const CONFIG_NAMES: &[&str] = &["bakelint.toml", ".bakelint.toml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    extend_exclude: Option<Vec<Spanned<String>>>,
    per_file_ignores: Option<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    rules: Option<BTreeMap<String, Spanned<toml::Table>>>,
    fail_level: Option<Spanned<String>>,
    exit_zero: Option<bool>,
    disable_ignore_pragma: Option<bool>,
}

/// Rules that run only when named explicitly (`select`, `extend-select`,
/// `--select`, by code, name or alias; not by a prefix or `ALL`): hadolint's
/// rules of severity `ignore`, which its users turn on with `override`.
pub const OPT_IN_RULES: &[&str] = &["DL1001", "DL3057"];

/// The least severe finding that makes `check` exit with 1 when neither
/// `--fail-level` nor the `fail-level` key says otherwise (hadolint's
/// `--failure-threshold`). Findings below it are still reported and counted;
/// they just do not fail the run, so info-level advice (BP007 cache mounts,
/// a one-off BP010 install) shows without failing CI.
pub const DEFAULT_FAIL_LEVEL: Severity = Severity::Warning;

/// A problem with the configuration (exit code 2).
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The config file, or `None` for a command-line option.
    pub path: Option<PathBuf>,
    pub source_text: String,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
}

impl ConfigError {
    fn at(file: &ConfigFile, span: Span, message: impl Into<String>) -> Self {
        ConfigError {
            path: Some(file.path.clone()),
            source_text: file.text.clone(),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    fn cli(message: impl Into<String>) -> Self {
        ConfigError {
            path: None,
            source_text: String::new(),
            span: None,
            message: message.into(),
            help: None,
        }
    }

    fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

struct ConfigFile {
    path: PathBuf,
    text: String,
}

/// Selections given on the command line.
#[derive(Debug, Clone, Default)]
pub struct CliSelection {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
}

/// Resolved settings: which rules run where, with which severity and options.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The directory globs in `per-file-ignores` are relative to.
    pub root: PathBuf,
    /// The config file in use, if any.
    pub config_path: Option<PathBuf>,
    /// What walking a directory skips (`exclude` + `extend-exclude`).
    pub exclude: Exclusions,
    /// The config's `fail-level` (the default when it has none).
    pub fail_level: Severity,
    /// The config's `exit-zero` (hadolint's `no-fail`): findings never fail the run.
    pub exit_zero: bool,
    /// The config's `disable-ignore-pragma`: `# bakelint ignore=` and
    /// `# hadolint ignore=` comments suppress nothing.
    pub disable_ignore_pragma: bool,
    /// Problems that did not stop reading the config (a hadolint config's
    /// rule codes bakelint lacks, its unknown keys), with their spans.
    pub warnings: Vec<ConfigError>,
    enabled: Vec<bool>,
    per_file_ignores: Vec<(GlobMatcher, Vec<String>)>,
    severity: HashMap<&'static str, Severity>,
    options: HashMap<&'static str, RuleOptions>,
    empty_options: RuleOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            root: PathBuf::from("."),
            config_path: None,
            exclude: Exclusions::default(),
            fail_level: DEFAULT_FAIL_LEVEL,
            exit_zero: false,
            disable_ignore_pragma: false,
            warnings: Vec::new(),
            enabled: RULES
                .iter()
                .map(|r| !OPT_IN_RULES.contains(&r.code))
                .collect(),
            per_file_ignores: Vec::new(),
            severity: HashMap::new(),
            options: HashMap::new(),
            empty_options: RuleOptions::new(),
        }
    }
}

impl Settings {
    /// Finds the config file (explicit path, or upward from `start`) and
    /// resolves it with the CLI selection. Without a bakelint config, a
    /// hadolint config (`.hadolint.yaml`, found where hadolint looks; see
    /// [`crate::hadolint_config::find`]) is read instead; an explicit path
    /// ending in `.yaml` / `.yml` is read as one too.
    pub fn discover(
        explicit: Option<&Path>,
        start: &Path,
        cli: &CliSelection,
    ) -> Result<Settings, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => find_config(start).or_else(|| crate::hadolint_config::find(start)),
        };
        match path {
            Some(path) => {
                let text = crate::fsread::read_text(&path).map_err(|e| {
                    ConfigError::cli(format!("config {}: {}", path.display(), e.message))
                })?;
                if crate::hadolint_config::is_hadolint_config(&path) {
                    Settings::from_hadolint(&path, &text, cli)
                } else {
                    Settings::from_toml(&path, &text, cli)
                }
            }
            None => Settings::resolve(None, RawConfig::default(), cli, start.to_path_buf()),
        }
    }

    /// Reads a hadolint config as the `bakelint.toml` it translates to
    /// (what `bakelint config --from-hadolint` prints); its warnings are
    /// kept in [`Settings::warnings`].
    pub fn from_hadolint(
        path: &Path,
        text: &str,
        cli: &CliSelection,
    ) -> Result<Settings, ConfigError> {
        let translation = crate::hadolint_config::translate(path, text)?;
        let mut settings = Settings::from_toml(path, &translation.toml, cli).map_err(|mut e| {
            // Only the command line's selection can fail here: the
            // translation is valid by construction.
            if e.path.is_some() {
                e.message = format!("{} (in the translation of {})", e.message, path.display());
                e.path = None;
                e.span = None;
            }
            e
        })?;
        settings.warnings = translation.warnings;
        Ok(settings)
    }

    /// Parses config text (the path is used for messages and as the glob root).
    pub fn from_toml(path: &Path, text: &str, cli: &CliSelection) -> Result<Settings, ConfigError> {
        let file = ConfigFile {
            path: path.to_path_buf(),
            text: text.to_string(),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().map(Span::from).unwrap_or_default();
            ConfigError::at(&file, span, format!("invalid config: {}", e.message()))
        })?;
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Settings::resolve(Some(&file), raw, cli, root)
    }

    fn resolve(
        file: Option<&ConfigFile>,
        raw: RawConfig,
        cli: &CliSelection,
        root: PathBuf,
    ) -> Result<Settings, ConfigError> {
        let check = |s: &Spanned<String>| -> Result<String, ConfigError> {
            let value = s.get_ref().clone();
            if RULES.iter().any(|r| r.matches(&value)) {
                Ok(value)
            } else {
                Err(unknown_rule_error(file, Some(s.span().into()), &value))
            }
        };
        let check_cli = |s: &String| -> Result<String, ConfigError> {
            if RULES.iter().any(|r| r.matches(s)) {
                Ok(s.clone())
            } else {
                Err(unknown_rule_error(None, None, s))
            }
        };

        let config_select: Option<Vec<String>> = match &raw.select {
            Some(v) => Some(v.iter().map(check).collect::<Result<_, _>>()?),
            None => None,
        };
        let mut select: Vec<String> = match &cli.select {
            Some(v) => v.iter().map(check_cli).collect::<Result<_, _>>()?,
            None => config_select.unwrap_or_else(|| vec!["ALL".to_string()]),
        };
        for s in raw.extend_select.iter().flatten() {
            select.push(check(s)?);
        }
        for s in &cli.extend_select {
            select.push(check_cli(s)?);
        }
        let mut ignore: Vec<String> = Vec::new();
        for s in raw.ignore.iter().flatten() {
            ignore.push(check(s)?);
        }
        for s in &cli.ignore {
            ignore.push(check_cli(s)?);
        }
        let enabled = RULES
            .iter()
            .map(|r| {
                let selected = if OPT_IN_RULES.contains(&r.code) {
                    select.iter().any(|s| r.is_named(s))
                } else {
                    select.iter().any(|s| r.matches(s))
                };
                selected && !ignore.iter().any(|s| r.matches(s))
            })
            .collect();

        let exclude = exclusions(file, &raw, &root)?;
        let fail_level = match &raw.fail_level {
            Some(level) => severity_value(file, level, "fail-level")?,
            None => DEFAULT_FAIL_LEVEL,
        };
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in raw.per_file_ignores.unwrap_or_default() {
            let glob = Glob::new(&pattern).map_err(|e| match file {
                Some(f) => ConfigError::at(
                    f,
                    codes.span().into(),
                    format!("invalid glob `{pattern}`: {e}"),
                ),
                None => ConfigError::cli(format!("invalid glob `{pattern}`: {e}")),
            })?;
            let codes = codes
                .get_ref()
                .iter()
                .map(check)
                .collect::<Result<Vec<_>, _>>()?;
            per_file_ignores.push((glob.compile_matcher(), codes));
        }

        let mut severity = HashMap::new();
        for (name, level) in raw.severity.unwrap_or_default() {
            let span: Span = name.span().into();
            let name = name.into_inner();
            let rule =
                rules::find(&name).ok_or_else(|| unknown_rule_error(file, Some(span), &name))?;
            let sev = severity_value(file, &level, &format!("severity for {name}"))?;
            severity.insert(rule.code, sev);
        }

        let mut options = HashMap::new();
        for (name, table) in raw.rules.unwrap_or_default() {
            let span: Span = table.span().into();
            let rule = rules::find(&name).ok_or_else(|| match file {
                Some(f) => ConfigError::at(f, span, format!("unknown rule `{name}` in [rules]"))
                    .with_help(rules::suggest(&name).map(|s| format!("did you mean `{s}`?"))),
                None => ConfigError::cli(format!("unknown rule `{name}`")),
            })?;
            let table = table.into_inner();
            for (key, value) in &table {
                validate_option(rule, key, value).map_err(|msg| match file {
                    Some(f) => ConfigError::at(f, span, msg),
                    None => ConfigError::cli(msg),
                })?;
            }
            options.insert(rule.code, table);
        }

        Ok(Settings {
            root,
            config_path: file.map(|f| f.path.clone()),
            exclude,
            fail_level,
            exit_zero: raw.exit_zero.unwrap_or(false),
            disable_ignore_pragma: raw.disable_ignore_pragma.unwrap_or(false),
            warnings: Vec::new(),
            enabled,
            per_file_ignores,
            severity,
            options,
            empty_options: RuleOptions::new(),
        })
    }

    /// Whether `rule` runs on `path`.
    pub fn is_enabled(&self, rule: &RuleDef, path: &Path) -> bool {
        let Some(index) = RULES.iter().position(|r| std::ptr::eq(*r, rule)) else {
            return false;
        };
        self.enabled_for(path).get(index).copied().unwrap_or(false)
    }

    /// For each rule of [`RULES`], whether it runs on `path` (the path and
    /// the per-file globs are matched once, not once per rule).
    pub fn enabled_for(&self, path: &Path) -> Vec<bool> {
        let mut enabled = self.enabled.clone();
        if self.per_file_ignores.is_empty() {
            return enabled;
        }
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        for (glob, codes) in &self.per_file_ignores {
            if glob.is_match(rel) || glob.is_match(path) {
                for (on, rule) in enabled.iter_mut().zip(RULES.iter()) {
                    if codes.iter().any(|c| rule.matches(c)) {
                        *on = false;
                    }
                }
            }
        }
        enabled
    }

    pub fn severity(&self, rule: &RuleDef) -> Severity {
        self.severity_override(rule).unwrap_or(rule.severity)
    }

    /// The severity configured for `rule`, if any. A rule may report some
    /// findings below its default (BP010: info for a one-off install,
    /// warning when Dockerfiles repeat it); only a configured severity
    /// replaces what the rule chose.
    pub fn severity_override(&self, rule: &RuleDef) -> Option<Severity> {
        self.severity.get(rule.code).copied()
    }

    pub fn options(&self, rule: &RuleDef) -> &RuleOptions {
        self.options.get(rule.code).unwrap_or(&self.empty_options)
    }
}

/// `exclude` (default: [`DEFAULT_EXCLUDE`]) plus `extend-exclude`, as
/// ruff's options of those names; an invalid glob points at itself.
fn exclusions(
    file: Option<&ConfigFile>,
    raw: &RawConfig,
    root: &Path,
) -> Result<Exclusions, ConfigError> {
    let mut patterns: Vec<&Spanned<String>> = Vec::new();
    patterns.extend(raw.exclude.iter().flatten());
    patterns.extend(raw.extend_exclude.iter().flatten());
    let mut strings: Vec<String> = match raw.exclude {
        Some(_) => Vec::new(),
        None => DEFAULT_EXCLUDE.iter().map(|p| p.to_string()).collect(),
    };
    for p in &patterns {
        // Each pattern on its own first, so an error points at it.
        Exclusions::new(root, &[p.get_ref().clone()]).map_err(|(_, e)| {
            let msg = format!("invalid glob `{}`: {e}", p.get_ref());
            match file {
                Some(f) => ConfigError::at(f, p.span().into(), msg),
                None => ConfigError::cli(msg),
            }
        })?;
        strings.push(p.get_ref().clone());
    }
    Exclusions::new(root, &strings)
        .map_err(|(p, e)| ConfigError::cli(format!("invalid glob `{p}`: {e}")))
}

fn validate_option(rule: &RuleDef, key: &str, value: &toml::Value) -> Result<(), String> {
    let Some(opt) = rule.options.iter().find(|o| o.name == key) else {
        let known: Vec<&str> = rule.options.iter().map(|o| o.name).collect();
        return Err(if known.is_empty() {
            format!("rule `{}` has no options (got `{key}`)", rule.name)
        } else {
            format!(
                "unknown option `{key}` for rule `{}`; known options: {}",
                rule.name,
                known.join(", ")
            )
        });
    };
    let ok = match opt.kind {
        OptionKind::String => value.is_str(),
        OptionKind::Integer => value.is_integer(),
        OptionKind::Bool => value.is_bool(),
        OptionKind::StringList => value
            .as_array()
            .is_some_and(|a| a.iter().all(toml::Value::is_str)),
        OptionKind::OneOf(values) => value.as_str().is_some_and(|v| values.contains(&v)),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "option `{key}` of rule `{}` must be {}",
            rule.name,
            match opt.kind {
                OptionKind::String => "a string".to_string(),
                OptionKind::Integer => "an integer".to_string(),
                OptionKind::Bool => "a boolean".to_string(),
                OptionKind::StringList => "a list of strings".to_string(),
                OptionKind::OneOf(values) => format!(
                    "one of {}",
                    values
                        .iter()
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        ))
    }
}

fn unknown_rule_error(file: Option<&ConfigFile>, span: Option<Span>, name: &str) -> ConfigError {
    let msg = format!("unknown rule or rule prefix `{name}`");
    let help = rules::suggest(name).map(|s| format!("did you mean `{s}`?"));
    match (file, span) {
        (Some(f), Some(span)) => ConfigError::at(f, span, msg).with_help(help),
        _ => ConfigError::cli(msg).with_help(help),
    }
}

/// The nearest config file at or above `start`.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in abs.ancestors() {
        for name in CONFIG_NAMES {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A severity named in the config (`fail-level`, `[severity]`), or an
/// error at its value saying what `what` accepts.
fn severity_value(
    file: Option<&ConfigFile>,
    level: &Spanned<String>,
    what: &str,
) -> Result<Severity, ConfigError> {
    Severity::parse(level.get_ref()).ok_or_else(|| {
        let msg = format!(
            "invalid {what} `{}`: expected error, warning, info or style",
            level.get_ref()
        );
        match file {
            Some(f) => ConfigError::at(f, level.span().into(), msg),
            None => ConfigError::cli(msg),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_points_at_it() {
        let text = "select = [\"DF\"]\nbogus = 1\n";
        let err = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect_err("unknown key must fail");
        let span = err.span.expect("span");
        assert!(text[span.start..span.end].contains("bogus"), "{err:?}");
    }

    #[test]
    fn unknown_rule_in_select_has_span() {
        let text = "select = [\"XX9\"]\n";
        let err = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect_err("unknown rule");
        let span = err.span.expect("span");
        assert_eq!(&text[span.start..span.end], "\"XX9\"");
    }

    #[test]
    fn select_and_ignore() {
        let text = "ignore = [\"DF000\"]\n";
        let s = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect("valid");
        assert!(!s.is_enabled(&rules::DF000, Path::new("Dockerfile")));
    }

    #[test]
    fn per_file_ignores_match_relative_paths() {
        let text = "[per-file-ignores]\n\"legacy/*\" = [\"DF000\"]\n";
        let s = Settings::from_toml(
            Path::new("proj/bakelint.toml"),
            text,
            &CliSelection::default(),
        )
        .expect("valid");
        assert!(!s.is_enabled(&rules::DF000, Path::new("proj/legacy/Dockerfile")));
        assert!(s.is_enabled(&rules::DF000, Path::new("proj/app/Dockerfile")));
    }

    #[test]
    fn unknown_rule_in_severity_points_at_its_key() {
        let text = "[severity]\nDF000 = \"error\"\nNOPE = \"error\"\n";
        let err = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect_err("unknown rule");
        let span = err.span.expect("span");
        assert_eq!(&text[span.start..span.end], "NOPE");
        assert!(err.message.contains("`NOPE`"), "{err:?}");
    }

    #[test]
    fn exclude_replaces_the_defaults_and_extend_exclude_adds() {
        let settings = |text: &str| {
            Settings::from_toml(
                Path::new("proj/bakelint.toml"),
                text,
                &CliSelection::default(),
            )
            .expect("valid")
        };
        let defaults = settings("extend-exclude = [\"generated\", \"ci/old/*\"]\n");
        assert!(defaults.exclude.is_excluded(Path::new("proj/x/vendor")));
        assert!(defaults.exclude.is_excluded(Path::new("proj/generated")));
        assert!(defaults
            .exclude
            .is_excluded(Path::new("proj/ci/old/Dockerfile")));
        assert!(!defaults
            .exclude
            .is_excluded(Path::new("proj/ci/Dockerfile")));
        let replaced = settings("exclude = [\"build\"]\n");
        assert!(!replaced.exclude.is_excluded(Path::new("proj/vendor")));
        assert!(replaced.exclude.is_excluded(Path::new("proj/a/build")));
    }

    #[test]
    fn invalid_exclude_glob_points_at_it() {
        let text = "extend-exclude = [\"ok\", \"a[\"]\n";
        let err = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect_err("bad glob");
        let span = err.span.expect("span");
        assert_eq!(&text[span.start..span.end], "\"a[\"");
    }

    #[test]
    fn fail_level_key_and_its_errors() {
        let parse = |text: &str| {
            Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
        };
        let default = parse("").expect("valid");
        assert_eq!(default.fail_level, Severity::Warning);
        let info = parse("fail-level = \"info\"\n").expect("valid");
        assert_eq!(info.fail_level, Severity::Info);
        let err = parse("fail-level = \"loud\"\n").expect_err("bad level");
        let span = err.span.expect("span");
        assert_eq!(&"fail-level = \"loud\"\n"[span.start..span.end], "\"loud\"");
        assert!(err.message.contains("fail-level"), "{err:?}");
    }

    #[test]
    fn fail_levels_order_like_severities() {
        assert!(Severity::Error.fails_at(Severity::Warning));
        assert!(Severity::Warning.fails_at(Severity::Warning));
        assert!(!Severity::Info.fails_at(Severity::Warning));
        assert!(!Severity::Warning.fails_at(Severity::Error));
        assert!(Severity::Info.fails_at(Severity::Info));
        assert!(!Severity::Style.fails_at(Severity::Info));
        assert!(Severity::Style.fails_at(Severity::Style));
    }

    #[test]
    fn bad_severity_value() {
        let text = "[severity]\nDF000 = \"loud\"\n";
        let err = Settings::from_toml(Path::new("bakelint.toml"), text, &CliSelection::default())
            .expect_err("bad severity");
        let span = err.span.expect("span");
        assert_eq!(&text[span.start..span.end], "\"loud\"");
    }
}
