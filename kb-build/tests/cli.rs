//! The binary's contract: bad input exits 1 with `error: <file>:<line>: <what>` and writes nothing;
//! missing Cloudflare credentials are reported before anything is read or written.

mod common;

use std::process::{Command, Output};

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
