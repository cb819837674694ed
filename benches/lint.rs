//! Throughput benchmark: generates ~1,000 varied, realistic Dockerfiles
//! (multi-stage, heredocs, long RUN chains, continuations, ARG/ENV) and a
//! 2,000-line Dockerfile, then measures parse + lint in process.
//!
//! `cargo bench --bench lint` prints files/s, MB/s and the 2,000-line
//! latency. `cargo bench --bench lint -- --write-corpus DIR` writes the
//! corpus to DIR instead (used by `bench/compare-hadolint.sh`);
//! `-- --big` times only the 2,000-line file, 200 rounds (quick A/B runs).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bakelint::config::Settings;
use bakelint::linter::lint_dockerfile_text;
use bakelint::rules::BuildInfo;

/// The allocator the `bakelint` binary uses (src/main.rs), so the numbers
/// here are the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Small deterministic PRNG so every run lints the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const BASES: &[&str] = &[
    "python:3.12-slim",
    "node:20-alpine",
    "golang:1.22",
    "debian:bookworm",
    "ubuntu:22.04",
    "ruby:3.3",
    "eclipse-temurin:21-jdk",
    "alpine:3.20",
];
const PACKAGES: &[&str] = &[
    "curl",
    "ca-certificates",
    "git",
    "build-essential",
    "libpq-dev",
    "gcc",
    "make",
    "openssl",
    "libffi-dev",
    "tzdata",
    "jq",
    "unzip",
    "gnupg",
    "wget",
    "locales",
];

fn dockerfile(rng: &mut Rng, index: usize) -> String {
    let mut s = String::new();
    if rng.below(3) == 0 {
        s.push_str("# syntax=docker/dockerfile:1\n");
    }
    s.push_str("ARG VERSION=1.0\nARG BASE=");
    s.push_str(rng.pick(BASES));
    s.push_str("\n\n");
    let stages = 1 + rng.below(3);
    for stage in 0..stages {
        let from_kw = if rng.below(10) == 0 { "from" } else { "FROM" };
        s.push_str(&format!("{from_kw} ${{BASE}} AS stage{stage}\n"));
        s.push_str("ENV LANG=C.UTF-8 APP_HOME=/app\nWORKDIR /app\n");
        // A long RUN chain with continuations and an inner comment.
        s.push_str("RUN apt-get update \\\n");
        for _ in 0..(3 + rng.below(8)) {
            s.push_str(&format!(
                "    && apt-get install -y --no-install-recommends {} \\\n",
                rng.pick(PACKAGES)
            ));
        }
        s.push_str("    # clean up\n    && rm -rf /var/lib/apt/lists/*\n");
        if rng.below(2) == 0 {
            s.push_str("RUN --mount=type=cache,target=/root/.cache <<EOF\nset -e\npip install -r requirements.txt\necho \"built $VERSION\"\nEOF\n");
        }
        if rng.below(3) == 0 {
            s.push_str("COPY <<-EOT /etc/app.conf\n\tkey=value\n\tother=thing\n\tEOT\n");
        }
        if stage > 0 {
            s.push_str(&format!(
                "COPY --from=stage{} /app/out /app/out\n",
                stage - 1
            ));
        }
        s.push_str("COPY . /app\n");
        s.push_str(&format!(
            "LABEL org.opencontainers.image.title=\"app{index}\" version=\"$VERSION\"\n"
        ));
        s.push_str(&format!("EXPOSE {}\n", 8000 + rng.below(100)));
    }
    s.push_str("USER nobody\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\n");
    s.push_str("ENTRYPOINT [\"/app/entrypoint.sh\"]\nCMD [\"serve\", \"--port\", \"8000\"]\n");
    s
}

fn big_dockerfile(lines: usize) -> String {
    let mut rng = Rng(42);
    let mut s = String::new();
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&dockerfile(&mut rng, i));
        i += 1;
    }
    s
}

fn corpus() -> Vec<(PathBuf, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..1000)
        .map(|i| {
            (
                PathBuf::from(format!("svc{i:04}/Dockerfile")),
                dockerfile(&mut rng, i),
            )
        })
        .collect()
}

fn lint_all(files: &[(PathBuf, String)], settings: &Settings) -> usize {
    let build = BuildInfo::default();
    files
        .iter()
        .map(|(p, t)| lint_dockerfile_text(p, t, settings, &build).len())
        .sum()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--write-corpus") {
        let Some(dir) = args.get(pos + 1) else {
            eprintln!("--write-corpus needs a directory");
            std::process::exit(2);
        };
        for (path, text) in corpus() {
            let p = Path::new(dir).join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("create corpus dir");
            }
            std::fs::write(p, text).expect("write corpus file");
        }
        std::fs::write(Path::new(dir).join("big.Dockerfile"), big_dockerfile(2000))
            .expect("write big file");
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--per-rule") {
        match args.get(pos + 1).filter(|a| !a.starts_with('-')) {
            Some(code) => repeat_rule(code),
            None => per_rule_times(),
        }
        return;
    }
    // `cargo test --benches` runs this with --bench absent: keep it quick.
    let quick = !args.iter().any(|a| a == "--bench");
    let settings = Settings::default();
    if args.iter().any(|a| a == "--big") {
        // Only the 2,000-line file, more rounds: quick A/B comparisons.
        big_file_times(&settings, if quick { 1 } else { 200 });
        return;
    }
    let files = corpus();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let rounds = if quick { 1 } else { 10 };
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        findings = lint_all(&files, &settings);
        times.push(start.elapsed());
    }
    let t = median(times).as_secs_f64();
    println!(
        "corpus: {} files, {:.2} MB, {findings} findings; median {:.1} ms single-threaded → {:.0} files/s, {:.1} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        t * 1e3,
        files.len() as f64 / t,
        bytes as f64 / 1e6 / t
    );
    big_file_times(&settings, if quick { 1 } else { 50 });
}

/// Parse + lint of the 2,000-line file, `rounds` times: median, best and phases.
fn big_file_times(settings: &Settings, rounds: usize) {
    let big = big_dockerfile(2000);
    let path = PathBuf::from("big.Dockerfile");
    let build = BuildInfo::default();
    let mut times = Vec::new();
    let mut parse_times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let df = bakelint::dockerfile::parse(&big);
        parse_times.push(start.elapsed());
        let n = bakelint::linter::lint_dockerfile(&path, &df, settings, &build).len();
        times.push(start.elapsed());
        std::hint::black_box(n);
    }
    let best = times.iter().min().copied().unwrap_or_default();
    let phases = phase_medians(&big, &path, settings, &build, rounds);
    println!(
        "2,000-line Dockerfile ({} lines, {} KB): median {:.2} ms parse + lint, best {:.2} ms (parse {:.2} ms)",
        big.lines().count(),
        big.len() / 1024,
        median(times).as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3,
        median(parse_times).as_secs_f64() * 1e3
    );
    println!(
        "  phases (median, every core): parse {:.2} ms, RUN analysis {:.2} ms, installs + shell checks {:.2} ms, rules {:.2} ms",
        phases[0], phases[1], phases[2], phases[3]
    );
}

/// Median wall time of each phase of linting `text` as `lint_dockerfile`
/// runs them on a large file: parse, RUN analysis, shell checks, rules.
fn phase_medians(
    text: &str,
    path: &Path,
    settings: &Settings,
    build: &BuildInfo,
    rounds: usize,
) -> [f64; 4] {
    let mut phases: [Vec<Duration>; 4] = Default::default();
    for _ in 0..rounds {
        let start = Instant::now();
        let df = bakelint::dockerfile::parse(text);
        phases[0].push(start.elapsed());
        let start = Instant::now();
        df.analyze_runs();
        phases[1].push(start.elapsed());
        let start = Instant::now();
        bakelint::linter::prepare_shared(&df);
        phases[2].push(start.elapsed());
        let start = Instant::now();
        let n = bakelint::linter::lint_dockerfile(path, &df, settings, build).len();
        phases[3].push(start.elapsed());
        std::hint::black_box(n);
    }
    phases.map(|times| median(times).as_secs_f64() * 1e3)
}

/// `-- --per-rule`: each rule's share of the 2,000-line file, one at a
/// time on one thread, after the RUN analysis every rule shares (a lazy
/// cache is charged to the first rule that asks for it).
fn per_rule_times() {
    use bakelint::rules::RULES;
    let big = big_dockerfile(2000);
    let path = PathBuf::from("big.Dockerfile");
    let settings = Settings::default();
    let build = BuildInfo::default();
    let mut totals = vec![Duration::ZERO; RULES.len()];
    let (mut parse, mut analysis, mut checks) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let rounds = 20;
    for _ in 0..rounds {
        let start = Instant::now();
        let df = bakelint::dockerfile::parse(&big);
        parse += start.elapsed();
        let start = Instant::now();
        df.analyze_runs();
        analysis += start.elapsed();
        let start = Instant::now();
        bakelint::linter::prepare_shared(&df);
        checks += start.elapsed();
        for (rule, total) in RULES.iter().zip(&mut totals) {
            let Some(check) = rule.dockerfile_check() else {
                continue;
            };
            let ctx = rule_context(rule, &df, &path, &settings, &build);
            let mut out = Vec::new();
            let start = Instant::now();
            check(&ctx, &mut out);
            *total += start.elapsed();
            std::hint::black_box(out);
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / rounds as f64;
    let rules: Duration = totals.iter().sum();
    println!(
        "parse {:.2} ms, RUN analysis {:.2} ms, installs + shell checks {:.2} ms, rules {:.2} ms",
        ms(parse),
        ms(analysis),
        ms(checks),
        ms(rules)
    );
    let mut order: Vec<usize> = (0..RULES.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(totals[i]));
    for &i in order.iter().take(30) {
        println!("{:>8.3} ms  {}", ms(totals[i]), RULES[i].code);
    }
}

/// `-- --per-rule CODE`: runs one rule 500 times on the prepared 2,000-line
/// file and prints its mean time (a profiler run sees nothing else).
fn repeat_rule(code: &str) {
    use bakelint::rules::RULES;
    let Some(rule) = RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code)) else {
        eprintln!("no rule {code}");
        std::process::exit(2);
    };
    let Some(check) = rule.dockerfile_check() else {
        eprintln!("{code} is not a Dockerfile rule");
        std::process::exit(2);
    };
    let big = big_dockerfile(2000);
    let path = PathBuf::from("big.Dockerfile");
    let settings = Settings::default();
    let build = BuildInfo::default();
    let df = bakelint::dockerfile::parse(&big);
    bakelint::linter::prepare_shared(&df);
    let ctx = rule_context(rule, &df, &path, &settings, &build);
    let rounds = 500;
    let start = Instant::now();
    let mut findings = 0;
    for _ in 0..rounds {
        let mut out = Vec::new();
        check(&ctx, &mut out);
        findings = out.len();
        std::hint::black_box(out);
    }
    let mean = start.elapsed().as_secs_f64() * 1e3 / rounds as f64;
    println!("{code}: {mean:.3} ms per run, {findings} findings");
}

/// What `rule` is given when it runs on `df`.
fn rule_context<'a>(
    rule: &'static bakelint::rules::RuleDef,
    df: &'a bakelint::dockerfile::Dockerfile,
    path: &'a Path,
    settings: &'a Settings,
    build: &'a BuildInfo,
) -> bakelint::rules::DockerfileContext<'a> {
    bakelint::rules::DockerfileContext {
        path,
        dockerfile: df,
        rule,
        options: settings.options(rule),
        build,
    }
}
