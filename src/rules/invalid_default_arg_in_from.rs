//! DF016 `invalid-default-arg-in-from` (BuildKit: `InvalidDefaultArgInFrom`).
//!
//! Before the build proper, BuildKit expands every base image name with the
//! global `ARG` *defaults* only (no `--build-arg` values) and warns when the
//! result is not a valid image reference (`reference.ParseNormalizedNamed`).
//! If an expansion fails, BuildKit abandons the whole check.

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::InstructionKind;
use crate::rules::build_args::global_arg_env;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF016",
    name: "invalid-default-arg-in-from",
    aliases: &["InvalidDefaultArgInFrom"],
    severity: Severity::Warning,
    summary: "Default value for global ARG results in an empty or invalid base image name",
    doc: include_str!("../../rules/DF016.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    let env = global_arg_env(df, None);
    let mut found = Vec::new();
    for stage in df.stages() {
        let Some(from) = df.instruction(stage.from_node) else {
            continue;
        };
        let InstructionKind::From(from_ins) = &from.kind else {
            continue;
        };
        let image = &from_ins.image;
        let Ok(expansion) = lex.process_word_with_matches(&image.value, &env) else {
            // BuildKit stops checking at the first expansion error (keeping
            // what it reported for the stages before).
            break;
        };
        // A constant invalid name is a plain error of the build, not a
        // default-value problem; only names built from variables are checked.
        if expansion.matched.is_empty() && expansion.unmatched.is_empty() {
            continue;
        }
        if is_valid_normalized_named(&expansion.value) {
            continue;
        }
        let shown = if expansion.value.is_empty() {
            "an empty name".to_string()
        } else {
            format!("`{}`", expansion.value)
        };
        found.push(
            ctx.diagnostic(
                image.span,
                format!(
                    "Default value for ARG {} results in empty or invalid base image name",
                    image.value
                ),
            )
            .with_help(format!(
                "Without build arguments this gives {shown}; give the global ARGs used here default values that form a valid image reference"
            )),
        );
    }
    out.extend(found);
}

/// Whether Docker's `reference.ParseNormalizedNamed` accepts `s`.
pub fn is_valid_normalized_named(s: &str) -> bool {
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return false;
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote = remainder.split(':').next().unwrap_or("");
    if remote.to_lowercase() != remote {
        return false;
    }
    is_valid_reference(&format!("{domain}/{remainder}"))
}

/// Docker's `splitDockerDomain`: the registry host and the path, with Docker
/// Hub's defaults filled in.
fn split_docker_domain(name: &str) -> (String, String) {
    const DEFAULT_DOMAIN: &str = "docker.io";
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN.into(), format!("library/{name}"));
    };
    let (domain, mut remote) = if maybe_domain == "localhost"
        || maybe_domain.contains(['.', ':'])
        || maybe_domain.to_lowercase() != maybe_domain
    {
        (maybe_domain.to_string(), maybe_remote.to_string())
    } else if maybe_domain == "index.docker.io" {
        (DEFAULT_DOMAIN.to_string(), maybe_remote.to_string())
    } else {
        (DEFAULT_DOMAIN.to_string(), name.to_string())
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        remote = format!("library/{remote}");
    }
    (domain, remote)
}

/// `reference.Parse`: `name[:tag][@digest]` with the distribution grammar.
fn is_valid_reference(s: &str) -> bool {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        if !is_valid_digest(d) {
            return false;
        }
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        if !is_valid_tag(tag) {
            return false;
        }
    }
    name.len() <= 255 && is_valid_name(name)
}

fn is_valid_name(name: &str) -> bool {
    let path_ok = |p: &str| !p.is_empty() && p.split('/').all(is_valid_path_component);
    if let Some((domain, path)) = name.split_once('/') {
        if is_valid_domain(domain) && path_ok(path) {
            return true;
        }
    }
    path_ok(name)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `host(:port)?` where host is a domain name or a bracketed IPv6 address.
fn is_valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return false;
        };
        let inner = &rest[..close];
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        let after = &rest[close + 1..];
        (
            None,
            if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':'))
            },
        )
    } else {
        match d.split_once(':') {
            Some((h, p)) => (Some(h), Some(Some(p))),
            None => (Some(d), None),
        }
    };
    if let Some(port) = port {
        match port {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return false,
        }
    }
    match host {
        None => true,
        Some(h) => !h.is_empty() && h.split('.').all(is_valid_domain_component),
    }
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_valid_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
}

/// `[\w][\w.-]{0,127}`
fn is_valid_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `digest.Parse`: a known algorithm with its exact lowercase-hex length.
fn is_valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, slices};

    #[test]
    fn empty_tag_from_unset_arg() {
        let src = "ARG VERSION\nFROM busybox:$VERSION\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["busybox:$VERSION"]);
        assert_eq!(
            diags[0].message,
            "Default value for ARG busybox:$VERSION results in empty or invalid base image name"
        );
    }

    #[test]
    fn empty_image_and_bad_suffix() {
        let src = "ARG IMAGE\nFROM $IMAGE\n";
        assert_eq!(
            run(&RULE, src)[0].message,
            "Default value for ARG $IMAGE results in empty or invalid base image name"
        );
        let src = "ARG SFX=\"box:\"\nFROM busy${SFX}\n";
        assert_eq!(slices(src, &run(&RULE, src)), ["busy${SFX}"]);
    }

    #[test]
    fn valid_defaults_are_fine() {
        for src in [
            "ARG VERSION=\"latest\"\nFROM busybox:${VERSION}\n",
            "ARG BUSYBOX_VARIANT=\"\"\nFROM busybox:stable${BUSYBOX_VARIANT}\n",
            "ARG BUSYBOX_VARIANT\nFROM busybox:stable${BUSYBOX_VARIANT}\n",
            "ARG REG=ghcr.io\nFROM $REG/owner/app:1.0 AS app\nFROM app\n",
            "FROM alpine\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn expansion_error_stops_the_check() {
        let src = "ARG A\nFROM busybox:$A\nFROM ${B?required}\nFROM alpine:$A\n";
        let diags = run(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.start, src.find("busybox").unwrap());
    }

    #[test]
    fn lowercase_multiline_and_crlf() {
        let src = "arg IMAGE\r\nfrom \\\r\n  $IMAGE \\\r\n  as base\r\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$IMAGE"]);
    }

    #[test]
    fn build_args_do_not_count() {
        let src = "ARG VERSION\nFROM busybox:$VERSION\n";
        let mut build = crate::rules::BuildInfo::default();
        build.args.insert("VERSION".into(), "latest".into());
        let diags =
            crate::rules::testing::run_with(&RULE, src, &build, std::path::Path::new("Dockerfile"));
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn reference_grammar() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "library/alpine",
            "docker.io/library/alpine:latest",
            "ghcr.io/owner/repo:v1",
            "localhost:5000/app",
            "localhost/app",
            "[::1]:5000/app:tag",
            "my-registry.example.com/a/b_c/d__e/f-g",
            "scratch",
        ] {
            assert!(is_valid_normalized_named(ok), "{ok}");
        }
        let digest = "sha256:".to_string() + &"a".repeat(64);
        assert!(is_valid_normalized_named(&format!("alpine@{digest}")));
        assert!(is_valid_normalized_named(&format!("alpine:3@{digest}")));
        for bad in [
            "",
            "busybox:",
            "Alpine",
            "alpine:-x",
            ":latest",
            "a//b",
            "alpine@sha256:abc",
            "-alpine",
            "alpine/",
            "ex ample",
        ] {
            assert!(!is_valid_normalized_named(bad), "{bad}");
        }
        assert!(!is_valid_normalized_named(&"a".repeat(64)));
    }
}
