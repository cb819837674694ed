//! DF010 `workdir-relative-path` (BuildKit: `WorkdirRelativePath`).
//!
//! BuildKit checks only the first WORKDIR of a stage's lineage (a stage
//! built FROM another stage inherits "a workdir was set"), after variable
//! expansion. Variables that the Dockerfile does not define may come from the
//! base image's environment, so a path using one is not judged.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::go_quote;
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind};
use crate::rules::stages::{parent_stage, stage_chain, stage_instructions};
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};

pub static RULE: RuleDef = RuleDef {
    code: "DF010",
    name: "workdir-relative-path",
    aliases: &["WorkdirRelativePath", "DL3000"],
    severity: Severity::Warning,
    summary: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    doc: include_str!("../../rules/DF010.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// The variables the Dockerfile itself gives a stage, as far as they can be
/// known statically: global ARG defaults, build args, and the ARG/ENV
/// instructions of the stage's lineage.
struct StageEnv<'a> {
    lexer: ShellLex,
    globals: BTreeMap<String, String>,
    build_args: &'a BTreeMap<String, String>,
    vars: BTreeMap<String, String>,
}

impl<'a> StageEnv<'a> {
    fn new(df: &Dockerfile, build_args: &'a BTreeMap<String, String>) -> Self {
        let lexer = ShellLex::new(df.escape);
        let mut globals = BTreeMap::new();
        for node in df.global_instructions() {
            let Some(InstructionKind::Arg(decls)) = df.instruction(node).map(|i| &i.kind) else {
                continue;
            };
            for decl in decls {
                let value = match (build_args.get(&decl.name.value), &decl.default) {
                    (Some(v), _) => Some(v.clone()),
                    (None, Some(d)) => lexer.process_word(&d.value, &globals).ok(),
                    (None, None) => None,
                };
                if let Some(value) = value {
                    globals.insert(decl.name.value.clone(), value);
                }
            }
        }
        StageEnv {
            lexer,
            globals,
            build_args,
            vars: BTreeMap::new(),
        }
    }

    /// Records what an ARG or ENV instruction sets.
    fn apply(&mut self, ins: &Instruction) {
        match &ins.kind {
            InstructionKind::Env(pairs) => {
                for pair in pairs {
                    let value = self
                        .lexer
                        .process_word(&pair.value.value, &self.vars)
                        .unwrap_or_else(|_| pair.value.value.clone());
                    self.vars.insert(pair.key.value.clone(), value);
                }
            }
            InstructionKind::Arg(decls) => {
                for decl in decls {
                    let name = &decl.name.value;
                    let value = match (self.build_args.get(name), &decl.default) {
                        (Some(v), _) => Some(v.clone()),
                        (None, Some(d)) => self.lexer.process_word(&d.value, &self.vars).ok(),
                        (None, None) => self.globals.get(name).cloned(),
                    };
                    if let Some(value) = value {
                        self.vars.insert(name.clone(), value);
                    }
                }
            }
            _ => {}
        }
    }

    /// The expanded path, or `None` when it depends on unknown variables.
    fn expand(&self, path: &str) -> Option<String> {
        let expansion = self
            .lexer
            .process_word_with_matches(path, &self.vars)
            .ok()?;
        expansion.unmatched.is_empty().then_some(expansion.value)
    }
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let stages = df.stages();
    // Whether a WORKDIR has run by the end of each stage.
    let mut workdir_set_at_end = vec![false; stages.len()];
    for (index, stage) in stages.iter().enumerate() {
        let mut workdir_set = parent_stage(df, &stages, index)
            .and_then(|p| workdir_set_at_end.get(p).copied())
            .unwrap_or(false);
        let mut env = StageEnv::new(df, &ctx.build.args);
        // Ancestors' ARG/ENV first, oldest first.
        for &ancestor in stage_chain(df, &stages, index).iter().skip(1).rev() {
            if let Some(ancestor) = stages.get(ancestor) {
                stage_instructions(df, ancestor).for_each(|ins| env.apply(ins));
            }
        }
        for ins in stage_instructions(df, stage) {
            env.apply(ins);
            let InstructionKind::Workdir(path) = &ins.kind else {
                continue;
            };
            if !workdir_set {
                if let Some(expanded) = env.expand(&path.value) {
                    if !expanded.starts_with('/') {
                        let message = format!(
                            "Relative workdir {} can have unexpected results if the base image changes",
                            go_quote(&expanded)
                        );
                        out.push(ctx.diagnostic(path.span, message).with_help(
                            "use an absolute path, e.g. `WORKDIR /app`, or set an absolute WORKDIR first",
                        ));
                    }
                }
            }
            workdir_set = true;
        }
        if let Some(slot) = workdir_set_at_end.get_mut(index) {
            *slot = workdir_set;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, lint_with, slices};
    use crate::rules::BuildInfo;

    #[test]
    fn relative_first_workdir() {
        let src = "FROM scratch\nWORKDIR app/\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["app/"]);
        assert_eq!(
            diags[0].message,
            "Relative workdir \"app/\" can have unexpected results if the base image changes"
        );
    }

    #[test]
    fn only_the_first_workdir_of_a_lineage_counts() {
        assert!(lint(&RULE, "FROM scratch\nWORKDIR /app\nWORKDIR sub\n").is_empty());
        let src = "FROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR subdir/\n";
        assert!(lint(&RULE, src).is_empty());
        // An unrelated stage does not inherit.
        let src = "FROM scratch AS a\nWORKDIR /app\nFROM alpine\nWORKDIR subdir\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["subdir"]);
        // A relative first WORKDIR is reported once, later ones not.
        let src = "FROM alpine\nWORKDIR a\nWORKDIR b\n";
        assert_eq!(lint(&RULE, src).len(), 1);
    }

    #[test]
    fn expansion_with_known_variables() {
        let src = "FROM alpine\nENV APP=srv\nWORKDIR $APP/web\n";
        let diags = lint(&RULE, src);
        assert_eq!(slices(src, &diags), vec!["$APP/web"]);
        assert!(diags[0].message.starts_with("Relative workdir \"srv/web\""));
        assert!(lint(
            &RULE,
            "ARG ROOT=/opt\nFROM alpine\nARG ROOT\nWORKDIR ${ROOT}/app\n"
        )
        .is_empty());
        let mut build = BuildInfo::default();
        build.args.insert("DIR".into(), "/build".into());
        assert!(lint_with(&RULE, "FROM alpine\nARG DIR=rel\nWORKDIR $DIR\n", &build).is_empty());
    }

    #[test]
    fn unknown_variables_are_not_judged() {
        assert!(lint(&RULE, "FROM alpine\nWORKDIR $HOME/app\n").is_empty());
        assert!(lint(&RULE, "FROM alpine\nWORKDIR ${BASE:-app}\n").is_empty());
    }

    #[test]
    fn quotes_lowercase_onbuild_crlf() {
        let src = "from alpine\r\nworkdir \"my app\"\r\n";
        let diags = lint(&RULE, src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("Relative workdir \"my app\""));
        assert!(lint(&RULE, "FROM alpine\nONBUILD WORKDIR rel\n").is_empty());
        assert!(lint(&RULE, "FROM alpine\nWORKDIR /\n").is_empty());
    }
}
