//! The stages of a Dockerfile as the tree `FROM <stage>` makes of them, for
//! rules that carry what a stage did (WORKDIR, ENV, copied files) into the
//! stages built on it. Walking the tree depth-first, a child starts from
//! its parent's end state, kept on a stack or restored by undo, so each
//! instruction is applied once: replaying every ancestor for each stage is
//! quadratic in a chain of 10,000 stages.

use std::collections::{BTreeMap, HashMap};

use crate::dockerfile::expand::ShellLex;
use crate::dockerfile::Dockerfile;
use crate::rules::build_args::global_arg_env;

/// The stage each stage is built on, as BuildKit resolves it: `FROM
/// <name>` of an earlier stage, also through global ARGs (`ARG BASE=deps`
/// then `FROM ${BASE}`), the build's args over their defaults. BuildKit
/// looks the expanded name up among the lowercased names of the earlier
/// stages. Every parent is an earlier stage.
pub fn stage_parents(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> Vec<Option<usize>> {
    // Without build args (most lints) the answer is the file's own: made
    // once, a dozen rules ask.
    if build_args.is_empty() {
        return df
            .resolved_stage_parents
            .0
            .get_or_init(|| resolve_stage_parents(df, build_args))
            .clone();
    }
    resolve_stage_parents(df, build_args)
}

fn resolve_stage_parents(
    df: &Dockerfile,
    build_args: &BTreeMap<String, String>,
) -> Vec<Option<usize>> {
    let stages = df.stages();
    let mut lex_env: Option<(ShellLex, BTreeMap<String, String>)> = None;
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut parents = Vec::with_capacity(stages.len());
    for stage in stages {
        let from = df.stage_from(stage);
        let parent = df.stage_parent(stage.index).or_else(|| {
            let image = &from?.image.value;
            if !image.contains('$') {
                return None;
            }
            let (lex, env) = lex_env.get_or_insert_with(|| {
                (
                    ShellLex::new(df.escape),
                    global_arg_env(df, Some(build_args)),
                )
            });
            let expanded = lex.process_word(image, &*env).ok()?;
            names.get(&expanded).copied()
        });
        parents.push(parent.filter(|&p| p < stage.index));
        if let Some(name) = from.and_then(|f| f.stage_name.as_ref()) {
            names.insert(name.value.to_lowercase(), stage.index);
        }
    }
    parents
}

/// What a stage walk carries from a stage into the stages built on it:
/// changed on the way down, taken back to a mark on the way up.
pub trait CarriedState {
    type Mark;
    /// The state now, to come back to with [`CarriedState::undo`].
    fn mark(&self) -> Self::Mark;
    /// Takes back every change made since `mark`.
    fn undo(&mut self, mark: Self::Mark);
}

/// Visits the stages depth-first along `parents` (see [`stage_parents`]):
/// roots in file order, each followed by the stages built on it (in file
/// order). `visit` applies a stage to `state` and says whether the stages
/// built on it are still of interest; after a stage and those, `state` is
/// undone to what it was before the stage. Every stage is visited at most
/// once and the walk keeps its own stack: linear, whatever the depth.
pub fn walk_stages<S: CarriedState>(
    parents: &[Option<usize>],
    state: &mut S,
    mut visit: impl FnMut(&mut S, usize) -> bool,
) {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
    let mut roots = Vec::new();
    for (index, parent) in parents.iter().enumerate() {
        match parent.filter(|&p| p < index) {
            Some(parent) => children[parent].push(index),
            None => roots.push(index),
        }
    }
    enum Step<M> {
        Enter(usize),
        Leave(M),
    }
    let mut todo: Vec<Step<S::Mark>> = roots.into_iter().rev().map(Step::Enter).collect();
    while let Some(step) = todo.pop() {
        match step {
            Step::Enter(index) => {
                let mark = state.mark();
                let descend = visit(state, index);
                todo.push(Step::Leave(mark));
                if descend {
                    todo.extend(children[index].iter().rev().map(|&c| Step::Enter(c)));
                }
            }
            Step::Leave(mark) => state.undo(mark),
        }
    }
}

/// For each stage, a value computed from its parent's (see
/// [`stage_parents`]): `root(stage)` for a stage not built on another,
/// else `step(parent's value, stage)`. Linear when the values are small (a
/// flag, a handful of variables).
pub fn inherited<T: Clone>(
    parents: &[Option<usize>],
    root: impl Fn(usize) -> T,
    mut step: impl FnMut(&T, usize) -> T,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(parents.len());
    for (index, parent) in parents.iter().enumerate() {
        let value = match parent.and_then(|p| out.get(p)) {
            Some(parent) => step(parent, index),
            None => root(index),
        };
        out.push(value);
    }
    out
}

/// Units of work done by the rules that carry state through stages and
/// scripts (BP004, BP007, BP011, BP012): one per instruction applied or
/// scanned, per command or install examined, per path or COPY looked up.
/// Tests generate inputs of growing size and check the count grows
/// linearly (no wall clock involved); counting is a thread-local add.
pub mod work {
    use std::cell::Cell;

    thread_local! {
        static UNITS: Cell<u64> = const { Cell::new(0) };
    }

    /// Counts `n` units on this thread.
    pub fn add(n: usize) {
        UNITS.with(|u| u.set(u.get().saturating_add(n as u64)));
    }

    /// The units counted on this thread since the last call, and a fresh start.
    pub fn take() -> u64 {
        UNITS.with(|u| u.replace(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the walk: which stages were entered, and the state each saw.
    #[derive(Default)]
    struct Trail {
        path: Vec<usize>,
        seen: Vec<(usize, Vec<usize>)>,
    }

    impl CarriedState for Trail {
        type Mark = usize;
        fn mark(&self) -> usize {
            self.path.len()
        }
        fn undo(&mut self, mark: usize) {
            self.path.truncate(mark);
        }
    }

    fn walk(parents: &[Option<usize>], prune: &[usize]) -> Vec<(usize, Vec<usize>)> {
        let mut trail = Trail::default();
        walk_stages(parents, &mut trail, |t, i| {
            t.seen.push((i, t.path.clone()));
            t.path.push(i);
            !prune.contains(&i)
        });
        assert!(trail.path.is_empty(), "undone on the way up");
        trail.seen
    }

    #[test]
    fn depth_first_with_roots_and_children_in_file_order() {
        let df = crate::dockerfile::parse(
            "FROM alpine AS a\nFROM a AS b\nFROM debian AS c\nFROM a AS d\nFROM b AS e\n",
        );
        let parents = stage_parents(&df, &BTreeMap::new());
        assert_eq!(
            walk(&parents, &[]),
            vec![
                (0, vec![]),
                (1, vec![0]),
                (4, vec![0, 1]),
                (3, vec![0]),
                (2, vec![]),
            ]
        );
        // A stage that is no longer of interest hides the stages built on it.
        assert_eq!(
            walk(&parents, &[1]),
            vec![(0, vec![]), (1, vec![0]), (3, vec![0]), (2, vec![])]
        );
    }

    #[test]
    fn parents_through_global_args_as_buildkit_resolves_them() {
        let df = crate::dockerfile::parse(
            "ARG BASE=deps\nARG UPPER=Deps\nFROM alpine AS deps\nFROM ${BASE}\nFROM $UPPER\nFROM ${LATER:-late}\nFROM alpine AS late\n",
        );
        assert_eq!(
            stage_parents(&df, &BTreeMap::new()),
            vec![None, Some(0), None, None, None]
        );
        let args = BTreeMap::from([("BASE".to_string(), "nope".to_string())]);
        assert_eq!(stage_parents(&df, &args)[1], None);
    }

    #[test]
    fn a_ten_thousand_stage_chain_needs_no_deep_stack() {
        let mut src = String::from("FROM alpine AS s0\n");
        for i in 1..10_000 {
            src.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
        }
        let df = crate::dockerfile::parse(&src);
        let parents = stage_parents(&df, &BTreeMap::new());
        let mut trail = Trail::default();
        let mut deepest = 0;
        walk_stages(&parents, &mut trail, |t, _| {
            deepest = deepest.max(t.path.len());
            t.path.push(0);
            true
        });
        assert_eq!(deepest, 9_999);
        assert!(trail.path.is_empty());
        let depth = inherited(&parents, |_| 0usize, |d, _| d + 1);
        assert_eq!(depth[9_999], 9_999);
    }
}
