//! `kb/<collection>/<slug>.md`: front matter + Markdown, one document per file.

use std::path::Path;

use nuzantara_shared::kb::collections::{describe, is_valid_name, COLLECTIONS};
use nuzantara_shared::kb::frontmatter;
use nuzantara_shared::kb::markdown::chunk_markdown;
use nuzantara_shared::kb::text::normalize_source;

use super::Options;
use crate::error::{read_utf8, InputError};
use crate::model::{content_hash, Build, Collection, Document, SourceObject};

fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, InputError> {
    let rd = std::fs::read_dir(dir).map_err(|e| InputError::new(dir, None, format!("cannot read directory: {e}")))?;
    let mut entries: Vec<_> = rd
        .collect::<Result<_, _>>()
        .map_err(|e| InputError::new(dir, None, e.to_string()))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn hidden(name: &str) -> bool {
    name.starts_with('.')
}

pub fn load(kb_dir: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    for entry in sorted_entries(kb_dir)? {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        if hidden(&name) {
            continue;
        }
        if !path.is_dir() {
            build
                .warnings
                .push(format!("{}: not in a collection folder, skipped", path.display()));
            continue;
        }
        if !is_valid_name(&name) {
            return Err(InputError::new(
                &path,
                None,
                "collection folder names use only a-z, 0-9 and _",
            ));
        }
        if !COLLECTIONS.iter().any(|(n, _)| *n == name) {
            build.warnings.push(format!(
                "{}: collection {name} has no description in the collection table",
                path.display()
            ));
        }
        build.collections.push(Collection {
            name: name.clone(),
            description: describe(&name),
        });
        for file in sorted_entries(&path)? {
            let fname = file.file_name().to_string_lossy().to_string();
            let fpath = file.path();
            if hidden(&fname) {
                continue;
            }
            if fpath.is_dir() {
                build
                    .warnings
                    .push(format!("{}: nested folders are not read", fpath.display()));
            } else if fname.ends_with(".md") {
                load_file(&fpath, &name, &fname, opts, build)?;
            }
        }
    }
    Ok(())
}

fn load_file(path: &Path, collection: &str, fname: &str, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    let raw = read_utf8(path)?;
    let src = normalize_source(&raw);
    let parsed = frontmatter::parse(&src).map_err(|e| InputError::from_source(path, e))?;
    let meta = parsed.meta;
    if meta.collection != collection {
        return Err(InputError::new(
            path,
            Some(meta.collection_line),
            format!(
                "collection {:?} does not match its folder {collection:?}",
                meta.collection
            ),
        ));
    }
    for (key, line) in &meta.unknown_keys {
        build.warnings.push(format!(
            "{}:{line}: unknown front matter key {key:?} ignored",
            path.display()
        ));
    }
    let id = format!("{collection}/{fname}");
    let chunks = chunk_markdown(&id, &meta.language, &meta.title, parsed.body, &opts.chunker);
    if chunks.is_empty() {
        build
            .warnings
            .push(format!("{}: no text after the front matter", path.display()));
    }
    let key = format!("kb/{id}");
    build.objects.push(SourceObject {
        key: key.clone(),
        content_type: "text/markdown; charset=utf-8".into(),
        body: raw.into_bytes(),
    });
    build.documents.push(Document {
        id: id.clone(),
        collection: collection.to_string(),
        source_path: format!("kb/{id}"),
        title: meta.title,
        language: meta.language,
        authority: meta.authority,
        url: meta.url,
        effective_date: meta.effective_date,
        r2_key: Some(key),
        content_hash: content_hash(&opts.settings, "markdown", src.as_bytes()),
        bytes: src.len() as u64,
        chunks,
    });
    Ok(())
}
