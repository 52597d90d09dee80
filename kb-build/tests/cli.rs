//! The binary's contract: bad input exits 1 with `error: <file>:<line>: <what>` and writes nothing;
//! missing Cloudflare credentials are reported before anything is read or written; `--help` documents
//! every environment variable; vectors load from the cache without a server, and an embedding failure
//! exits 1 naming the URL with nothing written.

mod common;

use std::process::{Command, Output};

use common::embed_server::EmbedServer;
use common::*;

fn kb_build(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kb-build"))
        .args(args)
        .env_remove("CLOUDFLARE_ACCOUNT_ID")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("D1_DATABASE_ID")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn bad_input_exits_1_with_file_and_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let state = tmp.path().join("state");
    let base = |kb: &std::path::Path| {
        vec![
            "--kb-dir".to_string(),
            kb.display().to_string(),
            "--data-dir".to_string(),
            data.display().to_string(),
            "--target".into(),
            "local".into(),
            "--persist-to".into(),
            state.display().to_string(),
        ]
    };
    let run = |kb: &std::path::Path| {
        let args = base(kb);
        kb_build(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let bad = kb.join("visa_oracle/bad.md");
    write(
        &bad,
        "---\ntitle: X\ncollection: visa_oracle\nlanguage: fr\n---\ntext\n",
    );
    let out = run(&kb);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("error: {}:4: language must be one of en|id|it", bad.display())),
        "{}",
        stderr(&out)
    );

    write(
        &bad,
        b"---\ntitle: X\ncollection: visa_oracle\nlanguage: en\n---\nok\n\xff\xfe broken\n",
    );
    let out = run(&kb);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("error: {}:7: not valid UTF-8", bad.display())),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(&bad).unwrap();

    write(
        &data.join("bali-zero-prices-2025.json"),
        "{\n  \"services\": {\n    \"x\": ]\n}",
    );
    let out = run(&kb);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bali-zero-prices-2025.json:3: invalid JSON"),
        "{}",
        stderr(&out)
    );

    assert!(!state.exists(), "no store was opened");
}

#[test]
fn missing_credentials_are_reported_first() {
    let out = kb_build(&["--target", "cloudflare", "--kb-dir", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN, D1_DATABASE_ID"),
        "{err}"
    );
}

#[test]
fn dry_run_prints_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let out = kb_build(&[
        "--kb-dir",
        kb.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--target",
        "dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("keyword-only"), "{stdout}");
    assert!(
        stdout.contains("kbli_eye") && stdout.contains("2 documents"),
        "{stdout}"
    );
    assert!(
        stdout.contains("summary: documents 6 total, 6 changed, 0 deleted"),
        "{stdout}"
    );
}

#[test]
fn without_data_builds_the_authored_knowledge_base_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, _data) = fixture(tmp.path());
    let out = kb_build(&[
        "--kb-dir",
        kb.to_str().unwrap(),
        "--without-data",
        "--target",
        "dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("kbli_eye"), "no data collections: {stdout}");
    assert!(stdout.contains("summary: documents 2 total"), "{stdout}");
    // Naming a data directory as well is a contradiction, refused before anything runs.
    let both = kb_build(&["--without-data", "--data-dir", "x", "--target", "dry-run"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}

/// Every environment variable the sources read (`var("X")`, `var_os("X")`, `get("X")` with an
/// upper-case name), so a new one cannot be added without documenting it in `--help`.
fn env_vars_read_by_the_sources() -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for call in ["var(\"", "var_os(\"", "get(\""] {
                for (i, _) in text.match_indices(call) {
                    let rest = &text[i + call.len()..];
                    let name: String = rest.chars().take_while(|c| *c != '"').collect();
                    if name.len() > 3
                        && name
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    {
                        out.push(name);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn help_lists_the_environment_variables_it_reads() {
    let out = kb_build(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    let env = help
        .split("Environment:")
        .nth(1)
        .expect("an Environment section after the options");
    let vars = env_vars_read_by_the_sources();
    for v in [
        "EMBEDDING_API_KEY",
        "CLOUDFLARE_ACCOUNT_ID",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_API_BASE_URL",
        "D1_DATABASE_ID",
        "NUZANTARA_ROOT",
    ] {
        assert!(vars.contains(&v.to_string()), "the scan finds {v}: {vars:?}");
    }
    for v in &vars {
        assert!(env.contains(&format!("  {v} ")), "--help documents {v}:\n{env}");
    }
    for flag in [
        "--vector-cache",
        "--no-vector-cache",
        "--embedding-timeout-secs",
        "--embedding-dimensions",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}

#[test]
fn embedding_flags_are_checked_before_any_store_is_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let state = tmp.path().join("state");
    let base = [
        "--kb-dir",
        kb.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--target",
        "local",
        "--persist-to",
        state.to_str().unwrap(),
    ];
    let with = |extra: &[&str]| kb_build(&[&base[..], extra].concat());
    let out = with(&["--embedding-dimensions", "8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--embedding-dimensions needs --embedder openai"),
        "{}",
        stderr(&out)
    );
    let out = with(&["--vector-cache", "/tmp/x", "--no-vector-cache"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects the combination");
    let out = with(&["--embedder", "openai", "--embedding-url", "http://127.0.0.1:9/v1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("needs --embedding-url and --embedding-model"));
    let out = with(&["--embedding-timeout-secs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!state.exists(), "no store was opened");
}

fn local_available() -> bool {
    let ok = repo_root().join("node_modules/.bin/wrangler").is_file();
    if !ok {
        eprintln!("skipped: needs `npm ci` (node_modules/.bin/wrangler)");
    }
    ok
}

fn migrate(persist: &std::path::Path) {
    let out = Command::new(repo_root().join("node_modules/.bin/wrangler"))
        .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
        .arg(persist)
        .current_dir(repo_root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The JSON rows of a query on the local D1 database in `persist`.
fn d1(persist: &std::path::Path, sql: &str) -> String {
    let out = Command::new(repo_root().join("node_modules/.bin/wrangler"))
        .args(["d1", "execute", "DB", "--local", "--json", "--persist-to"])
        .arg(persist)
        .args(["--command", sql])
        .current_dir(repo_root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["results"].to_string()
}

#[test]
fn a_new_state_loads_from_a_warm_cache_without_the_server_and_failures_exit_1() {
    if !local_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    let load = |state: &std::path::Path, url: &str| {
        kb_build(&[
            "--kb-dir",
            kb.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--target",
            "local",
            "--persist-to",
            state.to_str().unwrap(),
            "--embedder",
            "openai",
            "--embedding-url",
            url,
            "--embedding-model",
            "e5-test",
            "--vector-cache",
            cache.to_str().unwrap(),
            "--quiet",
        ])
    };
    let srv = EmbedServer::start(8);
    let one = tmp.path().join("one");
    migrate(&one);
    let out = load(&one, &srv.base);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let total = srv.texts().len();
    assert!(
        stdout.contains(&format!("vector cache 0 hits, {total} misses ({total} texts embedded)")),
        "{stdout}"
    );
    let url = format!("{}/embeddings", srv.base);
    drop(srv);

    let two = tmp.path().join("two");
    migrate(&two);
    let out = load(&two, &url.replace("/embeddings", ""));
    assert!(out.status.success(), "a warm cache needs no server: {}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains(&format!("vector cache {total} hits, 0 misses")),
        "{stdout}"
    );

    // An edit needs the server, which is down: exit 1, the URL named, nothing written.
    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("60 days", "sixty days"),
    );
    let probe =
        "SELECT (SELECT count(*) FROM kb_vectors) AS v, (SELECT group_concat(content_hash) FROM kb_documents) AS h";
    let before = d1(&two, probe);
    assert!(before.contains(&format!("\"v\":{total}")), "{before}");
    let out = load(&two, &url.replace("/embeddings", ""));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("POST {url}: cannot connect")), "{err}");
    assert!(err.contains("nothing was written to the store"), "{err}");
    assert_eq!(d1(&two, probe), before, "the store is as it was");
}
