//! Running the rules over one file.

use std::path::Path;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::dockerfile::{self, Dockerfile};
use crate::rules::{BuildInfo, DockerfileContext, RuleDef, RULES};
use crate::suppress::Suppressions;

/// A file that could not be linted at all (exit code 2).
pub use crate::fsread::FileError;

/// Reads a file as UTF-8 text through [`crate::fsread`]: only regular files
/// up to its size limit; UTF-16, binary files and invalid UTF-8 are refused
/// with a message that says which.
pub fn read_source(path: &Path) -> Result<String, FileError> {
    crate::fsread::read_text(path)
}

/// Decodes file bytes as [`read_source`] does.
pub fn decode_source(path: &Path, bytes: Vec<u8>) -> Result<String, FileError> {
    crate::fsread::decode(path, bytes)
}

/// Files at least this long have their rules run in parallel: one large
/// file is otherwise a single task on one core. Real Dockerfiles are far
/// smaller (the corpus' largest is 15 KB) and are linted in parallel with
/// each other instead.
const PARALLEL_RULES_MIN_BYTES: usize = 16 * 1024;

/// Lints parsed Dockerfile text with the enabled rules; applies severity
/// overrides and suppressions; sorted by position.
pub fn lint_dockerfile(
    path: &Path,
    dockerfile: &Dockerfile,
    settings: &Settings,
    build: &BuildInfo,
) -> Vec<Diagnostic> {
    let enabled = settings.enabled_for(path);
    let rules: Vec<_> = RULES
        .iter()
        .copied()
        .zip(enabled)
        .filter(|(rule, on)| *on && rule.dockerfile_check().is_some())
        .map(|(rule, _)| rule)
        .collect();
    let file = FileLint {
        path,
        dockerfile,
        settings,
        build,
    };
    let parallel = dockerfile.source.len() >= PARALLEL_RULES_MIN_BYTES;
    let mut out = file.run_rules(&rules, parallel);
    let mut suppressions = Suppressions::from_dockerfile(dockerfile);
    if settings.disable_ignore_pragma {
        suppressions.disable_ignore_pragmas();
    }
    out.retain(|d| !suppressions.is_suppressed(d));
    sort_diagnostics(&mut out);
    out
}

/// Computes what many rules of a large file share, on every core: the RUN
/// analyses, their installs and their shell checks, beside the shell scope
/// the shell checks read (it needs no analysis); then which RUNs have
/// which shell findings.
pub fn prepare_shared(dockerfile: &Dockerfile) {
    rayon::join(
        || dockerfile.prepare_runs(),
        || crate::rules::shellcheck::prepare_scope(dockerfile),
    );
    crate::rules::shellcheck::prepare_finding_nodes(dockerfile);
}

/// One file being linted, with what its rules are given.
struct FileLint<'a> {
    path: &'a Path,
    dockerfile: &'a Dockerfile,
    settings: &'a Settings,
    build: &'a BuildInfo,
}

impl FileLint<'_> {
    /// The findings of `rules` (sorted later: the order here is not kept).
    fn run_rules(&self, rules: &[&'static RuleDef], parallel: bool) -> Vec<Diagnostic> {
        if !parallel {
            return rules.iter().flat_map(|&r| self.run_rule(r)).collect();
        }
        use rayon::prelude::*;
        let (shell_rules, other_rules): (Vec<&'static RuleDef>, Vec<&'static RuleDef>) =
            rules.iter().partition(|r| r.code.starts_with("SC"));
        // Each rule is its own job, so an idle core takes the next one.
        let run_all = |rules: &[&'static RuleDef]| -> Vec<Vec<Diagnostic>> {
            rules
                .par_iter()
                .with_max_len(1)
                .map(|&r| self.run_rule(r))
                .collect()
        };
        // The shell checks (and the rules reading them) run beside the
        // other rules rather than before them. What many rules share is
        // computed first on that side, itself in parallel: the RUN analyses
        // (which the other rules also make, a RUN at a time, when they get
        // to one first), their installs and shell checks.
        let (shell_found, other_found) = if shell_rules.is_empty() {
            // Nothing to run beside: the rules start here (a lone rule runs
            // on the calling thread, where a test counts its work).
            (Vec::new(), run_all(&other_rules))
        } else {
            rayon::join(
                || {
                    prepare_shared(self.dockerfile);
                    run_all(&shell_rules)
                },
                || run_all(&other_rules),
            )
        };
        let count = |found: &[Vec<Diagnostic>]| found.iter().map(Vec::len).sum::<usize>();
        let mut all = Vec::with_capacity(count(&shell_found) + count(&other_found));
        other_found
            .into_iter()
            .chain(shell_found)
            .for_each(|found| all.extend(found));
        all
    }

    /// One rule's findings, with the configured severity.
    fn run_rule(&self, rule: &'static RuleDef) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let Some(check) = rule.dockerfile_check() else {
            return out;
        };
        let ctx = DockerfileContext {
            path: self.path,
            dockerfile: self.dockerfile,
            rule,
            options: self.settings.options(rule),
            build: self.build,
        };
        check(&ctx, &mut out);
        if let Some(severity) = self.settings.severity_override(rule) {
            for d in &mut out {
                d.severity = severity;
            }
        }
        out
    }
}

/// Parses and lints Dockerfile text.
pub fn lint_dockerfile_text(
    path: &Path,
    text: &str,
    settings: &Settings,
    build: &BuildInfo,
) -> Vec<Diagnostic> {
    let df = dockerfile::parse(text);
    lint_dockerfile(path, &df, settings, build)
}

/// Stable order: file, position, code.
pub fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        // Most comparisons are within one file: equal bytes are cheap to
        // tell, comparing paths component by component is not (`==` on
        // paths does that too).
        let file = if a.file.as_os_str() == b.file.as_os_str() {
            std::cmp::Ordering::Equal
        } else {
            a.file.cmp(&b.file)
        };
        file.then_with(|| {
            (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file with findings of many kinds: shell checks, installs,
    /// heredocs, ONBUILD RUNs, a PowerShell stage, repeated RUN texts.
    fn large_dockerfile() -> String {
        let mut text = String::from("ARG BASE=debian:12\n");
        for i in 0..60 {
            text.push_str(&format!(
                "FROM $BASE AS s{i}\n\
                 RUN apt-get update && apt-get install curl git-{i} && cd /tmp && echo $HOME/{i}\n\
                 RUN pip install flask requests=={i}.0 && ls *.txt | grep x\n\
                 ONBUILD RUN npm install left-pad\n\
                 RUN <<EOF\nset -e\nwget http://example.com/{i}\nexport A=$(date)\nEOF\n\
                 COPY --from=s{i} /a /b\n\
                 LABEL maintainer=me{i}\n"
            ));
            if i % 10 == 3 {
                text.push_str("SHELL [\"powershell\", \"-Command\"]\nRUN Write-Host $env:PATH\n");
            }
        }
        text
    }

    #[test]
    fn rules_run_in_parallel_give_the_sequential_findings() {
        let text = large_dockerfile();
        assert!(text.len() >= PARALLEL_RULES_MIN_BYTES, "{}", text.len());
        let path = Path::new("Dockerfile");
        let settings = Settings::default();
        let build = BuildInfo::default();
        let rules: Vec<&'static RuleDef> = RULES
            .iter()
            .copied()
            .filter(|r| r.dockerfile_check().is_some())
            .collect();
        let findings = |parallel: bool| {
            let dockerfile = dockerfile::parse(&text);
            let file = FileLint {
                path,
                dockerfile: &dockerfile,
                settings: &settings,
                build: &build,
            };
            file.run_rules(&rules, parallel)
        };
        let sequential = findings(false);
        let parallel = findings(true);
        for code in ["DL3008", "DL3013", "DL3003", "SC2086", "DL4006", "DL3047"] {
            assert!(
                sequential.iter().any(|d| d.code == code),
                "no {code} in the test file"
            );
        }
        assert_eq!(sequential, parallel);
    }
}
