//! The stage graph of a Dockerfile as BuildKit sees it: how stages are named
//! and referenced (`FROM`, `COPY --from`, `RUN --mount=from=`), which stage
//! a stage inherits from, and which stages a build of a target runs.

use std::collections::{BTreeMap, BTreeSet};

use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::{Dockerfile, Instruction, InstructionKind, Keyword, Stage};
use crate::rules::build_args::global_arg_env;

/// The index of the earlier stage a stage is built `FROM`, if any.
///
/// BuildKit looks the base name up in a map keyed by lowercased stage names,
/// without lowercasing the base name, so `FROM base` finds `AS Base` but
/// `FROM Base` does not.
pub fn parent_stage(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Option<usize> {
    // `stages` is always `dockerfile.stages()`; the file keeps the lookup.
    stages.get(index)?;
    dockerfile.stage_parent(index)
}

/// The chain of stages a stage inherits from, the stage itself first.
/// Never loops (each parent is strictly earlier).
pub fn stage_chain(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Vec<usize> {
    let mut chain = vec![index];
    let mut current = index;
    while let Some(parent) = parent_stage(dockerfile, stages, current) {
        chain.push(parent);
        current = parent;
    }
    chain
}

/// The instructions of a stage (not its FROM), in order.
pub fn stage_instructions<'a>(
    dockerfile: &'a Dockerfile,
    stage: &'a Stage,
) -> impl Iterator<Item = &'a Instruction> + 'a {
    stage
        .instruction_nodes
        .iter()
        .filter_map(move |&i| dockerfile.instruction(i))
}

/// The instruction an `ONBUILD` wraps, or the instruction itself.
pub fn effective(ins: &Instruction) -> &Instruction {
    match &ins.kind {
        InstructionKind::Onbuild(inner) => inner,
        _ => ins,
    }
}

/// Stage names of a Dockerfile as written, by stage index.
pub fn stage_names(df: &Dockerfile) -> Vec<Option<String>> {
    df.stages()
        .iter()
        .map(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .map(|n| n.value.clone())
        })
        .collect()
}

/// The index of the stage named `name` (case-insensitive, as BuildKit).
pub fn find_stage(df: &Dockerfile, name: &str) -> Option<usize> {
    stage_names(df)
        .iter()
        .rposition(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
}

/// The index of the stage a `FROM`/`COPY --from`/`--mount=from=` reference names, if a stage.
pub fn stage_by_ref(dockerfile: &Dockerfile, stages: &[Stage], reference: &str) -> Option<usize> {
    let reference = reference.trim_matches(|c| c == '"' || c == '\'');
    if let Ok(index) = reference.parse::<usize>() {
        return (index < stages.len()).then_some(index);
    }
    stages.iter().position(|s| {
        dockerfile
            .stage_from(s)
            .and_then(|f| f.stage_name.as_ref())
            .is_some_and(|n| n.value.eq_ignore_ascii_case(reference))
    })
}

/// The stage a build targets: the named one, else the last.
pub fn target_stage(
    dockerfile: &Dockerfile,
    stages: &[Stage],
    target: Option<&str>,
) -> Option<usize> {
    match target {
        Some(name) => stage_by_ref(dockerfile, stages, name),
        None => stages.len().checked_sub(1),
    }
}

/// The stages a build of stage `index` runs: the stage, the stages it is
/// built `FROM`, and the stages it copies or mounts from, transitively.
/// Sorted, each once.
pub fn stages_needed(dockerfile: &Dockerfile, stages: &[Stage], index: usize) -> Vec<usize> {
    let mut needed = vec![false; stages.len()];
    let mut todo = vec![index];
    while let Some(current) = todo.pop() {
        let Some(stage) = stages.get(current) else {
            continue;
        };
        if needed[current] {
            continue;
        }
        needed[current] = true;
        let mut references: Vec<String> = Vec::new();
        if let Some(from) = dockerfile.stage_from(stage) {
            references.push(from.image.value.clone());
        }
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&i| dockerfile.instruction(i))
        {
            if let Some(flag) = ins.flag("from") {
                if let Some(value) = &flag.value {
                    references.push(value.value.clone());
                }
            }
            for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for option in flag.options() {
                    if option.key.value == "from" {
                        if let Some(value) = option.value {
                            references.push(value.value);
                        }
                    }
                }
            }
        }
        for reference in references {
            if let Some(dep) = stage_by_ref(dockerfile, &stages[..current], &reference) {
                todo.push(dep);
            }
        }
    }
    (0..stages.len()).filter(|&i| needed[i]).collect()
}

/// The stages whose instructions BuildKit dispatches in `docker build
/// --check`: every stage, or, when the build names a target stage, the
/// target and the stages it depends on (its base stage, `COPY --from`,
/// `RUN --mount=from=`). Checks made while dispatching only see these.
pub fn dispatched_stages(df: &Dockerfile, target: Option<&str>) -> Vec<Stage> {
    let stages = df.stages();
    let Some(target) = target else {
        return stages.to_vec();
    };
    let names: Vec<Option<String>> = stages
        .iter()
        .map(|s| {
            df.stage_from(s)
                .and_then(|f| f.stage_name.as_ref())
                .map(|n| n.value.to_lowercase())
        })
        .collect();
    let by_name = |name: &str, before: usize| -> Option<usize> {
        let lower = name.to_lowercase();
        names[..before.min(names.len())]
            .iter()
            .rposition(|n| n.as_deref() == Some(lower.as_str()))
    };
    let Some(start) = by_name(target, names.len()) else {
        // BuildKit fails on an unknown target; check everything.
        return stages.to_vec();
    };
    let lex = ShellLex::new(df.escape);
    let globals = global_arg_env(df, None);
    let mut reached = vec![false; stages.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        let stage = &stages[i];
        let mut deps = Vec::new();
        if let Some(from) = df.stage_from(stage) {
            let base = lex
                .process_word(&from.image.value, &globals)
                .unwrap_or_else(|_| from.image.value.clone());
            deps.extend(by_name(&base, i));
        }
        let stage_ref = |name: &str| match name.parse::<usize>() {
            Ok(n) => (n < stages.len()).then_some(n),
            Err(_) => by_name(name, names.len()),
        };
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&n| df.instruction(n))
        {
            if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                deps.extend(stage_ref(&v.value));
            }
            for mount in ins.flags.iter().filter(|f| f.name.value == "mount") {
                for opt in mount.options() {
                    if opt.key.value.eq_ignore_ascii_case("from") {
                        deps.extend(opt.value.as_ref().and_then(|v| stage_ref(&v.value)));
                    }
                }
            }
        }
        todo.extend(deps.into_iter().filter(|&d| !reached[d]));
    }
    stages
        .iter()
        .filter(|s| reached.get(s.index).copied().unwrap_or(false))
        .cloned()
        .collect()
}

/// The stages a build of `target_stage` (the last stage when `None`) runs:
/// the stage and, transitively, every stage it uses through `FROM`,
/// `COPY --from` or `RUN --mount=from=`. `None` when the target stage does
/// not exist. `FROM` is expanded with the global ARGs (`build_args` win
/// over their defaults); any other reference bakelint cannot resolve (a
/// variable) makes every stage count.
pub fn built_stages(
    df: &Dockerfile,
    target_stage: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> Option<BTreeSet<usize>> {
    let stages = df.stages();
    if stages.is_empty() {
        return None;
    }
    let start = match target_stage {
        Some(name) => find_stage(df, name)?,
        None => stages.len() - 1,
    };
    let names = stage_names(df);
    let lex = ShellLex::new(df.escape);
    let global_env = global_arg_env(df, Some(build_args));
    let resolve = |reference: &str, before: usize| -> Result<Option<usize>, ()> {
        if reference.contains('$') {
            return Err(());
        }
        if let Some(i) = names[..before.min(names.len())].iter().rposition(|n| {
            n.as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(reference))
        }) {
            return Ok(Some(i));
        }
        match reference.parse::<usize>() {
            Ok(i) if i < before => Ok(Some(i)),
            _ => Ok(None),
        }
    };
    let mut built = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(index) = todo.pop() {
        if !built.insert(index) {
            continue;
        }
        let Some(stage) = stages.get(index) else {
            continue;
        };
        let mut references: Vec<String> = Vec::new();
        if let Some(from) = df.stage_from(stage) {
            let image = &from.image.value;
            let expanded = if image.contains('$') {
                lex.process_word(image, &global_env)
                    .unwrap_or_else(|_| image.clone())
            } else {
                image.clone()
            };
            references.push(expanded);
        }
        for ins in stage
            .instruction_nodes
            .iter()
            .filter_map(|&i| df.instruction(i))
        {
            if matches!(ins.keyword, Keyword::Copy | Keyword::Add) {
                if let Some(v) = ins.flag("from").and_then(|f| f.value.as_ref()) {
                    references.push(v.value.clone());
                }
            }
            if ins.keyword == Keyword::Run {
                for flag in ins.flags.iter().filter(|f| f.name.value == "mount") {
                    for opt in flag.options() {
                        if opt.key.value.eq_ignore_ascii_case("from") {
                            if let Some(v) = opt.value {
                                references.push(v.value);
                            }
                        }
                    }
                }
            }
        }
        for reference in references {
            match resolve(&reference, index) {
                Ok(Some(i)) => todo.push(i),
                Ok(None) => {}
                Err(()) => return Some((0..stages.len()).collect()),
            }
        }
    }
    Some(built)
}

/// The stages a build runs for every stage its bake targets name
/// ([`crate::rules::BuildInfo::target_stages`], else its `target`): the
/// union of [`built_stages`]. `None` (every stage counts) when one target
/// stage does not exist or the file has no stage.
pub fn stages_built_for(
    df: &Dockerfile,
    build: &crate::rules::BuildInfo,
) -> Option<BTreeSet<usize>> {
    if build.target_stages.is_empty() {
        return built_stages(df, build.target.as_deref(), &build.args);
    }
    let mut all = BTreeSet::new();
    for target in &build.target_stages {
        all.extend(built_stages(df, target.as_deref(), &build.args)?);
    }
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_built_for_every_target_stage() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS a\nFROM alpine AS b\nFROM a AS c\nFROM alpine AS d\n",
        );
        let build = |stages: &[Option<&str>]| crate::rules::BuildInfo {
            target_stages: stages.iter().map(|s| s.map(str::to_string)).collect(),
            ..Default::default()
        };
        let built = |stages: &[Option<&str>]| stages_built_for(&df, &build(stages));
        assert_eq!(
            built(&[Some("c"), Some("b")]),
            Some(BTreeSet::from([0, 1, 2]))
        );
        assert_eq!(built(&[Some("b"), None]), Some(BTreeSet::from([1, 3])));
        assert_eq!(built(&[]), Some(BTreeSet::from([3])));
        assert_eq!(built(&[Some("a"), Some("nope")]), None);
    }

    #[test]
    fn stage_chain_follows_lowercased_names() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS Base\nFROM base AS mid\nFROM Base AS other\nFROM mid\n",
        );
        let stages = df.stages();
        assert_eq!(stage_chain(&df, stages, 3), vec![3, 1, 0]);
        // `FROM Base` is an image reference to BuildKit, not the stage.
        assert_eq!(stage_chain(&df, stages, 2), vec![2]);
    }

    #[test]
    fn stages_reached_from_target() {
        let src = "FROM alpine AS a\nFROM alpine AS b\nCOPY --from=a /x /x\nFROM b AS c\nRUN --mount=type=bind,from=d,target=/d true\nFROM alpine AS d\nFROM alpine AS e\n";
        let df = crate::dockerfile::parse(src);
        let idx = |t: Option<&str>| -> Vec<usize> {
            dispatched_stages(&df, t).iter().map(|s| s.index).collect()
        };
        assert_eq!(idx(None), [0, 1, 2, 3, 4]);
        assert_eq!(idx(Some("c")), [0, 1, 2, 3]);
        assert_eq!(idx(Some("B")), [0, 1]);
        assert_eq!(idx(Some("e")), [4]);
        assert_eq!(idx(Some("nope")), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn stages_needed_follow_from_copy_and_mount() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS a\nFROM alpine AS b\nFROM a AS c\nCOPY --from=b /x /x\nFROM alpine AS d\nRUN --mount=type=bind,from=c,target=/c true\nFROM alpine AS e\n",
        );
        let stages = df.stages();
        assert_eq!(stages_needed(&df, stages, 3), vec![0, 1, 2, 3]);
        assert_eq!(stages_needed(&df, stages, 4), vec![4]);
        assert_eq!(target_stage(&df, stages, Some("C")), Some(2));
        assert_eq!(target_stage(&df, stages, None), Some(4));
    }
}
