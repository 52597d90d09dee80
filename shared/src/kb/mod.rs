//! Knowledge-base building blocks used at build time by `kb-build`: front matter, chunking, and the
//! parsers for the real data sources (KBLI 2020, PP 28/2025, the price list).
//!
//! Everything here is pure (no I/O, no clock) so it runs natively in tests and could run in the worker.

pub mod chunk;
pub mod collections;
pub mod corrections;
pub mod frontmatter;
pub mod kbli;
pub mod markdown;
pub mod ocr;
pub mod ordered_json;
pub mod pack;
pub mod pp28;
pub mod prices;
pub mod text;
pub mod visa_codes;

use std::fmt;

/// A problem in a source file. `line` is 1-based when known, so kb-build can print `file:line: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub line: Option<usize>,
    pub message: String,
}

impl SourceError {
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SourceError {}

/// Maps a serde_json error to the line it points at.
impl From<serde_json::Error> for SourceError {
    fn from(e: serde_json::Error) -> Self {
        let line = (e.line() > 0).then_some(e.line());
        Self {
            line,
            message: format!("invalid JSON: {e}"),
        }
    }
}
