//! BP004 `chromium-skip-arg`: a RUN that installs Chromium/Chrome (OS
//! packages, `playwright install`, puppeteer's download) that no
//! `SKIP_CHROMIUM` build arg can switch off.
//!
//! The fix declares `ARG SKIP_CHROMIUM=false` in the stage (so the default
//! image is unchanged) and makes the browser install conditional on
//! `"$SKIP_CHROMIUM" != "true"`. Browser packages that share an install
//! command with other packages move into their own guarded command, so the
//! other packages are still installed.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{CommandForm, Instruction, InstructionKind, Stage};
use crate::rules::browsers::{
    browser_installs, is_browser_name, runs_browser, BrowserInstall, BrowserSource,
    DEFAULT_SKIP_ARG, PUPPETEER_SKIP_VARS,
};
use crate::rules::build_args::{arg_names, env_names};
use crate::rules::source_text::{
    can_prefix_command, indentation_at, keyword_case, line_end, line_start, word_removal,
};
use crate::rules::stage_walk::{inherited, stage_parents, work};
use crate::rules::stages::stage_instructions;

use crate::rules::{CheckFn, DockerfileContext, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::shell::{RunScript, ScriptOrigin, Word};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP004",
    name: "chromium-skip-arg",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A browser install that no SKIP_CHROMIUM build arg can switch off",
    doc: include_str!("../../rules/BP004.md"),
    fix: Some(Applicability::Safe),
    scope: RuleScope::Dockerfile,
    options: &[RuleOption {
        name: "arg",
        kind: OptionKind::String,
    }],
    check: CheckFn::Dockerfile(check),
};

/// Where the stage's `ARG <arg>=false` goes (shared by every finding of the
/// stage, so one round of fixes adds it once).
#[derive(Debug, Clone, Copy, Default)]
struct ArgSlot {
    declared: bool,
    insert_at: Option<usize>,
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let arg = ctx
        .option_str("arg")
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(DEFAULT_SKIP_ARG);
    let df = ctx.dockerfile;
    let stages = df.stages();
    let parents = &stage_parents(df, &ctx.build.args);
    let product = browser_product_stages(ctx, stages, parents);
    // ENV set in a parent stage reaches this one (ARG does not): whether
    // the stages a stage is built on set a puppeteer skip variable.
    let env_skip: Vec<bool> = stages
        .iter()
        .map(|stage| {
            stage_instructions(df, stage).any(|ins| {
                work::add(1);
                sets_puppeteer_skip(ins, false)
            })
        })
        .collect();
    let inherited_skip = inherited(
        parents,
        |_| false,
        |parent_inherited, index| {
            *parent_inherited
                || parents
                    .get(index)
                    .copied()
                    .flatten()
                    .and_then(|p| env_skip.get(p))
                    .copied()
                    .unwrap_or(false)
        },
    );
    for (index, stage) in stages.iter().enumerate() {
        if product.get(index).copied().unwrap_or(false) {
            continue;
        }
        let mut puppeteer_skipped = inherited_skip.get(index).copied().unwrap_or(false);
        let mut slot = ArgSlot::default();
        let mut onbuild_slot = ArgSlot::default();
        for &node in &stage.instruction_nodes {
            work::add(1);
            let Some(ins) = df.instruction(node) else {
                continue;
            };
            let (inner, onbuild) = match &ins.kind {
                InstructionKind::Onbuild(inner) => (inner.as_ref(), true),
                _ => (ins, false),
            };
            let stage_slot = if onbuild {
                &mut onbuild_slot
            } else {
                &mut slot
            };
            if arg_names(inner).contains(&arg) {
                stage_slot.declared = true;
            }
            if !onbuild && sets_puppeteer_skip(inner, true) {
                puppeteer_skipped = true;
            }
            if !matches!(inner.kind, InstructionKind::Run(_)) {
                continue;
            }
            for script in df.run_scripts(ins).iter() {
                for found in browser_installs(script, arg) {
                    if puppeteer_skipped && matches!(found.source, BrowserSource::Puppeteer) {
                        continue;
                    }
                    if found.guarded && stage_slot.declared {
                        continue;
                    }
                    let finding = Finding {
                        ctx,
                        arg,
                        ins,
                        onbuild,
                        script,
                        found: &found,
                    };
                    out.push(finding.diagnostic(stage_slot));
                }
            }
        }
    }
}

/// For each stage, whether its image is the browser itself (a
/// headless-chrome, browserless or selenium image, a puppeteer or
/// playwright runner): no build of it can do without the browser, so a
/// switch to skip it has nothing to save. The Dockerfile's name (file and
/// two directories) and the bake targets' names and tags count for every
/// stage; a stage's name, base image, `org.opencontainers.image.title` label
/// and an ENTRYPOINT/CMD that runs the browser count for the stage, the
/// stages it is built on and the stages built on it.
fn browser_product_stages(
    ctx: &DockerfileContext<'_>,
    stages: &[Stage],
    parents: &[Option<usize>],
) -> Vec<bool> {
    let df = ctx.dockerfile;
    // Absolute, so `Dockerfile` linted inside `headless-chrome/` reads as
    // `headless-chrome/Dockerfile` linted from its parent.
    let path = std::path::absolute(ctx.path).unwrap_or_else(|_| ctx.path.to_path_buf());
    let file_names = path
        .components()
        .rev()
        .take(3)
        .filter_map(|c| c.as_os_str().to_str());
    if file_names
        .chain(ctx.build.image_names.iter().map(String::as_str))
        .any(is_browser_name)
    {
        return vec![true; stages.len()];
    }
    let own: Vec<bool> = stages
        .iter()
        .map(|stage| stage_is_browser(df, stage))
        .collect();
    let up = inherited(
        parents,
        |index| own[index],
        |parent, index| *parent || own[index],
    );
    let mut down = own;
    for index in (0..stages.len()).rev() {
        if down[index] {
            if let Some(parent) = parents.get(index).copied().flatten() {
                down[parent] = true;
            }
        }
    }
    up.iter().zip(&down).map(|(u, d)| *u || *d).collect()
}

/// Whether a stage names itself or its base as a browser image, or starts a browser.
fn stage_is_browser(df: &crate::dockerfile::Dockerfile, stage: &Stage) -> bool {
    let from = df.stage_from(stage);
    let named = from.is_some_and(|f| {
        f.stage_name
            .as_ref()
            .is_some_and(|n| is_browser_name(&n.value))
            || is_browser_name(&f.image_ref.repository.value)
    });
    named
        || stage_instructions(df, stage).any(|ins| match &ins.kind {
            InstructionKind::Entrypoint(command) | InstructionKind::Cmd(command) => match command {
                CommandForm::Exec(words) => runs_browser(words.iter().map(|w| w.value.as_str())),
                CommandForm::Shell(text) => runs_browser(text.text.split_whitespace()),
            },
            InstructionKind::Label(labels) => labels.iter().any(|label| {
                label.key.value.trim_matches('"').ends_with("image.title")
                    && is_browser_name(&label.value.value)
            }),
            _ => false,
        })
}

/// Whether an ENV (or, in the stage itself, an ARG) sets a puppeteer skip variable.
fn sets_puppeteer_skip(ins: &Instruction, include_args: bool) -> bool {
    let mut names = env_names(ins);
    if include_args {
        names.extend(arg_names(ins));
    }
    names.iter().any(|n| PUPPETEER_SKIP_VARS.contains(n))
}

struct Finding<'a> {
    ctx: &'a DockerfileContext<'a>,
    arg: &'a str,
    /// The RUN or the ONBUILD holding it.
    ins: &'a Instruction,
    onbuild: bool,
    script: &'a RunScript,
    found: &'a BrowserInstall,
}

impl Finding<'_> {
    fn diagnostic(&self, slot: &mut ArgSlot) -> Diagnostic {
        let arg = self.arg;
        let what = &self.found.what;
        let subject = self.found.source.describe(what);
        let message = if self.found.guarded {
            format!(
                "{subject} behind `${arg}`, but this stage declares no `ARG {arg}`, so the build arg never reaches the RUN"
            )
        } else {
            format!("{subject} unconditionally: no `{arg}` build arg can switch it off")
        };
        let help = format!(
            "Declare `ARG {arg}=false` in the stage and install the browser only when `\"${arg}\" != \"true\"`.\nTest images built with `{arg}=true` (BP005) then skip 200 MB+ and about 45 s per CI run."
        );
        let mut diag = self
            .ctx
            .diagnostic(self.found.span, message)
            .with_help(help);
        let mut edits = Vec::new();
        if !slot.declared {
            let at = *slot
                .insert_at
                .get_or_insert_with(|| line_start(self.ctx.source(), self.ins.span.start));
            edits.push(self.arg_edit(at));
        }
        // Inside a JSON string (`RUN ["sh", "-c", "..."]`) shell text cannot be spliced in as is.
        if self.script.origin == ScriptOrigin::ExecForm && !self.found.guarded {
            return diag;
        }
        if !self.found.guarded {
            match self.browser_edits() {
                Some(more) => edits.extend(more),
                None => return diag,
            }
        }
        let message = if self.found.guarded {
            format!("Declare `ARG {arg}=false`")
        } else {
            format!("Install `{what}` only when `{arg}` is not \"true\"")
        };
        diag = diag.with_fix(Fix::safe(message, edits));
        diag
    }

    fn path(&self) -> &std::path::Path {
        self.ctx.path
    }

    /// `ARG SKIP_CHROMIUM=false` (or `ONBUILD ARG ...`) on its own line at `at`.
    fn arg_edit(&self, at: usize) -> Edit {
        let source = self.ctx.source();
        let indent = indentation_at(source, at);
        let newline = self.ctx.dockerfile.newline();
        let inner_keyword = match &self.ins.kind {
            InstructionKind::Onbuild(inner) => inner.keyword_span,
            _ => self.ins.keyword_span,
        };
        let arg_keyword = keyword_case(source, inner_keyword, "ARG");
        let line = if self.onbuild {
            let onbuild = keyword_case(source, self.ins.keyword_span, "ONBUILD");
            format!(
                "{indent}{onbuild} {arg_keyword} {}=false{newline}",
                self.arg
            )
        } else {
            format!("{indent}{arg_keyword} {}=false{newline}", self.arg)
        };
        Edit::insert(self.path(), at, line)
    }

    fn condition(&self) -> String {
        format!("[ \"${}\" != \"true\" ]", self.arg)
    }

    /// The edits that make the browser install conditional, if possible.
    fn browser_edits(&self) -> Option<Vec<Edit>> {
        match &self.found.source {
            BrowserSource::SystemPackages {
                packages,
                browser_packages,
                has_requirement_files,
            } => {
                let only_browsers =
                    packages.len() == browser_packages.len() && !has_requirement_files;
                if only_browsers {
                    Some(self.wrap_command())
                } else {
                    Some(self.split_command(packages, browser_packages))
                }
            }
            BrowserSource::Playwright | BrowserSource::LocalPackage => Some(self.wrap_command()),
            BrowserSource::Puppeteer => {
                let command = &self.found.command;
                if command.in_substitution
                    || command.in_pipeline
                    || !can_prefix_command(
                        self.ctx.source(),
                        self.script.span.start,
                        command.span.start,
                    )
                {
                    return None;
                }
                Some(vec![Edit::insert(
                    self.path(),
                    command.span.start,
                    format!(
                        "if [ \"${}\" = \"true\" ]; then export PUPPETEER_SKIP_DOWNLOAD=true; fi && ",
                        self.arg
                    ),
                )])
            }
        }
    }

    /// `if [ "$SKIP_CHROMIUM" != "true" ]; then <command>; fi`.
    fn wrap_command(&self) -> Vec<Edit> {
        let span = self.found.command.span;
        vec![
            Edit::insert(
                self.path(),
                span.start,
                format!("if {}; then ", self.condition()),
            ),
            Edit::insert(self.path(), span.end, "; fi"),
        ]
    }

    /// Removes the browser packages from the install and re-installs them
    /// in their own guarded command right after it (same program, options
    /// and prefixes).
    fn split_command(&self, packages: &[Word], browser_packages: &[Word]) -> Vec<Edit> {
        let source = self.ctx.source();
        let command = &self.found.command;
        let is_browser = |w: &Word| browser_packages.iter().any(|b| b.span == w.span);
        let is_other_package =
            |w: &Word| !is_browser(w) && packages.iter().any(|p| p.span == w.span);
        let words: Vec<&Word> = command.words().collect();

        let mut guarded_words: Vec<&str> =
            command.assignments.iter().map(|w| w.raw.as_str()).collect();
        guarded_words.extend(
            words
                .iter()
                .filter(|w| !is_other_package(w))
                .map(|w| w.raw.as_str()),
        );
        let guarded_command = guarded_words.join(" ");

        let mut edits = Vec::new();
        let last_kept = words.iter().rposition(|w| !is_browser(w));
        let mut insert_at = command.span.end;
        for (i, word) in words.iter().enumerate() {
            if !is_browser(word) {
                continue;
            }
            let trailing = last_kept.is_some_and(|k| i > k);
            if trailing {
                // The browser words after the last kept word go in one range.
                if let Some(kept) = last_kept.and_then(|k| words.get(k)) {
                    if i == last_kept.map_or(0, |k| k + 1) {
                        insert_at = kept.span.end;
                        let end = words.last().map_or(word.span.end, |w| w.span.end);
                        edits.push(Edit::delete(self.path(), Span::new(kept.span.end, end)));
                    }
                }
                continue;
            }
            let previous_end = i
                .checked_sub(1)
                .and_then(|p| words.get(p))
                .map_or(word.span.start, |w| w.span.end);
            edits.push(Edit::delete(
                self.path(),
                word_removal(source, word.span, previous_end, false),
            ));
        }

        let multi_line = command.span.slice(source).contains('\n');
        let separator = if multi_line {
            let continuation = match self.script.origin {
                ScriptOrigin::ShellForm => self.ctx.dockerfile.escape,
                _ => '\\',
            };
            let command_line = line_start(source, command.span.start);
            let first_on_line = source
                .get(command_line..command.span.start)
                .unwrap_or("")
                .trim();
            // Like the `&&` line that follows, else like the command's own line.
            let next_line = source
                .get(insert_at..)
                .and_then(|rest| rest.find('\n'))
                .map(|i| insert_at + i + 1);
            let next_chain_indent = next_line
                .and_then(|at| source.get(at..line_end(source, at)))
                .filter(|line| line.trim_start().starts_with("&&"))
                .and_then(|_| next_line.map(|at| indentation_at(source, at).to_string()));
            let indent = if let Some(indent) = next_chain_indent {
                indent
            } else if first_on_line.is_empty() || first_on_line.starts_with("&&") {
                indentation_at(source, command.span.start).to_string()
            } else {
                "    ".to_string()
            };
            let indent = if indent.is_empty() && self.script.origin == ScriptOrigin::ShellForm {
                "    ".to_string()
            } else {
                indent
            };
            format!(
                " {continuation}{}{indent}&& ",
                self.ctx.dockerfile.newline()
            )
        } else {
            " && ".to_string()
        };
        edits.push(Edit::insert(
            self.path(),
            insert_at,
            format!(
                "{separator}if {}; then {guarded_command}; fi",
                self.condition()
            ),
        ));
        edits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::apply_round;
    use crate::rules::testing::slices;

    fn lint(src: &str) -> Vec<Diagnostic> {
        crate::rules::testing::run(&RULE, src)
    }

    fn lint_with_arg(src: &str, arg: &str) -> Vec<Diagnostic> {
        let df = crate::dockerfile::parse(src);
        let mut options = toml::Table::new();
        options.insert("arg".into(), toml::Value::String(arg.into()));
        let build = crate::rules::BuildInfo::default();
        let ctx = DockerfileContext {
            path: std::path::Path::new("Dockerfile"),
            dockerfile: &df,
            rule: &RULE,
            options: &options,
            build: &build,
        };
        let mut out = Vec::new();
        check(&ctx, &mut out);
        out
    }

    /// Fixes (in rounds, like the engine), checks the result is clean.
    fn fixed(src: &str) -> String {
        crate::rules::testing::fixed_clean(&lint, src)
    }

    #[test]
    fn apt_package_mixed_with_others_is_split_out() {
        let src = "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl chromium && rm -rf /var/lib/apt/lists/*\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        assert_eq!(
            diags[0].message,
            "`chromium` is installed unconditionally: no `SKIP_CHROMIUM` build arg can switch it off"
        );
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN apt-get update && apt-get install -y --no-install-recommends curl && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y --no-install-recommends chromium; fi && rm -rf /var/lib/apt/lists/*\n"
        );
    }

    #[test]
    fn browser_only_install_is_wrapped() {
        let src = "FROM alpine\nRUN apk add --no-cache chromium chromium-chromedriver\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        assert!(diags[0]
            .message
            .contains("`chromium, chromium-chromedriver`"));
        assert_eq!(
            fixed(src),
            "FROM alpine\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apk add --no-cache chromium chromium-chromedriver; fi\n"
        );
    }

    #[test]
    fn multi_line_run_with_comments_points_at_the_exact_line() {
        let src = "FROM debian:bookworm\nRUN apt-get update \\\n    && apt-get install -y \\\n      curl \\\n# the browser for e2e\n      chromium \\\n      fonts-liberation \\\n    && rm -rf /var/lib/apt/lists/*\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        let index = crate::span::LineIndex::new(src);
        let pos = index.position(src, diags[0].span.start);
        assert_eq!((pos.line, pos.column), (6, 7));
        assert_eq!(
            fixed(src),
            "FROM debian:bookworm\nARG SKIP_CHROMIUM=false\nRUN apt-get update \\\n    && apt-get install -y \\\n      curl \\\n# the browser for e2e\n      fonts-liberation \\\n    && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi \\\n    && rm -rf /var/lib/apt/lists/*\n"
        );
    }

    #[test]
    fn guarded_line_is_indented_like_the_following_chain() {
        let src = "FROM node:20-slim\nRUN apt-get update && apt-get install -y \\\n    chromium \\\n    ca-certificates \\\n    --no-install-recommends \\\n  && rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(
            fixed(src),
            "FROM node:20-slim\nARG SKIP_CHROMIUM=false\nRUN apt-get update && apt-get install -y \\\n    ca-certificates \\\n    --no-install-recommends \\\n  && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium --no-install-recommends; fi \\\n  && rm -rf /var/lib/apt/lists/*\n"
        );
    }

    #[test]
    fn backtick_escape_continues_with_a_backtick() {
        let src = "# escape=`\nFROM debian\nRUN apt-get install -y `\n    curl `\n    chromium `\n    git\n";
        assert_eq!(
            fixed(src),
            "# escape=`\nFROM debian\nARG SKIP_CHROMIUM=false\nRUN apt-get install -y `\n    curl `\n    git `\n    && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n"
        );
    }

    #[test]
    fn exec_form_is_reported_without_fix() {
        let src = "FROM debian\nRUN [\"sh\", \"-c\", \"apt-get install -y chromium\"]\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn local_chrome_packages() {
        let src = "FROM debian\nRUN apt-get install -y ./google-chrome-stable_current_amd64.deb\n";
        let diags = lint(src);
        assert_eq!(
            slices(src, &diags),
            vec!["./google-chrome-stable_current_amd64.deb"]
        );
        let src = "FROM debian\nRUN dpkg -i /tmp/google-chrome-stable_current_amd64.deb || apt-get -f install -y\n";
        let diags = lint(src);
        assert_eq!(
            slices(src, &diags),
            vec!["/tmp/google-chrome-stable_current_amd64.deb"]
        );
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then dpkg -i /tmp/google-chrome-stable_current_amd64.deb; fi || apt-get -f install -y\n"
        );
        assert!(lint("FROM debian\nRUN dpkg -i ./other_1.0_amd64.deb\n").is_empty());
    }

    #[test]
    fn trailing_browser_packages_on_their_own_lines() {
        let src = "FROM debian\nRUN apt-get install -y \\\n      curl \\\n      chromium \\\n      chromium-driver\n";
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN apt-get install -y \\\n      curl \\\n    && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium chromium-driver; fi\n"
        );
    }

    #[test]
    fn guarded_install_with_declared_arg_is_fine() {
        let src = "FROM debian\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n";
        assert!(lint(src).is_empty());
        let src = "FROM debian\nARG SKIP_CHROMIUM\nRUN [ \"$SKIP_CHROMIUM\" = \"true\" ] || apt-get install -y chromium\n";
        assert!(lint(src).is_empty());
    }

    #[test]
    fn guard_without_declared_arg_only_adds_the_arg() {
        let src = "FROM debian\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n";
        let diags = lint(src);
        assert!(diags[0].message.contains("declares no `ARG SKIP_CHROMIUM`"));
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n"
        );
        // An ARG in another stage does not count.
        let src = "FROM debian AS a\nARG SKIP_CHROMIUM\nFROM a\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn option_names_the_arg() {
        let src = "FROM debian\nARG NO_BROWSER=false\nRUN if [ \"$NO_BROWSER\" != \"true\" ]; then apt-get install -y chromium; fi\n";
        assert!(lint_with_arg(src, "NO_BROWSER").is_empty());
        assert_eq!(lint(src).len(), 1);
        let src = "FROM debian\nRUN apt-get install -y chromium\n";
        let diags = lint_with_arg(src, "NO_BROWSER");
        assert!(diags[0].message.contains("`NO_BROWSER`"));
        let fix = diags[0].fix.as_ref().map(|f| format!("{:?}", f.edits));
        assert!(fix.is_some_and(|f| f.contains("ARG NO_BROWSER=false")));
    }

    #[test]
    fn heredoc_run() {
        let src = "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git chromium\nEOF\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\nEOF\n"
        );
    }

    #[test]
    fn onbuild_run_gets_an_onbuild_arg() {
        let src = "FROM debian\nONBUILD RUN apt-get install -y chromium\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        assert_eq!(
            fixed(src),
            "FROM debian\nONBUILD ARG SKIP_CHROMIUM=false\nONBUILD RUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n"
        );
        // A plain ARG does not reach an ONBUILD trigger.
        let src = "FROM debian\nARG SKIP_CHROMIUM=false\nONBUILD RUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn crlf_file_keeps_crlf() {
        let src =
            "FROM debian\r\nRUN apt-get install -y \\\r\n  curl \\\r\n  chromium \\\r\n  git\r\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium"]);
        let out = fixed(src);
        assert_eq!(
            out,
            "FROM debian\r\nARG SKIP_CHROMIUM=false\r\nRUN apt-get install -y \\\r\n  curl \\\r\n  git \\\r\n    && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\r\n"
        );
    }

    #[test]
    fn playwright_installs() {
        let src = "FROM node:20\nRUN npm ci && npx playwright install --with-deps chromium\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["playwright install"]);
        assert_eq!(
            diags[0].message,
            "`playwright install chromium` downloads Chromium unconditionally: no `SKIP_CHROMIUM` build arg can switch it off"
        );
        assert_eq!(
            fixed(src),
            "FROM node:20\nARG SKIP_CHROMIUM=false\nRUN npm ci && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then npx playwright install --with-deps chromium; fi\n"
        );
        assert_eq!(lint("FROM node\nRUN npx playwright install\n").len(), 1);
        assert_eq!(lint("FROM node\nRUN playwright install firefox\n").len(), 0);
        assert_eq!(
            lint("FROM node\nRUN npx playwright install-deps\n").len(),
            0
        );
        assert_eq!(
            lint("FROM python\nRUN python -m playwright install chromium\n").len(),
            1
        );
        assert_eq!(lint("FROM node\nRUN echo playwright install\n").len(), 0);
    }

    #[test]
    fn puppeteer_installs() {
        let src = "FROM node:20\nRUN npm install express puppeteer\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["puppeteer"]);
        assert_eq!(
            diags[0].message,
            "installing `puppeteer` downloads Chromium unconditionally: no `SKIP_CHROMIUM` build arg can switch it off"
        );
        assert_eq!(
            fixed(src),
            "FROM node:20\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" = \"true\" ]; then export PUPPETEER_SKIP_DOWNLOAD=true; fi && npm install express puppeteer\n"
        );
        assert!(
            lint("FROM node\nENV PUPPETEER_SKIP_DOWNLOAD=true\nRUN yarn add puppeteer\n")
                .is_empty()
        );
        assert!(lint("FROM node AS base\nENV PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1\nFROM base\nRUN pnpm add puppeteer@21\n").is_empty());
        assert!(lint("FROM node\nRUN PUPPETEER_SKIP_DOWNLOAD=1 npm i puppeteer\n").is_empty());
        assert!(lint("FROM node\nRUN npm ci\n").is_empty());
        // In a pipeline there is no safe place for the prefix: reported, no fix.
        let diags = lint("FROM node\nRUN yes | npm install puppeteer\n");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }

    #[test]
    fn one_arg_for_several_runs_of_a_stage() {
        let src =
            "FROM debian\nRUN apt-get install -y chromium\nRUN npx playwright install chromium\n";
        let diags = lint(src);
        assert_eq!(diags.len(), 2);
        assert_eq!(
            fixed(src),
            "FROM debian\nARG SKIP_CHROMIUM=false\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; fi\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then npx playwright install chromium; fi\n"
        );
    }

    #[test]
    fn version_pins_and_lowercase_keywords() {
        let src = "from debian\nrun apt-get install -y chromium=120.* curl\n";
        let diags = lint(src);
        assert_eq!(slices(src, &diags), vec!["chromium=120.*"]);
        assert_eq!(
            fixed(src),
            "from debian\narg SKIP_CHROMIUM=false\nrun apt-get install -y curl && if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium=120.*; fi\n"
        );
    }

    fn lint_at(src: &str, path: &str, image_names: &[&str]) -> Vec<Diagnostic> {
        let build = crate::rules::BuildInfo {
            image_names: image_names.iter().map(|n| n.to_string()).collect(),
            ..crate::rules::BuildInfo::default()
        };
        crate::rules::testing::run_with(&RULE, src, &build, std::path::Path::new(path))
    }

    #[test]
    fn images_whose_product_is_the_browser_are_left_alone() {
        let install = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y chromium fonts-liberation\n";
        // By the Dockerfile's name or directory, or the bake target's name or tag.
        assert!(lint_at(install, "headless-chrome/Dockerfile", &[]).is_empty());
        assert!(lint_at(install, "docker/Dockerfile.puppeteer", &[]).is_empty());
        assert!(lint_at(install, "Dockerfile", &["browserless"]).is_empty());
        assert!(lint_at(
            install,
            "Dockerfile",
            &["app", "ghcr.io/acme/selenium-node:1"]
        )
        .is_empty());
        assert_eq!(lint_at(install, "web/Dockerfile", &["web"]).len(), 1);
        // By what the image runs.
        for tail in [
            "ENTRYPOINT [\"chromium\", \"--headless\", \"--remote-debugging-port=9222\"]\n",
            "CMD /usr/bin/chromium --no-sandbox --remote-debugging-address=0.0.0.0\n",
            "CMD [\"npx\", \"playwright\", \"test\"]\n",
            "LABEL org.opencontainers.image.title=\"Headless Chrome\"\n",
        ] {
            assert!(lint(&format!("{install}{tail}")).is_empty(), "{tail}");
        }
        assert_eq!(
            lint(&format!("{install}CMD [\"node\", \"server.js\"]\n")).len(),
            1
        );
        // By a stage's name or base image: that stage, the stages built on it
        // and the stages it is built on.
        let src = "FROM debian AS base\nRUN apt-get install -y chromium\nFROM base AS chrome\nEXPOSE 9222\n";
        assert!(lint(src).is_empty());
        let src = "FROM mcr.microsoft.com/playwright:v1.48.0-jammy\nRUN npx playwright install chromium\n";
        assert!(lint(src).is_empty());
        // A browser stage does not excuse an unrelated one.
        let src = "FROM debian AS chrome\nRUN apt-get install -y chromium\nFROM python:3.12 AS app\nRUN apt-get install -y chromium\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn puppeteer_skip_env_reaches_stages_far_down_a_chain() {
        let mut src = String::from("FROM node AS s0\nENV PUPPETEER_SKIP_DOWNLOAD=true\n");
        for i in 1..50 {
            src.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
        }
        src.push_str("RUN npm install puppeteer\n");
        assert!(lint(&src).is_empty());
        let src = "FROM node AS a\nENV PUPPETEER_SKIP_DOWNLOAD=true\nFROM node AS b\nRUN npm install puppeteer\n";
        assert_eq!(lint(src).len(), 1);
        let src = "ARG BASE=a\nFROM node AS a\nENV PUPPETEER_SKIP_DOWNLOAD=true\nFROM ${BASE}\nRUN npm install puppeteer\n";
        assert!(lint(src).is_empty());
        // Set by an earlier command of the RUN.
        let src =
            "FROM node\nRUN export PUPPETEER_SKIP_DOWNLOAD=1 && npm ci && npm install puppeteer\n";
        assert!(lint(src).is_empty());
        let src = "FROM node\nRUN npm install puppeteer && export PUPPETEER_SKIP_DOWNLOAD=1\n";
        assert_eq!(lint(src).len(), 1);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for src in [
            "FROM debian\nRUN apt-get install -y chromium &&\n",
            "FROM debian\nRUN <<EOF\napt-get install chromium\n",
            "RUN apt-get install chromium\n",
            "FROM debian\nRUN [\"sh\", \"-c\", \"apt-get install -y chromium\"]\n",
            "FROM debian\nRUN apt-get install -y $PKGS chromium \"$(echo x)\"\n",
            "FROM debian\nONBUILD RUN\n",
            "FROM debian\nRUN if then fi chromium ) (\n",
        ] {
            let diags = lint(src);
            let _ = apply_round(src, &diags);
        }
    }
}
