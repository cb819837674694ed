//! `bakelint server` driven over its stdio with real, Content-Length framed
//! JSON-RPC: initialize, initialized, didOpen, publishDiagnostics,
//! codeAction, hover, didChange, didSave, didClose, shutdown, exit. Every
//! read has a timeout, so a hang fails the test instead of blocking it.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::lsp_client::{file_uri, Client};

fn codes(diags: &Value) -> Vec<String> {
    diags["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Applies LSP text edits (UTF-16 ranges) to `text`.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| -> usize {
        let line = pos["line"].as_u64().unwrap_or(0) as usize;
        let ch = pos["character"].as_u64().unwrap_or(0) as usize;
        let mut off = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i == line {
                let mut units = 0;
                for (j, c) in l.char_indices() {
                    if units >= ch {
                        return off + j;
                    }
                    units += c.len_utf16();
                }
                return off + l.len();
            }
            off += l.len();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

const DOCKERFILE: &str = "FROM node:8 AS Builder\nMAINTAINER someone@example.com\nRUN echo ok\n";

#[test]
fn lsp_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let path = root.join("Dockerfile");
    std::fs::write(&path, DOCKERFILE).expect("write");
    let uri = file_uri(&path);

    let mut c = Client::start(&root);
    let init = c.initialize(Some(&root));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .is_some_and(
            |k| k.contains(&json!("quickfix")) && k.contains(&json!("source.fixAll.bakelint"))
        ));
    assert_eq!(init["result"]["serverInfo"]["name"], "bakelint");

    // didOpen -> diagnostics.
    c.open(&uri, DOCKERFILE);
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["DF001", "DF008"], "{diags}");
    let d0 = &diags["diagnostics"][0];
    assert_eq!(
        d0["range"],
        json!({"start": {"line": 0, "character": 15}, "end": {"line": 0, "character": 22}})
    );
    assert_eq!(d0["severity"], 2);
    assert_eq!(d0["source"], "bakelint");
    // The rule's page when Cargo.toml names the repository; no made-up link otherwise.
    match bakelint::output::sarif::HOMEPAGE {
        Some(home) => assert!(d0["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with(home) && h.ends_with("DF001.md"))),
        None => assert!(d0["codeDescription"].is_null(), "{d0}"),
    }

    // Code actions at the first diagnostic: its quick fix, then fix-all.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d0["range"], "context": {"diagnostics": [d0]}}),
    );
    let actions = resp["result"].as_array().expect("actions").clone();
    let quick: Vec<&Value> = actions.iter().filter(|a| a["kind"] == "quickfix").collect();
    assert_eq!(quick.len(), 1, "{resp}");
    assert_eq!(quick[0]["isPreferred"], true);
    assert_eq!(quick[0]["diagnostics"][0]["code"], "DF001");
    let edits = quick[0]["edit"]["changes"][uri.as_str()]
        .as_array()
        .expect("edits")
        .clone();
    let fixed = apply_edits(DOCKERFILE, &edits);
    assert!(fixed.starts_with("FROM node:8 AS builder\n"), "{fixed}");
    assert!(!quick[0]["title"]
        .as_str()
        .unwrap_or("")
        .contains("(unsafe)"));

    let fix_all: Vec<&Value> = actions
        .iter()
        .filter(|a| a["kind"] == "source.fixAll.bakelint")
        .collect();
    assert_eq!(fix_all.len(), 1, "{resp}");
    assert_eq!(fix_all[0]["title"], "Fix all safe problems");
    let edits = fix_all[0]["edit"]["changes"][uri.as_str()]
        .as_array()
        .expect("edits")
        .clone();
    let all_fixed = apply_edits(DOCKERFILE, &edits);
    assert!(
        all_fixed.starts_with("FROM node:8 AS builder\n"),
        "{all_fixed}"
    );
    assert!(!all_fixed.contains("MAINTAINER"), "{all_fixed}");

    // `only` filters by kind.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d0["range"], "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let kinds: Vec<&Value> = resp["result"]
        .as_array()
        .map(|a| a.iter().map(|x| &x["kind"]).collect())
        .unwrap_or_default();
    assert_eq!(kinds, [&json!("source.fixAll.bakelint")]);

    // Hover on the diagnostic shows the rule's doc.
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 17}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.contains("DF001") && value.contains("stage-name-casing"),
        "{resp}"
    );
    assert_eq!(resp["result"]["contents"]["kind"], "markdown");

    // didChange: apply the fix; the new version's diagnostics come back.
    c.change(&uri, 2, &fixed);
    let diags = c.diagnostics(&uri, Some(2));
    assert_eq!(codes(&diags), ["DF008"], "{diags}");

    // A suppression comment silences it; hover on the code in it shows the doc.
    let suppressed = format!(
        "# bakelint ignore=DF008 legacy\n{}",
        fixed.replacen("FROM node:8 AS builder\n", "", 1)
    );
    let text = format!("FROM node:8 AS builder\n{suppressed}");
    c.change(&uri, 3, &text);
    let diags = c.diagnostics(&uri, Some(3));
    assert_eq!(codes(&diags), Vec::<String>::new(), "{diags}");
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 20}}),
    );
    let value = resp["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.contains("DF008"), "{resp}");
    assert_eq!(
        resp["result"]["range"],
        json!({"start": {"line": 1, "character": 18}, "end": {"line": 1, "character": 23}})
    );
    // Nothing to show elsewhere.
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}),
    );
    assert!(resp["result"].is_null(), "{resp}");

    // didSave re-publishes; didClose clears.
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}, "text": DOCKERFILE}),
    );
    let diags = c.diagnostics(&uri, None);
    assert_eq!(codes(&diags), ["DF001", "DF008"], "{diags}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let diags = c.diagnostics(&uri, None);
    assert_eq!(codes(&diags), Vec::<String>::new());

    // Unknown requests get an error, not a hang.
    let resp = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(resp["error"]["code"], -32601, "{resp}");

    c.shutdown();
}

#[test]
fn lsp_changes_are_coalesced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, "FROM node:8\n");
    let first = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&first), Vec::<String>::new());
    // A burst of 30 changes: the last one wins, and the intermediate
    // versions are not all linted and published.
    let burst: Vec<Value> = (2..=31)
        .map(|v| {
            let text = if v == 31 {
                "FROM node:8 AS Final\n".to_string()
            } else {
                format!("FROM node:8 AS s{v}\n")
            };
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"text": text}],
            }})
        })
        .collect();
    c.send_many(&burst);
    let last = c.diagnostics(&uri, Some(31));
    assert_eq!(codes(&last), ["DF001"], "{last}");
    let intermediate = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count();
    assert!(
        intermediate < 29,
        "each change was published: {intermediate}"
    );
    c.shutdown();
}

#[test]
fn lsp_utf16_positions_and_unsafe_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    // "𝄞" is two UTF-16 code units (four bytes, one character).
    let text =
        "FROM alpine AS Builder\nENV A=\"𝄞\" B=$NOPE\nMAINTAINER 𝄞𝄞\nWORKDIR 𝄞/rel\nCMD echo hi\n";
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, Some(1));
    let all = diags["diagnostics"].as_array().cloned().unwrap_or_default();
    let range_of = |code: &str| -> Value {
        all.iter()
            .find(|d| d["code"] == code)
            .map(|d| d["range"].clone())
            .unwrap_or(Value::Null)
    };
    let range = |l: u32, s: u32, e: u32| json!({"start": {"line": l, "character": s}, "end": {"line": l, "character": e}});
    // `$NOPE` after `ENV A="𝄞" B=`: 12 characters, 13 UTF-16 units.
    assert_eq!(range_of("DF011"), range(1, 13, 18), "{diags}");
    // `𝄞/rel`: 5 characters, 6 units.
    assert_eq!(range_of("DF010"), range(3, 8, 14), "{diags}");
    assert_eq!(range_of("DF001"), range(0, 15, 22), "{diags}");

    // Every offered action's title marks unsafe fixes, and only safe ones are preferred.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}, "context": {"diagnostics": []}}),
    );
    let mut seen_unsafe = false;
    let mut seen_safe = false;
    for a in resp["result"].as_array().cloned().unwrap_or_default() {
        if a["kind"] != "quickfix" {
            continue;
        }
        let title = a["title"].as_str().unwrap_or("");
        let is_unsafe = title.ends_with(" (unsafe)");
        assert_eq!(is_unsafe, a["isPreferred"] == false, "{a}");
        seen_unsafe |= is_unsafe;
        seen_safe |= !is_unsafe;
        if a["diagnostics"][0]["code"] == "DF007" {
            assert!(is_unsafe, "{a}");
            let edits = a["edit"]["changes"][uri.as_str()]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let fixed = apply_edits(text, &edits);
            assert!(fixed.ends_with("CMD [\"echo\", \"hi\"]\n"), "{fixed}");
        }
    }
    assert!(seen_unsafe && seen_safe, "{resp}");
    c.shutdown();
}

/// A 2,000-line multi-stage Dockerfile with a few findings.
pub fn big_dockerfile(lines: usize) -> String {
    let mut out = String::from("# syntax=docker/dockerfile:1\nARG BASE=alpine:3.20\n");
    let mut stage = 0;
    while out.lines().count() + 10 <= lines {
        let name = if stage % 25 == 7 {
            format!("Stage{stage}")
        } else {
            format!("stage{stage}")
        };
        out.push_str(&format!("FROM ${{BASE}} AS {name}\n"));
        out.push_str("ARG VERSION=1.0\n");
        out.push_str(&format!(
            "ENV PATH=/usr/local/bin:$PATH APP_{stage}=value\n"
        ));
        out.push_str("RUN apk add --no-cache curl \\\n");
        out.push_str(&format!("    && echo \"building {stage} $VERSION\" \\\n"));
        out.push_str("    && rm -rf /var/cache/apk/*\n");
        if stage > 0 {
            out.push_str(&format!("COPY --from=stage{} /out /in\n", stage - 1));
        } else {
            out.push_str("COPY . /src\n");
        }
        out.push_str("WORKDIR /app\n");
        out.push_str(&format!(
            "LABEL org.opencontainers.image.title=\"app {stage}\"\n"
        ));
        out.push_str(&format!("EXPOSE 80{}/tcp\n", stage % 10));
        stage += 1;
    }
    while out.lines().count() < lines {
        out.push_str("RUN echo padding\n");
    }
    out
}

/// Benchmark, not a timed test: diagnostics latency for a 2,000-line
/// Dockerfile after a change (didChange sent -> publishDiagnostics of that
/// version received). Run it with `bench/lsp_latency.sh`.
#[test]
#[ignore = "benchmark: run with bench/lsp_latency.sh"]
fn bench_lsp_latency() {
    let lines: usize = std::env::var("BAKELINT_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rounds: i64 = std::env::var("BAKELINT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let path = root.join("Dockerfile");
    let text = big_dockerfile(lines);
    assert_eq!(text.lines().count(), lines);
    std::fs::write(&path, &text).expect("write");
    let uri = file_uri(&path);
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, &text);
    let first = c.diagnostics(&uri, Some(1));
    let n = first["diagnostics"].as_array().map_or(0, Vec::len);
    let mut times: Vec<Duration> = Vec::new();
    for round in 0..rounds {
        // Edit a line in the middle (a different edit each round).
        let edited = text.replacen(
            "WORKDIR /app\n",
            &format!("WORKDIR /app{round}\n"),
            1 + (round as usize % 50),
        );
        let version = 2 + round;
        let start = Instant::now();
        c.change(&uri, version, &edited);
        let diags = c.diagnostics(&uri, Some(version));
        times.push(start.elapsed());
        assert!(diags["diagnostics"].is_array());
        c.backlog.clear();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[times.len() / 2];
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        "lsp latency, {lines}-line Dockerfile ({n} findings), {rounds} changes: \
         min {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(times[0]),
        ms(median),
        ms(p95),
        ms(times[times.len() - 1]),
    );
    c.shutdown();
}

#[test]
fn lsp_settings_come_from_the_files_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    // The server runs elsewhere: settings are found from the file, not the cwd.
    let project = root.join("project");
    std::fs::create_dir_all(project.join("svc")).expect("mkdir");
    std::fs::write(project.join("bakelint.toml"), "ignore = [\"DF008\"]\n").expect("config");
    let uri = file_uri(&project.join("svc/Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, DOCKERFILE);
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["DF001"], "{diags}");

    // The config changes on disk: after didChangeWatchedFiles, re-linted with it.
    std::fs::write(
        project.join("bakelint.toml"),
        "ignore = [\"DF001\"]\n[severity]\nDF008 = \"error\"\n",
    )
    .expect("config");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&project.join("bakelint.toml")), "type": 2}]}),
    );
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["DF008"], "{diags}");
    assert_eq!(diags["diagnostics"][0]["severity"], 1, "{diags}");

    // A broken config: a message to the user, defaults meanwhile.
    std::fs::write(project.join("bakelint.toml"), "select = 3\n").expect("config");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&project.join("bakelint.toml"))}}),
    );
    let msg = c.wait_for("showMessage", |m| m["method"] == "window/showMessage");
    assert_eq!(msg["params"]["type"], 1, "{msg}");
    assert!(
        msg["params"]["message"]
            .as_str()
            .is_some_and(|s| s.contains("bakelint.toml")),
        "{msg}"
    );
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["DF001", "DF008"], "{diags}");
    c.shutdown();
}

#[test]
fn lsp_tolerates_unknown_documents_and_bad_params() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    // Requests about a document that was never opened.
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert_eq!(resp["result"], json!([]), "{resp}");
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 99}}),
    );
    assert!(resp["result"].is_null(), "{resp}");
    // Malformed parameters: an error response, and the server keeps going.
    let resp = c.request("textDocument/hover", json!({"nope": true}));
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    c.change(&uri, 5, "FROM x AS Y\n");
    // A file that is neither a Dockerfile nor a bake file is not linted.
    let other = file_uri(&root.join("notes.txt"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": other, "languageId": "plaintext", "version": 1, "text": "FROM x AS Y\n"}}),
    );
    // Positions past the end of a line or of the file are clamped.
    c.open(&uri, "FROM node:8 AS Builder");
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(codes(&diags), ["DF001"], "{diags}");
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 500}, "end": {"line": 40, "character": 0}}, "context": {"diagnostics": []}}),
    );
    let kinds: Vec<Value> = resp["result"]
        .as_array()
        .map(|a| a.iter().map(|x| x["kind"].clone()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&json!("quickfix")), "{resp}");
    assert!(
        !c.backlog
            .iter()
            .any(|m| m["params"]["uri"] == other.as_str()),
        "{:?}",
        c.backlog
    );
    c.shutdown();
}

#[test]
fn lsp_lints_bake_files_and_relints_the_dockerfiles_they_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join(".git")).expect("git dir");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    let dockerfile = "FROM ${BASE_IMAGE} AS app\nRUN true\n";
    std::fs::write(root.join("app/Dockerfile"), dockerfile).expect("write");
    let bake_ok =
        "target \"default\" {\n  context = \"app\"\n  args = { BASE_IMAGE = \"alpine\" }\n}\n";
    let bake_broken = "target \"default\" {\n  context = \"app\"\n  tags = [\"x:${NOPE}\"]\n}\n";
    std::fs::write(root.join("docker-bake.hcl"), bake_ok).expect("write");
    let bake_uri = file_uri(&root.join("docker-bake.hcl"));
    let df_uri = file_uri(&root.join("app/Dockerfile"));

    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&df_uri, dockerfile);
    let diags = c.diagnostics(&df_uri, Some(1));
    assert!(
        !codes(&diags).contains(&"DF009".to_string()),
        "the bake target passes BASE_IMAGE: {diags}"
    );

    c.open(&bake_uri, bake_ok);
    let diags = c.diagnostics(&bake_uri, Some(1));
    // The Dockerfile uses BASE_IMAGE in FROM without declaring `ARG BASE_IMAGE`.
    assert_eq!(codes(&diags), ["BK005"], "{diags}");

    // The bake file stops passing the arg (and breaks): both documents update.
    c.change(&bake_uri, 2, bake_broken);
    let diags = c.diagnostics(&bake_uri, Some(2));
    assert_eq!(codes(&diags), ["BK000"], "{diags}");
    let diags = c.diagnostics(&df_uri, Some(1));
    assert!(
        codes(&diags).contains(&"DF009".to_string()),
        "re-linted without the arg: {diags}"
    );
    c.shutdown();
}

#[test]
fn lsp_lints_compose_files_as_bake_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join(".git")).expect("git dir");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    let dockerfile = "FROM alpine AS app\nRUN true\n";
    std::fs::write(root.join("app/Dockerfile"), dockerfile).expect("write");
    let compose =
        "services:\n  app:\n    build:\n      context: app\n      args:\n        UNUSED: \"1\"\n";
    std::fs::write(root.join("compose.yaml"), compose).expect("write");
    let uri = file_uri(&root.join("compose.yaml"));

    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, compose);
    let diags = c.diagnostics(&uri, Some(1));
    // The arg is declared by no ARG of the Dockerfile: reported at the
    // compose value (line 6, `"1"`).
    assert!(codes(&diags).contains(&"BK005".to_string()), "{diags}");
    let d = diags["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "BK005"))
        .expect("BK005")
        .clone();
    assert_eq!(d["range"]["start"]["line"], 5, "{d}");
    // Code actions and hover on it answer (no HCL edit into YAML).
    let resp = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    assert!(resp["result"].is_array(), "{resp}");
    for a in resp["result"].as_array().into_iter().flatten() {
        for e in a["edit"]["changes"][uri.as_str()]
            .as_array()
            .into_iter()
            .flatten()
        {
            let t = e["newText"].as_str().unwrap_or("");
            assert!(!t.contains('{') && !t.contains(" = "), "HCL into YAML: {a}");
        }
    }
    let resp = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 9}}),
    );
    assert!(resp.get("error").is_none(), "{resp}");
    // A broken compose file is a BK000 at the culprit.
    c.change(&uri, 2, "services:\n  app:\n    build: [\n");
    let diags = c.diagnostics(&uri, Some(2));
    assert_eq!(codes(&diags), ["BK000"], "{diags}");
    c.shutdown();
}
