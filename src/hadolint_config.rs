//! hadolint's configuration file (`.hadolint.yaml`), read as bakelint
//! settings when a project has no bakelint config.
//!
//! The file is translated into the equivalent `bakelint.toml` text, which
//! is then read like any bakelint config: `bakelint config --from-hadolint`
//! prints that same text, so what a project migrates to is exactly what
//! bakelint was already running.
//!
//! | hadolint key | bakelint |
//! | --- | --- |
//! | `ignored` | `ignore` |
//! | `override.{error,warning,info,style}` | `[severity]` (and `extend-select` for rules that are off by default) |
//! | `failure-threshold` | `fail-level` (`ignore`/`none`: `style`) |
//! | `no-fail` | `exit-zero` |
//! | `disable-ignore-pragma` | `disable-ignore-pragma` |
//! | `trustedRegistries` | `[rules.DL3026] trusted-registries` |
//! | `label-schema`, `strict-labels` | `[rules.DL3049]` … `[rules.DL3058] labels` |
//! | `format`, `output-format`, `no-color`, `verbose` | nothing (command-line matters) |
//!
//! A rule code bakelint does not have is a warning, not an error: a
//! hadolint config written for rules bakelint lacks must not stop a run.

use std::path::{Path, PathBuf};

use crate::config::ConfigError;
use crate::diagnostic::Severity;
use crate::rules;
use crate::span::Span;
use crate::yaml::{self, Node};

/// hadolint's config names in a project directory, in lookup order.
pub const PROJECT_NAMES: &[&str] = &[".hadolint.yaml", ".hadolint.yml"];

/// The label types of hadolint's `label-schema`, and the rule checking each
/// (`text` labels are only required and non-empty).
pub const LABEL_TYPES: &[(&str, Option<&str>)] = &[
    ("text", None),
    ("url", Some("DL3052")),
    ("rfc3339", Some("DL3053")),
    ("spdx", Some("DL3054")),
    ("hash", Some("DL3055")),
    ("semver", Some("DL3056")),
    ("email", Some("DL3058")),
];

/// Keys hadolint reads that configure its command line, not its rules.
const TOLERATED_KEYS: &[&str] = &["format", "output-format", "no-color", "verbose"];

/// Where hadolint's config is, when no bakelint config was found: the
/// nearest `.hadolint.yaml` / `.hadolint.yml` at or above `start` (hadolint
/// itself looks in the working directory only; bakelint, which finds
/// `bakelint.toml` upward, finds this the same way), then the user's:
/// `$XDG_CONFIG_HOME/hadolint.yaml` (default `~/.config`),
/// `~/.hadolint/hadolint.yaml` or `config.yaml`, `~/.hadolint.yaml`
/// (each also `.yml`), as hadolint orders them.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in abs.ancestors() {
        for name in PROJECT_NAMES {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    user_configs(
        std::env::var_os("HOME").map(PathBuf::from),
        std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
    )
    .into_iter()
    .find(|p| p.is_file())
}

/// The user-level config paths hadolint tries, in order.
fn user_configs(home: Option<PathBuf>, xdg: Option<PathBuf>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let xdg = xdg
        .filter(|p| p.is_absolute())
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(xdg) = xdg {
        out.push(xdg.join("hadolint.yaml"));
        out.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = home {
        for name in ["hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml"] {
            out.push(home.join(".hadolint").join(name));
        }
        for name in PROJECT_NAMES {
            out.push(home.join(name));
        }
    }
    out
}

/// Whether `path` names a hadolint config (a `.yaml` / `.yml` file).
pub fn is_hadolint_config(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A hadolint config translated to bakelint's.
#[derive(Debug, Clone)]
pub struct Translation {
    /// The equivalent `bakelint.toml`.
    pub toml: String,
    /// What was dropped (unknown rule codes, unknown keys), with spans.
    pub warnings: Vec<ConfigError>,
}

/// What a hadolint config says, validated.
#[derive(Debug, Default)]
struct Hadolint {
    ignored: Vec<String>,
    /// (code, severity) in file order.
    overrides: Vec<(String, Severity)>,
    failure_threshold: Option<Severity>,
    no_fail: Option<bool>,
    disable_ignore_pragma: Option<bool>,
    trusted_registries: Vec<String>,
    /// (label, type) in file order.
    label_schema: Vec<(String, String)>,
    strict_labels: bool,
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    warnings: Vec<ConfigError>,
}

impl Reader<'_> {
    fn error(&self, span: Span, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: Some(self.path.to_path_buf()),
            source_text: self.text.to_string(),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    fn warn(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        let mut w = self.error(span, message);
        w.help = help;
        self.warnings.push(w);
    }

    fn string_list(&self, key: &str, node: &Node) -> Result<Vec<(String, Span)>, ConfigError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        let items = node.as_seq().ok_or_else(|| {
            self.error(
                node.span,
                format!("`{key}` must be a list, not {}", node.describe()),
            )
        })?;
        items
            .iter()
            .map(|item| match item.as_str() {
                Some(s) if !item.is_null() => Ok((s.to_string(), item.span)),
                _ => Err(self.error(
                    item.span,
                    format!("`{key}` must list strings, not {}", item.describe()),
                )),
            })
            .collect()
    }

    fn boolean(&self, key: &str, node: &Node) -> Result<Option<bool>, ConfigError> {
        if node.is_null() {
            return Ok(None);
        }
        node.as_bool().map(Some).ok_or_else(|| {
            self.error(
                node.span,
                format!("`{key}` must be true or false, not `{}`", self.slice(node)),
            )
        })
    }

    fn slice(&self, node: &Node) -> &str {
        self.text.get(node.span.start..node.span.end).unwrap_or("")
    }

    /// A rule code bakelint knows (its code as bakelint spells it), or a warning.
    fn rule_code(&mut self, key: &str, code: &str, span: Span) -> Option<&'static str> {
        match rules::find(code) {
            Some(rule) => Some(rule.code),
            None => {
                let help = rules::suggest(code)
                    .filter(|s| !s.eq_ignore_ascii_case(code))
                    .map(|s| format!("did you mean `{s}`?"));
                self.warn(
                    span,
                    format!("`{key}`: bakelint has no rule `{code}`; this entry is skipped"),
                    help,
                );
                None
            }
        }
    }
}

fn severity_of(name: &str) -> Option<Severity> {
    match name {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        "style" => Some(Severity::Style),
        // hadolint fails on every finding below `ignore`: all of them.
        "ignore" | "none" => Some(Severity::Style),
        _ => None,
    }
}

fn read(path: &Path, text: &str) -> Result<(Hadolint, Vec<ConfigError>), ConfigError> {
    let mut r = Reader {
        path,
        text,
        warnings: Vec::new(),
    };
    let doc = yaml::parse(text).map_err(|e| {
        let start = crate::span::clamp_to_char_boundary(text, e.offset.min(text.len()));
        let end = text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        r.error(
            Span::new(start, end),
            format!("invalid hadolint config: {}", e.message),
        )
    })?;
    let mut cfg = Hadolint::default();
    // The first document is the config (hadolint reads one).
    let Some(doc) = doc.into_iter().next().filter(|d| !d.is_null()) else {
        return Ok((cfg, r.warnings));
    };
    let pairs = doc.as_map().ok_or_else(|| {
        r.error(
            doc.span,
            format!(
                "a hadolint config must be a mapping of keys, not {}",
                doc.describe()
            ),
        )
    })?;
    for (key, value) in pairs {
        let Some(name) = key.as_str() else {
            return Err(r.error(key.span, "config keys must be strings"));
        };
        match name {
            "ignored" => {
                for (code, span) in r.string_list(name, value)? {
                    if let Some(code) = r.rule_code(name, &code, span) {
                        cfg.ignored.push(code.to_string());
                    }
                }
            }
            "override" => {
                if value.is_null() {
                    continue;
                }
                let levels = value.as_map().ok_or_else(|| {
                    r.error(
                        value.span,
                        format!(
                            "`override` must map error/warning/info/style to rule lists, not {}",
                            value.describe()
                        ),
                    )
                })?;
                for (level, codes) in levels {
                    let level_name = level.as_str().unwrap_or("");
                    let severity = match level_name {
                        "error" | "warning" | "info" | "style" => severity_of(level_name),
                        _ => None,
                    };
                    let Some(severity) = severity else {
                        r.warn(
                            level.span,
                            format!("`override.{level_name}` is not a hadolint severity; skipped"),
                            Some("use error, warning, info or style".to_string()),
                        );
                        continue;
                    };
                    let key = format!("override.{level_name}");
                    for (code, span) in r.string_list(&key, codes)? {
                        if let Some(code) = r.rule_code(&key, &code, span) {
                            cfg.overrides.push((code.to_string(), severity));
                        }
                    }
                }
            }
            "failure-threshold" => {
                if value.is_null() {
                    continue;
                }
                let level = value.as_str().and_then(severity_of).ok_or_else(|| {
                    let mut e = r.error(
                        value.span,
                        format!("invalid failure-threshold `{}`", r.slice(value)),
                    );
                    e.help = Some("use error, warning, info, style, ignore or none".to_string());
                    e
                })?;
                cfg.failure_threshold = Some(level);
            }
            "no-fail" => cfg.no_fail = r.boolean(name, value)?,
            "disable-ignore-pragma" => cfg.disable_ignore_pragma = r.boolean(name, value)?,
            "strict-labels" => cfg.strict_labels = r.boolean(name, value)?.unwrap_or(false),
            // hadolint 1.x spelled it `trusted-registries`.
            "trustedRegistries" | "trusted-registries" => {
                for (registry, _) in r.string_list(name, value)? {
                    cfg.trusted_registries.push(registry);
                }
            }
            "label-schema" => {
                if value.is_null() {
                    continue;
                }
                let labels = value.as_map().ok_or_else(|| {
                    r.error(
                        value.span,
                        format!(
                            "`label-schema` must map label names to types, not {}",
                            value.describe()
                        ),
                    )
                })?;
                for (label, kind) in labels {
                    let (Some(label_name), Some(kind_name)) = (label.as_str(), kind.as_str())
                    else {
                        return Err(r.error(
                            kind.span,
                            "`label-schema` must map label names to type names",
                        ));
                    };
                    if !LABEL_TYPES.iter().any(|(t, _)| *t == kind_name) {
                        let mut e = r.error(
                            kind.span,
                            format!("unknown label type `{kind_name}` for label `{label_name}`"),
                        );
                        e.help = Some(format!(
                            "use one of {}",
                            LABEL_TYPES
                                .iter()
                                .map(|(t, _)| *t)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                        return Err(e);
                    }
                    cfg.label_schema
                        .push((label_name.to_string(), kind_name.to_string()));
                }
            }
            _ if TOLERATED_KEYS.contains(&name) => {}
            _ => {
                let known = [
                    "ignored",
                    "override",
                    "failure-threshold",
                    "no-fail",
                    "disable-ignore-pragma",
                    "strict-labels",
                    "trustedRegistries",
                    "label-schema",
                ];
                let help = known
                    .iter()
                    .chain(TOLERATED_KEYS)
                    .map(|k| (strsim::jaro_winkler(name, k), *k))
                    .filter(|(s, _)| *s > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| format!("did you mean `{k}`?"));
                r.warn(
                    key.span,
                    format!("unknown hadolint config key `{name}`; skipped"),
                    help,
                );
            }
        }
    }
    Ok((cfg, r.warnings))
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// `[rules.CODE]` key for a rule code: codes are bare TOML keys.
fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|i| i == item) {
        list.push(item.to_string());
    }
}

/// Translates the hadolint config `text` (read from `path`) into the
/// equivalent `bakelint.toml`.
pub fn translate(path: &Path, text: &str) -> Result<Translation, ConfigError> {
    let (cfg, warnings) = read(path, text)?;
    let mut out = String::new();
    out.push_str(&format!(
        "# bakelint configuration, translated from the hadolint config {}\n",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    ));
    // Rules off by default that a hadolint `override` turns on.
    let mut enable: Vec<String> = Vec::new();
    for (code, _) in &cfg.overrides {
        if crate::config::OPT_IN_RULES.contains(&code.as_str()) {
            push_unique(&mut enable, code);
        }
    }
    if !enable.is_empty() {
        out.push_str(&format!("extend-select = {}\n", toml_list(&enable)));
    }
    let mut ignored = Vec::new();
    for code in &cfg.ignored {
        push_unique(&mut ignored, code);
    }
    if !ignored.is_empty() {
        out.push_str(&format!("ignore = {}\n", toml_list(&ignored)));
    }
    if let Some(level) = cfg.failure_threshold {
        out.push_str(&format!("fail-level = {}\n", toml_str(level.as_str())));
    }
    if cfg.no_fail == Some(true) {
        out.push_str("exit-zero = true\n");
    }
    if cfg.disable_ignore_pragma == Some(true) {
        out.push_str("disable-ignore-pragma = true\n");
    }
    if !cfg.overrides.is_empty() {
        // A code listed twice: hadolint applies error, then warning, info
        // and style; the last list that names it wins.
        let mut last: Vec<(String, Severity)> = Vec::new();
        for (code, sev) in &cfg.overrides {
            match last.iter_mut().find(|(c, _)| c == code) {
                Some(entry) => entry.1 = *sev,
                None => last.push((code.clone(), *sev)),
            }
        }
        out.push_str("\n[severity]\n");
        for (code, sev) in last {
            out.push_str(&format!("{code} = {}\n", toml_str(sev.as_str())));
        }
    }
    let mut registries = Vec::new();
    for r in &cfg.trusted_registries {
        push_unique(&mut registries, r);
    }
    if !registries.is_empty() {
        out.push_str(&format!(
            "\n[rules.DL3026]\ntrusted-registries = {}\n",
            toml_list(&registries)
        ));
    }
    let mut all_labels = Vec::new();
    for (label, _) in &cfg.label_schema {
        push_unique(&mut all_labels, label);
    }
    if !all_labels.is_empty() {
        let list = toml_list(&all_labels);
        out.push_str(&format!("\n[rules.DL3049]\nlabels = {list}\n"));
        if cfg.strict_labels {
            out.push_str(&format!("\n[rules.DL3050]\nlabels = {list}\n"));
        }
        out.push_str(&format!("\n[rules.DL3051]\nlabels = {list}\n"));
        for (kind, code) in LABEL_TYPES {
            let Some(code) = code else { continue };
            let mut labels = Vec::new();
            for (label, k) in &cfg.label_schema {
                if k == kind {
                    push_unique(&mut labels, label);
                }
            }
            if !labels.is_empty() {
                out.push_str(&format!(
                    "\n[rules.{code}]\nlabels = {}\n",
                    toml_list(&labels)
                ));
            }
        }
    }
    Ok(Translation {
        toml: out,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(text: &str) -> Translation {
        translate(Path::new(".hadolint.yaml"), text).expect("valid")
    }

    #[test]
    fn user_config_order_follows_hadolint() {
        let paths = user_configs(Some(PathBuf::from("/h")), None);
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                "/h/.config/hadolint.yaml",
                "/h/.config/hadolint.yml",
                "/h/.hadolint/hadolint.yaml",
                "/h/.hadolint/hadolint.yml",
                "/h/.hadolint/config.yaml",
                "/h/.hadolint/config.yml",
                "/h/.hadolint.yaml",
                "/h/.hadolint.yml",
            ]
        );
        let xdg = user_configs(Some(PathBuf::from("/h")), Some(PathBuf::from("/x")));
        assert_eq!(xdg[0], PathBuf::from("/x/hadolint.yaml"));
    }

    #[test]
    fn empty_and_comment_only_configs_are_empty() {
        assert!(tr("").toml.lines().all(|l| l.starts_with('#')));
        assert!(tr("# nothing\n").warnings.is_empty());
        assert!(tr("---\n").warnings.is_empty());
    }

    #[test]
    fn keys_translate() {
        let t = tr(
            "ignored: [DF008]\nfailure-threshold: error\nno-fail: true\n\
             disable-ignore-pragma: true\nformat: json\nno-color: true\nverbose: false\n\
             override:\n  error: [DF005]\n  style:\n    - DF005\n",
        );
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert!(t.toml.contains("ignore = [\"DF008\"]\n"), "{}", t.toml);
        assert!(t.toml.contains("fail-level = \"error\"\n"), "{}", t.toml);
        assert!(t.toml.contains("exit-zero = true\n"), "{}", t.toml);
        assert!(
            t.toml.contains("disable-ignore-pragma = true\n"),
            "{}",
            t.toml
        );
        // The last list that names a rule wins.
        assert!(
            t.toml.contains("[severity]\nDF005 = \"style\"\n"),
            "{}",
            t.toml
        );
    }

    #[test]
    fn none_threshold_fails_on_everything() {
        assert!(tr("failure-threshold: none\n")
            .toml
            .contains("fail-level = \"style\""));
    }

    #[test]
    fn unknown_codes_and_keys_are_warnings_with_spans() {
        let text = "ignored:\n  - DL9999\n  - DF008\nignore: [DF001]\n";
        let t = tr(text);
        assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
        let span = t.warnings[0].span.unwrap();
        assert_eq!(&text[span.start..span.end], "DL9999");
        assert!(t.warnings[0].message.contains("DL9999"));
        let span = t.warnings[1].span.unwrap();
        assert_eq!(&text[span.start..span.end], "ignore");
        assert_eq!(
            t.warnings[1].help.as_deref(),
            Some("did you mean `ignored`?")
        );
        assert!(t.toml.contains("ignore = [\"DF008\"]"));
    }

    #[test]
    fn errors_point_at_the_value() {
        let bad = |text: &str, what: &str| {
            let e = translate(Path::new(".hadolint.yaml"), text).expect_err(text);
            let span = e.span.expect("span");
            assert_eq!(&text[span.start..span.end], what, "{e:?}");
            e
        };
        bad("failure-threshold: loud\n", "loud");
        bad("ignored: DL3008\n", "DL3008");
        bad("no-fail: maybe\n", "maybe");
        let e = bad("label-schema:\n  author: name\n", "name");
        assert!(e.help.unwrap().contains("email"));
        bad("- a\n- b\n", "- a\n- b\n");
        let e = translate(Path::new(".hadolint.yaml"), "a: [b\n").expect_err("syntax");
        assert!(e.message.starts_with("invalid hadolint config"), "{e:?}");
        assert!(e.span.is_some());
    }

    #[test]
    fn registries_and_label_schema_become_rule_options() {
        let t = tr(
            "trustedRegistries:\n  - docker.io\n  - \"*.corp.example\"\n\
             label-schema:\n  author: text\n  url: url\n  created: rfc3339\n  \
             license: spdx\n  rev: hash\n  version: semver\n  mail: email\n\
             strict-labels: true\n",
        );
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        let toml = &t.toml;
        assert!(toml.contains(
            "[rules.DL3026]\ntrusted-registries = [\"docker.io\", \"*.corp.example\"]\n"
        ));
        let all = "[\"author\", \"url\", \"created\", \"license\", \"rev\", \"version\", \"mail\"]";
        assert!(toml.contains(&format!("[rules.DL3049]\nlabels = {all}\n")));
        assert!(toml.contains(&format!("[rules.DL3050]\nlabels = {all}\n")));
        assert!(toml.contains(&format!("[rules.DL3051]\nlabels = {all}\n")));
        for (code, label) in [
            ("DL3052", "url"),
            ("DL3053", "created"),
            ("DL3054", "license"),
            ("DL3055", "rev"),
            ("DL3056", "version"),
            ("DL3058", "mail"),
        ] {
            assert!(
                toml.contains(&format!("[rules.{code}]\nlabels = [\"{label}\"]\n")),
                "{code}: {toml}"
            );
        }
        let lax = tr("label-schema:\n  author: text\n");
        assert!(!lax.toml.contains("DL3050"));
    }
}
