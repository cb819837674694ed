//! The variables defined on the way from a root stage to the stage being
//! dispatched.
//!
//! A stage built FROM another stage starts from that stage's variables.
//! Copying them into every stage makes a chain of 10,000 stages quadratic
//! (seconds and gigabytes), so stages are dispatched depth-first over the
//! FROM tree ([`walk_stages`](crate::rules::stage_walk::walk_stages)) with
//! one set of variables: a stage's additions are undone when its subtree is
//! done.

use std::collections::{HashMap, HashSet};

use crate::rules::stage_walk::CarriedState;

/// What BuildKit knows of a stage's variables at some point.
#[derive(Debug, Default)]
pub(super) struct Scope {
    /// Whether the base image's environment is known; if not, nothing is reported.
    pub(super) known: bool,
    /// Environment names with the sequence number of their last `ENV`/`ARG`:
    /// BuildKit lists the environment in that order.
    env: HashMap<String, u64>,
    args: HashSet<String>,
    seq: u64,
    undo: Vec<Undo>,
}

/// How to take back one change.
#[derive(Debug)]
enum Undo {
    Env(String, Option<u64>),
    Arg(String),
}

impl Scope {
    /// A root stage starts: on a known image its environment is `PATH`
    /// alone; on any other nothing is reported in it or the stages built on it.
    pub(super) fn start_root(&mut self, known: bool) {
        self.known = known;
        if known {
            self.set_env("PATH");
        }
    }

    /// Sets (or sets again, moving it to the end of the list) an environment name.
    pub(super) fn set_env(&mut self, name: &str) {
        self.seq += 1;
        let previous = self.env.insert(name.to_string(), self.seq);
        self.undo.push(Undo::Env(name.to_string(), previous));
    }

    pub(super) fn declare_arg(&mut self, name: &str) {
        if self.args.insert(name.to_string()) {
            self.undo.push(Undo::Arg(name.to_string()));
        }
    }

    pub(super) fn defines(&self, name: &str) -> bool {
        self.args.contains(name) || self.env.contains_key(name)
    }

    /// The environment names a did-you-mean for `name` may pick (within
    /// two edits, so within two bytes of its length), in BuildKit's order.
    pub(super) fn env_names_near(&self, name: &str) -> Vec<&str> {
        let mut near: Vec<(u64, &str)> = self
            .env
            .iter()
            .filter(|(n, _)| n.len().abs_diff(name.len()) <= 2)
            .map(|(n, &seq)| (seq, n.as_str()))
            .collect();
        near.sort_unstable();
        near.into_iter().map(|(_, n)| n).collect()
    }
}

impl CarriedState for Scope {
    type Mark = usize;

    fn mark(&self) -> usize {
        self.undo.len()
    }

    fn undo(&mut self, mark: usize) {
        while self.undo.len() > mark {
            match self.undo.pop() {
                Some(Undo::Env(name, Some(seq))) => {
                    self.env.insert(name, seq);
                }
                Some(Undo::Env(name, None)) => {
                    self.env.remove(&name);
                }
                Some(Undo::Arg(name)) => {
                    self.args.remove(&name);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_env(names: &[&str]) -> Scope {
        let mut scope = Scope::default();
        scope.start_root(true);
        for name in names {
            scope.set_env(name);
        }
        scope
    }

    #[test]
    fn undoing_restores_names_and_their_order() {
        let mut scope = with_env(&["HOME"]);
        let mark = scope.mark();
        scope.set_env("PATH");
        scope.set_env("NEW");
        scope.declare_arg("X");
        assert!(scope.defines("NEW") && scope.defines("X"));
        assert_eq!(scope.env_names_near("PATHS"), ["HOME", "PATH", "NEW"]);
        scope.undo(mark);
        assert!(!scope.defines("NEW") && !scope.defines("X"));
        assert_eq!(scope.env_names_near("PATHS"), ["PATH", "HOME"]);
    }

    #[test]
    fn names_far_in_length_are_not_candidates() {
        let scope = with_env(&["A", "ABCDEFG"]);
        assert_eq!(scope.env_names_near("ABC"), ["PATH", "A"]);
    }
}
