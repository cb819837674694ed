//! A bounded mutation fuzzer for whole projects: seeds (rule-doc examples,
//! testdata, the bundled examples, generated bake files in HCL and JSON) are
//! mutated and each mutant is linted with every rule, fixed with unsafe
//! fixes, fixed again, rendered in every report format. A case fails on a
//! panic, on work that does not finish within a bound, on fixes that do not
//! converge or break a file that parsed, and on spans outside their file.
//!
//! Used by `tests/fuzz_mutations.rs` (a fixed seed in the normal suite,
//! long campaigns through `scripts/fuzz.sh`) and `tests/fuzz_regressions.rs`.
// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

pub mod campaign;
pub mod dictionary;
pub mod generate;
pub mod harness;
pub mod minimise;
pub mod mutate;
pub mod project;
pub mod rng;
pub mod seeds;
