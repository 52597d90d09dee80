//! Console output: per-collection lines, periodic progress, and the final summary.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::embed::EmbedStats;
use crate::model::{Build, ChangeSet};

/// Prints "… n/total documents written" at most every two seconds.
pub struct Ticker {
    what: &'static str,
    total: usize,
    done: usize,
    last: Instant,
    enabled: bool,
}

impl Ticker {
    pub fn new(what: &'static str, total: usize, enabled: bool) -> Self {
        Self {
            what,
            total,
            done: 0,
            last: Instant::now(),
            enabled,
        }
    }

    pub fn add(&mut self, n: usize) {
        self.done += n;
        if self.enabled && n > 0 && self.last.elapsed() >= Duration::from_secs(2) && self.done < self.total {
            println!("  … {}/{} documents {}", self.done, self.total, self.what);
            self.last = Instant::now();
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub documents: usize,
    pub changed: usize,
    pub deleted: usize,
    pub chunks_total: usize,
    pub chunks_written: usize,
    pub bytes: u64,
    pub seconds: f64,
    /// Set when vectors were written.
    pub vectors: Option<EmbedStats>,
}

impl Summary {
    pub fn line(&self) -> String {
        let rate = if self.seconds > 0.0 {
            self.chunks_written as f64 / self.seconds
        } else {
            0.0
        };
        let vectors = match self.vectors {
            Some(v) if v.cache_enabled => format!(
                " vector cache {} hits, {} misses ({} texts embedded);",
                v.cache_hits, v.cache_misses, v.embedded
            ),
            Some(v) => format!(" vector cache off, {} texts embedded;", v.embedded),
            None => String::new(),
        };
        format!(
            "summary: documents {} total, {} changed, {} deleted; chunks {} total, {} written;{vectors} {} written; {:.2} s; {:.0} chunks/s",
            self.documents,
            self.changed,
            self.deleted,
            self.chunks_total,
            self.chunks_written,
            human_bytes(self.bytes),
            self.seconds,
            rate
        )
    }
}

pub fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// One line per collection: documents and chunks built, and what changes against the store.
pub fn collection_lines(build: &Build, changes: &ChangeSet) -> Vec<String> {
    #[derive(Default)]
    struct Row {
        docs: usize,
        chunks: usize,
        changed: usize,
        deleted: usize,
    }
    let mut rows: BTreeMap<&str, Row> = build
        .collections
        .iter()
        .map(|c| (c.name.as_str(), Row::default()))
        .collect();
    for d in &build.documents {
        let r = rows.entry(&d.collection).or_default();
        r.docs += 1;
        r.chunks += d.chunks.len();
    }
    for u in &changes.upserts {
        rows.entry(&u.doc.collection).or_default().changed += 1;
    }
    for d in &changes.deletes {
        rows.entry(&d.collection).or_default().deleted += 1;
    }
    rows.iter()
        .map(|(name, r)| {
            format!(
                "  {name:<24} {:>5} documents {:>6} chunks   {} changed, {} deleted",
                r.docs, r.chunks, r.changed, r.deleted
            )
        })
        .collect()
}
