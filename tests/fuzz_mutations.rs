//! The mutation fuzzer in the normal suite: a fixed seed, a fixed number of
//! cases (work is counted, not timed). Each mutant project is linted with
//! every rule, fixed with unsafe fixes and fixed again: no panic, no hang,
//! spans inside their files, fixes that converge and break nothing.
//!
//! Long campaigns: `scripts/fuzz.sh` (it sets the `BAKELINT_FUZZ_*`
//! variables described in `tests/fuzz/campaign.rs`).

mod fuzz;

use fuzz::campaign::{self, Config};

/// The suite's seed and case count.
const SEED: u64 = 0xba6e_1e55;
const CASES: u64 = 300;

#[test]
fn mutated_projects_lint_and_fix_without_panic_hang_or_divergence() {
    let config = Config::from_env(SEED, CASES);
    let report = campaign::run(&config);
    let summary = report.summary(&config);
    eprintln!("{summary}");
    assert_eq!(report.cases, config.iterations, "{summary}");
    assert!(report.failures.is_empty(), "{summary}");
    if config.iterations >= CASES {
        // The mutants reach the rules: most codes fire somewhere.
        assert!(
            report.cases_per_code.len() >= 20,
            "mutants reach too few rules: {summary}"
        );
        assert!(report.fixes_applied > 0, "no fix was exercised: {summary}");
    }
}
