//! Build arguments as BuildKit knows them: the ones it predefines (platform
//! and proxy args), the global environment `FROM` lines are expanded with,
//! and the `ARG` (and `ENV`) names a Dockerfile declares.

use std::collections::{BTreeMap, BTreeSet};

use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{ArgDecl, Dockerfile, Instruction, InstructionKind};

/// Build arguments BuildKit defines for every build (platform args and the
/// target stage), with the values of a `linux/amd64` build.
pub const PLATFORM_ARG_DEFAULTS: &[(&str, &str)] = &[
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDOSVERSION", ""),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETOSVERSION", ""),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
    ("TARGETSTAGE", ""),
];

/// Proxy build arguments Docker accepts without an `ARG` declaration.
pub const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Whether `name` is a build argument Docker or BuildKit predefines
/// (platform args, proxy args, `BUILDKIT_*` settings, `SOURCE_DATE_EPOCH`).
pub fn is_predefined_arg(name: &str) -> bool {
    PLATFORM_ARG_DEFAULTS.iter().any(|(k, _)| *k == name)
        || PROXY_ARGS.contains(&name)
        || name.starts_with("BUILDKIT_")
        || name == "SOURCE_DATE_EPOCH"
}

/// The global build-argument environment `FROM` lines are expanded with:
/// BuildKit's predefined platform args, then the global `ARG`s in order
/// (defaults expanded with what precedes them). With `build_args`, values
/// passed by the build definition replace defaults, as BuildKit does for
/// the build proper; without, only defaults count (what BuildKit validates
/// base images with).
pub fn global_arg_env(
    df: &Dockerfile,
    build_args: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let lex = ShellLex::new(df.escape);
    let mut env: BTreeMap<String, String> = PLATFORM_ARG_DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Some(args) = build_args {
        for (k, _) in PLATFORM_ARG_DEFAULTS {
            if let Some(v) = args.get(*k) {
                env.insert(k.to_string(), v.clone());
            }
        }
    }
    for i in df.global_instructions() {
        let Some(ins) = df.instruction(i) else {
            continue;
        };
        let InstructionKind::Arg(decls) = &ins.kind else {
            continue;
        };
        for ArgDecl { name, default, .. } in decls {
            if let Some(v) = build_args.and_then(|a| a.get(&name.value)) {
                env.insert(name.value.clone(), v.clone());
            } else if let Some(default) = default {
                let value = lex
                    .process_word(&default.value, &env)
                    .unwrap_or_else(|_| default.value.clone());
                env.insert(name.value.clone(), value);
            }
        }
    }
    env
}

/// Text with the variable references processed away, when the word has no
/// references: quotes removed and escapes applied as BuildKit does.
pub fn constant_word(lex: &ShellLex, word: &str) -> Option<String> {
    if !lex.variable_refs(word).is_empty() {
        return None;
    }
    let empty: BTreeMap<String, String> = BTreeMap::new();
    lex.process_word(word, &empty).ok()
}

/// The ARG names declared before the first FROM and in the given stages.
pub fn declared_args(df: &Dockerfile, stages: &BTreeSet<usize>) -> BTreeSet<String> {
    let mut nodes: Vec<usize> = df.global_instructions();
    for (i, stage) in df.stages().iter().enumerate() {
        if stages.contains(&i) {
            nodes.extend(stage.instruction_nodes.iter().copied());
        }
    }
    nodes
        .iter()
        .filter_map(|&n| df.instruction(n))
        .filter_map(|ins| match &ins.kind {
            InstructionKind::Arg(decls) => Some(decls),
            _ => None,
        })
        .flatten()
        .map(|d| d.name.value.clone())
        .collect()
}

/// The ARG names an instruction declares (`ARG A B=1`).
pub fn arg_names(ins: &Instruction) -> Vec<&str> {
    match &ins.kind {
        InstructionKind::Arg(decls) => decls.iter().map(|d| d.name.value.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// The ENV names an instruction sets.
pub fn env_names(ins: &Instruction) -> Vec<&str> {
    match &ins.kind {
        InstructionKind::Env(kvs) => kvs.iter().map(|kv| kv.key.value.as_str()).collect(),
        _ => Vec::new(),
    }
}
