//! `bakelint server` driven as an editor drives it: client capabilities,
//! file watchers registered by the server, a config saved on disk while a
//! document is open, code actions with the client's `context`, a project
//! of which only one file is open, a byte order mark. Each read has a
//! deadline (see `common::lsp_client`).

use serde_json::{json, Value};

mod common;
use common::lsp_client::{file_uri, Client};

fn codes(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A project directory (canonical, with a `.git` so it is its own root).
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join(".git")).expect("git dir");
    for (path, text) in files {
        let p = root.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
    (dir, root)
}

const CASING: &str = "FROM alpine:3.20 AS Builder\nRUN true\n";

#[test]
fn the_server_registers_watchers_and_a_saved_config_takes_effect() {
    let (_dir, root) = project(&[("Dockerfile", CASING)]);
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize_with(
        Some(&root),
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
    );
    let register = c.wait_for("client/registerCapability", |m| {
        m["method"] == "client/registerCapability"
    });
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .expect("watchers")
        .iter()
        .filter_map(|w| w["globPattern"].as_str())
        .collect();
    for wanted in ["**/bakelint.toml", "**/.hadolint.yaml", "**/.dockerignore"] {
        assert!(globs.contains(&wanted), "{globs:?}");
    }
    // The editor answers the registration.
    c.send(&json!({"jsonrpc": "2.0", "id": register["id"], "result": null}));

    c.open(&uri, CASING);
    assert!(codes(&c.diagnostics(&uri, Some(1))).contains(&"DF001".to_string()));
    std::fs::write(root.join("bakelint.toml"), "ignore = [\"DF001\"]\n").expect("config");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("bakelint.toml")), "type": 1}]}),
    );
    let after = c.diagnostics(&uri, Some(1));
    assert!(!codes(&after).contains(&"DF001".to_string()), "{after}");
    c.shutdown();
}

#[test]
fn without_watchers_a_config_changed_on_disk_is_noticed_on_the_next_lint() {
    let (_dir, root) = project(&[("Dockerfile", CASING)]);
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, CASING);
    assert!(codes(&c.diagnostics(&uri, Some(1))).contains(&"DF001".to_string()));
    std::fs::write(root.join("bakelint.toml"), "ignore = [\"DF001\"]\n").expect("config");
    // Any edit: the server checks the config files before linting.
    c.change(&uri, 2, &format!("{CASING}RUN echo more\n"));
    let after = c.diagnostics(&uri, Some(2));
    assert!(!codes(&after).contains(&"DF001".to_string()), "{after}");
    assert!(
        c.backlog
            .iter()
            .all(|m| m["method"] != "client/registerCapability"),
        "no registration for a client that cannot watch files"
    );
    c.shutdown();
}

const CACHE_BAKE: &str = "target \"default\" {\n  context = \".\"\n  tags = [\"ghcr.io/acme/app:${GITHUB_SHA}\"]\n  cache-from = [\"type=gha\"]\n  cache-to = [\"type=gha\"]\n}\n\nvariable \"GITHUB_SHA\" {\n  default = \"dev\"\n}\n";

#[test]
fn code_actions_list_the_preferred_safe_fix_first_and_honour_the_context() {
    let (_dir, root) = project(&[
        ("docker-bake.hcl", CACHE_BAKE),
        ("Dockerfile", "FROM alpine:3.20\nCOPY app.sh /\n"),
        ("app.sh", "true\n"),
    ]);
    let uri = file_uri(&root.join("docker-bake.hcl"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, CACHE_BAKE);
    let published = c.diagnostics(&uri, Some(1));
    let diags = published["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let on_cache_to: Vec<&Value> = diags
        .iter()
        .filter(|d| d["range"]["start"]["line"] == 4)
        .collect();
    let line_codes: Vec<&str> = on_cache_to
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        line_codes.contains(&"BP002") && line_codes.contains(&"BP003"),
        "{published}"
    );
    let line = json!({"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 40}});
    let all = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": line, "context": {"diagnostics": []}}),
    );
    let actions = all["result"].as_array().cloned().unwrap_or_default();
    let quickfixes: Vec<&Value> = actions.iter().filter(|a| a["kind"] == "quickfix").collect();
    assert!(quickfixes.len() >= 2, "{all}");
    assert_eq!(quickfixes[0]["isPreferred"], true, "{all}");
    assert_eq!(quickfixes[0]["diagnostics"][0]["code"], "BP003", "{all}");
    let first_unsafe = quickfixes
        .iter()
        .position(|a| a["isPreferred"] != true)
        .expect("an unsafe fix");
    assert!(quickfixes[first_unsafe..]
        .iter()
        .all(|a| a["isPreferred"] != true
            && a["title"].as_str().is_some_and(|t| t.ends_with("(unsafe)"))));

    // The client asks for the fixes of one diagnostic: only those.
    let bp002 = on_cache_to
        .iter()
        .find(|d| d["code"] == "BP002")
        .copied()
        .cloned()
        .expect("BP002");
    let one = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": line, "context": {"diagnostics": [bp002]}}),
    );
    let one = one["result"].as_array().cloned().unwrap_or_default();
    assert!(
        one.iter()
            .filter(|a| a["kind"] == "quickfix")
            .all(|a| a["diagnostics"][0]["code"] == "BP002"),
        "{one:?}"
    );
    // `only` a source action: no quick fixes.
    let only = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": line,
               "context": {"diagnostics": [], "only": ["source.fixAll.bakelint"]}}),
    );
    assert!(only["result"]
        .as_array()
        .is_some_and(|a| a.iter().all(|x| x["kind"] != "quickfix")));
    c.shutdown();
}

#[test]
fn findings_in_files_that_are_not_open_are_published_and_cleared() {
    let dockerfile = "FROM ${BASE_IMAGE} AS app\nRUN true\n";
    let bake = "target \"default\" {\n  context = \"app\"\n  args = { BASE_IMAGE = \"alpine:3.20\" }\n  tags = [\"web:lätest-dev\"]\n}\n";
    let (_dir, root) = project(&[("app/Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let df_uri = file_uri(&root.join("app/Dockerfile"));
    let bake_uri = file_uri(&root.join("docker-bake.hcl"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    // Only the Dockerfile is open: the bake file's findings still show.
    c.open(&df_uri, dockerfile);
    c.diagnostics(&df_uri, Some(1));
    let on_bake = c.diagnostics(&bake_uri, None);
    let bake_codes = codes(&on_bake);
    assert!(bake_codes.contains(&"BK005".to_string()), "{on_bake}");
    assert!(
        bake_codes.contains(&"BK007".to_string()),
        "a non-ASCII tag is invalid: {on_bake}"
    );
    assert!(on_bake["diagnostics"]
        .as_array()
        .is_some_and(|a| a.iter().all(|d| d["codeDescription"].is_null())));
    // The Dockerfile declares the arg: BK005 goes away on the bake file.
    let fixed = format!("ARG BASE_IMAGE\n{dockerfile}");
    c.change(&df_uri, 2, &fixed);
    c.diagnostics(&df_uri, Some(2));
    let on_bake = c.diagnostics(&bake_uri, None);
    assert!(!codes(&on_bake).contains(&"BK005".to_string()), "{on_bake}");
    c.shutdown();
}

#[test]
fn a_byte_order_mark_is_no_column_and_bp008_reads_as_in_the_cli() {
    let dockerfile = "FROM alpine:3.20 AS Builder\nCOPY . /app\n";
    let bake = "target \"default\" {\n  context = \".\"\n}\n";
    let (_dir, root) = project(&[("Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, &format!("\u{feff}{dockerfile}"));
    let published = c.diagnostics(&uri, Some(1));
    let diags = published["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let casing = diags.iter().find(|d| d["code"] == "DF001").expect("DF001");
    assert_eq!(
        casing["range"]["start"],
        json!({"line": 0, "character": 20})
    );
    let bp008 = diags.iter().find(|d| d["code"] == "BP008").expect("BP008");
    assert!(
        bp008["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("build context \".\" has no .dockerignore")),
        "{bp008}"
    );
    c.shutdown();

    // The CLI counts the same column.
    std::fs::write(root.join("Dockerfile"), format!("\u{feff}{dockerfile}")).expect("write");
    let out = common::cli::command(&root)
        .args(["--output-format", "concise", "--select", "DF001,BP008", "."])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Dockerfile:1:21: DF001"), "{text}");
    assert!(text.contains("BP008 build context \".\" has no"), "{text}");
}

#[test]
fn an_idle_server_notices_a_saved_config_and_a_new_dockerignore_without_a_message() {
    // Neovim on Linux registers no file watchers and sends nothing when a
    // config is saved in another buffer: the server looks by itself.
    let dockerfile = "FROM alpine:3.20 AS Builder\nCOPY . /app\n";
    let bake = "target \"default\" {\n  context = \".\"\n}\n";
    let (_dir, root) = project(&[("Dockerfile", dockerfile), ("docker-bake.hcl", bake)]);
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, dockerfile);
    let first = codes(&c.diagnostics(&uri, Some(1)));
    assert!(first.contains(&"DF001".to_string()) && first.contains(&"BP008".to_string()));

    let saved = std::time::Instant::now();
    std::fs::write(root.join("bakelint.toml"), "ignore = [\"DF001\"]\n").expect("config");
    let after = codes(&c.diagnostics(&uri, Some(1)));
    assert!(!after.contains(&"DF001".to_string()), "{after:?}");
    assert!(
        saved.elapsed() < bakelint::lsp::CONFIG_POLL * 5,
        "{:?}",
        saved.elapsed()
    );

    std::fs::write(root.join(".dockerignore"), ".git\n").expect(".dockerignore");
    let after = codes(&c.diagnostics(&uri, Some(1)));
    assert!(!after.contains(&"BP008".to_string()), "{after:?}");
    c.shutdown();
}

#[test]
fn nothing_is_published_after_shutdown() {
    // A client may close the pipe once `shutdown` is answered (Neovim
    // does): a config changed just before must not make the server write.
    let (_dir, root) = project(&[("Dockerfile", CASING)]);
    let uri = file_uri(&root.join("Dockerfile"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.open(&uri, CASING);
    c.diagnostics(&uri, Some(1));
    std::fs::write(root.join("bakelint.toml"), "ignore = [\"DF001\"]\n").expect("config");
    let resp = c.request("shutdown", Value::Null);
    assert!(resp.get("error").is_none(), "{resp}");
    c.notify("exit", Value::Null);
    c.close_stdin();
    let late = c.rest();
    assert!(
        late.is_empty(),
        "written after the shutdown answer: {late:?}"
    );
    assert!(c.exit_status().success());
}

#[test]
fn a_workflow_is_linted_with_its_fixes() {
    let workflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        image: postgres:16\n    steps:\n      - run: true\n";
    let (_dir, root) = project(&[(".github/workflows/ci.yml", workflow)]);
    let uri = file_uri(&root.join(".github/workflows/ci.yml"));
    let mut c = Client::start(&root);
    c.initialize(Some(&root));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": workflow}}),
    );
    let published = c.diagnostics(&uri, Some(1));
    let diags = published["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bp006 = diags.iter().find(|d| d["code"] == "BP006").expect("BP006");
    assert_eq!(bp006["range"]["start"], json!({"line": 6, "character": 15}));
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": bp006["range"],
               "context": {"diagnostics": [bp006]}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("postgres:16-alpine") && t.ends_with("(unsafe)")),
        "{titles:?}"
    );
    c.shutdown();
}
