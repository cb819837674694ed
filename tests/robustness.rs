//! Odd input never panics: deterministic mutations of the conformance corpus
//! and the rule-doc examples are parsed (must round-trip byte for byte) and
//! linted with every rule, and every fix is applied and re-parsed.

use std::path::{Path, PathBuf};

mod common;

use bakelint::config::Settings;
use bakelint::diagnostic::Edit;
use bakelint::dockerfile::parse;
use bakelint::fix::apply_edits;
use bakelint::linter::lint_dockerfile_text;
use bakelint::rules::{docs, BuildInfo, RULES};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments that stress the parser: continuations, heredocs, quotes, flags.
const FRAGMENTS: &[&str] = &[
    "\\\n",
    "`\n",
    "\n",
    "\r\n",
    "<<EOF\n",
    "<<-'EOT'\n",
    "EOF\n",
    "\"",
    "'",
    "[",
    "]",
    "${",
    "}",
    "$",
    "=",
    "--mount=type=cache,target=/x ",
    "--platform=$BUILDPLATFORM ",
    " AS ",
    "# comment\n",
    "#",
    "\t",
    "é",
    "FROM ",
    "RUN ",
    "ONBUILD ",
    "ENV ",
    "ARG ",
    "COPY --from=",
    "HEALTHCHECK ",
    "EXPOSE 80/TCP ",
    "\u{feff}",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "{",
    "\\",
    "\0",
];

fn seeds() -> Vec<String> {
    let mut seeds: Vec<String> = Vec::new();
    // BuildKit's parser corpus when ../shared is there; the rule docs' examples always.
    let corpus = common::buildkit_parser_corpus().map(|c| c.join("testfiles"));
    if let Some(Ok(dirs)) = corpus.map(std::fs::read_dir) {
        let mut dirs: Vec<PathBuf> = dirs.filter_map(|e| e.ok().map(|e| e.path())).collect();
        dirs.sort();
        for d in dirs {
            if let Ok(t) = std::fs::read_to_string(d.join("Dockerfile")) {
                seeds.push(t);
            }
        }
    }
    for rule in RULES {
        let (bad, good) = docs::examples(rule.doc);
        for f in bad.files.into_iter().chain(good.files) {
            if f.path.ends_with("Dockerfile") {
                seeds.push(f.content);
            }
        }
    }
    seeds
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..(1 + rng.below(4)) {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => s.insert_str(at, FRAGMENTS[rng.below(FRAGMENTS.len())]),
            1 => {
                let mut end = (at + rng.below(12)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let cut = rng.below(s.len() + 1);
                let mut cut = cut.min(s.len());
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
            }
        }
    }
    s
}

#[test]
fn mutated_inputs_never_panic_and_round_trip() {
    let seeds = seeds();
    assert!(
        seeds.len() > 40,
        "expected the corpus and doc examples as seeds"
    );
    let settings = Settings::default();
    let build = BuildInfo::default();
    let path = Path::new("Dockerfile");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut cases = 0;
    for seed in &seeds {
        for _ in 0..25 {
            let text = mutate(&mut rng, seed);
            let df = parse(&text);
            assert_eq!(df.to_source(), text, "round trip failed for {text:?}");
            let mut covered = 0;
            for n in &df.nodes {
                assert_eq!(
                    n.span.start, covered,
                    "nodes must tile the source: {text:?}"
                );
                covered = n.span.end;
            }
            assert_eq!(covered, text.len(), "nodes must cover the source: {text:?}");
            let diags = lint_dockerfile_text(path, &text, &settings, &build);
            for d in &diags {
                assert!(
                    d.span.end <= text.len() && d.span.start <= d.span.end,
                    "{d:?} in {text:?}"
                );
                assert!(
                    text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end),
                    "{d:?}"
                );
                if let Some(fix) = &d.fix {
                    let mut edits: Vec<_> = fix
                        .edits
                        .iter()
                        .filter_map(|e| match e {
                            Edit::Replace { span, content, .. } => Some((*span, content.clone())),
                            Edit::Create { .. } => None,
                        })
                        .collect();
                    edits.sort_by_key(|(s, _)| (s.start, s.end));
                    let fixed = apply_edits(&text, &edits);
                    let _ = lint_dockerfile_text(path, &fixed, &settings, &build);
                }
            }
            cases += 1;
        }
    }
    assert!(cases > 1000);
}
