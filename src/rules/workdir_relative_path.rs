//! DF010 `workdir-relative-path` (BuildKit: `WorkdirRelativePath`).
//!
//! BuildKit checks only the first WORKDIR of a stage's lineage (a stage
//! built FROM another stage inherits "a workdir was set"), after variable
//! expansion. Variables that the Dockerfile does not define may come from the
//! base image's environment, so a path using one is not judged. A drive path
//! (`C:\app`, `C:/app`) is absolute: it only occurs in Windows images.
//!
//! Linear in the file: the stages are walked as the tree of `FROM <stage>`
//! links, depth first, with one variable map that each stage extends on the
//! way down and restores on the way up; a lineage stops being walked at its
//! first WORKDIR, after which nothing below it can be reported.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::go_quote;
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Stage};
use crate::rules::stage_walk::{stage_parents, walk_stages, work, CarriedState};
use crate::rules::stages::stage_instructions;
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
/// instructions of the stage's lineage. Changes are logged so a stage's
/// additions can be undone when the walk leaves it.
struct StageEnv<'a> {
    lexer: ShellLex,
    globals: BTreeMap<String, String>,
    build_args: &'a BTreeMap<String, String>,
    vars: BTreeMap<String, String>,
    /// (name, value before the change), oldest first.
    undo: Vec<(String, Option<String>)>,
}

impl CarriedState for StageEnv<'_> {
    type Mark = usize;

    fn mark(&self) -> usize {
        self.undo.len()
    }

    fn undo(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((name, old)) = self.undo.pop() else {
                break;
            };
            match old {
                Some(value) => self.vars.insert(name, value),
                None => self.vars.remove(&name),
            };
        }
    }
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
            undo: Vec::new(),
        }
    }

    fn set(&mut self, name: &str, value: String) {
        let old = self.vars.insert(name.to_string(), value);
        self.undo.push((name.to_string(), old));
    }

    /// Records what an ARG or ENV instruction sets.
    fn apply(&mut self, ins: &Instruction) {
        work::add(1);
        match &ins.kind {
            InstructionKind::Env(pairs) => {
                for pair in pairs {
                    let value = self
                        .lexer
                        .process_word(&pair.value.value, &self.vars)
                        .unwrap_or_else(|_| pair.value.value.clone());
                    self.set(&pair.key.value, value);
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
                        self.set(name, value);
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

/// Absolute on Linux (`/app`) or a Windows drive path (`C:\app`, `C:/app`),
/// as hadolint's DL3000 and BuildKit on a Windows platform read them.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let stages = df.stages();
    let mut found = Vec::new();
    let parents = stage_parents(df, &ctx.build.args);
    walk_stages(
        &parents,
        &mut StageEnv::new(df, &ctx.build.args),
        |env, index| {
            // Below a stage that set a WORKDIR nothing is reported.
            stages
                .get(index)
                .is_some_and(|stage| !first_workdir(ctx, env, stage, &mut found))
        },
    );
    // Instructions before the first FROM are no stage (BuildKit rejects
    // them, DL3061); hadolint's DL3000 judges a WORKDIR there all the same.
    let before_from = Stage {
        index: stages.len(),
        from_node: 0,
        instruction_nodes: df.global_instructions(),
    };
    first_workdir(
        ctx,
        &mut StageEnv::new(df, &ctx.build.args),
        &before_from,
        &mut found,
    );
    found.sort_by_key(|d: &Diagnostic| d.span.start);
    out.extend(found);
}

/// Applies the stage's ARG/ENV up to its first WORKDIR and judges that one;
/// returns whether the stage sets a WORKDIR.
fn first_workdir(
    ctx: &DockerfileContext<'_>,
    env: &mut StageEnv<'_>,
    stage: &Stage,
    out: &mut Vec<Diagnostic>,
) -> bool {
    for ins in stage_instructions(ctx.dockerfile, stage) {
        env.apply(ins);
        let InstructionKind::Workdir(path) = &ins.kind else {
            continue;
        };
        if let Some(expanded) = env.expand(&path.value) {
            if !is_absolute(&expanded) {
                let message = format!(
                    "Relative workdir {} can have unexpected results if the base image changes",
                    go_quote(&expanded)
                );
                out.push(ctx.diagnostic(path.span, message).with_help(
                    "use an absolute path, e.g. `WORKDIR /app`, or set an absolute WORKDIR first",
                ));
            }
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lint, lint_with, slices};
    use crate::rules::BuildInfo;

    /// Lints `src` and returns the findings and the instructions applied.
    fn counted(src: &str) -> (Vec<Diagnostic>, usize) {
        work::take();
        let diags = lint(&RULE, src);
        (diags, work::take() as usize)
    }

    #[test]
    fn a_long_chain_of_stages_is_walked_once() {
        // Each stage is built FROM the previous one; the relative WORKDIR at
        // the end needs the variable the first stage set. Replaying every
        // ancestor for every stage took n²/2 steps (1.25 million here).
        let n = 1_500;
        let mut src = String::from("FROM alpine AS s0\nENV DIR=rel\n");
        for i in 1..n {
            src += &format!("FROM s{} AS s{i}\nENV V{i}=x\n", i - 1);
        }
        src += "WORKDIR $DIR/app\n";
        let (diags, applied) = counted(&src);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("Relative workdir \"rel/app\""));
        assert!(
            applied <= n + 1,
            "{applied} instructions applied for {n} stages"
        );
    }

    #[test]
    fn many_children_of_one_stage_share_its_variables() {
        // A base stage with many variables and many stages built FROM it:
        // the base is applied once, not once per child.
        let mut src = String::from("FROM alpine AS base\n");
        for i in 0..500 {
            src += &format!("ENV V{i}=x\n");
        }
        for i in 0..500 {
            src += &format!("FROM base AS c{i}\nWORKDIR $V{i}\n");
        }
        let (diags, applied) = counted(&src);
        assert_eq!(diags.len(), 500);
        assert!(applied <= 1_000 + 1, "{applied} instructions applied");
    }

    #[test]
    fn windows_drive_paths_are_absolute() {
        for path in [
            "C:\\\\app",
            "C:/app",
            "c:/",
            "\"C:/Users/jenkins\"",
            "D:\\\\data",
        ] {
            let src =
                format!("FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nWORKDIR {path}\n");
            assert!(lint(&RULE, &src).is_empty(), "{path}");
        }
        // Backtick escape (Windows Dockerfiles) and a path from ENV.
        let src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV GOPATH=C:\\go\nWORKDIR $GOPATH\n";
        assert!(lint(&RULE, src).is_empty());
        // A drive letter alone names the drive's current directory: relative.
        for path in ["C:", "C:app", "1:/x"] {
            let src = format!("FROM alpine\nWORKDIR {path}\n");
            assert_eq!(lint(&RULE, &src).len(), 1, "{path}");
        }
    }

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

#[cfg(test)]
mod before_from_tests {
    use super::*;
    use crate::rules::testing::{lint, slices};

    #[test]
    fn workdir_before_any_from_is_judged_like_dl3000() {
        let src = "WORKDIR relative/dir\n";
        assert_eq!(slices(src, &lint(&RULE, src)), vec!["relative/dir"]);
        let src = "WORKDIR 'relative/dir'\n";
        assert_eq!(lint(&RULE, src).len(), 1);
        for ok in [
            "WORKDIR /usr/local\n",
            "WORKDIR ${work}\n",
            "WORKDIR \"${dir}\"\n",
            "WORKDIR 'C:\\'\n",
            "WORKDIR \"C:\\\"\n",
            "WORKDIR C:/\n",
            "WORKDIR \"C:/\"\n",
        ] {
            assert!(lint(&RULE, ok).is_empty(), "{ok}");
        }
    }
}
