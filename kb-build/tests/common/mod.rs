//! Fixtures shared by the integration tests: a small knowledge base and data folder written to a temp
//! directory, and build options pointing at them.
#![allow(dead_code)]

pub mod embed_server;

use std::path::{Path, PathBuf};

use kb_build::sources::Options;
use nuzantara_shared::kb::chunk::ChunkerConfig;

pub const C1: &str = "---
title: C1 Tourist Visa
collection: visa_oracle
language: en
authority: Permenkumham No. 22 Tahun 2023
effective_date: 2023-05-31
url: https://evisa.imigrasi.go.id/
---
# C1 Tourist Visa

The C1 visa is a single-entry visit visa for tourism, valid 60 days.

## Requirements

- Passport valid at least 6 months
- Return ticket
- Proof of funds
";

pub fn e33g() -> String {
    let para = "Remote workers earning at least USD 60,000 a year from abroad may live in Bali on an E33G. ";
    let mut s = String::from(
        "---\ntitle: KITAS E33G — Remote Worker\ncollection: kitas_kitap\nlanguage: en\n---\n# E33G\n\n## Eligibility\n\n",
    );
    for i in 0..12 {
        s.push_str(&format!("Paragraph {i}. {}\n\n", para.repeat(3)));
    }
    s.push_str("## Tax\n\nThe 183-day rule decides tax residency for zanzibarite nomads.\n");
    s
}

pub const PRICES: &str = r#"{"last_updated": "2025-01-01",
 "disclaimer": {"en": "Contact directly for quotes."},
 "services": {"kitas_permits": {"Remote Worker KITAS (E33G)": {"offshore": "12.500.000 IDR", "onshore": "14.000.000 IDR"}}}}"#;

pub const KBLI: &str = r#"[
 {"id": "1", "code": "I", "title": "PENYEDIAAN AKOMODASI DAN PENYEDIAAN MAKAN MINUM", "detail": "Kategori ini mencakup akomodasi."},
 {"id": "2", "code": "56", "title": "PENYEDIAAN MAKANAN DAN MINUMAN", "detail": "Golongan pokok ini mencakup makanan."},
 {"id": "3", "code": "561", "title": "RESTORAN DAN PENYEDIAAN MAKANAN KELILING", "detail": "Golongan ini mencakup restoran."},
 {"id": "4", "code": "5610", "title": "RESTORAN DAN PENYEDIAAN MAKANAN KELILING", "detail": "Subgolongan ini mencakup restoran."},
 {"id": "5", "code": "56101", "title": "RESTORAN", "detail": "Kelompok ini mencakup jenis usaha jasa menyajikan makanan dan minuman."},
 {"id": "6", "code": "56102", "title": "WARUNG MAKAN", "detail": "Kelompok ini mencakup warung makan."}
]"#;

pub const PP28: &str =
    "[PAGE 1]\nSALINAN\nPRESIDEN\nREPUBLIK INDONESIA\nPERATURAN PEMERINTAH REPUBLIK INDONESIA\nNOMOR 28 TAHUN 2025\n\
BAB I\nKETENTUAN UMUM\nPasal 1\nDalam Peraturan Pemerintah ini yang dimaksud dengan Risiko adalah potensi kerugian.\n\
Pasal 2\n(1) Pelaku Usaha wajib memiliki NIB.\nSK No 1 A\n\n[PAGE 2]\nPRESIDEN\nREPUBLIK INDONESIA\n-2-\n\
Pasal 3\nPeraturan Pemerintah ini mulai berlaku pada tanggal diundangkan.\n";

pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// `root/kb/{visa_oracle/c1.md, kitas_kitap/e33g.md, faq_general/}` and `root/data/*`.
pub fn fixture(root: &Path) -> (PathBuf, PathBuf) {
    let kb = root.join("kb");
    write(&kb.join("visa_oracle/c1-tourist-visa.md"), C1);
    write(&kb.join("kitas_kitap/e33g-remote-worker.md"), e33g());
    std::fs::create_dir_all(kb.join("faq_general")).unwrap();
    let data = root.join("data");
    write(&data.join("kbli-2020.json"), KBLI);
    write(&data.join("pp-28-2025-raw.txt"), PP28);
    write(&data.join("bali-zero-prices-2025.json"), PRICES);
    (kb, data)
}

/// `n` BEIR-style records.
pub fn jsonl(path: &Path, n: usize, tag: &str) {
    let lines: Vec<String> = (0..n)
        .map(|i| serde_json::json!({"_id": format!("d{i}"), "title": format!("Abstract {i}"), "text": format!("{tag} finding number {i} about proteins.")}).to_string())
        .collect();
    write(path, lines.join("\n") + "\n");
}

pub fn options(kb: Option<&Path>, data: Option<&Path>, jsonl: Vec<(String, PathBuf)>) -> Options {
    let chunker = ChunkerConfig { size: 600, overlap: 80 };
    Options {
        kb_dir: kb.map(Path::to_path_buf),
        data_dir: data.map(Path::to_path_buf),
        jsonl,
        chunker,
        settings: format!("{};embedder=none", chunker.fingerprint()),
    }
}

/// The repository root (kb-build's parent).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// [`options`] with the content-hash settings of `embedder` (as the CLI computes them).
pub fn options_for(
    kb: Option<&Path>,
    data: Option<&Path>,
    jsonl: Vec<(String, PathBuf)>,
    embedder: &dyn kb_build::embed::Embedder,
) -> Options {
    let mut o = options(kb, data, jsonl);
    o.settings = format!("{};{}", o.chunker.fingerprint(), kb_build::embed::settings(embedder));
    o
}

/// An OpenAI-compatible embedder for `base` that tries each request once (failure tests stay fast).
pub fn openai(base: &str, model: &str, timeout_secs: u64) -> kb_build::embed::OpenAi {
    let mut e =
        kb_build::embed::OpenAi::new(base, model, None).with_timeout(std::time::Duration::from_secs(timeout_secs));
    e.attempts = 1;
    e
}
