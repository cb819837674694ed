//! Where a workflow's jobs use images: a job's `container:`, its
//! `services:` images, and `docker pull` / `docker run` (also `docker image
//! pull`, `docker container run`) in its `run:` steps; and how an image
//! reference matches a tag a build produces.
//!
//! Matching compares normalised references (`postgres` is
//! `docker.io/library/postgres:latest`). A part that is unknown until the
//! run — a `${{ }}` expression or a shell expansion — matches anything, but
//! only in the tag: an unknown repository never matches (bakelint does not
//! guess which image an expression names). A digest reference names one
//! exact image, which a build's tag cannot be known to be: no match.

use crate::span::Span;

use super::bake_steps::Written;
use super::run_script::StepScript;
use super::scalar_bytes::expression_ranges;
use super::workflow::{Scalar, Workflow};

/// How a job uses an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseKind {
    /// The job runs in it (`container:`).
    Container,
    /// A service container of the job (`services.<name>.image`).
    Service(String),
    /// `docker pull` in a step.
    Pull,
    /// `docker run` in a step.
    Run,
}

/// One use of an image by a job.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageUse {
    /// Index of the job in [`Workflow::jobs`].
    pub job: usize,
    /// The step, for `docker pull` / `docker run`.
    pub step: Option<usize>,
    pub kind: UseKind,
    /// The image reference as written.
    pub image: Written,
}

/// Every image use of the workflow, in job order (container, services,
/// then steps).
pub fn image_uses(workflow: &Workflow, text: &str) -> Vec<ImageUse> {
    let mut out = Vec::new();
    for (j, job) in workflow.jobs.iter().enumerate() {
        let scalar_use = |kind: UseKind, image: &Scalar| ImageUse {
            job: j,
            step: None,
            kind,
            image: Written {
                value: image.value.clone(),
                span: image.span,
                exact: true,
                dynamic: image.has_expression(),
            },
        };
        if let Some(image) = job.container.as_ref().and_then(|c| c.image.as_ref()) {
            out.push(scalar_use(UseKind::Container, image));
        }
        for service in &job.services {
            if let Some(image) = &service.image {
                out.push(scalar_use(
                    UseKind::Service(service.name.value.clone()),
                    image,
                ));
            }
        }
        for (s, step) in job.steps.iter().enumerate() {
            let Some(run) = &step.run else { continue };
            if !run.value.contains("docker") {
                continue;
            }
            let script = StepScript::of(text, run);
            for command in script.commands() {
                let Some((kind, image)) = docker_image_argument(&script, command) else {
                    continue;
                };
                let (value, dynamic) = script.word(image);
                let (span, exact) = script.locate(image, &value, 0);
                out.push(ImageUse {
                    job: j,
                    step: Some(s),
                    kind,
                    image: Written {
                        value,
                        span,
                        exact,
                        dynamic,
                    },
                });
            }
        }
    }
    out
}

/// `docker run` options that take a value (`--name x`, `-e K=V`).
const RUN_VALUE_FLAGS: &[&str] = &[
    "-a",
    "--attach",
    "--add-host",
    "--annotation",
    "--blkio-weight",
    "--blkio-weight-device",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "--cpu-count",
    "--cpu-percent",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "-c",
    "--cpu-shares",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-option",
    "--dns-search",
    "--domainname",
    "--entrypoint",
    "-e",
    "--env",
    "--env-file",
    "--expose",
    "--gpus",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-interval",
    "--health-start-period",
    "--health-timeout",
    "-h",
    "--hostname",
    "--io-maxbandwidth",
    "--io-maxiops",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "-l",
    "--label",
    "--label-file",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "-m",
    "--memory",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mount",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--net-alias",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--platform",
    "-p",
    "--publish",
    "--pull",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "-u",
    "--user",
    "--userns",
    "--uts",
    "-v",
    "--volume",
    "--volume-driver",
    "--volumes-from",
    "-w",
    "--workdir",
];

/// `docker pull` options that take a value.
const PULL_VALUE_FLAGS: &[&str] = &["--platform"];

/// The image word of a `docker pull` / `docker run` command.
fn docker_image_argument<'a>(
    script: &StepScript,
    command: &'a crate::shell::SimpleCommand,
) -> Option<(UseKind, &'a crate::shell::Word)> {
    if command.program() != Some("docker") {
        return None;
    }
    let (_, args) = command.effective()?;
    let first = script.word(args.first()?).0;
    let second = args.get(1).map(|w| script.word(w).0);
    let (kind, rest) = match (first.as_str(), second.as_deref()) {
        ("pull", _) => (UseKind::Pull, args.get(1..)?),
        ("run", _) => (UseKind::Run, args.get(1..)?),
        ("image", Some("pull")) => (UseKind::Pull, args.get(2..)?),
        ("container", Some("run")) => (UseKind::Run, args.get(2..)?),
        _ => return None,
    };
    let value_flags = if kind == UseKind::Pull {
        PULL_VALUE_FLAGS
    } else {
        RUN_VALUE_FLAGS
    };
    let mut i = 0;
    while i < rest.len() {
        let (value, _) = script.word(&rest[i]);
        i += 1;
        if value == "--" {
            return rest.get(i).map(|w| (kind, w));
        }
        if !value.starts_with('-') || value == "-" {
            return Some((kind, &rest[i - 1]));
        }
        let takes_value = !value.contains('=')
            && (value_flags.contains(&value.as_str())
                // `-it` is booleans; `-e` / `-v` at the end of a cluster take one.
                || (!value.starts_with("--")
                    && value.len() > 2
                    && value
                        .get(value.len() - 1..)
                        .is_some_and(|last| value_flags.contains(&format!("-{last}").as_str()))));
        if takes_value {
            i += 1;
        }
    }
    None
}

/// An image reference split for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    /// `registry/path`, normalised (`docker.io/library/x`).
    repository: String,
    /// The tag (`latest` when none).
    tag: String,
    /// Unknown parts of the tag, as `\u{1}` runs in `tag`.
    tag_unknown: bool,
}

const UNKNOWN: char = '\u{1}';

/// Parses a reference whose unknown parts (`${{ }}`, `$VAR`, `${VAR}`) are
/// masked; `None` for a digest, an unknown repository or an empty name.
fn parse_reference(image: &str) -> Option<Reference> {
    let masked = mask_unknowns(image.trim());
    if masked.contains('@') || masked.is_empty() {
        return None;
    }
    let last_slash = masked.rfind('/');
    let (name, tag) = match masked.rfind(':') {
        Some(c) if last_slash.is_none_or(|s| c > s) => (&masked[..c], &masked[c + 1..]),
        _ => (masked.as_str(), "latest"),
    };
    if name.contains(UNKNOWN) || name.is_empty() || tag.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let has_registry = parts.len() > 1
        && parts
            .first()
            .is_some_and(|p| p.contains(['.', ':']) || *p == "localhost");
    let registry = if has_registry {
        match parts.remove(0) {
            "index.docker.io" | "registry-1.docker.io" => "docker.io",
            r => r,
        }
    } else {
        "docker.io"
    };
    let mut path = parts.join("/").to_ascii_lowercase();
    if registry == "docker.io" && !path.contains('/') {
        path = format!("library/{path}");
    }
    Some(Reference {
        repository: format!("{}/{path}", registry.to_ascii_lowercase()),
        tag: tag.to_string(),
        tag_unknown: tag.contains(UNKNOWN),
    })
}

/// `text` with every `${{ }}` expression and shell expansion replaced by
/// one [`UNKNOWN`] character.
fn mask_unknowns(text: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (s, e) in expression_ranges(text) {
        out.push_str(&mask_shell(&text[last..s]));
        out.push(UNKNOWN);
        last = e;
    }
    out.push_str(&mask_shell(&text[last..]));
    out
}

fn mask_shell(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('{') => {
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                }
                out.push(UNKNOWN);
            }
            Some(n) if n.is_ascii_alphanumeric() || *n == '_' => {
                while chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
                {
                    chars.next();
                }
                out.push(UNKNOWN);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether tag pattern `a` (unknown parts match anything) and `b` can name
/// the same tag.
fn tags_match(a: &Reference, b: &Reference) -> bool {
    match (a.tag_unknown, b.tag_unknown) {
        (false, false) => a.tag == b.tag,
        (true, false) => wildcard_match(&a.tag, &b.tag),
        (false, true) => wildcard_match(&b.tag, &a.tag),
        (true, true) => true,
    }
}

/// `pattern` with [`UNKNOWN`] matching any text.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split(UNKNOWN).collect();
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        return false;
    };
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the image a job uses (`used`) can be the one a build tags
/// `built` (both as written; see the module doc for unknown parts).
pub fn image_matches(built: &str, used: &str) -> bool {
    match (parse_reference(built), parse_reference(used)) {
        (Some(b), Some(u)) => b.repository == u.repository && tags_match(&b, &u),
        _ => false,
    }
}

/// The normalised repository of a reference (`docker.io/library/x`), or
/// `None` when it is unknown or a digest.
pub fn repository(image: &str) -> Option<String> {
    parse_reference(image).map(|r| r.repository)
}

/// A use's span, for callers that report at the image.
impl ImageUse {
    pub fn span(&self) -> Span {
        self.image.span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::workflow::load;

    #[test]
    fn references_match_as_docker_names_them() {
        assert!(image_matches(
            "postgres",
            "docker.io/library/postgres:latest"
        ));
        assert!(image_matches("ghcr.io/acme/web:latest", "ghcr.io/acme/web"));
        assert!(!image_matches("ghcr.io/acme/web:1", "ghcr.io/acme/web:2"));
        assert!(!image_matches("ghcr.io/acme/web", "ghcr.io/acme/api"));
        assert!(image_matches(
            "localhost:5000/app:x",
            "localhost:5000/app:x"
        ));
        assert!(!image_matches(
            "ghcr.io/a/web@sha256:00",
            "ghcr.io/a/web@sha256:00"
        ));
    }

    #[test]
    fn unknown_parts_match_only_in_the_tag() {
        assert!(image_matches(
            "ghcr.io/a/web:${{ github.sha }}",
            "ghcr.io/a/web:0123abc"
        ));
        assert!(image_matches("ghcr.io/a/web:latest", "ghcr.io/a/web:$TAG"));
        assert!(image_matches(
            "ghcr.io/a/web:v-${{ x }}",
            "ghcr.io/a/web:v-1"
        ));
        assert!(!image_matches(
            "ghcr.io/a/web:v-${{ x }}",
            "ghcr.io/a/web:w-1"
        ));
        assert!(!image_matches(
            "${{ env.REGISTRY }}/web:1",
            "ghcr.io/a/web:1"
        ));
        assert!(!image_matches("ghcr.io/a/web:1", "${{ env.IMAGE }}:1"));
        assert!(!image_matches("ghcr.io/a/web:1", "$REGISTRY/web:1"));
    }

    #[test]
    fn uses_in_containers_services_and_steps() {
        let yaml = "jobs:\n  t:\n    container: ghcr.io/a/test:latest\n    services:\n      db:\n        image: postgres:16\n    steps:\n      - run: |\n          docker pull --platform linux/amd64 ghcr.io/a/web:latest\n          docker run --rm -e A=1 -it -v x:/y ghcr.io/a/web:latest pytest -q\n          docker image pull --quiet ghcr.io/a/api:1 && docker compose up\n";
        let w = load(yaml).unwrap();
        let uses = image_uses(&w, yaml);
        let got: Vec<(UseKind, &str)> = uses
            .iter()
            .map(|u| (u.kind.clone(), u.image.span.slice(yaml)))
            .collect();
        assert_eq!(
            got,
            [
                (UseKind::Container, "ghcr.io/a/test:latest"),
                (UseKind::Service("db".into()), "postgres:16"),
                (UseKind::Pull, "ghcr.io/a/web:latest"),
                (UseKind::Run, "ghcr.io/a/web:latest"),
                (UseKind::Pull, "ghcr.io/a/api:1"),
            ]
        );
        assert_eq!(uses[2].step, Some(0));
    }
}
