//! `--target local`: the D1 database and R2 bucket of `wrangler dev --persist-to DIR`, reached through
//! `scripts/kb-local-store.mjs` (wrangler's getPlatformProxy) over JSON lines on stdin/stdout.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

use crate::model::{ChangeSet, Collection};
use crate::report::Ticker;
use crate::store::local_cache;
use crate::store::sql::{self, Layout, Statement};
use crate::store::{ManifestRow, Store, StoredVectors};

pub struct LocalStore {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<String>>,
    persist: PathBuf,
    /// Whether the helper's "ready" line (wrangler imported) has been read.
    ready: bool,
    /// The manifest from `local_cache`, when the database is unchanged since kb-build last closed it.
    cached: Option<(Vec<ManifestRow>, Vec<Collection>)>,
    /// What kb-build knows the database holds (read, then updated by successful applies); saved to the
    /// cache on close, or the cache is dropped when unknown.
    known: (Option<Vec<ManifestRow>>, Option<Vec<Collection>>),
    pub used_cache: bool,
    pub verbose: bool,
}

impl LocalStore {
    /// Starts the Node helper with `root` (the repo, holding wrangler.toml) as its working directory.
    /// Returns at once: the helper loads wrangler (≈ 1.5 s) while the caller builds, and opens the state
    /// in `persist` only on the first request, so a build that fails validation never opens it.
    pub fn spawn(root: &Path, persist: &Path) -> Result<Self> {
        let script = root.join("scripts/kb-local-store.mjs");
        anyhow::ensure!(
            script.is_file(),
            "{} not found (is {} the repository root?)",
            script.display(),
            root.display()
        );
        let persist = std::path::absolute(persist)?;
        let mut child = Command::new("node")
            .arg(&script)
            .arg(&persist)
            .current_dir(root)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start `node` (is Node.js installed and on PATH?)")?;
        // Keep the helper's stderr (wrangler's own logging) for error messages instead of the terminal.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                if s.len() > 64_000 {
                    let cut = s.len() - 32_000;
                    let cut = (cut..s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(s.len());
                    s.drain(..cut);
                }
            }
        });
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Self {
            child,
            stdin,
            stdout,
            stderr,
            cached: local_cache::load(&persist),
            persist,
            ready: false,
            known: (None, None),
            used_cache: false,
            verbose: true,
        })
    }

    fn stderr_tail(&self) -> String {
        let s = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let tail: String = s
            .chars()
            .rev()
            .take(2000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        tail.trim().to_string()
    }

    fn read_response(&mut self) -> Result<Value> {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line)?;
        if n == 0 {
            // Give the stderr thread a moment to collect the helper's last words.
            std::thread::sleep(std::time::Duration::from_millis(200));
            bail!("the local store exited unexpectedly:\n{}", self.stderr_tail());
        }
        let v: Value =
            serde_json::from_str(&line).with_context(|| format!("bad reply from the local store: {line}"))?;
        if v.get("ok").and_then(Value::as_bool) != Some(true) {
            let msg = v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error")
                .to_string();
            if msg.contains("no such table") {
                bail!(
                    "{msg}: the database in {} lacks tables kb-build needs (migrations not applied, or not all of them); run `npx wrangler d1 migrations apply DB --local --persist-to {}` first",
                    self.persist.display(),
                    self.persist.display()
                );
            }
            bail!("local store: {msg}");
        }
        Ok(v)
    }

    fn request(&mut self, req: &Value) -> Result<Value> {
        if !self.ready {
            let ready = self.read_response().context("the local store did not start")?;
            anyhow::ensure!(
                ready.get("ready").is_some(),
                "unexpected first message from the local store: {ready}"
            );
            self.ready = true;
        }
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("the local store is closed"))?;
        let mut line = serde_json::to_vec(req)?;
        line.push(b'\n');
        if let Err(e) = stdin.write_all(&line).and_then(|_| stdin.flush()) {
            bail!("cannot write to the local store ({e}):\n{}", self.stderr_tail());
        }
        self.read_response()
    }

    /// Runs one statement. Anything but a SELECT makes kb-build's picture of the database unknown.
    pub fn query(&mut self, s: Statement) -> Result<Vec<Value>> {
        if !s.sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
            self.known = (None, None);
            self.cached = None;
        }
        let res = self.request(&json!({ "op": "query", "sql": s.sql, "params": s.params }))?;
        Ok(res.get("rows").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    /// Closes the helper. One that never got a request has opened nothing and is simply stopped.
    pub fn close(&mut self) -> Result<()> {
        if self.stdin.is_some() {
            if self.ready {
                let _ = self.request(&json!({ "op": "close" }));
            } else {
                let _ = self.child.kill();
            }
            self.stdin = None;
            let _ = self.child.wait();
            // Only now are the database files final, so only now can they be fingerprinted.
            match &self.known {
                (Some(docs), Some(cols)) => local_cache::save(&self.persist, docs, cols),
                // Opened but the outcome is unknown (a failed load, a raw write): distrust the cache.
                _ if self.ready => local_cache::forget(&self.persist),
                // Never opened (e.g. invalid sources): leave everything in DIR as it was.
                _ => {}
            }
        }
        Ok(())
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl Store for LocalStore {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>> {
        let rows = match &self.cached {
            Some((docs, _)) => {
                self.used_cache = true;
                docs.clone()
            }
            None => sql::read_manifest(|s| self.query(s))?,
        };
        self.known.0 = Some(rows.clone());
        Ok(rows)
    }

    fn collections(&mut self) -> Result<Vec<Collection>> {
        let cols: Vec<Collection> = match &self.cached {
            Some((_, cols)) => cols.clone(),
            None => self
                .query(Statement::new(sql::COLLECTIONS_QUERY, vec![]))?
                .into_iter()
                .map(|r| {
                    let c: sql::CollectionRecord = serde_json::from_value(r)?;
                    Ok(Collection {
                        name: c.name,
                        description: c.description,
                    })
                })
                .collect::<Result<_>>()?,
        };
        self.known.1 = Some(cols.clone());
        Ok(cols)
    }

    fn stored_vectors(&mut self) -> Result<StoredVectors> {
        let meta = sql::meta_pairs(self.query(Statement::new(sql::INDEX_META_QUERY, vec![]))?);
        let present_dims = self
            .query(Statement::new(
                "SELECT DISTINCT dims FROM kb_vectors ORDER BY dims",
                vec![],
            ))?
            .iter()
            .filter_map(|r| r.get("dims").and_then(Value::as_u64))
            .map(|d| d as usize)
            .collect();
        Ok(StoredVectors {
            place: format!("the local store in {}", self.persist.display()),
            present_dims,
            ..StoredVectors::default()
        }
        .with_meta(meta))
    }

    fn apply(&mut self, changes: &ChangeSet) -> Result<()> {
        self.cached = None;
        let known = std::mem::take(&mut self.known);
        self.write(changes)?;
        // Only a complete apply keeps the picture of the database (and so the cache) valid.
        if let (Some(mut docs), Some(mut cols)) = known {
            let gone: std::collections::HashSet<&str> = changes
                .deletes
                .iter()
                .map(|d| d.id.as_str())
                .chain(changes.upserts.iter().map(|u| u.doc.id.as_str()))
                .collect();
            docs.retain(|m| !gone.contains(m.doc_id.as_str()));
            docs.extend(changes.upserts.iter().map(|u| ManifestRow {
                doc_id: u.doc.id.clone(),
                collection: u.doc.collection.clone(),
                content_hash: u.doc.content_hash.clone(),
                r2_key: u.doc.r2_key.clone(),
            }));
            cols.retain(|c| !changes.collections.iter().any(|n| n.name == c.name));
            cols.extend(changes.collections.iter().cloned());
            self.known = (Some(docs), Some(cols));
        }
        Ok(())
    }
}

impl LocalStore {
    fn write(&mut self, changes: &ChangeSet) -> Result<()> {
        let b64 = base64::engine::general_purpose::STANDARD;
        for o in &changes.objects {
            self.request(
                &json!({ "op": "put", "key": o.key, "content_type": o.content_type, "body_b64": b64.encode(&o.body) }),
            )?;
        }
        let batches = sql::batches(
            changes,
            Layout {
                vectors_in_d1: true,
                max_batch_bytes: 2_000_000,
            },
        );
        let total_docs: usize = batches.iter().map(|b| b.documents).sum();
        let mut ticker = Ticker::new("written", total_docs, self.verbose);
        for b in batches {
            self.request(&json!({ "op": "batch", "statements": b.statements }))?;
            ticker.add(b.documents);
        }
        for k in &changes.delete_objects {
            self.request(&json!({ "op": "delete_object", "key": k }))?;
        }
        Ok(())
    }
}
