//! Which pipefail-capable shell a base image surely has: bash on the
//! Debian, Ubuntu and Red Hat families (bash is an essential package there),
//! busybox `ash` on Alpine. Known from the image name, or from the package
//! manager the stage chain uses (`apt-get` means Debian-like, `apk` Alpine).
//! Used by fixes that insert a `SHELL` (DL4006): they must name a shell that
//! exists in the image.

/// A shell known to exist in an image, with `-o pipefail` support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipefailShell {
    /// `/bin/bash` (Debian, Ubuntu, Red Hat, SUSE, Arch families).
    Bash,
    /// `/bin/ash` (busybox on Alpine).
    Ash,
}

impl PipefailShell {
    /// The `SHELL` instruction's JSON arguments for this shell with pipefail.
    pub fn shell_args(self) -> &'static str {
        match self {
            PipefailShell::Bash => r#"["/bin/bash", "-o", "pipefail", "-c"]"#,
            PipefailShell::Ash => r#"["/bin/ash", "-o", "pipefail", "-c"]"#,
        }
    }
}

/// Repositories (last path component) whose default tags are Debian,
/// Ubuntu or Red Hat based, with bash.
const BASH_REPOSITORIES: &[&str] = &[
    "debian",
    "ubuntu",
    "buildpack-deps",
    "python",
    "node",
    "golang",
    "ruby",
    "php",
    "perl",
    "rust",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "gcc",
    "r-base",
    "julia",
    "elixir",
    "erlang",
    "haskell",
    "swift",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "oraclelinux",
    "amazonlinux",
    "ubi",
    "ubi8",
    "ubi9",
    "ubi10",
    "archlinux",
    "kalilinux",
    "cuda",
    "jenkins",
    "tomcat",
    "nginx",
    "httpd",
    "postgres",
    "redis",
    "mariadb",
    "wordpress",
    "sdk",
    "aspnet",
    "runtime",
    "runtime-deps",
];

/// Words in an image name or tag that mean there is no shell at all, or not
/// the one the repository's default tags have.
const NO_SHELL_MARKERS: &[&str] = &["distroless", "chiseled", "scratch", "nanoserver", "windows"];

/// The pipefail shell an image reference (as written in FROM) surely has,
/// if bakelint can tell.
pub fn shell_of_image(image: &str) -> Option<PipefailShell> {
    let lower = image.to_ascii_lowercase();
    if lower.contains('$') || NO_SHELL_MARKERS.iter().any(|m| lower.contains(m)) {
        return None;
    }
    if lower.contains("alpine") {
        return Some(PipefailShell::Ash);
    }
    let without_digest = lower.split('@').next().unwrap_or(&lower);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let repository = last.split(':').next().unwrap_or(last);
    if lower.contains("busybox") || repository == "busybox" {
        return None;
    }
    BASH_REPOSITORIES
        .contains(&repository)
        .then_some(PipefailShell::Bash)
}

/// The pipefail shell implied by the package managers a stage chain runs
/// (`apt-get`: Debian-like; `dnf`/`yum`/`microdnf`/`zypper`: Red Hat or
/// SUSE; `apk`: Alpine). `None` when they disagree or there are none.
pub fn shell_of_managers(managers: &[crate::shell::PackageManager]) -> Option<PipefailShell> {
    use crate::shell::PackageManager as M;
    let bash = managers.iter().any(|m| {
        matches!(
            m,
            M::AptGet | M::Apt | M::Dnf | M::Yum | M::Microdnf | M::Zypper
        )
    });
    let ash = managers.iter().any(|m| matches!(m, M::Apk));
    match (bash, ash) {
        (true, false) => Some(PipefailShell::Bash),
        (false, true) => Some(PipefailShell::Ash),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(shell_of_image("debian:12"), Some(PipefailShell::Bash));
        assert_eq!(
            shell_of_image("python:3.12-slim"),
            Some(PipefailShell::Bash)
        );
        assert_eq!(
            shell_of_image("docker.io/library/node:20-bookworm@sha256:abc"),
            Some(PipefailShell::Bash)
        );
        assert_eq!(shell_of_image("node:20-alpine"), Some(PipefailShell::Ash));
        assert_eq!(shell_of_image("alpine"), Some(PipefailShell::Ash));
        assert_eq!(shell_of_image("gcr.io/distroless/python3"), None);
        assert_eq!(
            shell_of_image("mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled"),
            None
        );
        assert_eq!(shell_of_image("busybox:1.36"), None);
        assert_eq!(shell_of_image("${BASE}"), None);
        assert_eq!(shell_of_image("myorg/app-base:1"), None);
    }

    #[test]
    fn managers() {
        use crate::shell::PackageManager as M;
        assert_eq!(
            shell_of_managers(&[M::AptGet, M::Pip]),
            Some(PipefailShell::Bash)
        );
        assert_eq!(shell_of_managers(&[M::Apk]), Some(PipefailShell::Ash));
        assert_eq!(shell_of_managers(&[M::Apk, M::AptGet]), None);
        assert_eq!(shell_of_managers(&[]), None);
    }
}
