//! BP005 `test-image-chromium`: a test target (by name or by a group it is
//! in) builds a stage that installs Chromium and does not pass
//! `SKIP_CHROMIUM = "true"` in its `args`.
//!
//! The stages a target builds are its `target` stage (or the last), the
//! stages that one is built `FROM`, and those it copies or mounts from.
//! The fix (unsafe: it changes the test image) adds the arg to the
//! target's own `args` object with byte edits that keep the formatting, or
//! creates `args = { SKIP_CHROMIUM = "true" }` in the target block.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl_edit::Span as _;

use crate::bake::Target;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::dockerfile::{Dockerfile, InstructionKind};
use crate::rules::browsers::{
    browser_installs, BrowserSource, DEFAULT_SKIP_ARG, PUPPETEER_SKIP_VARS,
};
use crate::rules::build_args::{arg_names, env_names};
use crate::rules::hcl_edit::{append_attribute, equals_padding};
use crate::rules::source_text::{indentation_at, line_start};
use crate::rules::stages::{stages_needed, target_stage};

use crate::rules::{BakeContext, CheckFn, OptionKind, RuleDef, RuleOption, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "BP005",
    name: "test-image-chromium",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A test target builds a browser install it does not skip",
    doc: include_str!("../../rules/BP005.md"),
    fix: Some(Applicability::Unsafe),
    scope: RuleScope::Bake,
    options: &[
        RuleOption {
            name: "test-targets",
            kind: OptionKind::StringList,
        },
        RuleOption {
            name: "arg",
            kind: OptionKind::String,
        },
    ],
    check: CheckFn::Bake(check),
};

/// Target and group names that mean "this builds a test image".
pub const DEFAULT_TEST_TARGETS: &[&str] = &["*test*", "ci", "*-ci", "check*"];

/// Target names that say the tests drive a browser: skipped with the
/// default `test-targets` (an explicit option lists exactly what to check).
pub const BROWSER_TEST_HINTS: &[&str] = &["e2e", "playwright", "cypress", "selenium", "browser"];

/// A browser install a target's build runs.
struct BuiltBrowser {
    what: String,
    /// "stage `base` of ", "stage 2 of ", or "" for a one-stage Dockerfile.
    stage: String,
    span: Span,
    guarded: bool,
}

fn check(ctx: &BakeContext<'_>, out: &mut Vec<Diagnostic>) {
    let arg = ctx
        .option_str("arg")
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(DEFAULT_SKIP_ARG);
    let configured = ctx.option_str_list("test-targets");
    let skip_browser_tests = configured.is_none();
    let patterns =
        configured.unwrap_or_else(|| DEFAULT_TEST_TARGETS.iter().map(|p| p.to_string()).collect());
    let project = ctx.project;
    let group_members = group_members(project);
    let mut seen = BTreeSet::new();
    let mut findings: Vec<(&Target, Diagnostic)> = Vec::new();
    for name in project.target_order() {
        if !seen.insert(name) {
            continue;
        }
        let Some(target) = project.targets().get(name) else {
            continue;
        };
        if target.is_hidden() {
            continue;
        }
        let lowercase = name.to_ascii_lowercase();
        if skip_browser_tests && BROWSER_TEST_HINTS.iter().any(|h| lowercase.contains(h)) {
            continue;
        }
        let Some(matched_by) = test_match(name, &patterns, &group_members) else {
            continue;
        };
        if passes_skip(target, arg) {
            continue;
        }
        let Some(dockerfile_path) = target.dockerfile() else {
            continue;
        };
        let Some(dockerfile) = ctx.dockerfile(&dockerfile_path) else {
            continue;
        };
        let Some(browser) = built_browser(dockerfile, target.target(), arg) else {
            continue;
        };
        if let Some(diag) = diagnostic(ctx, target, arg, &matched_by, &browser, &dockerfile_path) {
            findings.push((target, diag));
        }
    }
    // A target that inherits from a target this pass fixes gets the arg
    // through inheritance: fixing both would add it twice.
    let fixed: BTreeSet<&str> = findings
        .iter()
        .filter(|(_, d)| d.fix.is_some())
        .map(|(t, _)| t.name.as_str())
        .collect();
    for (target, mut diag) in findings {
        let fixed_parent = target
            .inherits_chain
            .iter()
            .find(|parent| fixed.contains(parent.as_str()));
        if let Some(parent) = fixed_parent {
            diag.fix = None;
            let help = diag.help.take().unwrap_or_default();
            diag.help = Some(format!(
                "{help}; fixing `{parent}`, which this target inherits from, passes it here too"
            ));
        }
        out.push(diag);
    }
}

/// Whether the target's args (inherited ones included) set `arg` to "true"
/// (`"true"` or the bool `true`, which bake passes as the string "true").
fn passes_skip(target: &Target, arg: &str) -> bool {
    target.attr("args").is_some_and(|args| {
        args.elements.iter().any(|entry| {
            entry.key.as_deref() == Some(arg)
                && entry.value.to_string_conv().is_ok_and(|v| v == "true")
        })
    })
}

/// Group name → every target it contains (through nested groups).
fn group_members(project: &crate::bake::BakeProject) -> BTreeMap<String, BTreeSet<String>> {
    fn expand(
        project: &crate::bake::BakeProject,
        name: &str,
        visiting: &mut BTreeSet<String>,
        out: &mut BTreeSet<String>,
    ) {
        let Some(group) = project.groups().get(name) else {
            out.insert(name.to_string());
            return;
        };
        if !visiting.insert(name.to_string()) {
            return;
        }
        for member in &group.targets {
            expand(project, member, visiting, out);
        }
    }
    project
        .groups()
        .keys()
        .map(|g| {
            let mut members = BTreeSet::new();
            expand(project, g, &mut BTreeSet::new(), &mut members);
            (g.clone(), members)
        })
        .collect()
}

/// Why a target is a test target: `target "x"` or `group "x"`.
fn test_match(
    name: &str,
    patterns: &[String],
    group_members: &BTreeMap<String, BTreeSet<String>>,
) -> Option<String> {
    let matches = |candidate: &str| {
        patterns
            .iter()
            .any(|p| crate::bake::target::glob_match(p, candidate))
    };
    if matches(name) {
        return Some(format!("test target `{name}`"));
    }
    group_members
        .iter()
        .find(|(group, members)| members.contains(name) && matches(group))
        .map(|(group, _)| format!("target `{name}` (in test group `{group}`)"))
}

/// The first browser install among the stages a build of `target` runs.
fn built_browser(dockerfile: &Dockerfile, target: Option<&str>, arg: &str) -> Option<BuiltBrowser> {
    let stages = dockerfile.stages();
    let stage = target_stage(dockerfile, stages, target)?;
    let needed = stages_needed(dockerfile, stages, stage);
    let puppeteer_skipped = needed
        .iter()
        .filter_map(|&i| stages.get(i))
        .flat_map(|s| s.instruction_nodes.iter())
        .filter_map(|&n| dockerfile.instruction(n))
        .any(|ins| {
            env_names(ins)
                .iter()
                .chain(arg_names(ins).iter())
                .any(|n| PUPPETEER_SKIP_VARS.contains(n))
        });
    for &index in &needed {
        let Some(stage) = stages.get(index) else {
            continue;
        };
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| dockerfile.instruction(n))
        {
            // ONBUILD triggers run in other builds.
            if !matches!(ins.kind, InstructionKind::Run(_)) {
                continue;
            }
            for script in dockerfile.run_scripts(ins).iter() {
                let found = browser_installs(script, arg)
                    .into_iter()
                    .find(|b| !(puppeteer_skipped && matches!(b.source, BrowserSource::Puppeteer)));
                if let Some(found) = found {
                    let stage_name = dockerfile
                        .stage_from(stage)
                        .and_then(|f| f.stage_name.as_ref())
                        .map(|n| format!("stage `{}` of ", n.value))
                        .unwrap_or_else(|| {
                            if stages.len() > 1 {
                                format!("stage {index} of ")
                            } else {
                                String::new()
                            }
                        });
                    return Some(BuiltBrowser {
                        what: found.what,
                        stage: stage_name,
                        span: found.span,
                        guarded: found.guarded,
                    });
                }
            }
        }
    }
    None
}

fn diagnostic(
    ctx: &BakeContext<'_>,
    target: &Target,
    arg: &str,
    matched_by: &str,
    browser: &BuiltBrowser,
    dockerfile_path: &Path,
) -> Option<Diagnostic> {
    let block = target.block.as_ref()?;
    let file = block.file.clone();
    let own = own_target_block(ctx, target, &file);
    let span = own
        .as_ref()
        .and_then(|b| b.args.as_ref())
        .map_or(block.span, |a| a.existing_value.unwrap_or(a.key));
    let message = format!(
        "{matched_by} builds `{}` ({}{}) but does not pass `{arg} = \"true\"`",
        browser.what,
        browser.stage,
        dockerfile_path
            .strip_prefix(&target.cwd)
            .unwrap_or(dockerfile_path)
            .display()
    );
    let mut help = format!(
        "Add `{arg} = \"true\"` to the target's `args` so the test image skips the browser.\n200 MB+ and about 45 s less per CI run in the CI review."
    );
    if !browser.guarded {
        help.push_str(&format!(
            "\nThe Dockerfile must also make the install conditional on `${arg}` (BP004)."
        ));
    }
    let mut diag = ctx
        .diagnostic(&file, span, message)
        .with_help(help)
        .with_file_label(
            dockerfile_path.to_path_buf(),
            browser.span,
            "the browser install",
        );
    if let Some(edits) = own.and_then(|b| b.edits(arg)) {
        diag = diag.with_fix(Fix::unsafe_(
            format!("Pass `{arg} = \"true\"` to `{}`", target.name),
            edits
                .into_iter()
                .map(|(span, text)| Edit::replace(file.clone(), span, text))
                .collect(),
        ));
    }
    Some(diag)
}

/// The target's own block in an HCL file, as byte positions.
struct OwnBlock {
    text: String,
    /// `{` and `}` of the block body.
    open: usize,
    close: usize,
    args: Option<OwnArgs>,
}

struct OwnArgs {
    /// The `args` key.
    key: Span,
    /// The object literal `{ ... }`, when `args` is one.
    object: Option<Span>,
    /// The value expression of an existing `SKIP_CHROMIUM` entry.
    existing_value: Option<Span>,
}

/// Finds the last `target "<name>"` block of `file` with hcl-edit's spans.
fn own_target_block(ctx: &BakeContext<'_>, target: &Target, file: &PathBuf) -> Option<OwnBlock> {
    let source = ctx.project.files().iter().find(|f| &f.path == file)?;
    let body = source.body.as_ref()?;
    let bom = if source.text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let to_span = |range: std::ops::Range<usize>| Span::new(range.start + bom, range.end + bom);
    let arg = ctx
        .option_str("arg")
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(DEFAULT_SKIP_ARG);
    let block = body
        .blocks()
        .filter(|b| b.ident.as_str() == "target")
        .filter(|b| {
            b.labels.first().is_some_and(|l| match l {
                hcl_edit::structure::BlockLabel::String(s) => s.as_str() == target.name,
                hcl_edit::structure::BlockLabel::Ident(i) => i.as_str() == target.name,
            })
        })
        .last()?;
    let block_span = to_span(block.span()?);
    let text = source.text.clone();
    let block_text = block_span.slice(&text);
    if !block_text.ends_with('}') {
        return None;
    }
    let label_end = block
        .labels
        .last()
        .and_then(|l| match l {
            hcl_edit::structure::BlockLabel::String(s) => s.span(),
            hcl_edit::structure::BlockLabel::Ident(i) => i.span(),
        })
        .map_or(block_span.start, |r| r.end + bom);
    let open = label_end + text.get(label_end..block_span.end)?.find('{')?;
    let close = block_span.end - 1;
    let args = block.body.get_attribute("args").and_then(|attr| {
        let key = to_span(attr.key.span()?);
        let value = to_span(attr.value.span()?);
        let (object, existing_value) = match &attr.value {
            hcl_edit::expr::Expression::Object(object) => {
                let existing = object.iter().find_map(|(k, v)| {
                    let name = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(
                            hcl_edit::expr::Expression::String(s),
                        ) => s.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(_) => return None,
                    };
                    (name == arg)
                        .then(|| v.expr().span().map(to_span))
                        .flatten()
                });
                (Some(value), existing)
            }
            _ => (None, None),
        };
        Some(OwnArgs {
            key,
            object,
            existing_value,
        })
    });
    Some(OwnBlock {
        text,
        open,
        close,
        args,
    })
}

impl OwnBlock {
    /// The byte edits that pass `arg = "true"`, if a format-preserving one exists.
    fn edits(&self, arg: &str) -> Option<Vec<(Span, String)>> {
        let entry = format!("{arg} = \"true\"");
        match &self.args {
            Some(OwnArgs {
                existing_value: Some(value),
                ..
            }) => Some(vec![(*value, "\"true\"".to_string())]),
            Some(OwnArgs {
                object: Some(object),
                ..
            }) => self.add_to_object(*object, arg),
            // `args = merge(...)` or a variable: no place for a key.
            Some(OwnArgs { object: None, .. }) => None,
            None => self.add_attribute("args", &format!("{{ {entry} }}")),
        }
    }

    fn add_to_object(&self, object: Span, arg: &str) -> Option<Vec<(Span, String)>> {
        let text = &self.text;
        let literal = object.slice(text);
        if !(literal.starts_with('{') && literal.ends_with('}')) {
            return None;
        }
        let close = object.end - 1;
        let inner = text.get(object.start + 1..close)?;
        if inner.trim().is_empty() {
            return Some(vec![(object, format!("{{ {arg} = \"true\" }}"))]);
        }
        let last_content_end = object.start + 1 + inner.trim_end().len();
        let last_char = text[..last_content_end].chars().last();
        let closing_alone = text
            .get(line_start(text, close)..close)
            .is_some_and(|s| s.trim().is_empty());
        if !inner.contains('\n') || !closing_alone {
            let addition = if last_char == Some(',') {
                format!(" {arg} = \"true\",")
            } else {
                format!(", {arg} = \"true\"")
            };
            return Some(vec![(Span::empty(last_content_end), addition)]);
        }
        // One entry per line: a new line before the closing brace, indented
        // like the last entry, `=` aligned when the entries align theirs.
        let last_line = line_start(text, last_content_end.saturating_sub(1));
        let indent = indentation_at(text, last_line);
        let last_line_text = text.get(last_line..last_content_end).unwrap_or("");
        let padding = equals_padding(last_line_text, arg);
        let comma = if last_char == Some(',') { "," } else { "" };
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Some(vec![(
            Span::empty(line_start(text, close)),
            format!(
                "{indent}{arg}{}= \"true\"{comma}{newline}",
                " ".repeat(padding)
            ),
        )])
    }

    /// A new attribute line at the end of the block.
    fn add_attribute(&self, key: &str, value: &str) -> Option<Vec<(Span, String)>> {
        append_attribute(&self.text, self.open, self.close, key, value).map(|e| vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[(Span, String)]) -> String {
        let mut sorted = edits.to_vec();
        sorted.sort_by_key(|(s, _)| (s.start, s.end));
        crate::fix::apply_edits(text, &sorted)
    }

    /// An `OwnBlock` over `text`, whose `args` object (if any) is the first `{` after `args =`.
    fn block(text: &str) -> OwnBlock {
        let open = text.find('{').unwrap_or(0);
        let close = text.rfind('}').unwrap_or(0);
        let args = text.find("args = ").map(|at| {
            let start = at + "args = ".len();
            let mut depth = 0;
            let mut end = start;
            for (i, c) in text[start..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = start + i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            OwnArgs {
                key: Span::new(at, at + 4),
                object: Some(Span::new(start, end)),
                existing_value: None,
            }
        });
        OwnBlock {
            text: text.to_string(),
            open,
            close,
            args,
        }
    }

    fn fixed(text: &str) -> Option<String> {
        block(text)
            .edits("SKIP_CHROMIUM")
            .map(|edits| apply(text, &edits))
    }

    #[test]
    fn one_line_objects() {
        assert_eq!(
            fixed("target \"t\" {\n  args = { A = \"1\" }\n}\n").as_deref(),
            Some("target \"t\" {\n  args = { A = \"1\", SKIP_CHROMIUM = \"true\" }\n}\n")
        );
        assert_eq!(
            fixed("target \"t\" {\n  args = { A = \"1\", }\n}\n").as_deref(),
            Some("target \"t\" {\n  args = { A = \"1\", SKIP_CHROMIUM = \"true\", }\n}\n")
        );
        assert_eq!(
            fixed("target \"t\" {\n  args = {}\n}\n").as_deref(),
            Some("target \"t\" {\n  args = { SKIP_CHROMIUM = \"true\" }\n}\n")
        );
    }

    #[test]
    fn multi_line_objects_keep_indentation_commas_and_alignment() {
        assert_eq!(
            fixed("target \"t\" {\n\targs = {\n\t\tA = \"1\"\n\t}\n}\n").as_deref(),
            Some(
                "target \"t\" {\n\targs = {\n\t\tA = \"1\"\n\t\tSKIP_CHROMIUM = \"true\"\n\t}\n}\n"
            )
        );
        assert_eq!(
            fixed("target \"t\" {\n  args = {\n    A                  = \"1\",\n  }\n}\n").as_deref(),
            Some("target \"t\" {\n  args = {\n    A                  = \"1\",\n    SKIP_CHROMIUM      = \"true\",\n  }\n}\n")
        );
        // Closing brace after the last entry: one-line style addition.
        assert_eq!(
            fixed("target \"t\" {\n  args = {\n    A = \"1\" }\n}\n").as_deref(),
            Some("target \"t\" {\n  args = {\n    A = \"1\", SKIP_CHROMIUM = \"true\" }\n}\n")
        );
    }

    #[test]
    fn new_attribute_in_the_block() {
        assert_eq!(
            fixed("target \"t\" {\n    target = \"test\"\n}\n").as_deref(),
            Some("target \"t\" {\n    target = \"test\"\n    args   = { SKIP_CHROMIUM = \"true\" }\n}\n")
        );
        assert_eq!(
            fixed("target \"t\" {}\n").as_deref(),
            Some("target \"t\" {\n  args = { SKIP_CHROMIUM = \"true\" }\n}\n")
        );
        assert_eq!(
            fixed("target \"t\" {\r\n  target = \"test\"\r\n}\r\n").as_deref(),
            Some("target \"t\" {\r\n  target = \"test\"\r\n  args   = { SKIP_CHROMIUM = \"true\" }\r\n}\r\n")
        );
        // A one-line block with content has no safe place for a second attribute.
        assert_eq!(fixed("target \"t\" { target = \"test\" }\n"), None);
    }

    #[test]
    fn aligned_attributes_stay_aligned() {
        assert_eq!(
            fixed("target \"t\" {\n  inherits   = [\"_common\"]\n  dockerfile = \"test.Dockerfile\"\n}\n").as_deref(),
            Some("target \"t\" {\n  inherits   = [\"_common\"]\n  dockerfile = \"test.Dockerfile\"\n  args       = { SKIP_CHROMIUM = \"true\" }\n}\n")
        );
        assert_eq!(equals_padding("  a = 1", "args"), 1);
        assert_eq!(equals_padding("  tags       = []", "args"), 7);
        assert_eq!(equals_padding("  target = \"x\"", "args"), 3);
        assert_eq!(equals_padding("  x    = 1", "dockerfile"), 1);
        assert_eq!(equals_padding("  labels = {", "args"), 1);
        assert_eq!(equals_padding("  }", "args"), 1);
    }

    #[test]
    fn test_target_globs_and_groups() {
        let patterns: Vec<String> = DEFAULT_TEST_TARGETS.iter().map(|p| p.to_string()).collect();
        let groups = BTreeMap::from([("pr-ci".to_string(), BTreeSet::from(["web".to_string()]))]);
        assert!(test_match("unit-test", &patterns, &groups).is_some());
        assert!(test_match("ci", &patterns, &groups).is_some());
        assert!(test_match("checks", &patterns, &groups).is_some());
        assert_eq!(
            test_match("web", &patterns, &groups).as_deref(),
            Some("target `web` (in test group `pr-ci`)")
        );
        assert!(test_match("app", &patterns, &groups).is_none());
        assert!(test_match("cinema", &patterns, &groups).is_none());
    }
}
