//! BuildKit's Dockerfile parser corpus (../shared/conformance/buildkit-parser;
//! the tests skip when it is absent):
//! the dump of every positive case must equal BuildKit's `result`, negative
//! cases must report errors, line numbers must match, and every file must
//! round-trip byte for byte.

use std::fs;
use std::path::{Path, PathBuf};

use bakelint::dockerfile::{dump::dump, parse, NodeKind};

mod common;
use common::buildkit_parser_corpus as corpus;

fn case_dirs(corpus: &Path, folder: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(corpus.join(folder))
        .expect("corpus folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn dumps_match_buildkit_results() {
    let Some(corpus) = corpus() else { return };
    let mut mismatches = Vec::new();
    let mut ran = 0;
    for dir in case_dirs(&corpus, "testfiles") {
        let source = read(&dir.join("Dockerfile"));
        let expected = read(&dir.join("result"));
        let df = parse(&source);
        let got = dump(&df);
        ran += 1;
        if got != expected {
            mismatches.push(format!(
                "== {}\n-- expected\n{expected}-- got\n{got}",
                dir.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The shared corpus holds 33 positive case folders (its README says 34;
    // `ls testfiles | wc -l` is 33), so 33 is the full set.
    assert_eq!(ran, 33, "number of positive cases");
}

#[test]
fn negative_cases_report_errors() {
    let Some(corpus) = corpus() else { return };
    let dirs = case_dirs(&corpus, "testfiles-negative");
    assert_eq!(dirs.len(), 4);
    for dir in dirs {
        let df = parse(&read(&dir.join("Dockerfile")));
        assert!(
            !df.errors.is_empty(),
            "{} parsed without errors",
            dir.display()
        );
    }
}

#[test]
fn empty_and_comment_only_files_have_no_instructions() {
    let Some(corpus) = corpus() else { return };
    for case in ["empty_dockerfile", "only_comments"] {
        let df = parse(&read(
            &corpus
                .join("testfiles-negative")
                .join(case)
                .join("Dockerfile"),
        ));
        assert!(
            df.errors
                .iter()
                .any(|e| e.message == "file with no instructions"),
            "{case}: {:?}",
            df.errors
        );
    }
}

#[test]
fn instruction_lines_match_buildkit() {
    let Some(corpus) = corpus() else { return };
    let source = read(&corpus.join("testfile-line/Dockerfile"));
    let df = parse(&source);
    let ranges: Vec<(usize, usize)> = df
        .instructions()
        .map(|(_, ins)| {
            (
                df.line_index.line_of(ins.span.start) + 1,
                df.line_index.line_of(ins.span.end) + 1,
            )
        })
        .collect();
    assert_eq!(ranges, [(5, 5), (11, 12), (17, 31)]);
    assert_eq!(ranges.first().map(|r| r.0), Some(5));
    assert_eq!(ranges.last().map(|r| r.1), Some(31));
    assert!(df.errors.is_empty(), "{:?}", df.errors);
}

#[test]
fn every_corpus_file_round_trips() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    for folder in ["testfiles", "testfiles-negative"] {
        for dir in case_dirs(&corpus, folder) {
            files.push(dir.join("Dockerfile"));
        }
    }
    files.push(corpus.join("testfile-line/Dockerfile"));
    assert_eq!(files.len(), 38);
    for file in files {
        let source = read(&file);
        let df = parse(&source);
        assert_eq!(df.to_source(), source, "{}", file.display());
        let mut at = 0;
        for node in &df.nodes {
            assert_eq!(
                node.span.start,
                at,
                "{}: gap before {:?}",
                file.display(),
                node
            );
            at = node.span.end;
            if let NodeKind::Instruction(ins) = &node.kind {
                assert!(node.span.start <= ins.span.start && ins.span.end <= node.span.end);
            }
        }
        assert_eq!(at, source.len(), "{}", file.display());
    }
}
