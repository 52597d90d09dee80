//! A persistent cache of embedding vectors, so only chunks whose embedded text is new go to the
//! embedding server, whatever the store (a fresh wrangler state, Cloudflare, another checkout's run).
//!
//! One append-only file per embedder id in the cache directory (default `<repo>/.cache/embeddings/`):
//!
//! ```text
//! header   "NZVEC001"                      8 bytes   magic and format version
//!          dims                            u32 LE
//!          id length                       u32 LE
//!          embedder id                     UTF-8     e.g. "openai:multilingual-e5-small;input_type=passage"
//!          check                           8 bytes   sha256(magic, dims, id)[..8]
//! records  sha256 of the embedded text     32 bytes
//!          vector                          dims × f32 LE
//!          check                           8 bytes   sha256(key, vector bytes)[..8]
//! ```
//!
//! The file is loaded whole into a `HashMap` when the cache is opened (≈ 5 MB for the knowledge base
//! at 384 dimensions: milliseconds). It is created with its first records by write-to-temp, fsync and
//! rename, so a header is never half-written; later records are appended, one `write` per batch,
//! followed by `fdatasync`. Loading stops at the first record that is short (a crash mid-append) or
//! whose check fails, and the next append first truncates the file back to the last good record, so
//! a damaged entry can never be loaded. Only vectors that passed every check of a response (count,
//! dimensions) are stored. Entries are never removed: delete the file to start over.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"NZVEC001";
const CHECK: usize = 8;

pub type Key = [u8; 32];

/// The cache key of an embedding input: sha256 of the exact text sent to the embedder.
pub fn key(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

fn check(parts: &[&[u8]]) -> [u8; CHECK] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    let d = h.finalize();
    let mut out = [0u8; CHECK];
    out.copy_from_slice(&d[..CHECK]);
    out
}

/// The cache file for an embedder id: a readable slug plus a hash of the exact id.
pub fn file_name(embedder_id: &str) -> String {
    let slug: String = embedder_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let h = hex::encode(&Sha256::digest(embedder_id.as_bytes())[..4]);
    format!("{slug}.{h}.vec")
}

fn header(dims: usize, embedder_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + embedder_id.len() + CHECK);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(dims as u32).to_le_bytes());
    out.extend_from_slice(&(embedder_id.len() as u32).to_le_bytes());
    out.extend_from_slice(embedder_id.as_bytes());
    let c = check(&[&out]);
    out.extend_from_slice(&c);
    out
}

fn record(key: &Key, v: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + v.len() * 4 + CHECK);
    out.extend_from_slice(key);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    let c = check(&[&out]);
    out.extend_from_slice(&c);
    out
}

pub struct VectorCache {
    path: PathBuf,
    embedder_id: String,
    dims: Option<usize>,
    map: HashMap<Key, Vec<f32>>,
    /// Length of the valid prefix of the file (header and whole, checked records); `None` when there is
    /// no usable file yet (the first insert creates it).
    valid_len: Option<u64>,
    /// Whether the file holds bytes past `valid_len` that must be cut before appending.
    damaged_tail: bool,
    file: Option<File>,
    /// Problems found while loading (printed as warnings).
    pub warnings: Vec<String>,
}

impl VectorCache {
    /// Opens (creating the directory if needed) and loads the cache of `embedder_id` in `dir`.
    pub fn open(dir: &Path, embedder_id: &str) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the vector cache directory {}", dir.display()))?;
        let path = dir.join(file_name(embedder_id));
        let mut cache = Self {
            path,
            embedder_id: embedder_id.to_string(),
            dims: None,
            map: HashMap::new(),
            valid_len: None,
            damaged_tail: false,
            file: None,
            warnings: Vec::new(),
        };
        let bytes = match std::fs::read(&cache.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(e) => bail!("cannot read the vector cache {}: {e}", cache.path.display()),
        };
        cache.load(&bytes)?;
        Ok(cache)
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        let Some((dims, mut pos)) = self.parse_header(bytes)? else {
            self.warnings.push(format!(
                "vector cache {}: unreadable header, starting the file afresh",
                self.path.display()
            ));
            return Ok(());
        };
        let size = 32 + dims * 4 + CHECK;
        while pos + size <= bytes.len() {
            let rec = &bytes[pos..pos + size];
            let body = &rec[..size - CHECK];
            if check(&[body]) != rec[size - CHECK..] {
                break;
            }
            let mut k = [0u8; 32];
            k.copy_from_slice(&body[..32]);
            let v: Vec<f32> = body[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            self.map.insert(k, v);
            pos += size;
        }
        if pos < bytes.len() {
            self.damaged_tail = true;
            self.warnings.push(format!(
                "vector cache {}: ignored {} bytes after the last complete record (an interrupted write)",
                self.path.display(),
                bytes.len() - pos
            ));
        }
        self.dims = Some(dims);
        self.valid_len = Some(pos as u64);
        Ok(())
    }

    /// `Some((dims, header length))`, `None` for a damaged header; an error for another embedder's file.
    fn parse_header(&self, b: &[u8]) -> Result<Option<(usize, usize)>> {
        if b.len() < 16 || &b[..8] != MAGIC {
            return Ok(None);
        }
        let dims = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize;
        let id_len = u32::from_le_bytes([b[12], b[13], b[14], b[15]]) as usize;
        let end = 16 + id_len;
        if dims == 0 || b.len() < end + CHECK || check(&[&b[..end]]) != b[end..end + CHECK] {
            return Ok(None);
        }
        if b[16..end] != *self.embedder_id.as_bytes() {
            bail!(
                "vector cache {} belongs to embedder {:?}, not {:?}",
                self.path.display(),
                String::from_utf8_lossy(&b[16..end]),
                self.embedder_id
            );
        }
        Ok(Some((dims, end + CHECK)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Dimensions of the cached vectors (`None` while the cache is empty).
    pub fn dims(&self) -> Option<usize> {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get(&self, key: &Key) -> Option<&Vec<f32>> {
        self.map.get(key)
    }

    /// Stores checked vectors durably (fsync) before returning; all must have the cache's dimensions.
    pub fn insert(&mut self, entries: &[(Key, &[f32])]) -> Result<()> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        let dims = *self.dims.get_or_insert(first.1.len());
        if let Some((_, v)) = entries.iter().find(|(_, v)| v.len() != dims) {
            bail!(
                "vector cache {}: holds {dims}-dimensional vectors, refusing one of {}",
                self.path.display(),
                v.len()
            );
        }
        let mut buf = Vec::with_capacity(entries.len() * (32 + dims * 4 + CHECK));
        for (k, v) in entries {
            buf.extend_from_slice(&record(k, v));
        }
        let ctx = || format!("cannot write the vector cache {}", self.path.display());
        match self.valid_len {
            None => {
                // A new file: header and first records appear at once, or not at all.
                let tmp = self.path.with_extension(format!("vec.tmp{}", std::process::id()));
                let mut f = File::create(&tmp).with_context(ctx)?;
                f.write_all(&header(dims, &self.embedder_id)).with_context(ctx)?;
                f.write_all(&buf).with_context(ctx)?;
                f.sync_all().with_context(ctx)?;
                drop(f);
                std::fs::rename(&tmp, &self.path).with_context(ctx)?;
                if let Some(dir) = self.path.parent() {
                    if let Ok(d) = File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
                self.valid_len = Some((header(dims, &self.embedder_id).len() + buf.len()) as u64);
            }
            Some(len) => {
                if self.file.is_none() {
                    let f = OpenOptions::new().append(true).open(&self.path).with_context(ctx)?;
                    if self.damaged_tail {
                        f.set_len(len).with_context(ctx)?;
                        self.damaged_tail = false;
                    }
                    self.file = Some(f);
                }
                let f = self.file.as_mut().expect("opened above");
                f.write_all(&buf).with_context(ctx)?;
                f.sync_data().with_context(ctx)?;
                self.valid_len = Some(len + buf.len() as u64);
            }
        }
        for (k, v) in entries {
            self.map.insert(*k, v.to_vec());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: f32, n: usize) -> Vec<f32> {
        (0..n).map(|i| x + i as f32).collect()
    }

    #[test]
    fn round_trip_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = VectorCache::open(dir.path(), "e:1").unwrap();
        assert!(c.is_empty() && c.dims().is_none());
        let (a, b) = (key("a"), key("b"));
        c.insert(&[(a, &v(1.0, 3))]).unwrap();
        c.insert(&[(b, &v(2.0, 3))]).unwrap();
        let c = VectorCache::open(dir.path(), "e:1").unwrap();
        assert_eq!((c.len(), c.dims()), (2, Some(3)));
        assert_eq!(c.get(&b), Some(&v(2.0, 3)));
        assert!(c.warnings.is_empty());
        assert!(
            VectorCache::open(dir.path(), "e:2").unwrap().is_empty(),
            "one file per embedder id"
        );
    }

    #[test]
    fn damaged_records_are_never_loaded_and_are_cut_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = VectorCache::open(dir.path(), "e").unwrap();
        c.insert(&[(key("a"), &v(1.0, 4)), (key("b"), &v(2.0, 4))]).unwrap();
        let path = c.path().to_path_buf();
        drop(c);
        let full = std::fs::read(&path).unwrap();
        // A flipped byte in the last record: that record (and anything after it) is ignored.
        let mut bad = full.clone();
        let n = bad.len();
        bad[n - 12] ^= 0xff;
        std::fs::write(&path, &bad).unwrap();
        let c = VectorCache::open(dir.path(), "e").unwrap();
        assert_eq!(c.len(), 1);
        assert!(c.get(&key("b")).is_none());
        assert_eq!(c.warnings.len(), 1);
        // Appending after a damaged tail first cuts it, so the new record is readable.
        let mut c = c;
        c.insert(&[(key("c"), &v(3.0, 4))]).unwrap();
        let c = VectorCache::open(dir.path(), "e").unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&key("c")), Some(&v(3.0, 4)));
    }

    #[test]
    fn wrong_dimensions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = VectorCache::open(dir.path(), "e").unwrap();
        c.insert(&[(key("a"), &v(1.0, 4))]).unwrap();
        assert!(c.insert(&[(key("b"), &v(1.0, 5))]).is_err());
        assert_eq!(VectorCache::open(dir.path(), "e").unwrap().len(), 1);
    }
}
