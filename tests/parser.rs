//! The Dockerfile parser: exact spans for every construct, BuildKit's
//! reading rules, error recovery and lossless round trips.

mod common;

use bakelint::dockerfile::dump::dump;
use bakelint::dockerfile::*;
use bakelint::span::Span;

fn only_instruction(df: &Dockerfile, n: usize) -> &Instruction {
    df.instructions()
        .nth(n)
        .map(|(_, ins)| ins)
        .unwrap_or_else(|| panic!("no instruction {n} in {:?}", df.nodes))
}

fn text(df: &Dockerfile, span: Span) -> &str {
    span.slice(&df.source)
}

/// Span of the `nth` occurrence of `needle` in `src`.
fn find(src: &str, needle: &str, nth: usize) -> Span {
    let mut from = 0;
    for _ in 0..nth {
        from += src[from..].find(needle).expect("needle") + needle.len();
    }
    let at = from + src[from..].find(needle).expect("needle");
    Span::new(at, at + needle.len())
}

fn assert_tiles(df: &Dockerfile) {
    let mut at = 0;
    for node in &df.nodes {
        assert_eq!(node.span.start, at, "gap/overlap before {node:?}");
        assert!(node.span.end >= node.span.start);
        at = node.span.end;
    }
    assert_eq!(at, df.source.len());
    assert_eq!(df.to_source(), df.source);
}

fn shell_text(form: &CommandForm) -> &str {
    match form {
        CommandForm::Shell(lt) => &lt.text,
        CommandForm::Exec(_) => panic!("expected shell form, got {form:?}"),
    }
}

fn exec_values(form: &CommandForm) -> Vec<&str> {
    match form {
        CommandForm::Exec(v) => v.iter().map(|s| s.value.as_str()).collect(),
        CommandForm::Shell(_) => panic!("expected exec form, got {form:?}"),
    }
}

// ---------------------------------------------------------------- directives

#[test]
fn directives_at_top_set_escape() {
    let src = "# syntax=docker/dockerfile:1\n#ESCAPE = `\n# Check=skip=all\nFROM a\n";
    let df = parse(src);
    assert_eq!(df.escape, '`');
    let names: Vec<(&str, &str)> = df
        .directives
        .iter()
        .map(|d| (d.name.value.as_str(), d.value.value.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("syntax", "docker/dockerfile:1"),
            ("escape", "`"),
            ("check", "skip=all")
        ]
    );
    let esc = &df.directives[1];
    assert_eq!(text(&df, esc.name.span), "ESCAPE");
    assert_eq!(text(&df, esc.value.span), "`");
    assert_eq!(text(&df, esc.span), "#ESCAPE = `");
    assert!(matches!(df.nodes[0].kind, NodeKind::Directive(_)));
    assert!(matches!(df.nodes[2].kind, NodeKind::Directive(_)));
    assert!(df.errors.is_empty(), "{:?}", df.errors);
}

#[test]
fn directive_after_comment_is_ignored() {
    let src = "# a comment\n# escape=`\nFROM a\nRUN x \\\n  y\n";
    let df = parse(src);
    assert!(df.directives.is_empty());
    assert_eq!(df.escape, '\\');
    assert!(matches!(df.nodes[1].kind, NodeKind::Comment));
    let run = only_instruction(&df, 1);
    assert_eq!(run.args.text, "x   y");
}

#[test]
fn directive_after_blank_line_or_instruction_is_ignored() {
    let df = parse("\n# escape=`\nFROM a\n");
    assert!(df.directives.is_empty());
    let df = parse("FROM a\n# escape=`\n");
    assert!(df.directives.is_empty());
    assert_eq!(df.escape, '\\');
    // Unknown directive names end the directive block too.
    let df = parse("# foo=bar\n# escape=`\nFROM a\n");
    assert!(df.directives.is_empty());
}

#[test]
fn duplicate_and_invalid_directives_are_errors() {
    let df = parse("# escape=`\n# escape=\\\nFROM a\n");
    assert_eq!(df.escape, '`');
    assert_eq!(df.errors.len(), 1);
    assert_eq!(
        df.errors[0].message,
        "only one escape parser directive can be used"
    );
    assert_eq!(text(&df, df.errors[0].span), "# escape=\\");
    assert!(matches!(df.nodes[1].kind, NodeKind::Invalid(_)));

    let df = parse("# escape=x\nFROM a\n");
    assert_eq!(df.escape, '\\');
    assert!(df.errors[0].message.starts_with("invalid escape token 'x'"));
}

#[test]
fn backtick_escape_continues_lines_and_keeps_backslashes() {
    let src = "# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo ok\nCOPY a\\ b `\n  c:\\dst\\\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    assert_eq!(
        shell_text(match &run.kind {
            InstructionKind::Run(f) => f,
            k => panic!("{k:?}"),
        }),
        "dir c:\\   && echo ok"
    );
    let InstructionKind::Copy(copy) = &only_instruction(&df, 2).kind else {
        panic!("copy")
    };
    let sources: Vec<&str> = copy.sources.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(sources, ["a\\", "b"]);
    assert_eq!(
        copy.destination.as_ref().map(|d| d.value.as_str()),
        Some("c:\\dst\\")
    );
    assert_eq!(df.nodes.len(), 4);
    assert_tiles(&df);
}

// ------------------------------------------------------------- continuations

#[test]
fn word_on_third_line_of_continued_run_has_its_source_span() {
    let src = "FROM a\nRUN apt-get update \\\n    && apt-get install -y \\\n       curl \\\n    && rm -rf /var/lib/apt/lists\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    let lt = &run.args;
    let logical = lt.text.find("curl").expect("curl");
    let span = lt.source_span(Span::new(logical, logical + 4));
    assert_eq!(span, find(src, "curl", 0));
    assert_eq!(text(&df, span), "curl");
    assert_eq!(run.span, Span::new(7, src.len() - 1));
    assert_eq!(text(&df, run.keyword_span), "RUN");
    assert_eq!(text(&df, run.args_span), &src[11..src.len() - 1]);
    assert_eq!(df.line_index.line_of(span.start), 3);
    assert_tiles(&df);
}

#[test]
fn dropped_comment_and_empty_lines_inside_continuation() {
    let src = "RUN echo one \\\n# a comment\n\n  \t\n    two \\   \n  # indented comment\n    three\nFROM x\n";
    let df = parse(src);
    let run = only_instruction(&df, 0);
    assert_eq!(run.args.text, "echo one     two     three");
    let comments: Vec<&str> = run.inner_comments.iter().map(|s| text(&df, *s)).collect();
    assert_eq!(comments, ["# a comment\n", "  # indented comment\n"]);
    let empty: Vec<&str> = run
        .empty_continuation_lines
        .iter()
        .map(|s| text(&df, *s))
        .collect();
    assert_eq!(empty, ["\n", "  \t\n"]);
    // "two" and "three" map back across the dropped lines.
    let two = run.args.text.find("two").expect("two");
    assert_eq!(
        run.args.source_span(Span::new(two, two + 3)),
        find(src, "two", 0)
    );
    let three = run.args.text.find("three").expect("three");
    assert_eq!(
        run.args.source_span(Span::new(three, three + 5)),
        find(src, "three", 0)
    );
    // A span across the joins covers the dropped bytes too.
    let whole = run.args.source_span(Span::new(0, run.args.text.len()));
    assert_eq!(whole, Span::new(4, find(src, "three", 0).end));
    assert_eq!(run.span.end, find(src, "three", 0).end);
    assert_eq!(df.instructions().count(), 2);
    assert_tiles(&df);
}

#[test]
fn escaped_backslash_at_end_is_not_a_continuation() {
    let df = parse("FROM a\nENV C trailing\\\\\nENV D next\n");
    assert_eq!(df.instructions().count(), 3);
    assert_eq!(
        dump(&df),
        "(from \"a\")\n(env \"C\" \"trailing\\\\\\\\\" \"\")\n(env \"D\" \"next\" \"\")\n"
    );
}

#[test]
fn continuation_at_eof() {
    let src = "FROM a\nRUN something \\";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    assert_eq!(run.args.text, "something");
    assert_eq!(text(&df, run.span), "RUN something \\");
    // Trailing empty lines swallowed by the continuation stay in the node.
    let df = parse("FROM a\nRUN x \\\n\n\n");
    assert_eq!(df.nodes.len(), 2);
    assert_eq!(text(&df, only_instruction(&df, 1).span), "RUN x \\");
    assert_tiles(&df);
}

// ------------------------------------------------------------------ heredocs

#[test]
fn heredoc_body_belongs_to_the_instruction() {
    let src = "FROM a\nRUN <<EOF\necho $HOME\n  indented\nEOF\nRUN next\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    assert_eq!(run.heredocs.len(), 1);
    let doc = &run.heredocs[0];
    assert_eq!(doc.name, "EOF");
    assert!(!doc.quoted && !doc.strip_tabs);
    assert_eq!(text(&df, doc.marker_span), "<<EOF");
    assert_eq!(text(&df, doc.body_span), "echo $HOME\n  indented\n");
    assert_eq!(doc.content, "echo $HOME\n  indented\n");
    assert_eq!(doc.terminator_span.map(|s| text(&df, s)), Some("EOF"));
    assert_eq!(
        text(&df, run.span),
        "RUN <<EOF\necho $HOME\n  indented\nEOF"
    );
    // The next instruction starts right after the terminator.
    assert_eq!(text(&df, only_instruction(&df, 2).span), "RUN next");
    assert_eq!(df.nodes.len(), 3);
    assert!(df.errors.is_empty());
    assert_eq!(dump(&df), "(from \"a\")\n(run \"<<EOF\")\n(run \"next\")\n");
    assert_tiles(&df);
}

#[test]
fn heredoc_strip_tabs_and_quoted_delimiters() {
    let src = "FROM a\nRUN <<-EOT bash\n\tif true; then\n\t\techo hi\n\tfi\n\tEOT\nCOPY <<\"A\" <<'B' /dst/\n$NOT_EXPANDED\nA\nb body\nB\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    let doc = &run.heredocs[0];
    assert!(doc.strip_tabs && !doc.quoted);
    assert_eq!(doc.content, "if true; then\necho hi\nfi\n");
    assert_eq!(
        text(&df, doc.body_span),
        "\tif true; then\n\t\techo hi\n\tfi\n"
    );
    assert_eq!(doc.terminator_span.map(|s| text(&df, s)), Some("\tEOT"));

    let copy = only_instruction(&df, 2);
    let names: Vec<(&str, bool)> = copy
        .heredocs
        .iter()
        .map(|d| (d.name.as_str(), d.quoted))
        .collect();
    assert_eq!(names, [("A", true), ("B", true)]);
    assert_eq!(copy.heredocs[0].content, "$NOT_EXPANDED\n");
    assert_eq!(copy.heredocs[1].content, "b body\n");
    assert_eq!(text(&df, copy.heredocs[1].marker_span), "<<'B'");
    let InstructionKind::Copy(c) = &copy.kind else {
        panic!("copy")
    };
    assert_eq!(
        c.destination.as_ref().map(|d| d.value.as_str()),
        Some("/dst/")
    );
    assert_eq!(df.instructions().count(), 3);
    assert_tiles(&df);
}

#[test]
fn several_heredocs_on_one_line_then_next_instruction() {
    let src = "FROM a\nRUN <<one cat - <<two\n1\none\n2\ntwo\nRUN after\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    let docs: Vec<(&str, &str)> = run
        .heredocs
        .iter()
        .map(|d| (d.name.as_str(), d.content.as_str()))
        .collect();
    assert_eq!(docs, [("one", "1\n"), ("two", "2\n")]);
    assert_eq!(text(&df, run.heredocs[1].body_span), "2\n");
    assert_eq!(only_instruction(&df, 2).args.text, "after");
    assert_tiles(&df);
}

#[test]
fn unterminated_heredoc_is_an_error_not_a_hang() {
    let src = "FROM a\nRUN <<EOF\necho never closed\nFROM b\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(run.heredocs[0].terminator_span, None);
    assert_eq!(run.heredocs[0].content, "echo never closed\nFROM b\n");
    assert_eq!(df.errors.len(), 1);
    assert!(df.errors[0].message.starts_with("unterminated heredoc"));
    assert_eq!(text(&df, df.errors[0].span), "<<EOF");
    assert_eq!(df.instructions().count(), 2);
    assert_tiles(&df);
    // At the very end of the file too.
    let df = parse("FROM a\nRUN <<EOF");
    assert_eq!(
        only_instruction(&df, 1).heredocs[0].body_span,
        Span::empty(16)
    );
    assert_eq!(df.errors.len(), 1);
}

#[test]
fn exec_form_and_quoted_markers_are_not_heredocs() {
    let df = parse(
        "FROM a\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN echo \"<<EOF\"\nCMD <<EOF\nFROM b\n",
    );
    assert!(df.instructions().all(|(_, i)| i.heredocs.is_empty()));
    assert_eq!(df.instructions().count(), 5);
}

#[test]
fn onbuild_heredoc_is_read() {
    let df = parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\nRUN y\n");
    let ob = only_instruction(&df, 1);
    assert_eq!(ob.heredocs.len(), 1);
    let InstructionKind::Onbuild(inner) = &ob.kind else {
        panic!("onbuild")
    };
    assert_eq!(inner.heredocs.len(), 1);
    assert_eq!(text(&df, inner.span), "RUN <<EOF\nx\nEOF");
    assert_eq!(only_instruction(&df, 2).args.text, "y");
}

// ------------------------------------------------------------- command forms

#[test]
fn exec_and_shell_forms() {
    let src = "FROM a\nRUN [\"apt-get\", \"install\"]\nCMD echo hi\nENTRYPOINT [ \"/bin/app\",\"--flag\" ]\nSHELL [\"pwsh\", \"-c\"]\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\"]\nHEALTHCHECK CMD curl -f x\nHEALTHCHECK NONE\n";
    let df = parse(src);
    let kinds: Vec<&InstructionKind> = df.instructions().map(|(_, i)| &i.kind).collect();
    let InstructionKind::Run(run) = kinds[1] else {
        panic!()
    };
    assert_eq!(exec_values(run), ["apt-get", "install"]);
    if let CommandForm::Exec(v) = run {
        assert_eq!(text(&df, v[1].span), "\"install\"");
    }
    let InstructionKind::Cmd(cmd) = kinds[2] else {
        panic!()
    };
    assert_eq!(shell_text(cmd), "echo hi");
    let InstructionKind::Entrypoint(ep) = kinds[3] else {
        panic!()
    };
    assert_eq!(exec_values(ep), ["/bin/app", "--flag"]);
    let InstructionKind::Shell(sh) = kinds[4] else {
        panic!()
    };
    assert_eq!(exec_values(sh), ["pwsh", "-c"]);
    let InstructionKind::Healthcheck(Healthcheck::Cmd(hc)) = kinds[5] else {
        panic!()
    };
    assert_eq!(exec_values(hc), ["curl", "-f"]);
    let InstructionKind::Healthcheck(Healthcheck::Cmd(hc)) = kinds[6] else {
        panic!()
    };
    assert_eq!(shell_text(hc), "curl -f x");
    if let CommandForm::Shell(lt) = hc {
        assert_eq!(
            text(&df, lt.source_span(Span::new(0, lt.text.len()))),
            "curl -f x"
        );
    }
    assert!(matches!(
        kinds[7],
        InstructionKind::Healthcheck(Healthcheck::None)
    ));
    assert!(df.errors.is_empty(), "{:?}", df.errors);
}

#[test]
fn exec_strings_are_decoded_with_literal_spans() {
    let src = "CMD [\"a\\tb\", \"\\u00e9\\\"\"]\n";
    let df = parse(src);
    let InstructionKind::Cmd(CommandForm::Exec(v)) = &only_instruction(&df, 0).kind else {
        panic!()
    };
    assert_eq!(v[0].value, "a\tb");
    assert_eq!(v[1].value, "é\"");
    assert_eq!(text(&df, v[1].span), "\"\\u00e9\\\"\"");
}

#[test]
fn malformed_json_falls_back_to_shell_form() {
    for (line, shell) in [
        ("CMD ['a', 'b']", "['a', 'b']"),
        (
            "CMD [\"echo\", \"unterminated]",
            "[\"echo\", \"unterminated]",
        ),
        ("RUN [\"a\" \"b\"]", "[\"a\" \"b\"]"),
        ("ENTRYPOINT [\"a\",]", "[\"a\",]"),
    ] {
        let df = parse(&format!("FROM x\n{line}\n"));
        let kind = &only_instruction(&df, 1).kind;
        let form = match kind {
            InstructionKind::Cmd(f) | InstructionKind::Run(f) | InstructionKind::Entrypoint(f) => f,
            k => panic!("{k:?}"),
        };
        assert_eq!(shell_text(form), shell, "{line}");
        assert!(df.errors.is_empty());
    }
}

// --------------------------------------------------------------------- flags

#[test]
fn flags_have_spans_for_name_and_value() {
    let src = "FROM a\nRUN --mount=type=cache,target=/root/.cache --network=none --privileged \\\n  --security=\"insecure\" make\n";
    let df = parse(src);
    let run = only_instruction(&df, 1);
    let flags: Vec<(&str, Option<&str>)> = run
        .flags
        .iter()
        .map(|f| {
            (
                f.name.value.as_str(),
                f.value.as_ref().map(|v| v.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("mount", Some("type=cache,target=/root/.cache")),
            ("network", Some("none")),
            ("privileged", None),
            ("security", Some("\"insecure\"")),
        ]
    );
    let mount = run.flag("mount").expect("mount");
    assert_eq!(
        text(&df, mount.span),
        "--mount=type=cache,target=/root/.cache"
    );
    assert_eq!(text(&df, mount.name.span), "mount");
    let opts = mount.options();
    assert_eq!(
        opts[1].value.as_ref().map(|v| text(&df, v.span)),
        Some("/root/.cache")
    );
    let priv_flag = run.flag("privileged").expect("privileged");
    assert_eq!(text(&df, priv_flag.span), "--privileged");
    assert_eq!(text(&df, run.flags[3].span), "--security=\"insecure\"");
    assert_eq!(run.args.text, "make");
    assert_eq!(text(&df, run.args_span), "make");
    assert_eq!(
        dump(&df).lines().nth(1),
        Some("(run [\"--mount=type=cache,target=/root/.cache\" \"--network=none\" \"--privileged\" \"--security=insecure\"] \"make\")")
    );
}

// ----------------------------------------------------------- ENV, LABEL, ARG

#[test]
fn env_pairs_quoted_escaped_and_legacy() {
    let src = "FROM a\nENV A=1 B=\"two words\" C=three\\ words\nENV LEGACY some value here\nLABEL org.opencontainers.image.title=\"My App\" \\\n      version=1.0\n";
    let df = parse(src);
    let InstructionKind::Env(env) = &only_instruction(&df, 1).kind else {
        panic!()
    };
    let pairs: Vec<(&str, &str, bool)> = env
        .iter()
        .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str(), kv.legacy))
        .collect();
    assert_eq!(
        pairs,
        [
            ("A", "1", false),
            ("B", "\"two words\"", false),
            ("C", "three\\ words", false)
        ]
    );
    assert_eq!(text(&df, env[1].span), "B=\"two words\"");
    assert_eq!(text(&df, env[1].key.span), "B");
    assert_eq!(text(&df, env[1].value.span), "\"two words\"");
    assert_eq!(text(&df, env[2].value.span), "three\\ words");

    let InstructionKind::Env(legacy) = &only_instruction(&df, 2).kind else {
        panic!()
    };
    assert_eq!(legacy.len(), 1);
    assert!(legacy[0].legacy);
    assert_eq!(text(&df, legacy[0].key.span), "LEGACY");
    assert_eq!(text(&df, legacy[0].value.span), "some value here");

    let InstructionKind::Label(labels) = &only_instruction(&df, 3).kind else {
        panic!()
    };
    assert_eq!(labels.len(), 2);
    assert_eq!(text(&df, labels[1].span), "version=1.0");
    assert_eq!(labels[0].value.value, "\"My App\"");
    assert!(df.errors.is_empty());
}

#[test]
fn arg_names_and_defaults() {
    let src = "ARG VERSION=1.2 BASE\nFROM a\narg  X=\"a b\" Y=\n";
    let df = parse(src);
    let InstructionKind::Arg(args) = &only_instruction(&df, 0).kind else {
        panic!()
    };
    assert_eq!(args.len(), 2);
    assert_eq!(text(&df, args[0].name.span), "VERSION");
    assert_eq!(
        args[0].default.as_ref().map(|d| text(&df, d.span)),
        Some("1.2")
    );
    assert_eq!(text(&df, args[1].span), "BASE");
    assert!(args[1].default.is_none());
    let InstructionKind::Arg(args) = &only_instruction(&df, 2).kind else {
        panic!()
    };
    assert_eq!(
        args[0].default.as_ref().map(|d| d.value.as_str()),
        Some("\"a b\"")
    );
    assert_eq!(args[1].default.as_ref().map(|d| d.value.as_str()), Some(""));
    assert_eq!(df.global_instructions(), vec![0]);
}

// ---------------------------------------------------------------------- FROM

#[test]
fn from_with_platform_image_ref_and_stage_name() {
    let src = "FROM --platform=$BUILDPLATFORM ghcr.io/org/app:1.2@sha256:abcd AS Build\nFROM localhost:5000/app\nFROM postgres\nFROM ${REG}/app:${TAG} as final\n";
    let df = parse(src);
    let from = |n: usize| match &only_instruction(&df, n).kind {
        InstructionKind::From(f) => f,
        k => panic!("{k:?}"),
    };
    let first = only_instruction(&df, 0);
    assert_eq!(
        first
            .flag("platform")
            .and_then(|f| f.value.as_ref())
            .map(|v| text(&df, v.span)),
        Some("$BUILDPLATFORM")
    );
    let f = from(0);
    assert_eq!(text(&df, f.image.span), "ghcr.io/org/app:1.2@sha256:abcd");
    let r = &f.image_ref;
    assert_eq!(
        r.registry.as_ref().map(|p| text(&df, p.span)),
        Some("ghcr.io")
    );
    assert_eq!(text(&df, r.repository.span), "org/app");
    assert_eq!(r.tag.as_ref().map(|p| text(&df, p.span)), Some("1.2"));
    assert_eq!(
        r.digest.as_ref().map(|p| text(&df, p.span)),
        Some("sha256:abcd")
    );
    assert_eq!(f.as_keyword.as_ref().map(|a| text(&df, a.span)), Some("AS"));
    assert_eq!(
        f.stage_name.as_ref().map(|n| n.value.as_str()),
        Some("Build")
    );

    let r = &from(1).image_ref;
    assert_eq!(
        r.registry.as_ref().map(|p| p.value.as_str()),
        Some("localhost:5000")
    );
    assert_eq!(r.repository.value, "app");
    assert!(r.tag.is_none());

    let r = &from(2).image_ref;
    assert!(r.registry.is_none() && r.tag.is_none() && r.digest.is_none());
    assert_eq!(text(&df, r.repository.span), "postgres");

    let f = from(3);
    assert_eq!(f.image_ref.repository.value, "${REG}/app");
    assert_eq!(
        f.image_ref.tag.as_ref().map(|t| text(&df, t.span)),
        Some("${TAG}")
    );
    assert_eq!(
        f.stage_name.as_ref().map(|n| text(&df, n.span)),
        Some("final")
    );

    let stages = df.stages();
    assert_eq!(stages.len(), 4);
    assert_eq!(
        df.stage_from(&stages[3])
            .and_then(|f| f.stage_name.as_ref())
            .map(|n| n.value.as_str()),
        Some("final")
    );
    assert!(df.errors.is_empty(), "{:?}", df.errors);
}

#[test]
fn parse_image_ref_public_api() {
    let r = parse_image_ref("ghcr.io/org/app:1.2@sha256:ff", 10);
    assert_eq!(r.registry.map(|p| p.span), Some(Span::new(10, 17)));
    assert_eq!(r.repository.span, Span::new(18, 25));
    assert_eq!(r.tag.map(|p| p.value), Some("1.2".to_string()));
    assert_eq!(r.digest.map(|p| p.span), Some(Span::new(30, 39)));
}

#[test]
fn stages_group_instructions() {
    let df = parse("ARG X\nFROM a AS one\nRUN x\nFROM one\nCOPY --from=one /a /b\n");
    let stages = df.stages();
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].instruction_nodes.len(), 1);
    assert_eq!(stages[1].from_node, 3);
}

// ------------------------------------------------------------------ COPY/ADD

#[test]
fn copy_add_sources_and_destination() {
    let src = "FROM a\nCOPY --chown=1:1 src/a my\\ file.txt \\\n     /dest/\nADD [\"a b\", \"/x y/\"]\nCOPY onlyone\n";
    let df = parse(src);
    let InstructionKind::Copy(c) = &only_instruction(&df, 1).kind else {
        panic!()
    };
    assert!(!c.exec_form);
    let sources: Vec<&str> = c.sources.iter().map(|s| text(&df, s.span)).collect();
    assert_eq!(sources, ["src/a", "my\\ file.txt"]);
    assert_eq!(
        c.destination.as_ref().map(|d| text(&df, d.span)),
        Some("/dest/")
    );
    let InstructionKind::Add(a) = &only_instruction(&df, 2).kind else {
        panic!()
    };
    assert!(a.exec_form);
    assert_eq!(a.sources[0].value, "a b");
    assert_eq!(
        a.destination.as_ref().map(|d| text(&df, d.span)),
        Some("\"/x y/\"")
    );
    // One argument only: an error, the instruction is kept.
    let InstructionKind::Copy(c) = &only_instruction(&df, 3).kind else {
        panic!()
    };
    assert!(c.destination.is_none());
    assert_eq!(df.errors.len(), 1);
    assert_eq!(df.errors[0].message, "COPY requires at least two arguments");
}

// ------------------------------------------------------- ONBUILD and keywords

#[test]
fn onbuild_wraps_an_instruction_with_real_spans() {
    let src = "FROM a\nONBUILD RUN --mount=type=cache,target=/x make \\\n  install\n";
    let df = parse(src);
    let ob = only_instruction(&df, 1);
    assert_eq!(ob.keyword, Keyword::Onbuild);
    let InstructionKind::Onbuild(inner) = &ob.kind else {
        panic!()
    };
    assert_eq!(inner.keyword, Keyword::Run);
    assert_eq!(text(&df, inner.keyword_span), "RUN");
    assert_eq!(
        text(&df, inner.flags[0].span),
        "--mount=type=cache,target=/x"
    );
    assert_eq!(
        text(&df, inner.span),
        "RUN --mount=type=cache,target=/x make \\\n  install"
    );
    let InstructionKind::Run(CommandForm::Shell(lt)) = &inner.kind else {
        panic!()
    };
    let at = lt.text.find("install").expect("install");
    assert_eq!(
        lt.source_span(Span::new(at, at + 7)),
        find(src, "install", 0)
    );
    assert_eq!(
        dump(&df).lines().nth(1),
        Some("(onbuild (run [\"--mount=type=cache,target=/x\"] \"make   install\"))")
    );
}

#[test]
fn lowercase_and_mixed_case_keywords() {
    let df = parse("from alpine\nRun echo\nCoPy a b\nfoo bar\n");
    let kws: Vec<Keyword> = df.instructions().map(|(_, i)| i.keyword).collect();
    assert_eq!(
        kws,
        [Keyword::From, Keyword::Run, Keyword::Copy, Keyword::Unknown]
    );
    assert_eq!(text(&df, only_instruction(&df, 2).keyword_span), "CoPy");
    assert_eq!(
        dump(&df),
        "(from \"alpine\")\n(run \"echo\")\n(copy \"a\" \"b\")\n(foo \"\")\n"
    );
}

// ------------------------------------------------------------------ BOM, CRLF

#[test]
fn bom_and_crlf_round_trip() {
    let src = "\u{feff}# syntax=docker/dockerfile:1\r\nFROM alpine AS base\r\nRUN echo a \\\r\n  b\r\nENV K=v\r\n";
    let df = parse(src);
    assert!(df.bom && df.crlf);
    assert_eq!(df.newline(), "\r\n");
    assert_eq!(df.to_source(), src);
    assert_eq!(df.nodes[0].span.start, 0);
    assert_eq!(
        text(&df, df.directives[0].span),
        "# syntax=docker/dockerfile:1"
    );
    let run = only_instruction(&df, 1);
    assert_eq!(run.args.text, "echo a   b");
    assert_eq!(text(&df, run.span), "RUN echo a \\\r\n  b");
    let InstructionKind::Env(env) = &only_instruction(&df, 2).kind else {
        panic!()
    };
    assert_eq!(text(&df, env[0].value.span), "v");
    assert!(df.errors.is_empty());
    assert_tiles(&df);

    // BOM directly before the keyword: not part of the keyword.
    let df = parse("\u{feff}FROM a\r\n");
    let from = only_instruction(&df, 0);
    assert_eq!(from.keyword, Keyword::From);
    assert_eq!(from.keyword_span, Span::new(3, 7));
    assert_eq!(df.nodes[0].span, Span::new(0, df.source.len()));
    let InstructionKind::From(f) = &from.kind else {
        panic!()
    };
    assert_eq!(text(&df, f.image.span), "a");
}

// ------------------------------------------------------------ error recovery

#[test]
fn errors_are_recorded_and_parsing_continues() {
    let src = "FROM a\nENV\nENV PATH\nRUN --mount=type=cache\n&& apt-get install stray\nCMD [\"echo\", [\"nested\"]]\nLABEL a=b c\nRUN ok\n";
    let df = parse(src);
    let messages: Vec<&str> = df.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "ENV requires at least one argument",
            "ENV must have two arguments",
            "RUN requires at least one argument",
            "unexpected \"&&\": expected an instruction keyword",
            "when using JSON array syntax, arrays must be comprised of strings only",
            "Syntax error - can't find = in \"c\". Must be of the form: name=value",
        ]
    );
    assert_eq!(text(&df, df.errors[1].span), "PATH");
    assert_eq!(text(&df, df.errors[3].span), "&&");
    let invalid: Vec<&str> = df
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Invalid(_)))
        .map(|n| text(&df, n.span))
        .collect();
    assert_eq!(
        invalid,
        [
            "&& apt-get install stray\n",
            "CMD [\"echo\", [\"nested\"]]\n"
        ]
    );
    let last = df.instructions().last().map(|(_, i)| i.args.text.as_str());
    assert_eq!(last, Some("ok"));
    assert_tiles(&df);
}

#[test]
fn overlong_lines_are_errors_like_buildkit() {
    let src = format!("FROM image\nLABEL test={}\nRUN ok\n", "a".repeat(65_536));
    let df = parse(&src);
    assert_eq!(df.errors.len(), 1);
    assert_eq!(
        df.errors[0].message,
        "dockerfile line greater than max allowed size of 65535"
    );
    assert_eq!(df.line_index.line_of(df.errors[0].span.start), 1);
    assert_eq!(df.instructions().count(), 3);
}

#[test]
fn files_without_instructions_are_errors() {
    for src in ["", "# only\n# comments\n\n", "   \n\t\n"] {
        let df = parse(src);
        assert_eq!(df.errors.len(), 1, "{src:?}");
        assert_eq!(df.errors[0].message, "file with no instructions");
        assert_tiles(&df);
    }
}

// ------------------------------------------------------------- odd inputs

/// Deterministic pseudo-random generator (no dependencies).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// BAKELINT_FUZZ_ITERS raises the count for a longer local run.
fn fuzz_iterations(default: usize) -> usize {
    std::env::var("BAKELINT_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const PIECES: &[&str] = &[
    "FROM ",
    "RUN ",
    "run ",
    "COPY ",
    "ADD ",
    "ENV ",
    "LABEL ",
    "ARG ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "CMD ",
    "SHELL ",
    "EXPOSE ",
    "VOLUME ",
    "USER ",
    "\\",
    "`",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "EOF",
    "\tEOF",
    "\"",
    "'",
    "[",
    "]",
    "\"a\"",
    ",",
    "#",
    "# escape=`",
    "# syntax=x",
    "--",
    "--mount=type=cache",
    "=",
    "${",
    "}",
    "$X",
    "é",
    "€",
    "😀",
    "\u{feff}",
    "\u{a0}",
    "\u{2028}",
    "a",
    "b/c:d@e",
    "AS",
    "NONE",
    "{",
    "1",
    "\\u00",
    "\x0b",
    "\x0c",
];

#[test]
fn generated_odd_inputs_never_panic_and_round_trip() {
    let iters = fuzz_iterations(3000);
    let mut rng = Lcg(0x5eed);
    for _ in 0..iters {
        let n = rng.next() % 60;
        let src: String = (0..n).map(|_| PIECES[rng.next() % PIECES.len()]).collect();
        let df = parse(&src);
        assert_tiles(&df);
        let _ = dump(&df);
        let check = |span: Span| {
            assert!(
                span.start <= span.end && span.end <= src.len(),
                "{span:?} in {src:?}"
            );
            assert!(
                src.get(span.start..span.end).is_some(),
                "{span:?} not on char boundaries in {src:?}"
            );
        };
        for e in &df.errors {
            check(e.span);
        }
        for (_, ins) in df.instructions() {
            check(ins.span);
            check(ins.keyword_span);
            check(ins.args_span);
            for f in &ins.flags {
                check(f.span);
            }
            for h in &ins.heredocs {
                check(h.marker_span);
                check(h.body_span);
            }
            let kw = text(&df, ins.keyword_span);
            assert!(kw.contains('\n') || !kw.contains('\r'), "{kw:?} in {src:?}");
        }
    }
}

#[test]
fn pathological_inputs_stay_fast() {
    let cases = [
        "ONBUILD ".repeat(20_000) + "RUN x\n",
        format!("CMD {}\n", "[".repeat(50_000)),
        format!("RUN {}\n", "<<EOF ".repeat(5_000)),
        "RUN a \\\n".repeat(20_000),
        format!("ENV {}\n", "a=b ".repeat(20_000)),
    ];
    for src in &cases {
        let started = std::time::Instant::now();
        let df = parse(src);
        assert_tiles(&df);
        assert!(started.elapsed().as_secs() < 5, "too slow");
    }
}

#[test]
fn two_thousand_lines_parse_quickly() {
    let block = "FROM golang:1.22 AS build\nARG VERSION=1\nENV A=1 B=\"two words\"\nRUN --mount=type=cache,target=/go \\\n    go build -o /app \\\n    ./cmd/app\nCOPY --from=build /app /app\nRUN <<EOF\necho hi\nEOF\n";
    let src = block.repeat(200);
    assert!(src.lines().count() >= 2000);
    let df = parse(&src);
    assert!(df.errors.is_empty());
    let started = std::time::Instant::now();
    for _ in 0..5 {
        let _ = parse(&src);
    }
    let per_parse = started.elapsed() / 5;
    eprintln!("2,000-line parse: {per_parse:?}");
    // Generous bound for unoptimised test builds; release is well under 5 ms.
    assert!(per_parse.as_millis() < 400);
}

#[test]
fn mutated_corpus_files_never_panic_and_round_trip() {
    let Some(corpus) = common::buildkit_parser_corpus() else {
        return;
    };
    let root = corpus.join("testfiles");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(root).expect("corpus") {
        let path = entry.expect("entry").path().join("Dockerfile");
        sources.push(std::fs::read_to_string(path).expect("read"));
    }
    sources.sort();
    let mut rng = Lcg(42);
    for round in 0..fuzz_iterations(2000) {
        let base = &sources[round % sources.len()];
        let mut src = base.clone();
        for _ in 0..(1 + rng.next() % 6) {
            let mut at = rng.next() % (src.len() + 1);
            while !src.is_char_boundary(at) {
                at -= 1;
            }
            if rng.next() % 3 == 0 && at < src.len() {
                let mut end = (at + 1 + rng.next() % 8).min(src.len());
                while !src.is_char_boundary(end) {
                    end += 1;
                }
                src.replace_range(at..end, "");
            } else {
                src.insert_str(at, PIECES[rng.next() % PIECES.len()]);
            }
        }
        let df = parse(&src);
        assert_tiles(&df);
        let _ = dump(&df);
    }
}
