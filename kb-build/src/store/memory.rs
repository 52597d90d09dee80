//! An in-memory store with the same semantics as D1 + R2, for tests (and as the reference behaviour).

use std::collections::BTreeMap;

use anyhow::Result;

use crate::model::{ChangeSet, Collection, Document, MetaChange, META_KEYS};
use crate::store::{ManifestRow, Store, StoredVectors};

#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub collections: BTreeMap<String, String>,
    pub documents: BTreeMap<String, Document>,
    /// chunk id → vector
    pub vectors: BTreeMap<String, Vec<f32>>,
    pub objects: BTreeMap<String, Vec<u8>>,
    /// `kb_index_meta`.
    pub meta: BTreeMap<String, String>,
    /// Every change set applied, for assertions on what a run wrote.
    pub applied: Vec<ChangeSet>,
}

impl MemoryStore {
    pub fn chunk_ids(&self) -> Vec<String> {
        self.documents
            .values()
            .flat_map(|d| d.chunks.iter().map(|c| c.id.clone()))
            .collect()
    }
}

impl Store for MemoryStore {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>> {
        Ok(self
            .documents
            .values()
            .map(|d| ManifestRow {
                doc_id: d.id.clone(),
                collection: d.collection.clone(),
                content_hash: d.content_hash.clone(),
                r2_key: d.r2_key.clone(),
            })
            .collect())
    }

    fn collections(&mut self) -> Result<Vec<Collection>> {
        Ok(self
            .collections
            .iter()
            .map(|(n, d)| Collection {
                name: n.clone(),
                description: d.clone(),
            })
            .collect())
    }

    fn stored_vectors(&mut self) -> Result<StoredVectors> {
        let mut present: Vec<usize> = self.vectors.values().map(Vec::len).collect();
        present.sort_unstable();
        present.dedup();
        Ok(StoredVectors {
            place: "the in-memory store".into(),
            present_dims: present,
            ..StoredVectors::default()
        }
        .with_meta(self.meta.clone()))
    }

    fn apply(&mut self, changes: &ChangeSet) -> Result<()> {
        for c in &changes.collections {
            self.collections.insert(c.name.clone(), c.description.clone());
        }
        for o in &changes.objects {
            self.objects.insert(o.key.clone(), o.body.clone());
        }
        for d in &changes.deletes {
            if let Some(old) = self.documents.remove(&d.id) {
                for c in &old.chunks {
                    self.vectors.remove(&c.id);
                }
            }
        }
        for u in &changes.upserts {
            anyhow::ensure!(
                self.collections.contains_key(&u.doc.collection),
                "no collection {}",
                u.doc.collection
            );
            if let Some(old) = self.documents.get(&u.doc.id) {
                for c in &old.chunks {
                    self.vectors.remove(&c.id);
                }
            }
            for (c, v) in u.doc.chunks.iter().zip(&u.vectors) {
                self.vectors.insert(c.id.clone(), v.clone());
            }
            self.documents.insert(u.doc.id.clone(), u.doc.clone());
        }
        for k in &changes.delete_objects {
            self.objects.remove(k);
        }
        match &changes.index_meta {
            MetaChange::Keep => {}
            MetaChange::Set(m) => self.meta.extend(m.rows().into_iter().map(|(k, v)| (k.to_string(), v))),
            MetaChange::Clear => self.meta.retain(|k, _| !META_KEYS.contains(&k.as_str())),
        }
        self.applied.push(changes.clone());
        Ok(())
    }
}
