//! `--jsonl-collection NAME=PATH`: BEIR-style `{_id, title, text}` records (optionally gzipped), one
//! document per record. Used for benchmark corpora such as SciFact.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use nuzantara_shared::kb::chunk::{finalize, Draft};
use nuzantara_shared::kb::collections::is_valid_name;
use nuzantara_shared::kb::pack::{pack, Block};
use serde::Deserialize;
use serde_json::Value;

use super::Options;
use crate::error::InputError;
use crate::model::{content_hash, Build, Collection, Document};

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "_id")]
    id: Value,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

/// Descriptions for the benchmark collections we know; others get a generic one.
fn description(name: &str, path: &Path) -> String {
    match name {
        "scifact" => "BEIR SciFact benchmark: scientific abstracts, for search evaluation only.".into(),
        _ => format!(
            "JSONL collection loaded from {}.",
            path.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().to_string())
        ),
    }
}

fn read_all(path: &Path) -> Result<Vec<u8>, InputError> {
    let file = std::fs::File::open(path).map_err(|e| InputError::new(path, None, format!("cannot open: {e}")))?;
    let mut bytes = Vec::new();
    let gz = path.extension().is_some_and(|e| e == "gz");
    let res = if gz {
        GzDecoder::new(file).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    res.map_err(|e| {
        InputError::new(
            path,
            None,
            format!("cannot read{}: {e}", if gz { " (gzip)" } else { "" }),
        )
    })?;
    Ok(bytes)
}

pub fn load(name: &str, path: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    if !is_valid_name(name) {
        return Err(InputError::new(
            path,
            None,
            format!("collection name {name:?} must use only a-z, 0-9 and _"),
        ));
    }
    let bytes = read_all(path)?;
    let file_name = path
        .file_name()
        .map_or_else(|| "jsonl".into(), |f| f.to_string_lossy().to_string());
    build.collections.push(Collection {
        name: name.into(),
        description: description(name, path),
    });
    let mut seen = HashSet::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let line = std::str::from_utf8(line).map_err(|_| InputError::new(path, Some(line_no), "not valid UTF-8"))?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: Record = serde_json::from_str(line)
            .map_err(|e| InputError::new(path, Some(line_no), format!("invalid JSON record: {e}")))?;
        let rid = match &rec.id {
            Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(InputError::new(
                    path,
                    Some(line_no),
                    "`_id` must be a non-empty string or a number",
                ))
            }
        };
        if !seen.insert(rid.clone()) {
            return Err(InputError::new(path, Some(line_no), format!("duplicate _id {rid:?}")));
        }
        let id = format!("{name}/{rid}");
        let title = if rec.title.trim().is_empty() {
            rid.clone()
        } else {
            rec.title.trim().to_string()
        };
        let blocks: Vec<Block> = rec.text.split("\n\n").map(Block::para).collect();
        let drafts = pack(&blocks, opts.chunker.size, opts.chunker.overlap)
            .into_iter()
            .map(|t| Draft::new(title.clone(), t))
            .collect();
        let canonical = serde_json::to_vec(&(&rid, &rec.title, &rec.text)).unwrap_or_default();
        build.documents.push(Document {
            chunks: finalize(&id, "en", drafts),
            collection: name.into(),
            source_path: format!("{name}:{file_name}#{rid}"),
            title,
            language: "en".into(),
            authority: None,
            url: None,
            effective_date: None,
            r2_key: None,
            content_hash: content_hash(&opts.settings, "jsonl", &canonical),
            bytes: line.len() as u64,
            id,
        });
    }
    Ok(())
}
