//! Incremental loads against the in-memory store: unchanged runs write nothing, an edit rewrites only its
//! document, a removed file disappears, collections being built are the only ones pruned, and bad input
//! writes nothing.

mod common;

use std::collections::BTreeSet;

use anyhow::Result;
use common::*;
use kb_build::embed::{Embedder, NoEmbedder};
use kb_build::error::InputError;
use kb_build::run::run;
use kb_build::store::memory::MemoryStore;

fn ids_of(store: &MemoryStore, doc: &str) -> BTreeSet<String> {
    store.documents[doc].chunks.iter().map(|c| c.id.clone()).collect()
}

#[test]
fn second_run_writes_nothing_and_edits_replace_only_their_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let opts = options(Some(&kb), Some(&data), vec![]);
    let mut store = MemoryStore::default();

    let first = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(
        first.documents,
        2 + 2 + 1 + 1,
        "2 Markdown, 2 KBLI codes, PP 28, prices"
    );
    assert_eq!(first.changed, first.documents);
    assert!(
        store.documents["kitas_kitap/e33g-remote-worker.md"].chunks.len() > 2,
        "long file is split"
    );
    assert_eq!(
        store.collections.len(),
        3 + 3,
        "visa_oracle, kitas_kitap, faq_general (empty) + 3 data"
    );
    assert!(store.objects.contains_key("kb/visa_oracle/c1-tourist-visa.md"));
    assert!(store.objects.contains_key("kb/sources/kbli-2020.json"));
    assert_eq!(
        store.objects.len(),
        2 + 3,
        "one object per source file, not per KBLI code"
    );

    let second = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!((second.changed, second.deleted, second.chunks_written), (0, 0, 0));
    assert_eq!(store.applied.len(), 1, "nothing applied on a no-change run");

    let e33g_before = ids_of(&store, "kitas_kitap/e33g-remote-worker.md");
    let c1_before = ids_of(&store, "visa_oracle/c1-tourist-visa.md");
    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Return ticket", "Onward or return ticket"),
    );
    let third = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(third.changed, 1);
    let applied = store.applied.last().unwrap();
    assert_eq!(applied.upserts.len(), 1);
    assert_eq!(applied.upserts[0].doc.id, "visa_oracle/c1-tourist-visa.md");
    assert_eq!(applied.objects.len(), 1, "only the edited file goes to R2");
    assert_eq!(ids_of(&store, "kitas_kitap/e33g-remote-worker.md"), e33g_before);
    let c1_after = ids_of(&store, "visa_oracle/c1-tourist-visa.md");
    assert_ne!(c1_after, c1_before);
    assert!(!c1_before.is_subset(&c1_after), "the edited chunk got a new id");

    std::fs::remove_file(kb.join("kitas_kitap/e33g-remote-worker.md")).unwrap();
    let fourth = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!((fourth.changed, fourth.deleted), (0, 1));
    assert!(!store.documents.contains_key("kitas_kitap/e33g-remote-worker.md"));
    let all: BTreeSet<String> = store.chunk_ids().into_iter().collect();
    assert!(all.is_disjoint(&e33g_before), "the deleted file's chunks are gone");
    assert!(!store.objects.contains_key("kb/kitas_kitap/e33g-remote-worker.md"));
}

#[test]
fn building_one_side_never_prunes_the_other() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let bench = tmp.path().join("bench.jsonl");
    jsonl(&bench, 20, "first");
    let mut store = MemoryStore::default();
    let main = options(Some(&kb), Some(&data), vec![]);
    let only_bench = options(None, None, vec![("bench".into(), bench.clone())]);

    run(&main, &mut store, &mut NoEmbedder, true, false).unwrap();
    run(&only_bench, &mut store, &mut NoEmbedder, true, false).unwrap();
    let total = store.documents.len();
    let s = run(&main, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(
        (s.changed, s.deleted),
        (0, 0),
        "the main build leaves the bench collection alone"
    );
    assert_eq!(store.documents.len(), total);

    jsonl(&bench, 5, "first");
    let s = run(&only_bench, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!((s.changed, s.deleted), (0, 15));
    assert!(
        store.documents.contains_key("visa_oracle/c1-tourist-visa.md"),
        "the bench build leaves the KB alone"
    );
}

#[test]
fn invalid_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    write(
        &kb.join("visa_oracle/broken.md"),
        "---\ntitle: Broken\ncollection visa_oracle\nlanguage: en\n---\nBody\n",
    );
    let mut store = MemoryStore::default();
    let err = run(
        &options(Some(&kb), Some(&data), vec![]),
        &mut store,
        &mut NoEmbedder,
        true,
        false,
    )
    .unwrap_err();
    let input = err.downcast_ref::<InputError>().expect("an input error");
    assert_eq!(input.line, Some(3));
    assert!(
        input.to_string().contains("broken.md:3: expected `key: value`"),
        "{input}"
    );
    assert!(store.applied.is_empty() && store.documents.is_empty());

    std::fs::remove_file(kb.join("visa_oracle/broken.md")).unwrap();
    write(
        &kb.join("visa_oracle/wrong-folder.md"),
        C1.replace("collection: visa_oracle", "collection: kitas_kitap"),
    );
    let err = run(
        &options(Some(&kb), Some(&data), vec![]),
        &mut store,
        &mut NoEmbedder,
        true,
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("wrong-folder.md:3: collection \"kitas_kitap\" does not match its folder"),
        "{err}"
    );

    std::fs::remove_file(kb.join("visa_oracle/wrong-folder.md")).unwrap();
    write(&data.join("kbli-2020.json"), "[\n{\"code\": \"A\",\n");
    let err = run(
        &options(Some(&kb), Some(&data), vec![]),
        &mut store,
        &mut NoEmbedder,
        true,
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("kbli-2020.json:3: invalid JSON"), "{err}");
    assert!(store.applied.is_empty());
}

/// Deterministic vectors; counts how many texts it was asked to embed.
struct CountingEmbedder {
    texts: usize,
}

impl Embedder for CountingEmbedder {
    fn id(&self) -> String {
        "test:8".into()
    }

    fn batch_size(&self) -> usize {
        3
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        self.texts += texts.len();
        Ok(texts.iter().map(|t| vec![t.len() as f32; 8]).collect())
    }
}

#[test]
fn only_changed_chunks_are_embedded_and_settings_changes_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, _) = fixture(tmp.path());
    let mut opts = options(Some(&kb), None, vec![]);
    opts.settings = format!("{};embedder=test:8", opts.chunker.fingerprint());
    let mut store = MemoryStore::default();
    let mut emb = CountingEmbedder { texts: 0 };
    let first = run(&opts, &mut store, &mut emb, true, false).unwrap();
    assert_eq!(emb.texts, first.chunks_total);
    assert_eq!(store.vectors.len(), first.chunks_total);

    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("60 days", "sixty days"),
    );
    emb.texts = 0;
    run(&opts, &mut store, &mut emb, true, false).unwrap();
    assert_eq!(
        emb.texts,
        store.documents["visa_oracle/c1-tourist-visa.md"].chunks.len()
    );
    assert_eq!(
        store.vectors.len(),
        first.chunks_total,
        "old vectors of the edited document are dropped"
    );

    opts.chunker.size = 900;
    opts.settings = format!("{};embedder=test:8", opts.chunker.fingerprint());
    let s = run(&opts, &mut store, &mut emb, true, false).unwrap();
    assert_eq!(s.changed, s.documents, "new chunker settings rebuild every document");
}

#[test]
fn dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let mut store = MemoryStore::default();
    let s = run(
        &options(Some(&kb), Some(&data), vec![]),
        &mut store,
        &mut NoEmbedder,
        false,
        false,
    )
    .unwrap();
    assert_eq!(s.changed, s.documents);
    assert_eq!(s.chunks_written, 0);
    assert!(store.applied.is_empty());
}
