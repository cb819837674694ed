//! Unit tests on hand-built [`LogicalText`]s (the Dockerfile parser is tested elsewhere).

use super::*;
use super::{flat, syntax};

/// A logical text that is the whole `source` from offset `at` (one segment).
fn plain(source: &str, at: usize) -> LogicalText {
    LogicalText {
        text: source[at..].to_string(),
        segments: vec![(0, at, source.len() - at)],
    }
}

fn script(text: &str) -> RunScript {
    analyze_text(&plain(text, 0), ScriptOrigin::ShellForm)
}

fn names(s: &RunScript) -> Vec<String> {
    s.commands()
        .iter()
        .map(|c| c.name_str().unwrap_or("<none>").to_string())
        .collect()
}

fn package_values(install: &PackageInstall) -> Vec<String> {
    install
        .packages
        .iter()
        .map(|w| {
            w.as_str()
                .map_or_else(|| format!("<{}>", w.raw), str::to_string)
        })
        .collect()
}

#[test]
fn commands_through_lists_pipes_ifs_subshells_and_substitutions() {
    let s = script(
        "a && b; c | d || (e) && { f; } && if g; then h; fi && x=$(i) && for k in 1; do j; done",
    );
    assert_eq!(
        names(&s),
        vec!["a", "b", "c", "d", "e", "f", "g", "h", "<none>", "i", "j"]
    );
    assert!(s.commands()[9].in_substitution);
    assert!(!s.has_syntax_error);
}

#[test]
fn pipelines_are_marked() {
    for text in [
        "curl -fsSL https://x | sh -s -- -y && echo $(a | b) done",
        "if x; then curl -fsSL https://x | sh; fi; echo $(a | b) done",
    ] {
        let s = script(text);
        let piped: Vec<_> = s
            .commands()
            .iter()
            .filter(|c| c.in_pipeline && !c.in_substitution)
            .filter_map(|c| c.name_str())
            .collect();
        assert_eq!(piped, vec!["curl", "sh"], "{text}");
        assert!(s.has_pipeline());
        let echo = s.commands().iter().find(|c| c.name_str() == Some("echo"));
        assert_eq!(echo.map(|c| c.in_pipeline), Some(false));
    }
    assert!(!script("a && b; c").has_pipeline());
}

#[test]
fn command_words_have_spans_and_values() {
    let text = "DEBIAN_FRONTEND=noninteractive apt-get install -y 'curl' \"$PKGS\"";
    let s = script(text);
    let c = &s.commands()[0];
    assert_eq!(
        c.assignments[0].span.slice(text),
        "DEBIAN_FRONTEND=noninteractive"
    );
    assert_eq!(c.name_str(), Some("apt-get"));
    let args: Vec<_> = c.args.iter().map(|w| w.span.slice(text)).collect();
    assert_eq!(args, vec!["install", "-y", "'curl'", "\"$PKGS\""]);
    assert_eq!(c.args[2].as_str(), Some("curl"));
    assert_eq!(c.args[3].as_str(), None);
}

#[test]
fn words_after_a_redirection_are_arguments() {
    let text = "echo >&2 \"unsupported\" x; apt-get install -y a > /dev/null b 2>&1 c; cmd <in arg";
    let s = script(text);
    let echo: Vec<_> = s.commands()[0]
        .args
        .iter()
        .map(|w| w.span.slice(text))
        .collect();
    assert_eq!(echo, vec!["\"unsupported\"", "x"]);
    assert_eq!(
        s.commands()[0].span.slice(text),
        "echo >&2 \"unsupported\" x"
    );
    assert_eq!(package_values(&s.installs()[0]), vec!["a", "b", "c"]);
    assert_eq!(s.commands()[2].args.len(), 1);
}

#[test]
fn commands_after_a_nested_heredoc() {
    let text =
        "cat <<EOF > /etc/x && apt-get install -y a | tee log\nline $(date)\nEOF\npip install b\n";
    let s = script(text);
    assert_eq!(names(&s), vec!["cat", "apt-get", "tee", "date", "pip"]);
    assert!(s.commands()[3].in_substitution);
    assert_eq!(package_values(&s.installs()[0]), vec!["a"]);
    assert_eq!(package_values(&s.installs()[1]), vec!["b"]);
}

#[test]
fn a_newline_always_ends_a_command() {
    // The grammar joins these lines into one command; the shell does not.
    let text = "a | \"$X\" | b | ~/y # c\n/usr/bin/env # c\nx\\\\y\n/usr/bin/env&&curl=7.8*\t'a\"b' || \"x y\"";
    let (tree, _) = syntax::tree_commands(text);
    for command in &tree {
        let body = command.span.slice(text);
        assert!(!body.contains('\n'), "{body:?}");
    }
    assert_eq!(Some(tree), flat::flat_commands(text));
}

#[test]
fn version_constraints_split_per_manager() {
    use PackageManager::*;
    for (manager, spec, name, constraint) in [
        (AptGet, "curl=7.88.1-10", "curl", Some("=7.88.1-10")),
        (AptGet, "python3-pip", "python3-pip", None),
        (
            Apt,
            "git/bookworm-backports",
            "git",
            Some("/bookworm-backports"),
        ),
        (Apk, "nginx~1.24", "nginx", Some("~1.24")),
        (Dnf, "httpd-2.4.6", "httpd", Some("-2.4.6")),
        (Yum, "python3-devel", "python3-devel", None),
        (Zypper, "curl>=8", "curl", Some(">=8")),
        (Pip, "flask==2.0", "flask", Some("==2.0")),
        (
            Pip,
            "uvicorn[standard]>=0.20",
            "uvicorn[standard]",
            Some(">=0.20"),
        ),
        (Pip, "requests", "requests", None),
        (Npm, "@types/node@20", "@types/node", Some("@20")),
        (Npm, "@types/node", "@types/node", None),
        (
            Go,
            "golang.org/x/tools/gopls@v0.14.0",
            "golang.org/x/tools/gopls",
            Some("@v0.14.0"),
        ),
        (Gem, "rails:7.0", "rails", Some(":7.0")),
        (
            Composer,
            "monolog/monolog:^3",
            "monolog/monolog",
            Some(":^3"),
        ),
        (Bundle, "x=1", "x=1", None),
        (Npm, "é@1", "é", Some("@1")),
    ] {
        assert_eq!(manager.split_version(spec), (name, constraint), "{spec}");
    }
}

#[test]
fn apt_get_install_skips_option_values() {
    let text = "apt-get -y install -o Dpkg::Options::=--force-confold --no-install-recommends a b=1.2 $EXTRA";
    let s = script(text);
    let install = &s.installs()[0];
    assert_eq!(install.manager, PackageManager::AptGet);
    assert_eq!(install.subcommand_str(), Some("install"));
    assert_eq!(package_values(install), vec!["a", "b=1.2", "<$EXTRA>"]);
    assert!(install.has_flag(&["-y", "--yes"]));
    assert!(install.has_flag(&["--no-install-recommends"]));
    assert_eq!(
        install.flag_value("-o"),
        Some("Dpkg::Options::=--force-confold")
    );
    assert_eq!(install.packages[1].span.slice(text), "b=1.2");
}

#[test]
fn apt_update_is_not_an_install() {
    assert!(script("apt-get update && apt-get -qq clean")
        .installs()
        .is_empty());
}

#[test]
fn version_and_help_checks_are_not_installs() {
    for text in [
        "yarn --version",
        "yarn -v | grep 1.22",
        "bundle --version",
        "bundler -v",
        "bundle -h",
        "pip install --help",
        "npm install --help",
    ] {
        assert!(script(text).installs().is_empty(), "{text}");
    }
    // A bare `yarn`/`bundle` installs; `--version` after a subcommand may be a value.
    for text in [
        "yarn",
        "bundle --jobs 4",
        "gem install rails --version 7.1",
        "cargo install --version 1.0.0 ripgrep",
    ] {
        assert_eq!(script(text).installs().len(), 1, "{text}");
    }
}

#[test]
fn short_flag_clusters() {
    let s = script("apt-get install -qy curl");
    assert!(s.installs()[0].has_flag(&["-y"]));
    assert!(!s.installs()[0].has_flag(&["-t"]));
}

#[test]
fn wrappers_are_skipped() {
    let s = script(
        "sudo -u root env A=1 B=2 apt-get install -y curl && nice -n 5 apk add --no-cache git",
    );
    let installs = s.installs();
    assert_eq!(installs.len(), 2);
    assert_eq!(installs[0].manager, PackageManager::AptGet);
    assert_eq!(package_values(&installs[0]), vec!["curl"]);
    assert_eq!(installs[1].manager, PackageManager::Apk);
    assert!(installs[1].has_flag(&["--no-cache"]));
    assert_eq!(package_values(&installs[1]), vec!["git"]);
    assert_eq!(s.commands()[0].program(), Some("apt-get"));
}

#[test]
fn apk_virtual_is_not_a_package() {
    let s = script("apk add --no-cache --virtual .build-deps gcc musl-dev");
    assert_eq!(package_values(&s.installs()[0]), vec!["gcc", "musl-dev"]);
    assert_eq!(s.installs()[0].flag_value("--virtual"), Some(".build-deps"));
}

#[test]
fn rpm_family() {
    for (text, manager) in [
        (
            "dnf install -y --setopt=tsflags=nodocs httpd",
            PackageManager::Dnf,
        ),
        (
            "yum -y install --enablerepo epel httpd",
            PackageManager::Yum,
        ),
        ("microdnf install -y httpd", PackageManager::Microdnf),
        (
            "zypper --non-interactive install -y httpd",
            PackageManager::Zypper,
        ),
        ("zypper in -r repo httpd", PackageManager::Zypper),
    ] {
        let s = script(text);
        let install = &s.installs()[0];
        assert_eq!(install.manager, manager, "{text}");
        assert_eq!(package_values(install), vec!["httpd"], "{text}");
    }
    let s = script("dnf group install -y 'Development Tools'");
    assert_eq!(s.installs()[0].subcommand_str(), Some("group install"));
    assert_eq!(package_values(&s.installs()[0]), vec!["Development Tools"]);
}

#[test]
fn pip_forms() {
    let text = "pip install --no-cache-dir -r requirements.txt -c constraints.txt -e . --index-url https://x/simple flask==2.0";
    let s = script(text);
    let install = &s.installs()[0];
    assert_eq!(install.manager, PackageManager::Pip);
    let reqs: Vec<_> = install
        .requirement_files
        .iter()
        .map(|w| w.span.slice(text))
        .collect();
    assert_eq!(reqs, vec!["requirements.txt", "constraints.txt"]);
    assert_eq!(package_values(install), vec![".", "flask==2.0"]);
    assert_eq!(install.flag_value("--index-url"), Some("https://x/simple"));

    let text = "python3 -m pip install --requirement=req.txt --user x && pip3.11 install y && python -mpip install z";
    let s = script(text);
    let installs = s.installs();
    assert_eq!(installs.len(), 3);
    assert_eq!(installs[0].requirement_files[0].span.slice(text), "req.txt");
    assert_eq!(installs[0].program.as_str(), Some("python3"));
    assert_eq!(package_values(&installs[0]), vec!["x"]);
    assert_eq!(package_values(&installs[1]), vec!["y"]);
    assert_eq!(package_values(&installs[2]), vec!["z"]);
    assert!(script("python3 -m venv /v && python3 app.py")
        .installs()
        .is_empty());
}

#[test]
fn javascript_managers() {
    let s = script("npm ci && npm install -g --registry https://r typescript@5 && yarn install --frozen-lockfile && yarn add left-pad && yarn && yarn global add serve && pnpm i --frozen-lockfile && pnpm add -D vite && yarn build");
    let got: Vec<_> = s
        .installs()
        .iter()
        .map(|i| {
            (
                i.manager,
                i.subcommand_str().map(str::to_string),
                package_values(i),
            )
        })
        .collect();
    let expected = vec![
        (PackageManager::Npm, Some("ci".to_string()), vec![]),
        (
            PackageManager::Npm,
            Some("install".to_string()),
            vec!["typescript@5".to_string()],
        ),
        (PackageManager::Yarn, Some("install".to_string()), vec![]),
        (
            PackageManager::Yarn,
            Some("add".to_string()),
            vec!["left-pad".to_string()],
        ),
        (PackageManager::Yarn, None, vec![]),
        (
            PackageManager::Yarn,
            Some("global add".to_string()),
            vec!["serve".to_string()],
        ),
        (PackageManager::Pnpm, Some("i".to_string()), vec![]),
        (
            PackageManager::Pnpm,
            Some("add".to_string()),
            vec!["vite".to_string()],
        ),
    ];
    assert_eq!(got, expected);
}

#[test]
fn other_language_managers() {
    let s = script("gem install bundler -v 2.4.0 --no-document && bundle install --jobs 4 && bundle && composer install --no-dev && composer require monolog/monolog:^3 && go install golang.org/x/tools/gopls@v0.14.0 && go mod download && cargo install ripgrep --version 14.0.0 && cargo build --release && cargo fetch");
    let got: Vec<_> = s
        .installs()
        .iter()
        .map(|i| {
            (
                i.manager,
                i.subcommand_str().unwrap_or("").to_string(),
                package_values(i),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            (PackageManager::Gem, "install".into(), s(&["bundler"])),
            (PackageManager::Bundle, "install".into(), s(&[])),
            (PackageManager::Bundle, "".into(), s(&[])),
            (PackageManager::Composer, "install".into(), s(&[])),
            (
                PackageManager::Composer,
                "require".into(),
                s(&["monolog/monolog:^3"])
            ),
            (
                PackageManager::Go,
                "install".into(),
                s(&["golang.org/x/tools/gopls@v0.14.0"])
            ),
            (PackageManager::Go, "mod download".into(), s(&[])),
            (PackageManager::Cargo, "install".into(), s(&["ripgrep"])),
            (PackageManager::Cargo, "build".into(), s(&[])),
            (PackageManager::Cargo, "fetch".into(), s(&[])),
        ]
    );
}

#[test]
fn playwright_is_visible_as_commands() {
    let s = script("npx playwright install --with-deps chromium && playwright install firefox");
    assert_eq!(names(&s), vec!["npx", "playwright"]);
    assert!(s.commands()[0].has_arg("--with-deps"));
}

#[test]
fn if_guards() {
    let text = "if [ \"$SKIP_CHROMIUM\" != \"true\" ]; then apt-get install -y chromium; elif [ -n \"$FF\" ]; then apt-get install firefox; else echo none; fi";
    let s = script(text);
    let install = &s.installs()[0];
    assert!(install.is_guarded_by("SKIP_CHROMIUM"));
    let guard = &install.command.guards[0];
    assert_eq!(guard.kind, GuardKind::If);
    assert!(!guard.negated);
    assert_eq!(guard.span.slice(text), "[ \"$SKIP_CHROMIUM\" != \"true\" ]");
    assert_eq!(guard.condition_text, "[ \"$SKIP_CHROMIUM\" != \"true\" ]");
    let firefox = &s.installs()[1];
    assert!(firefox.is_guarded_by("FF") && firefox.is_guarded_by("SKIP_CHROMIUM"));
    assert!(firefox
        .command
        .guards
        .iter()
        .any(|g| g.variables == ["SKIP_CHROMIUM"] && g.negated));
    let echo = s.commands().iter().find(|c| c.name_str() == Some("echo"));
    let echo = echo.map(|c| c.guards.clone()).unwrap_or_default();
    assert!(echo.iter().all(|g| g.negated && g.kind == GuardKind::Else));
    assert_eq!(echo.len(), 2);
    // The condition itself is not guarded by itself.
    assert!(s.commands()[0].guards.is_empty());
}

#[test]
fn list_guards() {
    let s = script("[ \"$X\" = true ] || apt-get install -y a && echo done");
    let install = &s.installs()[0];
    assert!(install.is_guarded_by("X"));
    assert!(install.command.guards[0].negated);
    assert_eq!(install.command.guards[0].kind, GuardKind::Or);
    // `t || a && b`: b runs whenever t or a succeeded, so it is not guarded by t.
    assert!(!s.commands()[2].is_guarded_by("X"));

    let s = script("test -n \"$WITH_GIT\" && apt-get update && apt-get install -y git");
    assert!(s.installs()[0].is_guarded_by("WITH_GIT"));
    assert!(!s.installs()[0].command.guards[0].negated);
    // Plain commands in a chain are not guards.
    assert_eq!(s.installs()[0].command.guards.len(), 1);
}

#[test]
fn case_and_while_guards() {
    let s = script("case \"$TARGETARCH\" in amd64) apt-get install -y a ;; *) echo no ;; esac");
    let c = &s.installs()[0];
    assert!(c.is_guarded_by("TARGETARCH"));
    assert_eq!(c.command.guards[0].kind, GuardKind::Case);
    let s = script("while [ \"$N\" -lt 3 ]; do pip install x; done");
    assert!(s.installs()[0].is_guarded_by("N"));
}

#[test]
fn spans_map_across_continuations() {
    // RUN apt-get install -y \
    //     curl \
    //     git
    let source = "RUN apt-get install -y \\\n    curl \\\n    git\n";
    let text = LogicalText {
        text: "apt-get install -y     curl     git".into(),
        segments: vec![(0, 4, 19), (19, 25, 9), (28, 36, 7)],
    };
    assert_eq!(
        text.segments
            .iter()
            .map(|&(_, s, l)| &source[s..s + l])
            .collect::<String>(),
        text.text
    );
    let s = analyze_text(&text, ScriptOrigin::ShellForm);
    let packages = &s.installs()[0].packages;
    assert_eq!(packages[0].span.slice(source), "curl");
    assert_eq!(packages[1].span.slice(source), "git");
    assert_eq!(packages[1].span.start, source.find("git").unwrap_or(0));
}

#[test]
fn heredoc_bodies_map_per_line_with_tab_stripping() {
    let source = "RUN <<-EOF\n\t\tapt-get install -y curl\n\tpip install x\nEOF\n";
    let body_start = source.find("\t\t").unwrap_or(0);
    let body_end = source.rfind("EOF\n").unwrap_or(0);
    let heredoc = Heredoc {
        name: "EOF".into(),
        marker_span: Span::new(4, 10),
        body_span: Span::new(body_start, body_end),
        content: "apt-get install -y curl\npip install x\n".into(),
        quoted: false,
        strip_tabs: true,
        terminator_span: Some(Span::new(body_end, body_end + 3)),
    };
    let mapped = heredoc_logical_text(&heredoc, source);
    let s = analyze_text(&mapped, ScriptOrigin::Heredoc { index: 0 });
    assert_eq!(s.installs()[0].packages[0].span.slice(source), "curl");
    assert_eq!(s.installs()[1].packages[0].span.slice(source), "x");
    assert_eq!(s.installs()[1].span.slice(source), "pip install x");
}

#[test]
fn heredoc_selection() {
    let heredoc = Heredoc {
        name: "EOF".into(),
        marker_span: Span::default(),
        body_span: Span::default(),
        content: String::new(),
        quoted: false,
        strip_tabs: false,
        terminator_span: None,
    };
    let hs = [heredoc];
    assert_eq!(shell_run_heredocs("<<EOF", &hs), vec![0]);
    assert_eq!(shell_run_heredocs("bash -ex <<EOF", &hs), vec![0]);
    assert_eq!(shell_run_heredocs("/bin/sh <<-EOF", &hs), vec![0]);
    assert!(shell_run_heredocs("python3 <<EOF", &hs).is_empty());
    assert!(shell_run_heredocs("cat <<EOF > /x", &hs).is_empty());
    assert!(shell_run_heredocs("bash -c 'x' <<EOF", &hs).is_empty());
    let masked = mask_heredoc_markers(&plain("cat <<-'EOF' > /x && <<<no", 0), &hs);
    assert_eq!(masked.text, "cat          > /x && <<<no");
}

#[test]
fn exec_form_shell_script() {
    use crate::dockerfile::Spanned;
    let source = r#"RUN ["sh", "-c", "apt-get install -y \"curl\" && echo \u0041"]"#;
    let lit = |needle: &str, value: &str| {
        let start = source.find(needle).unwrap_or(0);
        Spanned::new(value.to_string(), Span::new(start, start + needle.len()))
    };
    let args = vec![
        lit("\"sh\"", "sh"),
        lit("\"-c\"", "-c"),
        lit(
            r#""apt-get install -y \"curl\" && echo \u0041""#,
            "apt-get install -y \"curl\" && echo A",
        ),
    ];
    let text = exec_form_script(&args, source);
    let text = text.unwrap_or_default();
    let s = analyze_text(&text, ScriptOrigin::ExecForm);
    let install = &s.installs()[0];
    assert_eq!(install.packages[0].as_str(), Some("curl"));
    assert_eq!(install.program.span.slice(source), "apt-get");
    assert_eq!(s.commands()[1].args[0].as_str(), Some("A"));
}

#[test]
fn malformed_shell_gives_partial_results() {
    for text in [
        "apt-get install -y curl && if [ x ; then",
        "echo \"unterminated && apt-get install x",
        "((((((((",
        "$(",
        "`",
        "}}}} ;; esac fi done && apt-get install ok",
        "\u{0}\u{1}\u{ff}é ñ",
        "",
        "<<EOF",
        "a=$(b=$(c=$(d)))",
    ] {
        let s = script(text);
        for c in s.commands() {
            for w in c.words() {
                assert!(w.span.end <= text.len());
            }
        }
    }
    let s = script("apt-get install -y curl && if [ x ; then");
    assert_eq!(package_values(&s.installs()[0]), vec!["curl"]);
    assert!(s.has_syntax_error);
    // Deep nesting does not overflow the stack.
    let deep = format!("{}x{}", "$(".repeat(3000), ")".repeat(3000));
    let _ = script(&deep);
    let deep = format!("{}x{}", "(".repeat(3000), ")".repeat(3000));
    let _ = script(&deep);
    let deep = format!(
        "{}test x{} && apt-get install y",
        "! (".repeat(3000),
        ")".repeat(3000)
    );
    let _ = script(&deep);
    let deep = "if a; then ".repeat(2000) + "apt-get install z" + &"; fi".repeat(2000);
    let _ = script(&deep);
}

#[test]
fn long_chains_are_flattened() {
    let chain: Vec<String> = (0..2000)
        .map(|i| format!("apt-get install -y p{i}"))
        .collect();
    let s = script(&chain.join(" && \\\n "));
    assert_eq!(s.installs().len(), 2000);
    assert!(s.commands().iter().all(|c| c.guards.is_empty()));
}

/// The fast path must agree with the tree-sitter walk on every script it accepts.
fn assert_same_as_tree(text: &str) -> bool {
    let Some(fast) = flat::flat_commands(text) else {
        return false;
    };
    let (mut tree, has_error, repaired) = syntax::tree_commands_with_repairs(text);

    assert!(
        !has_error,
        "fast path accepted a script with a syntax error: {text:?}"
    );
    if repaired {
        // The grammar's `&&` structure around a line it ran past is not the
        // shell's (guards, pipelines); only the commands themselves are comparable.
        for t in &mut tree {
            if let Some(f) = fast.iter().find(|f| f.span == t.span) {
                t.guards = f.guards.clone();
                t.in_pipeline = f.in_pipeline;
            }
        }
    }
    for (f, t) in fast.iter().zip(tree.iter()) {
        assert_eq!(f, t, "{text:?}");
    }
    assert_eq!(fast.len(), tree.len(), "{text:?}");
    // The checks skip such a script when it has nothing they look at.
    if !super::checks::flat_script_may_find(text, &fast) {
        assert_eq!(super::checks::check_script(text), Vec::new(), "{text:?}");
    }
    true
}

#[test]
fn fast_path_accepts_typical_chains() {
    for text in [
        "apt-get update && apt-get install -y --no-install-recommends curl=7.* git && rm -rf /var/lib/apt/lists/*",
        "set -eux; \\\n  echo ok > /dev/null 2>&1; apk add --no-cache $PKGS \"${EXTRA}\" 'a b' && echo ok",
        "test -n \"$X\" && pip install x || echo skipped\nnpm ci # comment\nDEBIAN_FRONTEND=noninteractive apt-get -y install tzdata",
        "curl -fsSL https://example.org/x.sh | sh -s -- --yes && X=1 Y=2",
        "which git || apt-get install -y git && command -v git",
        "go install golang.org/x/tools/gopls@v0.14.0 && cargo install --locked ripgrep",
        "a\n\n\nb;c",
        "arch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\" && test -n \"$(which git)\" && apt-get install -y $(cat pkgs.txt) git",
        "echo $(a $(b && c) | d) x",
        "echo a\\ b \\$HOME ~/x *.txt a=b --opt=1,2 -- done2",
    ] {
        assert!(assert_same_as_tree(text), "fast path refused {text:?}");
    }
}

#[test]
fn fast_path_refuses_what_it_does_not_model() {
    for text in [
        "if x; then y; fi",
        "(a) && b",
        "{ a; }",
        "echo $((1 + 2))",
        "echo $(case x in a) b;; esac)",
        "echo `date`",
        "cat <<EOF\nx\nEOF",
        "[ -n \"$X\" ] && y",
        "a &",
        "a && ",
        "&& a",
        "export A=1",
        "echo > out more",
        "echo \"${X:-y}\"",
        "case x in a) b;; esac",
        "! a",
    ] {
        assert!(flat::flat_commands(text).is_none(), "{text:?}");
    }
}

#[test]
fn fast_path_matches_tree_sitter_on_generated_scripts() {
    let words = [
        "apt-get",
        "install",
        "-y",
        "curl=7.8*",
        "'a b'",
        "\"x y\"",
        "$PKGS",
        "\"${EXTRA}\"",
        "--opt=v",
        "a\\ b",
        "test",
        "-n",
        "\"$X\"",
        "pip",
        "which",
        "/usr/bin/env",
        "A=1",
        "x=y",
        "*.txt",
        "~/y",
        "--",
        "-",
        "é",
        "$1",
        "\"a'b\"",
        "'a\"b'",
        "cost$",
        "a#b",
        "2>&1",
        ">/dev/null",
        "> out",
        "2> err",
        "\"$X\"x",
        "a'b'c",
        "--x=\"y z\"",
        "\\$",
        "@",
        "%",
        "a,b",
        "a:b",
        "x\\\\y",
        "\t",
        "$A$B",
        "${A}b",
        "'#'",
        "\\#",
        "+x",
        ".",
        "..",
        "a.b-c_d",
        "$(date)",
        "\"$(uname -m)\"",
        "x=$(a && b)",
        "$(a | b)",
        "$(test -n x && y)",
        "\"a$(b)c\"",
        "$($(a) b)",
        "$()",
    ];
    let separators = [
        " && ", " || ", " | ", "; ", "\n", " \\\n  ", " # c\n", " ", "\r\n", " &&\n ", "|", ";",
        "&&", "\t",
    ];
    let mut state: u64 = 0x9E3779B97F4A7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut accepted = 0;
    for _ in 0..20000 {
        let mut text = String::new();
        for _ in 0..(1 + next(12)) {
            text.push_str(words[next(words.len())]);
            text.push_str(separators[next(separators.len())]);
        }
        text.push_str(words[next(words.len())]);
        if assert_same_as_tree(&text) {
            accepted += 1;
        }
    }
    assert!(
        accepted > 400,
        "only {accepted} generated scripts took the fast path"
    );
}

#[test]
fn resolved_installs_borrow_their_words_in_order() {
    let text = "apt-get install -y -o Dpkg::Use-Pty=0 curl git=1:2.39 && python3 -m pip install -r req.txt flask";
    let s = script(text);
    let installs = s.installs();
    let apt = &installs[0];
    let names: Vec<&str> = apt.packages.iter().filter_map(|w| w.as_str()).collect();
    assert_eq!(names, vec!["curl", "git=1:2.39"]);
    let reversed: Vec<&str> = apt
        .packages
        .iter()
        .rev()
        .filter_map(|w| w.as_str())
        .collect();
    assert_eq!(reversed, vec!["git=1:2.39", "curl"]);
    assert_eq!(apt.packages.len(), 2);
    assert_eq!(apt.packages.get(2), None);
    let flags: Vec<(Option<&str>, Option<&str>)> = apt
        .flags
        .iter()
        .map(|f| (f.flag.as_str(), f.value.and_then(|v| v.as_str())))
        .collect();
    assert_eq!(
        flags,
        vec![(Some("-y"), None), (Some("-o"), Some("Dpkg::Use-Pty=0"))]
    );
    let pip = &installs[1];
    assert_eq!(
        pip.requirement_files.first().and_then(|w| w.as_str()),
        Some("req.txt")
    );
    assert_eq!(pip.packages.first().and_then(|w| w.as_str()), Some("flask"));
    // A shape only resolves against a command its argument indexes fit.
    let commands = s.commands();
    let shape = packages::install_shape(&commands[0], 0);
    let shorter = &script("apt-get install").commands()[0].clone();
    assert!(shape
        .as_ref()
        .and_then(|sh| sh.resolve(&commands[0]))
        .is_some());
    assert!(shape.as_ref().and_then(|sh| sh.resolve(shorter)).is_none());
}
