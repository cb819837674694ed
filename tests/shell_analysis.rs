//! RUN analysis on real Dockerfiles: spans are exact Dockerfile source spans.

use std::time::{Duration, Instant};

use bakelint::dockerfile::{parse, Dockerfile, Instruction};
use bakelint::shell::{analyze_run, GuardKind, PackageManager, RunScript, ScriptOrigin};

/// Every RUN's scripts, in order.
fn scripts(df: &Dockerfile) -> Vec<RunScript> {
    df.instructions()
        .flat_map(|(_, ins)| analyze_run(ins, &df.source))
        .collect()
}

fn run_instructions(df: &Dockerfile) -> Vec<&Instruction> {
    df.instructions().map(|(_, ins)| ins).collect()
}

/// `(line, column)` of a span start, 1-based.
fn line_col(df: &Dockerfile, offset: usize) -> (usize, usize) {
    let p = df.line_index.position(&df.source, offset);
    (p.line, p.column)
}

#[test]
fn package_on_third_line_of_continued_run() {
    let src = "FROM debian\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n      curl=7.88.1-10 \\\n      git \\\n  && rm -rf /var/lib/apt/lists/*\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 1);
    let install = &s[0].installs()[0];
    assert_eq!(install.manager, PackageManager::AptGet);
    let curl = &install.packages[0];
    assert_eq!(curl.span.slice(src), "curl=7.88.1-10");
    assert_eq!(line_col(&df, curl.span.start), (4, 7));
    let git = &install.packages[1];
    assert_eq!(git.span.slice(src), "git");
    assert_eq!(line_col(&df, git.span.start), (5, 7));
    assert_eq!(
        install.subcommand.as_ref().map(|w| w.span.slice(src)),
        Some("install")
    );
    let flag = install.flags.get(1).map(|f| f.flag.span.start);
    assert_eq!(flag.map(|start| line_col(&df, start)), Some((3, 24)));
    // Command spans cover their continuation lines.
    assert!(install.span.slice(src).starts_with("apt-get install"));
    assert!(install.span.slice(src).ends_with("git"));
    let rm = &s[0].commands()[2];
    assert_eq!(rm.name_str(), Some("rm"));
    assert_eq!(line_col(&df, rm.span.start), (6, 6));
}

#[test]
fn comment_lines_inside_continuations() {
    let src = "FROM alpine\nRUN apk add --no-cache \\\n# the compiler\n    gcc \\\n  # indented comment with 'quote and \"quote\n    musl-dev\n";
    let df = parse(src);
    let s = scripts(&df);
    let install = &s[0].installs()[0];
    let packages: Vec<_> = install.packages.iter().map(|w| w.span.slice(src)).collect();
    assert_eq!(packages, vec!["gcc", "musl-dev"]);
    assert_eq!(line_col(&df, install.packages[1].span.start), (6, 5));
    assert!(!s[0].has_syntax_error);
}

#[test]
fn backtick_escape_directive() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN apt-get install -y `\n# comment\n    curl `\n  git\n";
    let df = parse(src);
    let s = scripts(&df);
    let install = &s[0].installs()[0];
    let packages: Vec<_> = install.packages.iter().map(|w| w.span.slice(src)).collect();
    assert_eq!(packages, vec!["curl", "git"]);
    assert_eq!(line_col(&df, install.packages[1].span.start), (6, 3));
}

#[test]
fn mount_flags_do_not_disturb_the_script() {
    let src = "FROM python\nRUN --mount=type=cache,target=/root/.cache/pip \\\n    pip install -r requirements.txt --index-url https://example.org/simple flask\n";
    let df = parse(src);
    let s = scripts(&df);
    let install = &s[0].installs()[0];
    assert_eq!(install.manager, PackageManager::Pip);
    assert_eq!(
        install.requirement_files[0].span.slice(src),
        "requirements.txt"
    );
    assert_eq!(install.packages.len(), 1);
    assert_eq!(install.packages[0].span.slice(src), "flask");
    assert_eq!(line_col(&df, install.packages[0].span.start), (3, 76));
}

#[test]
fn bare_heredoc_is_the_script() {
    let src =
        "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y \\\n  curl\nEOF\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].origin, ScriptOrigin::ShellForm);
    assert!(s[0].commands().is_empty());
    assert_eq!(s[1].origin, ScriptOrigin::Heredoc { index: 0 });
    let install = &s[1].installs()[0];
    assert_eq!(install.packages[0].span.slice(src), "curl");
    assert_eq!(line_col(&df, install.packages[0].span.start), (6, 3));
    assert_eq!(s[1].commands().len(), 3);
}

#[test]
fn tab_stripped_heredoc_maps_per_line() {
    let src = "FROM debian\nRUN bash -ex <<-EOF\n\tif [ \"$WITH_GIT\" = 1 ]; then\n\t\tapt-get install -y git\n\tfi\n\tEOF\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 2);
    let install = &s[1].installs()[0];
    assert_eq!(install.packages[0].span.slice(src), "git");
    assert_eq!(line_col(&df, install.packages[0].span.start), (4, 22));
    assert!(install.is_guarded_by("WITH_GIT"));
    let guard = &install.command.guards[0];
    assert_eq!(guard.span.slice(src), "[ \"$WITH_GIT\" = 1 ]");
    assert_eq!(line_col(&df, guard.span.start), (3, 5));
}

#[test]
fn heredocs_not_run_by_a_shell_are_skipped() {
    let src = "FROM python\nRUN python3 <<EOF\nimport os\nEOF\nRUN cat <<EOF > /etc/apt/sources.list && apt-get install -y curl\ndeb http://x y main\nEOF\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|s| s.origin == ScriptOrigin::ShellForm));
    let names: Vec<_> = s[1]
        .commands()
        .iter()
        .filter_map(|c| c.name_str())
        .collect();
    assert_eq!(names, vec!["cat", "apt-get"]);
    assert_eq!(s[1].installs()[0].packages[0].span.slice(src), "curl");
    assert!(!s[1].has_syntax_error);
}

#[test]
fn exec_form_sh_c() {
    let src = "FROM debian\nRUN [\"/bin/sh\", \"-c\", \"apt-get install -y \\\"curl\\\" && pip install x\"]\nRUN [\"apt-get\", \"install\", \"y\"]\nRUN [\"/bin/bash\", \"-o\", \"pipefail\", \"-ec\", \"npm ci\"]\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].origin, ScriptOrigin::ExecForm);
    assert_eq!(
        s[1].installs()[0]
            .subcommand
            .as_ref()
            .map(|w| w.span.slice(src)),
        Some("ci")
    );
    let installs = s[0].installs();
    assert_eq!(installs.len(), 2);
    assert_eq!(installs[0].packages[0].as_str(), Some("curl"));
    assert_eq!(installs[0].packages[0].span.slice(src), "\\\"curl\\\"");
    assert_eq!(installs[1].packages[0].span.slice(src), "x");
}

#[test]
fn onbuild_run_and_other_instructions() {
    let src = "FROM node\nONBUILD RUN npm ci\nCOPY . .\nCMD npm start\n";
    let df = parse(src);
    let s = scripts(&df);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].installs()[0].manager, PackageManager::Npm);
    assert_eq!(
        s[0].installs()[0]
            .subcommand
            .as_ref()
            .map(|w| w.span.slice(src)),
        Some("ci")
    );
    assert_eq!(run_instructions(&df).len(), 4);
}

#[test]
fn guards_across_lines() {
    let src = "FROM debian\nARG SKIP_CHROMIUM\nRUN if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then \\\n      apt-get install -y chromium; \\\n    fi \\\n    && [ \"$X\" = true ] || apt-get install -y firefox\n";
    let df = parse(src);
    let s = scripts(&df);
    let installs = s[0].installs();
    let chromium = &installs[0];
    assert!(chromium.is_guarded_by("SKIP_CHROMIUM"));
    assert!(!chromium.is_guarded_by("X"));
    let guard = &chromium.command.guards[0];
    assert_eq!(guard.kind, GuardKind::If);
    assert_eq!(guard.span.slice(src), "[ \"$SKIP_CHROMIUM\" != \"true\" ]");
    assert_eq!(line_col(&df, chromium.packages[0].span.start), (4, 26));
    let firefox = &installs[1];
    assert!(firefox.is_guarded_by("X"));
    assert!(firefox
        .command
        .guards
        .iter()
        .any(|g| g.negated && g.kind == GuardKind::Or));
    assert!(!firefox.is_guarded_by("SKIP_CHROMIUM"));
    let command = s[0].command_of(firefox).and_then(|c| c.program());
    assert_eq!(command, Some("apt-get"));
}

#[test]
fn sudo_env_and_variable_packages() {
    let src = "FROM debian\nARG PKGS\nRUN sudo env DEBIAN_FRONTEND=noninteractive apt-get -y install $PKGS \"${EXTRA}\" vim\n";
    let df = parse(src);
    let s = scripts(&df);
    let install = &s[0].installs()[0];
    let raw: Vec<_> = install
        .packages
        .iter()
        .map(|w| (w.raw.as_str(), w.as_str()))
        .collect();
    assert_eq!(
        raw,
        vec![
            ("$PKGS", None),
            ("\"${EXTRA}\"", None),
            ("vim", Some("vim"))
        ]
    );
    assert_eq!(install.program.span.slice(src), "apt-get");
    assert!(install.has_flag(&["-y"]));
}

#[test]
fn malformed_runs_do_not_panic() {
    let pieces = [
        "RUN ", "apt-get ", "install ", "-y ", "'", "\"", "$(", ")", "`", "\\\n", "# c\n", "if ",
        "then ", "fi", "&& ", "|| ", "| ", "; ", "(", "{ ", "}", "<<EOF\n", "EOF\n", "<<-X\n",
        "\tX\n", "é", "[ ", "]", "case ", "esac", "\n", "$X", "${", "\t", "\r\n",
    ];
    let mut state: u64 = 0x2545F4914F6CDD1D;
    for _ in 0..300 {
        let mut src = String::from("FROM x\nRUN ");
        for _ in 0..30 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            src.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        let df = parse(&src);
        for script in scripts(&df) {
            for command in script.commands() {
                for word in command.words() {
                    assert!(word.span.end <= src.len(), "{src:?}");
                    assert!(src.is_char_boundary(word.span.start), "{src:?}");
                }
            }
            let _ = script.installs();
        }
    }
}

/// On-CPU nanoseconds of the current thread (Linux schedstat).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn long_run_chain_is_fast() {
    let mut src = String::from("FROM debian\nRUN apt-get update \\\n");
    for i in 0..200 {
        src.push_str(&format!(
            "  && apt-get install -y --no-install-recommends pkg{i} other{i}=1.{i} \\\n"
        ));
    }
    src.push_str("  && rm -rf /var/lib/apt/lists/*\n");
    let df = parse(&src);
    let ins = run_instructions(&df)[1];
    let _ = analyze_run(ins, &src); // warm the per-thread parser
    let rounds = 50;
    let started = Instant::now();
    let cpu_before = thread_cpu_ns();
    let mut installs = 0;
    for _ in 0..rounds {
        installs += analyze_run(ins, &src)[0].installs().len();
    }
    let wall = started.elapsed() / rounds;
    // CPU time of this thread where Linux reports it: wall time on a shared
    // machine mostly measures the other builds.
    let per_run = match (cpu_before, thread_cpu_ns()) {
        (Some(before), Some(after)) => Duration::from_nanos((after - before) / u64::from(rounds)),
        _ => wall,
    };
    assert_eq!(installs, 200 * rounds as usize);
    let analysed = analyze_run(ins, &src);
    let last = &analysed[0].installs()[199];
    assert_eq!(last.packages[1].span.slice(&src), "other199=1.199");
    assert_eq!(line_col(&df, last.packages[1].span.start).0, 202);
    eprintln!("200-line RUN chain: {per_run:?} CPU ({wall:?} wall) per analysis");
    // Debug builds are far slower than release; this only catches blow-ups.
    assert!(per_run.as_millis() < 200, "{per_run:?}");
}

#[test]
fn heredoc_marker_with_blanks_and_onbuild_heredoc() {
    let src = "FROM debian\nRUN <<  EOF\napt-get install -y curl\nEOF\nONBUILD RUN sh <<EOF\npip install x\nEOF\n";
    let df = parse(src);
    let s = scripts(&df);
    let origins: Vec<_> = s.iter().map(|s| s.origin).collect();
    assert_eq!(
        origins,
        vec![
            ScriptOrigin::ShellForm,
            ScriptOrigin::Heredoc { index: 0 },
            ScriptOrigin::ShellForm,
            ScriptOrigin::Heredoc { index: 0 },
        ]
    );
    assert!(s[0].commands().is_empty());
    assert_eq!(s[1].installs()[0].packages[0].span.slice(src), "curl");
    assert_eq!(s[3].installs()[0].packages[0].span.slice(src), "x");
    assert_eq!(
        line_col(&df, s[3].installs()[0].packages[0].span.start),
        (6, 13)
    );
}

#[test]
fn apt_and_pip_user_installs() {
    let src = "FROM debian\nRUN apt install -y --no-install-recommends python3-pip \\\n && pip3 install --user --no-cache-dir -r /tmp/req.txt poetry==1.8.3\n";
    let df = parse(src);
    let s = scripts(&df);
    let installs = s[0].installs();
    assert_eq!(installs[0].manager, PackageManager::Apt);
    assert_eq!(installs[0].packages[0].span.slice(src), "python3-pip");
    assert_eq!(installs[1].manager, PackageManager::Pip);
    assert!(installs[1].has_flag(&["--user"]));
    assert_eq!(
        installs[1].requirement_files[0].span.slice(src),
        "/tmp/req.txt"
    );
    assert_eq!(installs[1].packages[0].span.slice(src), "poetry==1.8.3");
    assert_eq!(line_col(&df, installs[1].packages[0].span.start), (3, 56));
}

/// Every RUN in the repository's Dockerfile corpora analyses without panics,
/// with spans inside the file on character boundaries.
#[test]
fn corpus_runs_analyse_cleanly() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("Dockerfile"))
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .as_path(),
        &mut files,
    );
    assert!(!files.is_empty());
    let mut commands = 0;
    for file in files {
        let Ok(src) = std::fs::read_to_string(&file) else {
            continue;
        };
        let df = parse(&src);
        for script in scripts(&df) {
            for command in script.commands() {
                commands += 1;
                for span in command.words().map(|w| w.span).chain([command.span]) {
                    assert!(span.end <= src.len() && span.start <= span.end, "{file:?}");
                    assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
                }
            }
            for install in script.installs() {
                for package in &install.packages {
                    assert!(!package.span.slice(&src).is_empty(), "{file:?}");
                }
            }
        }
    }
    assert!(commands > 0);
}
