//! BK007 `invalid-spec`.
//!
//! Checks the strings buildx and BuildKit parse later, at build time:
//! cache (`cache-from`, `cache-to`), `output`, `secret` and `attest`
//! entries (type, required keys, values the loader already refused),
//! `platforms` (containerd's platform syntax, known OS and architecture)
//! and `tags` (the Docker reference grammar). Each finding points at the
//! element that holds the bad value.

use std::sync::LazyLock;

use regex::Regex;

use crate::bake::{Entry, Provenance, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::bake_findings::{in_file, with_inherit_label, Findings};
use crate::rules::bake_targets::built_targets;
use crate::rules::suggest::{closest, did_you_mean};
use crate::rules::{BakeContext, CheckFn, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "BK007",
    name: "invalid-spec",
    aliases: &[],
    severity: Severity::Error,
    summary: "Invalid cache, output, secret, attest, platform or tag value",
    doc: include_str!("../../rules/BK007.md"),
    fix: None,
    scope: RuleScope::Bake,
    options: &[],
    check: CheckFn::Bake(check),
};

/// Which list an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    CacheFrom,
    CacheTo,
    Output,
    Secret,
    Attest,
}

impl Direction {
    fn attr(self) -> &'static str {
        match self {
            Direction::CacheFrom => "cache-from",
            Direction::CacheTo => "cache-to",
            Direction::Output => "output",
            Direction::Secret => "secret",
            Direction::Attest => "attest",
        }
    }
}

/// (list, type, keys the type requires; keys BuildKit can also take from
/// the builder's environment, like the S3 region, are not listed). A type
/// missing from a list's rows is unknown there.
const ENTRY_TYPES: &[(Direction, &str, &[&str])] = &[
    (Direction::CacheFrom, "registry", &["ref"]),
    (Direction::CacheFrom, "local", &["src"]),
    (Direction::CacheFrom, "gha", &[]),
    (Direction::CacheFrom, "s3", &["bucket"]),
    (Direction::CacheFrom, "azblob", &[]),
    (Direction::CacheTo, "registry", &["ref"]),
    (Direction::CacheTo, "local", &["dest"]),
    (Direction::CacheTo, "inline", &[]),
    (Direction::CacheTo, "gha", &[]),
    (Direction::CacheTo, "s3", &["bucket"]),
    (Direction::CacheTo, "azblob", &[]),
    (Direction::Output, "local", &["dest"]),
    (Direction::Output, "tar", &[]),
    (Direction::Output, "oci", &[]),
    (Direction::Output, "docker", &[]),
    (Direction::Output, "image", &[]),
    (Direction::Output, "registry", &[]),
    (Direction::Output, "cacheonly", &[]),
    (Direction::Attest, "provenance", &[]),
    (Direction::Attest, "sbom", &[]),
];

/// (list, key, allowed values) for keys with a closed set of values.
const ENUM_KEYS: &[(Direction, &str, &[&str])] = &[
    (Direction::CacheTo, "mode", &["min", "max"]),
    (Direction::Attest, "mode", &["min", "max"]),
];

const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "macos",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const KNOWN_ARCH: &[&str] = &[
    "386", "amd64", "amd64p32", "arm", "arm64", "arm64be", "armbe", "loong64", "mips", "mips64",
    "mips64le", "mipsle", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc",
    "sparc64", "wasm", // Aliases containerd normalises.
    "i386", "x86_64", "x86-64", "aarch64", "armhf", "armel",
];

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut findings = Findings::default();
    // `still_invalid`: whether the value is wrong whatever the build's empty
    // inputs are given (tags and platforms); without it, a value that uses
    // one is left alone.
    let mut report = |target: &Target,
                      origin: &Provenance,
                      message: String,
                      help: String,
                      still_invalid: Option<&dyn Fn(&str) -> bool>| {
        let skipped_input = uses_empty_input(ctx, origin)
            && !still_invalid.is_some_and(|invalid| {
                with_inputs_filled(ctx, origin).is_some_and(|filled| invalid(&filled))
            });
        if !in_file(origin) || skipped_input || !findings.first(&origin.file, origin.span, &message)
        {
            return;
        }
        let diag = ctx
            .diagnostic(&origin.file, origin.span, message)
            .with_help(help);
        out.push(with_inherit_label(diag, target, origin));
    };
    // Built targets first, so an inherited value is reported with a label
    // naming a target that builds it; then templates.
    let built = built_targets(ctx.project);
    let templates = ctx
        .project
        .target_order()
        .iter()
        .filter_map(|n| ctx.project.targets().get(n))
        .filter(|t| !built.iter().any(|b| b.name == t.name));
    let ordered: Vec<&Target> = built.iter().copied().chain(templates).collect();
    for target in ordered {
        let lists: [(Direction, &[Entry]); 5] = [
            (Direction::CacheFrom, target.cache_from()),
            (Direction::CacheTo, target.cache_to()),
            (Direction::Output, target.outputs()),
            (Direction::Secret, target.secrets()),
            (Direction::Attest, target.attest()),
        ];
        for (direction, entries) in lists {
            for entry in entries {
                if let Some((message, help)) = check_entry(direction, entry) {
                    report(target, &entry.origin, message, help, None);
                }
            }
        }
        if let Some(platforms) = target.attr("platforms") {
            for element in &platforms.elements {
                let Some(value) = element.as_str() else {
                    continue;
                };
                for platform in value.split(',') {
                    if let Err(problem) = check_platform(platform.trim()) {
                        report(
                            target,
                            &element.origin,
                            format!("invalid platform `{platform}`: {problem}"),
                            "a platform is `os/arch[/variant]`, e.g. `linux/amd64` or `linux/arm/v7`".into(),
                            Some(&|v: &str| v.split(',').any(|p| check_platform(p.trim()).is_err())),
                        );
                    }
                }
            }
        }
        // Byte sizes buildx parses before it prints or builds.
        for (origin, message) in target.option_errors() {
            if message.contains("membytes") {
                report(
                    target,
                    &origin,
                    message,
                    "a byte size is a number with an optional unit (b, k, m, g), e.g. `128m` or `2g`".into(),
                    None,
                );
            }
        }
        // A `target:` context builds the linked target for the platforms
        // of the target that uses it: with several on both sides, they
        // must be among the linked target's.
        for (origin, message) in ctx.project.linked_platform_errors(target) {
            report(
                target,
                &origin,
                message,
                "add the platforms to the linked target, or build this target for a subset of its platforms".into(),
                None,
            );
        }
        if let Some(tags) = target.attr("tags") {
            for element in &tags.elements {
                let Some(tag) = element.as_str() else {
                    continue;
                };
                if let Err(problem) = check_reference(tag) {
                    report(
                        target,
                        &element.origin,
                        format!("invalid tag `{tag}`: {problem}"),
                        "a tag is `[registry/]repository[:tag]`, the repository lowercase".into(),
                        Some(&|v: &str| check_reference(v).is_err()),
                    );
                }
            }
        }
    }
}

/// Whether the value uses a variable that is empty here (no default, or
/// `default = ""`, and not set from the environment): an input the build
/// is meant to be given (`TAG`, `VERSION` from CI), so the value is only
/// known then and an invalid one says nothing about the definition.
fn uses_empty_input(ctx: &BakeContext<'_>, origin: &Provenance) -> bool {
    origin.variables.iter().any(|name| {
        ctx.project
            .variables()
            .get(name)
            .is_some_and(|v| v.value.is_null() || v.value.as_str() == Some(""))
    })
}

/// The value of a plain string expression (`"${REGISTRY}/app:${TAG}"`)
/// with each empty input given a stand-in (`x`) and the other variables
/// their values; `None` when the source is anything else (a function call,
/// a conditional), which cannot be told without evaluating it again.
fn with_inputs_filled(ctx: &BakeContext<'_>, origin: &Provenance) -> Option<String> {
    let source = ctx
        .file_text(&origin.file)?
        .get(origin.span.start..origin.span.end)?;
    let mut rest = source.strip_prefix('"')?.strip_suffix('"')?;
    if rest.contains(['\\', '%', '"']) {
        return None;
    }
    let mut filled = String::new();
    while let Some(at) = rest.find('$') {
        filled.push_str(&rest[..at]);
        let inner = rest[at..].strip_prefix("${")?;
        let end = inner.find('}')?;
        let value = &ctx.project.variables().get(&inner[..end])?.value;
        match value.as_str() {
            Some("") | None if value.is_null() || value.as_str() == Some("") => filled.push('x'),
            Some(text) => filled.push_str(text),
            None => return None,
        }
        rest = &inner[end + 1..];
    }
    filled.push_str(rest);
    Some(filled)
}

fn check_entry(direction: Direction, entry: &Entry) -> Option<(String, String)> {
    let list = direction.attr();
    if let Some(error) = &entry.error {
        return Some((
            format!("invalid `{list}` entry: {error}"),
            "buildx refuses this definition; fix the entry".into(),
        ));
    }
    if entry.disabled {
        return None;
    }
    if direction == Direction::Secret {
        if entry.attrs.get("id").is_none_or(|id| id.is_empty()) {
            return Some((
                "`secret` entry has no `id`".into(),
                "name the secret: `id=<name>`, as `RUN --mount=type=secret,id=<name>` uses it"
                    .into(),
            ));
        }
        return None;
    }
    let types: Vec<(&str, &[&str])> = ENTRY_TYPES
        .iter()
        .filter(|(d, _, _)| *d == direction)
        .map(|(_, t, keys)| (*t, *keys))
        .collect();
    let Some((_, required)) = types.iter().find(|(t, _)| *t == entry.typ) else {
        let suggestion = closest(&entry.typ, types.iter().map(|(t, _)| *t));
        let known = types
            .iter()
            .map(|(t, _)| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Some((
            format!(
                "unknown `{list}` type `{}`{}",
                entry.typ,
                did_you_mean(suggestion)
            ),
            format!("`{list}` types are {known}"),
        ));
    };
    if let Some(missing) = required.iter().find(|k| !entry.attrs.contains_key(**k)) {
        return Some((
            format!("`{list}` entry of type `{}` has no `{missing}`", entry.typ),
            format!("add `{missing}=...`; buildx or BuildKit refuses the entry without it"),
        ));
    }
    for (_, key, allowed) in ENUM_KEYS.iter().filter(|(d, _, _)| *d == direction) {
        if let Some(value) = entry.attrs.get(*key) {
            if !allowed.contains(&value.as_str()) {
                return Some((
                    format!(
                        "`{list}` entry has `{key}={value}`, which is not one of {}",
                        allowed.join(", ")
                    ),
                    format!("use `{key}={}`", allowed.join("` or `")),
                ));
            }
        }
    }
    if matches!(direction, Direction::CacheFrom | Direction::CacheTo) && entry.typ == "registry" {
        if let Some(reference) = entry.attrs.get("ref") {
            if let Err(problem) = check_reference(reference) {
                return Some((
                    format!("invalid cache `ref` `{reference}`: {problem}"),
                    "a cache ref is an image reference, e.g. `registry.example.com/app:cache`"
                        .into(),
                ));
            }
        }
    }
    None
}

/// containerd's `platforms.Parse`, plus a check that OS and architecture
/// are ones Go (and so BuildKit) knows.
fn check_platform(platform: &str) -> Result<(), String> {
    static COMPONENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_.-]+$").expect("valid regex"));
    static OS_VERSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\([A-Za-z0-9_.-]*\)$").expect("valid regex"));
    if platform.is_empty() {
        return Err("it is empty".into());
    }
    if platform == "local" {
        return Ok(());
    }
    let parts: Vec<&str> = platform.split('/').collect();
    if parts.len() > 3 {
        return Err("too many `/`-separated parts".into());
    }
    let os = OS_VERSION.replace(parts[0], "");
    for part in std::iter::once(os.as_ref()).chain(parts.iter().skip(1).copied()) {
        if !COMPONENT.is_match(part) {
            return Err(format!("`{part}` is not a valid platform component"));
        }
    }
    let lower = |s: &str| s.to_ascii_lowercase();
    if parts.len() == 1 {
        let only = lower(&os);
        if KNOWN_OS.contains(&only.as_str()) || KNOWN_ARCH.contains(&only.as_str()) {
            return Ok(());
        }
        return Err(format!(
            "unknown operating system or architecture{}",
            did_you_mean(closest(&only, KNOWN_OS.iter().chain(KNOWN_ARCH).copied()))
        ));
    }
    let os_name = lower(&os);
    if !KNOWN_OS.contains(&os_name.as_str()) {
        return Err(format!(
            "unknown operating system `{os}`{}",
            did_you_mean(closest(&os_name, KNOWN_OS.iter().copied()))
        ));
    }
    let arch = lower(parts[1]);
    if !KNOWN_ARCH.contains(&arch.as_str()) {
        return Err(format!(
            "unknown architecture `{}`{}",
            parts[1],
            did_you_mean(closest(&arch, KNOWN_ARCH.iter().copied()))
        ));
    }
    Ok(())
}

/// The Docker reference grammar (distribution/reference), as used for
/// `tags` and cache refs.
fn check_reference(reference: &str) -> Result<(), String> {
    static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$",
        )
        .expect("valid regex")
    });
    static PATH_COMPONENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("valid regex")
    });
    // Docker's tag grammar is ASCII (`[\w][\w.-]{0,127}` in Go's regexp,
    // where `\w` is ASCII): a Unicode `\w` would pass `lätest` and cost a
    // large Unicode table to compile on first use.
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("valid regex"));
    static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
            .expect("valid regex")
    });
    if reference.is_empty() {
        return Err("it is empty".into());
    }
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        if !DIGEST.is_match(d) {
            return Err(format!("`{d}` is not a valid digest"));
        }
    }
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(t) = tag {
        if t.is_empty() {
            return Err("the tag after `:` is empty".into());
        }
        if t.len() > 128 {
            return Err("the tag is longer than 128 characters".into());
        }
        if !TAG.is_match(t) {
            return Err(format!(
                "tag `{t}` may only contain letters, digits, `_`, `.` and `-`, and not start with `.` or `-`"
            ));
        }
    }
    if name.is_empty() {
        return Err("the repository name is empty".into());
    }
    if name.len() > 255 {
        return Err("the repository name is longer than 255 characters".into());
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    };
    if let Some(d) = domain {
        if !d.contains(['.', ':']) && d != "localhost" {
            return Err(format!(
                "`{d}` has uppercase letters, so it would be taken as a registry host; repository names must be lowercase"
            ));
        }
        if !DOMAIN.is_match(d) {
            return Err(format!("`{d}` is not a valid registry host"));
        }
    }
    for component in path.split('/') {
        if PATH_COMPONENT.is_match(component) {
            continue;
        }
        if PATH_COMPONENT.is_match(&component.to_lowercase()) {
            return Err("the repository name must be lowercase".into());
        }
        return Err(format!(
            "`{component}` is not a valid repository name component"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_platform, check_reference, RULE};
    use crate::rules::testing::bake::lint;

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "example/app:1.0",
            "registry.example.com:5000/team/app:v1.2.3-rc_1",
            "localhost/app",
            "ghcr.io/owner/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Registry.Example.com/app:latest",
        ] {
            assert!(check_reference(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Example/App:1.0",
            "app:",
            "app:1.0+build",
            "app:.hidden",
            "app//x",
            "-app",
            "app@sha256:xyz",
            // The tag grammar is ASCII.
            "web:lätest-dev",
            "web:ａ",
        ] {
            assert!(check_reference(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_reference("example/App"),
            Err("the repository name must be lowercase".into())
        );
    }

    #[test]
    fn platforms() {
        for ok in [
            "linux/amd64",
            "linux/arm/v7",
            "linux/arm64/v8",
            "windows(10.0.17763)/amd64",
            "local",
            "linux",
            "arm64",
            "darwin/arm64",
        ] {
            assert!(check_platform(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "linux/amd46",
            "linx/amd64",
            "linux/amd64/v2/x",
            "linux//amd64",
            "foo",
        ] {
            assert!(check_platform(bad).is_err(), "{bad}");
        }
        assert!(check_platform("linux/amd46")
            .unwrap_err()
            .contains("did you mean `amd64`"));
    }

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM alpine\n");

    #[test]
    fn entries() {
        let hcl = r#"target "app" {
  cache-from = ["type=registry", "type=gha", "user/app:cache", "type=inline"]
  cache-to = ["type=registry,ref=user/app:cache,mode=maximum"]
  output = ["type=local", "type=imgae"]
  secret = ["src=./token", "id=npm,src=./npmrc"]
  attest = ["type=provenance,mode=max", "type=sbmo"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(
            l.slices(),
            vec![
                "\"type=registry\"",
                "\"type=inline\"",
                "\"type=registry,ref=user/app:cache,mode=maximum\"",
                "\"type=local\"",
                "\"type=imgae\"",
                "\"src=./token\"",
                "\"type=sbmo\"",
            ],
            "{:?}",
            l.messages()
        );
        assert!(l.messages()[4].contains("did you mean `image`"));
    }

    #[test]
    fn parse_errors_objects_and_inheritance() {
        let hcl = r#"target "_base" {
  platforms = ["linux/amd64", "linux/amd46"]
  tags = ["Example/app:latest"]
}
target "a" {
  inherits = ["_base"]
  output = [{ type = "local" }]
  cache-from = ["ref=x"]
}
target "b" {
  inherits = ["_base"]
  tags = ["example/b:1.0"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(
            l.slices(),
            vec![
                "\"linux/amd46\"",
                "\"Example/app:latest\"",
                "{ type = \"local\" }",
                "\"ref=x\"",
            ],
            "{:?}",
            l.messages()
        );
    }

    #[test]
    fn matrix_and_json() {
        let hcl = r#"target "app" {
  matrix = { p = ["linux/amd64", "linux/arm64"] }
  name = "app-${replace(p, "/", "-")}"
  platforms = [p]
  tags = ["example/app:${replace(p, "/", "-")}"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let json =
            r#"{"target": {"app": {"tags": ["App"], "platforms": ["linux/amd64,linux/rm64"]}}}"#;
        let l = lint(&RULE, &[("docker-bake.json", json), DOCKERFILE]);
        assert_eq!(
            l.slices(),
            vec!["\"App\"", "\"linux/amd64,linux/rm64\""],
            "{:?}",
            l.messages()
        );
    }

    #[test]
    fn values_using_an_empty_input_variable_are_not_checked() {
        // VERSION and TAG are set by CI; with the empty defaults the tags
        // end in `:`, which says nothing about the definition.
        let hcl = r#"variable "VERSION" {}
variable "TAG" {
  default = ""
}
variable "REPO" {
  default = "example"
}
target "app" {
  tags = ["${REPO}/app:${VERSION}", "${REPO}/web:${TAG}", "${REPO}/db:"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(l.slices(), vec!["\"${REPO}/db:\""], "{:?}", l.messages());
    }

    #[test]
    fn a_value_wrong_whatever_the_input_is_still_reported() {
        // Whatever CI puts in REGISTRY, `Example/App` is not lowercase and
        // `amd6` no architecture; a value built by a function is left alone.
        let hcl = r#"variable "REGISTRY" {
  default = ""
}
target "app" {
  tags = ["${REGISTRY}Example/App:1.0", "${REGISTRY}example/app:1.0", upper("${REGISTRY}x")]
  platforms = ["${REGISTRY}linux/amd6"]
}
"#;
        let l = lint(&RULE, &[("docker-bake.hcl", hcl), DOCKERFILE]);
        assert_eq!(
            l.slices(),
            vec![
                "\"${REGISTRY}Example/App:1.0\"",
                "\"${REGISTRY}linux/amd6\""
            ],
            "{:?}",
            l.messages()
        );
    }
}
