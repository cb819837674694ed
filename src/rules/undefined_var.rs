//! DF011 `undefined-var` (BuildKit: `UndefinedVar`).
//!
//! BuildKit expands the words of ENV, LABEL, COPY, ADD, WORKDIR, USER,
//! VOLUME and STOPSIGNAL (and ARG defaults, RUN `--mount` option values,
//! and unquoted COPY/ADD heredocs)
//! with the stage's environment while dispatching, and reports every
//! variable it did not find, unless an ARG of that name was declared in the
//! stage. The environment is the base image's `ENV` (plus a default `PATH`),
//! then the stage's `ENV`s and the `ARG`s that have a value. A stage built
//! FROM another stage of the file starts from that stage's environment and
//! ARGs. Shell-form RUN/CMD/ENTRYPOINT are left to the shell.
//!
//! BuildKit reads the base image's environment from the registry; bakelint
//! does not. To never flag a name the base image may define, a stage is only
//! checked when its base environment is known: `scratch`, a few images whose
//! only variable is `PATH`, or another stage of this file rooted in one of
//! those. Predefined build arguments and arguments passed by the build
//! definition are never reported.

mod scope;

use std::collections::{BTreeMap, HashSet};

use scope::Scope;

use crate::diagnostic::{Diagnostic, Severity};
use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Instruction, InstructionKind, Spanned};
use crate::rules::build_args::{global_arg_env, is_predefined_arg};
use crate::rules::stage_walk::{stage_parents, walk_stages};
use crate::rules::stages::dispatched_stages;
use crate::rules::suggest::suggest;
use crate::rules::word_spans::word_map;
use crate::rules::{CheckFn, DockerfileContext, RuleDef, RuleScope};
use crate::span::Span;

pub static RULE: RuleDef = RuleDef {
    code: "DF011",
    name: "undefined-var",
    aliases: &["UndefinedVar"],
    severity: Severity::Warning,
    summary: "Variables should be defined before their use",
    doc: include_str!("../../rules/DF011.md"),
    fix: None,
    scope: RuleScope::Dockerfile,
    options: &[],
    check: CheckFn::Dockerfile(check),
};

/// Official images whose configuration defines no variable but `PATH`, in
/// every tag: their environment is known without asking a registry.
const PATH_ONLY_IMAGES: &[&str] = &["alpine", "busybox", "debian", "ubuntu"];

fn check(ctx: &DockerfileContext<'_>, out: &mut Vec<Diagnostic>) {
    let df = ctx.dockerfile;
    let lex = ShellLex::new(df.escape);
    let globals = global_arg_env(df, Some(&ctx.build.args));
    let global_names = global_arg_names(ctx);
    let checker = Checker {
        ctx,
        lex,
        global_names,
    };
    // Only the stages the build runs; the stages they are built on run too.
    let dispatched: HashSet<usize> = dispatched_stages(df, ctx.build.target.as_deref())
        .iter()
        .map(|s| s.index)
        .collect();
    let stages = df.stages();
    let parents = stage_parents(df, &ctx.build.args);
    // Stages the build does not run still pass their variables on (the
    // stage a build arg names may be built on one); only their findings go.
    let mut not_run: Vec<Diagnostic> = Vec::new();
    walk_stages(&parents, &mut Scope::default(), |scope, index| {
        let Some(stage) = stages.get(index) else {
            return false;
        };
        let out = if dispatched.contains(&index) {
            &mut *out
        } else {
            &mut not_run
        };
        if parents[index].is_none() {
            let base = df.stage_from(stage).map_or_else(String::new, |f| {
                lex.process_word(&f.image.value, &globals)
                    .unwrap_or_else(|_| f.image.value.clone())
            });
            scope.start_root(image_env_is_known(&base));
        }
        for &node in &stage.instruction_nodes {
            if let Some(ins) = df.instruction(node) {
                checker.dispatch(ins, scope, &globals, out);
            }
        }
        true
    });
}

/// Whether a root stage's base image environment is known: `scratch`, or
/// an image whose only variable is `PATH`.
fn image_env_is_known(base: &str) -> bool {
    base == "scratch" || PATH_ONLY_IMAGES.contains(&repository(base))
}

/// The Docker Hub official-image name of `image`, or "" for any other image.
fn repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or("");
    let image = [
        "docker.io/library/",
        "index.docker.io/library/",
        "library/",
        "docker.io/",
    ]
    .iter()
    .find_map(|p| image.strip_prefix(p))
    .unwrap_or(image);
    if image.contains('/') {
        return "";
    }
    image.split(':').next().unwrap_or("")
}

/// Names of the ARGs declared before the first FROM.
fn global_arg_names(ctx: &DockerfileContext<'_>) -> HashSet<String> {
    let df = ctx.dockerfile;
    df.global_instructions()
        .into_iter()
        .filter_map(|i| df.instruction(i))
        .filter_map(|ins| match &ins.kind {
            InstructionKind::Arg(decls) => Some(decls.iter().map(|d| d.name.value.clone())),
            _ => None,
        })
        .flatten()
        .collect()
}

struct Checker<'a, 'c> {
    ctx: &'a DockerfileContext<'c>,
    lex: ShellLex,
    global_names: HashSet<String>,
}

/// A word to expand, and how to find its bytes in the source.
struct Word<'w> {
    text: &'w str,
    /// Source span of the whole word (the fallback location).
    span: Span,
    /// Source offset of the first byte when the text is verbatim in the source.
    direct: Option<usize>,
    spanned: Option<&'w Spanned<String>>,
}

impl<'w> Word<'w> {
    fn from_spanned(w: &'w Spanned<String>) -> Self {
        Word {
            text: &w.value,
            span: w.span,
            direct: None,
            spanned: Some(w),
        }
    }
}

impl Checker<'_, '_> {
    /// Checks one instruction against `scope`, then applies its effect on it.
    fn dispatch(
        &self,
        ins: &Instruction,
        scope: &mut Scope,
        globals: &BTreeMap<String, String>,
        out: &mut Vec<Diagnostic>,
    ) {
        let src = self.ctx.source();
        match &ins.kind {
            InstructionKind::Env(pairs) => {
                for kv in pairs {
                    self.check_word(ins, &Word::from_spanned(&kv.key), scope, out);
                    self.check_word(ins, &Word::from_spanned(&kv.value), scope, out);
                }
                for kv in pairs {
                    let key = self
                        .lex
                        .process_word(&kv.key.value, &BTreeMap::<String, String>::new())
                        .unwrap_or_else(|_| kv.key.value.clone());
                    scope.set_env(&key);
                }
            }
            InstructionKind::Label(pairs) => {
                for kv in pairs {
                    self.check_word(ins, &Word::from_spanned(&kv.key), scope, out);
                    self.check_word(ins, &Word::from_spanned(&kv.value), scope, out);
                }
            }
            InstructionKind::Copy(c) | InstructionKind::Add(c) => {
                for flag in ["chown", "chmod"] {
                    if let Some(value) = ins.flag(flag).and_then(|f| f.value.as_ref()) {
                        self.check_word(ins, &Word::from_spanned(value), scope, out);
                    }
                }
                for word in c.sources.iter().chain(c.destination.iter()) {
                    if word.value.starts_with("<<") && !c.exec_form {
                        continue; // a heredoc marker, its body is checked below
                    }
                    self.check_word(ins, &Word::from_spanned(word), scope, out);
                }
                for heredoc in ins.heredocs.iter().filter(|h| !h.quoted) {
                    let body = heredoc.body_span.slice(src);
                    let word = Word {
                        text: &heredoc.content,
                        span: heredoc.body_span,
                        direct: (body == heredoc.content).then_some(heredoc.body_span.start),
                        spanned: None,
                    };
                    self.check_word(ins, &word, scope, out);
                }
            }
            InstructionKind::Run(_) => {
                // `--mount` option values are expanded by BuildKit (not the command).
                for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                    let Some(value) = &flag.value else { continue };
                    // Quoted CSV fields are split differently; leave them alone.
                    if value.value.contains('"') || value.span.slice(src) != value.value {
                        continue;
                    }
                    for option in flag.options() {
                        if let Some(v) = &option.value {
                            self.check_word(ins, &Word::from_spanned(v), scope, out);
                        }
                    }
                }
            }
            InstructionKind::Workdir(w)
            | InstructionKind::User(w)
            | InstructionKind::StopSignal(w) => {
                self.check_word(ins, &Word::from_spanned(w), scope, out);
            }
            InstructionKind::Volume(words) => {
                for w in words {
                    self.check_word(ins, &Word::from_spanned(w), scope, out);
                }
            }
            InstructionKind::Arg(decls) => {
                for decl in decls {
                    let name = &decl.name.value;
                    let passed = self.ctx.build.args.contains_key(name);
                    if !passed {
                        if let Some(default) = &decl.default {
                            self.check_word(ins, &Word::from_spanned(default), scope, out);
                        }
                    }
                    // The ARG gets a value from the build, its default, or the global ARG.
                    let has_value = passed || decl.default.is_some() || globals.contains_key(name);
                    if has_value && !name.starts_with("BUILDKIT_SBOM_SCAN_") {
                        scope.set_env(name);
                    }
                    scope.declare_arg(name);
                }
            }
            _ => {}
        }
    }

    /// Reports the variables of `word` that are not defined in `scope`, once
    /// per name and word, as BuildKit does.
    fn check_word(
        &self,
        ins: &Instruction,
        word: &Word<'_>,
        scope: &Scope,
        out: &mut Vec<Diagnostic>,
    ) {
        if !scope.known || !word.text.contains('$') {
            return;
        }
        let src = self.ctx.source();
        let map = word
            .spanned
            .and_then(|w| word_map(src, &ins.args, w))
            .or_else(|| word.direct.map(crate::rules::word_spans::WordMap::Direct));
        let mut seen: HashSet<&str> = HashSet::new();
        let refs = self.lex.variable_refs(word.text);
        for r in &refs {
            let name = r.name.as_str();
            if !is_identifier(name)
                || scope.defines(name)
                || is_predefined_arg(name)
                || self.ctx.build.args.contains_key(name)
                || !seen.insert(name)
            {
                continue;
            }
            let span = map.map_or(word.span, |m| m.map(r.span));
            out.push(self.diagnostic(span, name, scope, r.has_default_or_alternative()));
        }
    }

    fn diagnostic(&self, span: Span, name: &str, scope: &Scope, has_default: bool) -> Diagnostic {
        let suggestion = suggest(name, scope.env_names_near(name));
        let mut message = format!("Usage of undefined variable '${name}'");
        if let Some(s) = suggestion {
            message.push_str(&format!(" (did you mean ${s}?)"));
        }
        let help = if let Some(s) = suggestion {
            format!("Did you mean `${s}`? Otherwise declare `{name}` with `ARG {name}` or `ENV {name}=...` before this instruction")
        } else if self.global_names.contains(name) {
            format!(
                "`{name}` is a global ARG, which only FROM lines see: declare it again in this stage with `ARG {name}` to use its value"
            )
        } else if has_default {
            format!(
                "BuildKit reports unset variables even when the reference has a default; declare `ARG {name}` (without a value) before this instruction to keep the default and allow overriding it"
            )
        } else {
            format!("Declare `{name}` with `ARG {name}` or `ENV {name}=...` before this instruction; otherwise it expands to an empty string")
        };
        self.ctx.diagnostic(span, message).with_help(help)
    }
}

/// Names BuildKit can set: positional and special parameters (`$1`, `$@`)
/// never are, so they are left alone.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{run, run_with, slices};

    #[test]
    fn undefined_in_copy() {
        let src = "FROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$foo"]);
        assert_eq!(diags[0].message, "Usage of undefined variable '$foo'");
    }

    #[test]
    fn did_you_mean() {
        let src = "FROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\nARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n";
        let diags = run(&RULE, src);
        assert_eq!(
            diags[0].message,
            "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)"
        );
        let src = "FROM alpine\nENV PATH=$PAHT:/tmp/bin\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$PAHT"]);
        assert_eq!(
            diags[0].message,
            "Usage of undefined variable '$PAHT' (did you mean $PATH?)"
        );
    }

    #[test]
    fn a_stage_sees_its_bases_not_its_siblings() {
        let src = "FROM alpine AS a\nENV X=1\nFROM a AS b\nENV Y=1\nFROM a AS c\nWORKDIR /$X/$Y\nFROM c AS d\nENV Z=$X$Y\n";
        let found = run(&RULE, src);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Usage of undefined variable '$Y' (did you mean $X?)",
                "Usage of undefined variable '$Y' (did you mean $X?)"
            ],
            "{found:?}"
        );
        assert_eq!(found[0].span.slice(src), "$Y");
    }

    #[test]
    fn declared_and_inherited_names_are_fine() {
        for src in [
            "FROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n",
            "FROM alpine AS base\nARG foo=Dockerfile\n\nFROM base\nCOPY $foo .\n",
            "FROM alpine AS base\nENV DIR=/app\nFROM base AS next\nFROM next\nWORKDIR $DIR\n",
            "FROM alpine\nRUN echo $PATH $UNDEFINED\n",
            "FROM alpine\nENV PATH=$PATH:/x\n",
            "FROM alpine\nCOPY --chown=$TARGETARCH $HTTP_PROXY${BUILDKIT_X} /\n",
            "FROM alpine\nARG A=1 B=$A\n",
            "FROM alpine\nENV A=1\nENV B=$A\n",
            "FROM alpine\nLABEL x='$NOT_EXPANDED' y=\\$ALSO_NOT\n",
            "FROM alpine\nCOPY <<'EOF' /x\n$QUOTED\nEOF\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn unknown_base_images_are_not_checked() {
        for src in [
            "FROM python:3.12\nARG VERSION=$PYTHON_VERSION\n",
            "FROM node AS base\nFROM base\nCOPY $NODE_VERSION /\n",
            "ARG BASE=golang\nFROM $BASE\nENV X=$GOPATH\n",
            "FROM ghcr.io/library/alpine\nENV X=$Y\n",
        ] {
            assert!(run(&RULE, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn same_env_instruction_does_not_see_itself() {
        let src = "FROM alpine\nENV A=1 B=$A\n";
        assert_eq!(slices(src, &run(&RULE, src)), ["$A"]);
    }

    #[test]
    fn global_arg_needs_redeclaring() {
        let src = "ARG VERSION=1.0\nFROM alpine\nLABEL version=$VERSION\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$VERSION"]);
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("ARG VERSION"));
        let src = "ARG VERSION=1.0\nFROM alpine\nARG VERSION\nLABEL version=$VERSION\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn all_stages_or_those_of_the_target() {
        let src = "FROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n";
        assert_eq!(slices(src, &run(&RULE, src)), ["$foo", "$bar"]);
        let build = crate::rules::BuildInfo {
            target: Some("second".into()),
            ..Default::default()
        };
        let diags = run_with(&RULE, src, &build, std::path::Path::new("Dockerfile"));
        assert_eq!(slices(src, &diags), ["$bar"]);
    }

    #[test]
    fn a_target_built_on_a_stage_named_by_a_build_arg_is_checked() {
        // `--target c` with BASE=b: c is built on b, not on the default a.
        let src =
            "ARG BASE=a\nFROM alpine AS a\nFROM alpine AS b\nFROM ${BASE} AS c\nENV Y=$UNDEF_X\n";
        let mut build = crate::rules::BuildInfo {
            target: Some("c".into()),
            ..Default::default()
        };
        build.args.insert("BASE".into(), "b".into());
        let diags = run_with(&RULE, src, &build, std::path::Path::new("Dockerfile"));
        assert_eq!(slices(src, &diags), ["$UNDEF_X"]);
    }

    #[test]
    fn build_args_count_as_declared() {
        let src = "FROM alpine\nCOPY $SRC /\n";
        let mut build = crate::rules::BuildInfo::default();
        build.args.insert("SRC".into(), "x".into());
        assert!(run_with(&RULE, src, &build, std::path::Path::new("Dockerfile")).is_empty());
    }

    #[test]
    fn spans_in_braces_quotes_multiline_and_crlf() {
        let src = "FROM scratch\r\nENV A=\"${MISSING:-x}\" \\\r\n    B=$OTHER\r\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["${MISSING:-x}", "$OTHER"]);
    }

    #[test]
    fn default_values_still_report_as_buildkit_does() {
        let src = "FROM alpine\nWORKDIR /opt/${APP:-app}\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["${APP:-app}"]);
        assert!(diags[0].help.as_deref().unwrap_or("").contains("ARG APP"));
    }

    #[test]
    fn each_word_reports_a_name_once() {
        let src = "FROM alpine\nCOPY $X$X $X /\n";
        assert_eq!(slices(src, &run(&RULE, src)), ["$X", "$X"]);
    }

    #[test]
    fn lowercase_keywords_other_instructions_and_heredoc() {
        let src = "from alpine\nworkdir /$W\nuser $U\nvolume [\"/data/$V\"]\nstopsignal $S\ncopy <<EOF /x\nhello $H\nEOF\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$W", "$U", "$V", "$S", "$H"]);
    }

    #[test]
    fn run_mount_options_are_checked_not_the_command() {
        let src = "FROM alpine\nRUN --mount=type=cache,target=/root/$CACHE_DIR echo $NOT_CHECKED\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$CACHE_DIR"]);
    }

    #[test]
    fn onbuild_and_exec_form_commands_are_not_checked() {
        let src = "FROM alpine\nONBUILD COPY $X /\nCMD [\"echo\", \"$Y\"]\nEXPOSE $PORT\n";
        assert!(run(&RULE, src).is_empty());
    }

    #[test]
    fn escaped_references_with_backtick_escape() {
        let src = "# escape=`\nFROM alpine\nCOPY `$NOT $YES C:\\$ALSO /\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$YES", "$ALSO"]);
    }

    #[test]
    fn bom_and_stage_chain_through_scratch() {
        let src = "\u{feff}FROM scratch AS a\nENV A=1\nFROM a\nENV B=$A$C\n";
        let diags = run(&RULE, src);
        assert_eq!(slices(src, &diags), ["$C"]);
    }

    #[test]
    fn positional_parameters_are_ignored() {
        let src = "FROM alpine\nENV A=$1 B=$@\n";
        assert!(run(&RULE, src).is_empty());
    }
}
