//! KBLI 2020 (Indonesian business classification) from `kbli-2020.json`: one entry per five-digit code,
//! with its hierarchy (category letter → 2 → 3 → 4 digits) resolved by code prefix.
//!
//! The JSON is a flat list in classification order. Categories (A–U) carry no digits, so the category of a
//! two-digit code is the last category record before it; [`parse`] checks that order holds.

use std::collections::HashMap;

use serde::Deserialize;

use super::chunk::{ChunkerConfig, Draft};
use super::pack::{pack, Block};
use super::text::title_case;
use super::SourceError;

#[derive(Debug, Deserialize)]
struct Record {
    code: String,
    title: String,
    #[serde(default)]
    detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub title: String,
    pub detail: String,
}

/// A five-digit code with its ancestors, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub entry: Entry,
    /// Category letter and title.
    pub category: Entry,
    /// 2-, 3- and 4-digit ancestors that exist in the source (a few 3-digit levels are missing there).
    pub parents: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kbli {
    pub codes: Vec<Code>,
    /// What the cleaning did (duplicates resolved), for the build log.
    pub notes: Vec<String>,
}

/// The level a record describes itself as ("Kelompok ini mencakup…" = 5 digits). Used to resolve the
/// duplicated code 8421, whose first record is really the missing three-digit group 842.
fn level_from_detail(detail: &str) -> Option<usize> {
    let d = detail.trim_start().to_lowercase();
    if d.starts_with("kategori") {
        Some(1)
    } else if d.starts_with("golongan pokok") {
        Some(2)
    } else if d.starts_with("subgolongan") || d.starts_with("sub golongan") {
        Some(4)
    } else if d.starts_with("golongan") {
        Some(3)
    } else if d.starts_with("kelompok") {
        Some(5)
    } else {
        None
    }
}

fn line_of(src: &str, needle: &str) -> Option<usize> {
    src.find(needle).map(|i| src[..i].matches('\n').count() + 1)
}

fn level_of(code: &str) -> Option<usize> {
    let is_cat = code.len() == 1 && code.bytes().all(|b| b.is_ascii_uppercase());
    let is_num = (2..=5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
    if is_cat {
        Some(1)
    } else if is_num {
        Some(code.len())
    } else {
        None
    }
}

pub fn parse(src: &str) -> Result<Kbli, SourceError> {
    let records: Vec<Record> = serde_json::from_str(src)?;
    let mut notes = Vec::new();
    let mut by_code: HashMap<String, Entry> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut category_of: HashMap<String, String> = HashMap::new();
    let mut current_cat: Option<String> = None;

    for r in records {
        let code = r.code.trim().to_string();
        let at = || line_of(src, &format!("\"{}\"", r.code));
        let Some(level) = level_of(&code) else {
            return Err(SourceError {
                line: at(),
                message: format!("invalid KBLI code {:?}", r.code),
            });
        };
        if r.title.trim().is_empty() {
            return Err(SourceError {
                line: at(),
                message: format!("KBLI code {code} has no title"),
            });
        }
        if level == 1 {
            if current_cat.as_ref().is_some_and(|c| *c >= code) {
                return Err(SourceError {
                    line: at(),
                    message: format!("category {code} out of order"),
                });
            }
            current_cat = Some(code.clone());
        } else if level == 2 {
            let Some(cat) = &current_cat else {
                return Err(SourceError {
                    line: at(),
                    message: format!("2-digit code {code} before any category"),
                });
            };
            category_of.insert(code.clone(), cat.clone());
        } else if !category_of.contains_key(&code[..2]) {
            return Err(SourceError {
                line: at(),
                message: format!("code {code} appears before its 2-digit division {}", &code[..2]),
            });
        }
        let entry = Entry {
            code: code.clone(),
            title: r.title.trim().to_string(),
            detail: r.detail.trim().to_string(),
        };
        match by_code.get(&code) {
            None => {
                order.push(code.clone());
                by_code.insert(code, entry);
            }
            Some(existing) => {
                // Keep the record whose own wording matches its code's level; re-file the other one under
                // the shorter code it describes when that code is missing (8421 "Golongan ini…" is 842).
                let (keep, other) = if level_from_detail(&existing.detail) == Some(level) {
                    (existing.clone(), entry)
                } else {
                    (entry, existing.clone())
                };
                by_code.insert(code.clone(), keep);
                match level_from_detail(&other.detail) {
                    Some(l) if (2..level).contains(&l) && !by_code.contains_key(&code[..l]) => {
                        let parent = code[..l].to_string();
                        notes.push(format!(
                            "duplicate code {code}: one record describes {parent}, filed there"
                        ));
                        order.push(parent.clone());
                        by_code.insert(parent.clone(), Entry { code: parent, ..other });
                    }
                    _ => notes.push(format!(
                        "duplicate code {code}: kept one record, dropped {:?}",
                        other.title
                    )),
                }
            }
        }
    }

    let mut codes = Vec::new();
    for code in order.iter().filter(|c| c.len() == 5) {
        let entry = by_code[code].clone();
        let cat_code = &category_of[&code[..2]];
        let category = by_code[cat_code].clone();
        let parents = [2, 3, 4]
            .iter()
            .filter_map(|&l| by_code.get(&code[..l]).cloned())
            .collect();
        codes.push(Code {
            entry,
            category,
            parents,
        });
    }
    codes.sort_by(|a, b| a.entry.code.cmp(&b.entry.code));
    Ok(Kbli { codes, notes })
}

fn level_name(code: &str) -> &'static str {
    match code.len() {
        1 => "Kategori",
        2 => "Golongan Pokok",
        3 => "Golongan",
        4 => "Subgolongan",
        _ => "Kelompok",
    }
}

impl Code {
    pub fn document_id(&self) -> String {
        format!("kbli/{}", self.entry.code)
    }

    pub fn title(&self) -> String {
        format!("KBLI {} — {}", self.entry.code, title_case(&self.entry.title))
    }

    /// The hierarchy lines that head every chunk of the code.
    pub fn header(&self) -> String {
        let mut lines = vec![self.title()];
        for e in std::iter::once(&self.category)
            .chain(&self.parents)
            .chain(std::iter::once(&self.entry))
        {
            lines.push(format!("{} {} — {}", level_name(&e.code), e.code, title_case(&e.title)));
        }
        lines.join("\n")
    }

    /// Exact-match terms: the code, its ancestors' codes, the category letter.
    pub fn keywords(&self) -> String {
        let mut k = vec![self.entry.code.clone()];
        k.extend(self.parents.iter().rev().map(|p| p.code.clone()));
        k.push(self.category.code.clone());
        k.push(format!("KBLI{}", self.entry.code));
        k.join(" ")
    }

    /// Normally one chunk; a description too long for the chunk size is split, each part keeping the header.
    pub fn drafts(&self, cfg: &ChunkerConfig) -> Vec<Draft> {
        let header = self.header();
        let keywords = self.keywords();
        let section = format!("KBLI {}", self.entry.code);
        let budget = cfg.size.saturating_sub(header.chars().count() + 2).max(cfg.size / 3);
        let detail = if self.entry.detail.is_empty() {
            self.entry.title.clone()
        } else {
            self.entry.detail.clone()
        };
        pack(&[Block::para(detail)], budget, 0)
            .into_iter()
            .map(|body| Draft {
                section: section.clone(),
                page: None,
                text: format!("{header}\n\n{body}"),
                keywords: keywords.clone(),
            })
            .collect()
    }

    /// The source records this document is built from, for its content hash.
    pub fn source_fingerprint(&self) -> String {
        let mut s = String::new();
        for e in std::iter::once(&self.category)
            .chain(&self.parents)
            .chain(std::iter::once(&self.entry))
        {
            s.push_str(&format!("{}\u{1f}{}\u{1f}{}\u{1e}", e.code, e.title, e.detail));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[
      {"id":"1","code":"I","title":"PENYEDIAAN AKOMODASI DAN PENYEDIAAN MAKAN MINUM","detail":"Kategori ini mencakup…"},
      {"id":"2","code":"56","title":"PENYEDIAAN MAKANAN DAN MINUMAN","detail":"Golongan pokok ini…"},
      {"id":"3","code":"561","title":"RESTORAN DAN PENYEDIAAN MAKANAN KELILING","detail":"Golongan ini…"},
      {"id":"4","code":"5610","title":"RESTORAN DAN PENYEDIAAN MAKANAN KELILING","detail":"Subgolongan ini…"},
      {"id":"5","code":"56101","title":"RESTORAN","detail":"Kelompok ini mencakup jenis usaha jasa menyajikan makanan."},
      {"id":"6","code":"O","title":"ADMINISTRASI PEMERINTAHAN","detail":"Kategori ini…"},
      {"id":"7","code":"84","title":"ADMINISTRASI PEMERINTAHAN","detail":"Golongan pokok ini…"},
      {"id":"8","code":"8421","title":"PENYEDIAAN LAYANAN","detail":"Golongan ini mencakup kegiatan hubungan luar negeri"},
      {"id":"9","code":"8421","title":"HUBUNGAN LUAR NEGERI","detail":"Subgolongan ini mencakup :- Administrasi"},
      {"id":"10","code":"84210","title":"HUBUNGAN LUAR NEGERI","detail":"Kelompok ini mencakup…"}
    ]"#;

    #[test]
    fn resolves_hierarchy_and_duplicate() {
        let k = parse(SAMPLE).unwrap();
        assert_eq!(k.codes.len(), 2);
        let r = &k.codes[0];
        assert_eq!(r.document_id(), "kbli/56101");
        assert_eq!(r.title(), "KBLI 56101 — Restoran");
        assert_eq!(r.category.code, "I");
        assert_eq!(r.keywords(), "56101 5610 561 56 I KBLI56101");
        let h = r.header();
        assert!(
            h.contains("Kategori I — Penyediaan Akomodasi dan Penyediaan Makan Minum"),
            "{h}"
        );
        assert!(h.contains("Golongan 561 — Restoran dan Penyediaan Makanan Keliling"));
        let d = r.drafts(&ChunkerConfig::default());
        assert_eq!(d.len(), 1);
        assert!(d[0].text.ends_with("menyajikan makanan."));

        let f = &k.codes[1];
        let parents: Vec<(&str, &str)> = f.parents.iter().map(|p| (p.code.as_str(), p.title.as_str())).collect();
        assert_eq!(
            parents,
            vec![
                ("84", "ADMINISTRASI PEMERINTAHAN"),
                ("842", "PENYEDIAAN LAYANAN"),
                ("8421", "HUBUNGAN LUAR NEGERI")
            ]
        );
        assert_eq!(k.notes.len(), 1);
    }

    #[test]
    fn rejects_bad_order_and_codes_with_a_line() {
        let e = parse(r#"[{"code":"01","title":"X","detail":""}]"#).unwrap_err();
        assert!(e.message.contains("before any category"), "{e}");
        let e = parse("[\n{\"code\":\"A\",\"title\":\"X\"},\n{\"code\":\"1x\",\"title\":\"Y\"}]").unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = parse("[{\"code\": ").unwrap_err();
        assert!(e.message.contains("invalid JSON"));
    }

    #[test]
    fn long_descriptions_split_but_keep_the_header() {
        let long = "Kelompok ini mencakup usaha yang sangat panjang. ".repeat(60);
        let src = SAMPLE.replace("Kelompok ini mencakup jenis usaha jasa menyajikan makanan.", &long);
        let k = parse(&src).unwrap();
        let cfg = ChunkerConfig::default();
        let d = k.codes[0].drafts(&cfg);
        assert!(d.len() > 1);
        for c in &d {
            assert!(c.text.starts_with("KBLI 56101 — Restoran"));
            assert!(c.text.chars().count() <= cfg.size);
        }
    }
}
