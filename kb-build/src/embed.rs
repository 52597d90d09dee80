//! Embedders turn chunk text into vectors. `none` (the default) writes no vectors: search is then
//! keyword-only (FTS5/BM25). Only chunks of changed documents are embedded.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::http::{self, Body};
use crate::model::ChangeSet;

pub trait Embedder {
    /// Part of the content hash: switching embedder or model re-embeds everything.
    fn id(&self) -> String;
    fn enabled(&self) -> bool {
        true
    }
    fn batch_size(&self) -> usize;
    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>>;
}

pub struct NoEmbedder;

impl Embedder for NoEmbedder {
    fn id(&self) -> String {
        "none".into()
    }

    fn enabled(&self) -> bool {
        false
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn embed(&mut self, _texts: &[String]) -> Result<Vec<Vec<f32>>> {
        Ok(Vec::new())
    }
}

/// Any OpenAI-compatible `/embeddings` endpoint.
pub struct OpenAi {
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
    agent: ureq::Agent,
}

impl OpenAi {
    pub fn new(url: &str, model: &str, api_key: Option<String>) -> Self {
        Self {
            url: url.trim_end_matches('/').to_string(),
            model: model.into(),
            api_key,
            agent: http::agent(),
        }
    }
}

impl Embedder for OpenAi {
    fn id(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn batch_size(&self) -> usize {
        64
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let auth = self.api_key.as_ref().map(|k| format!("Bearer {k}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        let body = json!({ "model": self.model, "input": texts });
        let url = format!("{}/embeddings", self.url);
        let res = http::send(&self.agent, "POST", &url, &headers, Body::Json(&body))?;
        let mut data: Vec<(u64, Vec<f32>)> = res
            .get("data")
            .and_then(Value::as_array)
            .context("embedding response has no `data` array")?
            .iter()
            .enumerate()
            .map(|(i, d)| {
                Ok((
                    d.get("index").and_then(Value::as_u64).unwrap_or(i as u64),
                    floats(d.get("embedding"))?,
                ))
            })
            .collect::<Result<_>>()?;
        data.sort_by_key(|(i, _)| *i);
        Ok(data.into_iter().map(|(_, v)| v).collect())
    }
}

/// Workers AI through the Cloudflare REST API (`@cf/baai/bge-m3`, 1024 dimensions).
pub struct WorkersAi {
    pub base: String,
    pub account: String,
    pub token: String,
    pub model: String,
    agent: ureq::Agent,
}

impl WorkersAi {
    pub fn new(base: &str, account: &str, token: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').into(),
            account: account.into(),
            token: token.into(),
            model: "@cf/baai/bge-m3".into(),
            agent: http::agent(),
        }
    }
}

impl Embedder for WorkersAi {
    fn id(&self) -> String {
        format!("workers-ai:{}", self.model)
    }

    fn batch_size(&self) -> usize {
        50
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let url = format!("{}/accounts/{}/ai/run/{}", self.base, self.account, self.model);
        let auth = format!("Bearer {}", self.token);
        let res = http::send(
            &self.agent,
            "POST",
            &url,
            &[("Authorization", &auth)],
            Body::Json(&json!({ "text": texts })),
        )?;
        let result = http::cf_result(res, "Workers AI")?;
        result
            .get("data")
            .and_then(Value::as_array)
            .context("Workers AI response has no `result.data`")?
            .iter()
            .map(|v| floats(Some(v)))
            .collect()
    }
}

fn floats(v: Option<&Value>) -> Result<Vec<f32>> {
    let arr = v.and_then(Value::as_array).context("embedding is not an array")?;
    arr.iter()
        .map(|x| x.as_f64().map(|f| f as f32).context("embedding value is not a number"))
        .collect()
}

/// What is embedded for a chunk: its section gives the text its context. Capped to stay within the
/// input limits of common models.
fn input(section: &str, text: &str) -> String {
    let s = if section.is_empty() {
        text.to_string()
    } else {
        format!("{section}\n{text}")
    };
    s.chars().take(8000).collect()
}

/// Embeds every chunk of the change set's upserts, in batches; checks counts and dimensions.
pub fn embed_changes(
    embedder: &mut dyn Embedder,
    changes: &mut ChangeSet,
    mut progress: impl FnMut(usize, usize),
) -> Result<()> {
    if !embedder.enabled() {
        return Ok(());
    }
    let refs: Vec<(usize, usize)> = changes
        .upserts
        .iter()
        .enumerate()
        .flat_map(|(u, up)| (0..up.doc.chunks.len()).map(move |c| (u, c)))
        .collect();
    let total = refs.len();
    let mut dims: Option<usize> = None;
    for u in &mut changes.upserts {
        u.vectors = Vec::with_capacity(u.doc.chunks.len());
    }
    for (done, group) in refs.chunks(embedder.batch_size().max(1)).enumerate() {
        let texts: Vec<String> = group
            .iter()
            .map(|&(u, c)| {
                let ch = &changes.upserts[u].doc.chunks[c];
                input(&ch.section, &ch.text)
            })
            .collect();
        let vectors = embedder.embed(&texts)?;
        if vectors.len() != texts.len() {
            bail!("embedder returned {} vectors for {} texts", vectors.len(), texts.len());
        }
        for (&(u, _), v) in group.iter().zip(vectors) {
            match dims {
                None if v.is_empty() => bail!("embedder returned an empty vector"),
                None => dims = Some(v.len()),
                Some(d) if d != v.len() => bail!("embedder returned vectors of {d} and {} dimensions", v.len()),
                _ => {}
            }
            changes.upserts[u].vectors.push(v);
        }
        progress(((done + 1) * embedder.batch_size()).min(total), total);
    }
    Ok(())
}
