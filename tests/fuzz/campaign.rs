//! A fuzz campaign: case `i` of seed `s` is made from one seed project (or a
//! generated bake project) by a few mutations, all drawn from a generator
//! seeded with `(s, i)`, so any case can be replayed alone. Failing cases
//! are minimised and saved, one per distinct bug.
//!
//! Settings come from the environment (see [`Config::from_env`]):
//! - `BAKELINT_FUZZ_SEED`: the campaign seed (decimal or 0x-hex);
//! - `BAKELINT_FUZZ_ITERATIONS`: how many cases;
//! - `BAKELINT_FUZZ_START`: the first case index (replay one case with
//!   `START=i ITERATIONS=1`);
//! - `BAKELINT_FUZZ_OUT`: where failing inputs are saved (default: under
//!   the target directory);
//! - `BAKELINT_FUZZ_TIMEOUT_SECS`: the work bound of one case (default 120);
//! - `BAKELINT_FUZZ_MAX_FILE_BYTES`: the largest file a mutation makes;
//! - `BAKELINT_FUZZ_MINIMISE=0`: save failures without minimising them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::generate::Generator;
use super::harness::{run_isolated, Failure, FailureKind};
use super::minimise::{minimise, DEFAULT_BUDGET};
use super::mutate::{Mutator, DEFAULT_MAX_FILE_BYTES};
use super::project::Project;
use super::rng::Rng;
use super::seeds::Seeds;

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub iterations: u64,
    pub start: u64,
    pub out: PathBuf,
    pub timeout: Duration,
    pub max_file_bytes: usize,
    pub minimise: bool,
    /// Print a progress line every this many cases (0: never).
    pub progress_every: u64,
}

impl Config {
    /// The configuration from the environment, with these defaults.
    pub fn from_env(default_seed: u64, default_iterations: u64) -> Config {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &str, default: u64| -> u64 {
            var(name).map_or(default, |v| {
                parse_number(&v).unwrap_or_else(|| panic!("{name}={v:?} is not a number"))
            })
        };
        Config {
            seed: number("BAKELINT_FUZZ_SEED", default_seed),
            iterations: number("BAKELINT_FUZZ_ITERATIONS", default_iterations),
            start: number("BAKELINT_FUZZ_START", 0),
            out: var("BAKELINT_FUZZ_OUT").map_or_else(
                || Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz"),
                PathBuf::from,
            ),
            timeout: Duration::from_secs(number("BAKELINT_FUZZ_TIMEOUT_SECS", 120)),
            max_file_bytes: number(
                "BAKELINT_FUZZ_MAX_FILE_BYTES",
                DEFAULT_MAX_FILE_BYTES as u64,
            ) as usize,
            minimise: var("BAKELINT_FUZZ_MINIMISE").is_none_or(|v| v != "0"),
            progress_every: number("BAKELINT_FUZZ_PROGRESS", 0),
        }
    }
}

fn parse_number(v: &str) -> Option<u64> {
    let v = v.trim().replace('_', "");
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// One case: where it came from, what was done to it, the result.
pub struct Case {
    pub index: u64,
    pub origin: String,
    pub log: Vec<String>,
    pub project: Project,
}

/// Makes case `index` of `seed`.
pub fn make_case(
    seeds: &Seeds,
    donors: &[(String, Vec<u8>)],
    seed: u64,
    index: u64,
    max_file_bytes: usize,
) -> Case {
    let mut rng = Rng::for_case(seed, index);
    let family = rng.weighted(&[6, 3, 4, 2, 5]);
    let (origin, mut project) = match family {
        0 if !seeds.rule_docs.is_empty() => {
            let i = rng.below(seeds.rule_docs.len());
            (format!("rule doc example #{i}"), seeds.rule_docs[i].clone())
        }
        1 if !seeds.dockerfiles.is_empty() => {
            let i = rng.below(seeds.dockerfiles.len());
            (
                format!("conformance Dockerfile #{i}"),
                seeds.dockerfiles[i].clone(),
            )
        }
        2 if !seeds.bake.is_empty() => {
            let i = rng.below(seeds.bake.len());
            (format!("bake testdata #{i}"), seeds.bake[i].clone())
        }
        3 if !seeds.examples.is_empty() => {
            let i = rng.below(seeds.examples.len());
            (format!("example project #{i}"), seeds.examples[i].clone())
        }
        _ => (
            "generated bake project".to_string(),
            Generator { rng: &mut rng }.project(),
        ),
    };
    let mut mutator = Mutator {
        rng,
        donors,
        max_file_bytes,
        log: Vec::new(),
    };
    // A few generated projects stay as they are: they test the rules on
    // valid input, fixes included.
    if !(origin.starts_with("generated") && mutator.rng.chance(1, 5)) {
        mutator.mutate(&mut project, 4);
    }
    Case {
        index,
        origin,
        log: mutator.log,
        project,
    }
}

/// What a campaign did.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: u64,
    pub findings: usize,
    pub fixes_applied: usize,
    /// How many cases had a finding of each rule (what the mutants reach).
    pub cases_per_code: BTreeMap<&'static str, u64>,
    /// Distinct failures (by kind and signature): how often, and where saved.
    pub failures: BTreeMap<String, (u64, PathBuf)>,
    /// A hang stops the campaign (its worker cannot be stopped).
    pub hung: bool,
}

impl Report {
    pub fn summary(&self, config: &Config) -> String {
        let mut out = format!(
            "fuzz: seed {:#x}, cases {}..{} ({} run): {} findings, {} fixes applied, {} distinct failure(s){}\n",
            config.seed,
            config.start,
            config.start + config.iterations,
            self.cases,
            self.findings,
            self.fixes_applied,
            self.failures.len(),
            if self.hung { ", stopped at a hang" } else { "" }
        );
        for (key, (count, saved)) in &self.failures {
            out += &format!("  {count} x {key}\n    saved in {}\n", saved.display());
        }
        let codes: Vec<String> = self
            .cases_per_code
            .iter()
            .map(|(c, n)| format!("{c}:{n}"))
            .collect();
        out += &format!("  cases per finding code: {}\n", codes.join(" "));
        out
    }
}

pub fn run(config: &Config) -> Report {
    let seeds = Seeds::load();
    let donors = seeds.all_files();
    let work = config.out.join("work");
    let mut report = Report::default();
    // Failures saved by earlier runs into this folder (a campaign resumed
    // after a crash): counted, not saved again.
    let known = config.out.join("failures").join("known.txt");
    let mut saved_before: BTreeMap<String, PathBuf> = fs::read_to_string(&known)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(dir, key)| (key.to_string(), PathBuf::from(dir)))
        .collect();
    for index in config.start..config.start + config.iterations {
        let case = make_case(&seeds, &donors, config.seed, index, config.max_file_bytes);
        // The input as made, for the script to keep if the process dies (a
        // stack overflow or an allocation failure cannot be caught).
        let _ = case.project.write_to(&work.join("current"));
        let _ = fs::write(work.join("current-case.txt"), describe(config, &case));
        let format = index as usize;
        let result = run_isolated(&case.project, &work.join("case"), format, config.timeout);
        report.cases += 1;
        match result {
            Ok(stats) => {
                report.findings += stats.findings;
                report.fixes_applied += stats.fixes_applied;
                for code in stats.codes {
                    *report.cases_per_code.entry(code).or_default() += 1;
                }
            }
            Err(failure) => {
                let key = failure.key();
                let hang = failure.kind == FailureKind::Hang;
                if let Some((count, _)) = report.failures.get_mut(&key) {
                    *count += 1;
                } else if let Some(saved) = saved_before.remove(&key) {
                    eprintln!("fuzz: case {index}: {key} (as in {})", saved.display());
                    report.failures.insert(key, (1, saved));
                } else {
                    let saved = save_failure(config, &case, &failure, &work);
                    eprintln!("fuzz: case {index}: {key} (saved in {})", saved.display());
                    let line = format!("{}\t{key}\n", saved.display());
                    let _ = fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&known)
                        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
                    report.failures.insert(key, (1, saved));
                }
                if hang {
                    report.hung = true;
                    break;
                }
            }
        }
        if config.progress_every > 0 && report.cases % config.progress_every == 0 {
            eprintln!(
                "fuzz: {} cases, {} distinct failure(s)",
                report.cases,
                report.failures.len()
            );
        }
    }
    report
}

fn describe(config: &Config, case: &Case) -> String {
    format!(
        "seed {:#x} case {}\norigin: {}\nmutations:\n  {}\nreplay: BAKELINT_FUZZ_SEED={:#x} BAKELINT_FUZZ_START={} BAKELINT_FUZZ_ITERATIONS=1 cargo test --test fuzz_mutations\n",
        config.seed,
        case.index,
        case.origin,
        case.log.join("\n  "),
        config.seed,
        case.index
    )
}

/// Saves the case (and, unless it hung, a minimised copy) under
/// `out/failures/KIND-seed-case/`; returns that directory.
fn save_failure(config: &Config, case: &Case, failure: &Failure, work: &Path) -> PathBuf {
    let dir = config.out.join("failures").join(format!(
        "{}-{:x}-{}",
        failure.kind.name(),
        config.seed,
        case.index
    ));
    let _ = case.project.write_to(&dir.join("input"));
    let mut text = format!(
        "{}\n\n{}: {}\n{}\n",
        describe(config, case),
        failure.kind.name(),
        failure.signature,
        failure.detail
    );
    if config.minimise && failure.kind != FailureKind::Hang {
        let key = failure.key();
        let format = case.index as usize;
        let mut still_fails = |p: &Project| {
            run_isolated(p, &work.join("minimise"), format, config.timeout)
                .err()
                .is_some_and(|f| f.key() == key)
        };
        let small = minimise(&case.project, &mut still_fails, DEFAULT_BUDGET);
        let _ = small.write_to(&dir.join("minimised"));
        text += &format!(
            "\nminimised ({} bytes):\n{}\n",
            small.total_bytes(),
            small.as_rust()
        );
        if let Err(f) = run_isolated(&small, &work.join("minimise"), format, config.timeout) {
            text += &format!("\nminimised failure:\n{}\n", f.detail);
        }
    }
    let _ = fs::create_dir_all(&dir);
    let _ = fs::write(dir.join("FAILURE.txt"), text);
    dir
}
