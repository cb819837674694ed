//! Which `--flags` each instruction accepts, and BuildKit's checks of them
//! (`instructions/parse.go` declares the flags, `bflag.go` parses them).
//!
//! BuildKit stops at the first bad flag of an instruction; so does
//! [`check`]. Flags BuildKit only knows in its `labs` channel (`COPY
//! --parents`, `--exclude`, `RUN --device`, `--security`) are accepted: a
//! linter must not call a working Dockerfile broken.

use crate::dockerfile::ast::{
    Flag, Healthcheck, Instruction, InstructionKind, Keyword, ParseError,
};
use crate::dockerfile::line_parsers::process_flag_word;

/// How BuildKit reads a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlagType {
    /// `--link` or `--link=true|false`.
    Bool,
    /// `--from=x`, once.
    String,
    /// `--mount=x`, any number of times.
    Strings,
}

use FlagType::{Bool, String as Str, Strings};

const FROM: &[(&str, FlagType)] = &[("platform", Str)];
const COPY: &[(&str, FlagType)] = &[
    ("exclude", Strings),
    ("parents", Bool),
    ("chown", Str),
    ("from", Str),
    ("chmod", Str),
    ("link", Bool),
];
const ADD: &[(&str, FlagType)] = &[
    ("exclude", Strings),
    ("chown", Str),
    ("chmod", Str),
    ("link", Bool),
    ("keep-git-dir", Bool),
    ("checksum", Str),
    ("unpack", Bool),
];
const RUN: &[(&str, FlagType)] = &[
    ("mount", Strings),
    ("network", Str),
    ("security", Str),
    ("device", Strings),
];
const HEALTHCHECK: &[(&str, FlagType)] = &[
    ("interval", Str),
    ("timeout", Str),
    ("start-period", Str),
    ("start-interval", Str),
    ("retries", Str),
];

/// The flags `ins` accepts; `None` when BuildKit never looks at its flags
/// (`ARG`, `STOPSIGNAL`, `HEALTHCHECK NONE`, unknown instructions).
fn accepted(ins: &Instruction) -> Option<&'static [(&'static str, FlagType)]> {
    Some(match ins.keyword {
        Keyword::From => FROM,
        Keyword::Copy => COPY,
        Keyword::Add => ADD,
        Keyword::Run => RUN,
        Keyword::Healthcheck => match ins.kind {
            InstructionKind::Healthcheck(Healthcheck::None) => return None,
            _ => HEALTHCHECK,
        },
        Keyword::Arg | Keyword::StopSignal | Keyword::Unknown => return None,
        Keyword::Cmd
        | Keyword::Entrypoint
        | Keyword::Env
        | Keyword::Expose
        | Keyword::Label
        | Keyword::Maintainer
        | Keyword::Onbuild
        | Keyword::Shell
        | Keyword::User
        | Keyword::Volume
        | Keyword::Workdir => &[],
    })
}

/// The first flag of `ins` BuildKit refuses, with its reason.
pub(super) fn check(ins: &Instruction) -> Option<ParseError> {
    let specs = accepted(ins)?;
    let mut used: Vec<&str> = Vec::new();
    for flag in &ins.flags {
        let message = |m: std::string::String| {
            Some(ParseError {
                span: flag.span,
                message: m,
            })
        };
        let word = process_flag_word(&raw(flag));
        let (flag_name, value) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (word.as_str(), None),
        };
        let name = flag_name.get(2..).unwrap_or("");
        let Some(&(known, ty)) = specs.iter().find(|(n, _)| *n == name) else {
            let names = specs.iter().map(|(n, _)| *n);
            let hint = crate::rules::suggest::suggest(name, names)
                .map(|m| format!(" (did you mean {m}?)"))
                .unwrap_or_default();
            return message(format!("unknown flag: {flag_name}{hint}"));
        };
        if used.contains(&known) && ty != Strings {
            return message(format!("duplicate flag specified: {flag_name}"));
        }
        used.push(known);
        match (ty, value) {
            (Bool, Some("")) | (Str | Strings, None) => {
                return message(format!("missing a value on flag: {flag_name}"));
            }
            (Bool, Some(v))
                if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
            {
                return message(format!(
                    "expecting boolean value for flag {flag_name}, not: {v}"
                ));
            }
            _ => {}
        }
    }
    None
}

/// The flag as written on the logical line (continuations joined).
fn raw(flag: &Flag) -> std::string::String {
    match &flag.value {
        Some(v) => format!("--{}={}", flag.name.value, v.value),
        None => format!("--{}", flag.name.value),
    }
}
