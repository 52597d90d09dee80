//! The chunk record written to `kb_chunks`, its settings, and the stable id scheme.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How big chunks are. Sizes are in chars; `size` is a hard maximum (overlap and headers included),
/// so a chunk always fits an embedding model's input and a prompt budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkerConfig {
    pub size: usize,
    pub overlap: usize,
}

impl Default for ChunkerConfig {
    fn default() -> Self {
        Self {
            size: 1200,
            overlap: 150,
        }
    }
}

impl ChunkerConfig {
    /// Rejects settings that cannot make progress (overlap must leave room for new text).
    pub fn validate(&self) -> Result<(), String> {
        if self.size < 200 {
            return Err(format!("chunk size {} is too small (minimum 200 chars)", self.size));
        }
        if self.overlap * 2 > self.size {
            return Err(format!(
                "chunk overlap {} must be at most half the chunk size {}",
                self.overlap, self.size
            ));
        }
        Ok(())
    }

    /// Part of every document's content hash: changing the settings rebuilds everything.
    pub fn fingerprint(&self) -> String {
        format!("size={};overlap={}", self.size, self.overlap)
    }
}

/// A chunk before it gets its id and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub section: String,
    pub page: Option<u32>,
    pub text: String,
    pub keywords: String,
}

impl Draft {
    pub fn new(section: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            section: section.into(),
            page: None,
            text: text.into(),
            keywords: String::new(),
        }
    }
}

/// One row of `kb_chunks` (the collection is carried by the document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub id: String,
    pub document_id: String,
    pub ord: u32,
    pub section: String,
    pub language: String,
    pub page: Option<u32>,
    pub text: String,
    pub keywords: String,
}

/// Content-addressed id: the same text in the same place keeps its id across builds, so vectors and
/// citations stay valid, while any edit yields a new id.
pub fn chunk_id(document_id: &str, section: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(document_id.as_bytes());
    h.update(b"\n");
    h.update(section.as_bytes());
    h.update(b"\n");
    h.update(text.as_bytes());
    let mut id = hex::encode(h.finalize());
    id.truncate(24);
    id
}

/// Gives drafts their ids and `ord`. Empty drafts are dropped, and so are exact repeats of an earlier
/// chunk of the same document and section: they would collide on the UNIQUE id and add nothing.
pub fn finalize(document_id: &str, language: &str, drafts: Vec<Draft>) -> Vec<Chunk> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        if d.text.trim().is_empty() {
            continue;
        }
        let id = chunk_id(document_id, &d.section, &d.text);
        if !seen.insert(id.clone()) {
            continue;
        }
        out.push(Chunk {
            id,
            document_id: document_id.to_string(),
            ord: out.len() as u32,
            section: d.section,
            language: language.to_string(),
            page: d.page,
            text: d.text,
            keywords: d.keywords,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_content_addressed() {
        let a = chunk_id("kitas_kitap/e33g.md", "E33G › Requirements", "Passport valid 6 months.");
        assert_eq!(
            a,
            chunk_id("kitas_kitap/e33g.md", "E33G › Requirements", "Passport valid 6 months.")
        );
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(
            a,
            chunk_id(
                "kitas_kitap/e33g.md",
                "E33G › Requirements",
                "Passport valid 12 months."
            )
        );
        assert_ne!(
            a,
            chunk_id("kitas_kitap/e33g.md", "E33G › Duration", "Passport valid 6 months.")
        );
        assert_ne!(
            a,
            chunk_id(
                "kitas_kitap/other.md",
                "E33G › Requirements",
                "Passport valid 6 months."
            )
        );
        // Pinned value: a change of scheme would orphan every stored vector, so it must be deliberate.
        assert_eq!(chunk_id("d", "s", "t"), {
            let mut h = Sha256::new();
            h.update(b"d\ns\nt");
            hex::encode(h.finalize())[..24].to_string()
        });
    }

    #[test]
    fn finalize_numbers_and_dedupes() {
        let drafts = vec![
            Draft::new("A", "one"),
            Draft::new("A", " "),
            Draft::new("A", "one"),
            Draft::new("B", "one"),
        ];
        let chunks = finalize("doc", "en", drafts);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].ord, 0);
        assert_eq!(chunks[1].ord, 1);
        assert_eq!(chunks[1].section, "B");
        assert!(chunks.iter().all(|c| c.language == "en" && c.document_id == "doc"));
    }

    #[test]
    fn config_validation() {
        assert!(ChunkerConfig::default().validate().is_ok());
        assert!(ChunkerConfig { size: 100, overlap: 0 }.validate().is_err());
        assert!(ChunkerConfig {
            size: 400,
            overlap: 300
        }
        .validate()
        .is_err());
    }
}
