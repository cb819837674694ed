//! DF017 `from-platform-flag-const-disallowed` (BuildKit: `FromPlatformFlagConstDisallowed`).
//!
//! BuildKit warns when a FROM `--platform` value uses no variable at all and
//! parses as a platform, unless the stage name contains the platform's OS or
//! architecture (a stage deliberately named for its platform, such as
//! `build-amd64`).

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::go_quote;
use crate::dockerfile::InstructionKind;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF017",
    name: "from-platform-flag-const-disallowed",
    aliases: &["FromPlatformFlagConstDisallowed", "DL3029"],
    severity: Severity::Warning,
    summary: "FROM --platform flag should not use a constant value",
    doc: include_str!("../../rules/DF017.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// containerd's known operating systems (`isKnownOS`).
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

/// containerd's known architectures (`isKnownArch`).
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The OS and architecture of a parsed platform; `arch` is `None` when the
/// specifier leaves it to the builder's own architecture.
#[derive(Debug, PartialEq, Eq)]
struct Platform {
    os: String,
    arch: Option<String>,
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    let empty: BTreeMap<String, String> = BTreeMap::new();
    for stage in df.stages() {
        let Some(from) = df.instruction(stage.from_node) else {
            continue;
        };
        let InstructionKind::From(from_ins) = &from.kind else {
            continue;
        };
        let Some(flag) = from.flag("platform") else {
            continue;
        };
        let Some(value) = &flag.value else { continue };
        let Ok(expansion) = lex.process_word_with_matches(&value.value, &empty) else {
            continue;
        };
        if !expansion.matched.is_empty() || !expansion.unmatched.is_empty() {
            continue;
        }
        let Some(platform) = parse_platform(&expansion.value) else {
            continue;
        };
        // BuildKit compares with the stage name as it stores it: lowercased.
        let stage_name = from_ins
            .stage_name
            .as_ref()
            .map(|n| n.value.to_lowercase())
            .unwrap_or_default();
        if names_platform(&stage_name, &platform) {
            continue;
        }
        out.push(
            ctx.diagnostic(
                flag.span,
                format!(
                    "FROM --platform flag should not use constant value {}",
                    go_quote(&expansion.value)
                ),
            )
            .with_help(
                "Use a build argument such as `--platform=$BUILDPLATFORM` (or drop the flag to build for the target platform); if the stage is meant for this platform only, name it after it (e.g. `AS build-amd64`)",
            ),
        );
    }
}

/// Whether the stage name contains the platform's OS or architecture. When
/// the architecture is the builder's own (unknown here), any architecture
/// name in the stage name counts.
fn names_platform(stage_name: &str, platform: &Platform) -> bool {
    if stage_name.contains(platform.os.as_str()) {
        return true;
    }
    match &platform.arch {
        Some(arch) => stage_name.contains(arch.as_str()),
        None => KNOWN_ARCH.iter().any(|a| stage_name.contains(a)),
    }
}

/// containerd's `platforms.Parse`, reduced to the OS and architecture.
fn parse_platform(spec: &str) -> Option<Platform> {
    if spec.contains('*') {
        return None;
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let mut first = parts.first().copied().unwrap_or("");
    // `windows(10.0.17763)/amd64`: an OS version in parentheses
    if let Some(open) = first.find('(') {
        if !first.ends_with(')') {
            return None;
        }
        first = &first[..open];
    }
    let valid = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    };
    if !valid(first) || !parts.iter().skip(1).all(|p| valid(p)) {
        return None;
    }
    match parts.len() {
        1 => {
            let os = normalize_os(first);
            if KNOWN_OS.contains(&os.as_str()) {
                return Some(Platform { os, arch: None });
            }
            let arch = normalize_arch(first);
            if KNOWN_ARCH.contains(&arch.as_str()) {
                return Some(Platform {
                    os: "linux".into(),
                    arch: Some(arch),
                });
            }
            None
        }
        2 | 3 => Some(Platform {
            os: normalize_os(first),
            arch: Some(normalize_arch(parts[1])),
        }),
        _ => None,
    }
}

fn normalize_os(os: &str) -> String {
    let os = os.to_lowercase();
    if os == "macos" {
        "darwin".into()
    } else {
        os
    }
}

fn normalize_arch(arch: &str) -> String {
    let arch = arch.to_lowercase();
    match arch.as_str() {
        "i386" => "386".into(),
        "x86_64" | "x86-64" | "amd64" => "amd64".into(),
        "aarch64" | "arm64" => "arm64".into(),
        "armhf" | "armel" | "arm" => "arm".into(),
        _ => arch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, slices};

    #[test]
    fn constant_platform() {
        let src = "FROM --platform=linux/amd64 scratch\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["--platform=linux/amd64"]);
        assert_eq!(
            diags[0].message,
            "FROM --platform flag should not use constant value \"linux/amd64\""
        );
    }

    #[test]
    fn quoted_value_is_reported_unquoted() {
        let src = "FROM --platform=\"linux/arm64\" alpine AS build\n";
        let diags = run(&RULE, src);
        assert_eq!(
            diags[0].message,
            "FROM --platform flag should not use constant value \"linux/arm64\""
        );
    }

    #[test]
    fn stage_named_after_platform_is_exempt() {
        for src in [
            "FROM --platform=linux/amd64 scratch AS my_amd64_stage\n",
            "FROM --platform=linux/amd64 scratch AS linux\n",
            "FROM --platform=linux/x86_64 alpine AS build-AMD64\n",
            "FROM --platform=linux alpine AS arm64-build\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn variables_and_invalid_values_are_fine() {
        for src in [
            "FROM --platform=$BUILDPLATFORM alpine\n",
            "FROM --platform=linux/${TARGETARCH} alpine\n",
            "FROM --platform=linux/* alpine\n",
            "FROM --platform=notanos alpine\n",
            "FROM alpine\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn lowercase_and_multiline() {
        let src = "from \\\n  --platform=linux/arm/v7 \\\n  alpine\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["--platform=linux/arm/v7"]);
    }

    #[test]
    fn platform_parsing() {
        assert_eq!(
            parse_platform("linux/aarch64"),
            Some(Platform {
                os: "linux".into(),
                arch: Some("arm64".into())
            })
        );
        assert_eq!(
            parse_platform("windows"),
            Some(Platform {
                os: "windows".into(),
                arch: None
            })
        );
        assert_eq!(
            parse_platform("amd64"),
            Some(Platform {
                os: "linux".into(),
                arch: Some("amd64".into())
            })
        );
        assert_eq!(parse_platform("linux/"), None);
        assert_eq!(parse_platform("a/b/c/d"), None);
    }
}
