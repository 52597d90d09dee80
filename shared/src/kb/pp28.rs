//! PP 28/2025 (risk-based business licensing) from its OCR text: one section per Pasal with the BAB /
//! Bagian / Paragraf it sits in, the preamble ("Pembukaan"), the closing formula ("Penutup") and the
//! elucidation ("Penjelasan", "Penjelasan Pasal N").
//!
//! Pasal headings are found on their own line (or glued to the neighbouring ayat by OCR); their numbers
//! must increase through the text, which is what rejects cross-references ("… dimaksud dalam Pasal 5")
//! that happen to land on a line of their own.

use super::chunk::{ChunkerConfig, Draft};
use super::ocr::{self, Line};
use super::pack::{pack, Block};
use super::text::title_case;
use super::SourceError;

pub const DOC_ID: &str = "pp-28-2025";
pub const TITLE: &str =
    "Peraturan Pemerintah Nomor 28 Tahun 2025 tentang Penyelenggaraan Perizinan Berusaha Berbasis Risiko";
pub const CITE: &str = "PP 28/2025";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalSection {
    /// "Pembukaan", "Pasal 12", "Penutup", "Penjelasan", "Penjelasan Pasal 12".
    pub section: String,
    /// Page where the section starts.
    pub page: u32,
    /// "BAB II Persyaratan Dasar › Bagian Kesatu Umum" (empty outside the body).
    pub context: String,
    pub lines: Vec<String>,
}

/// A "Pasal N" heading found in a line, with what OCR glued before or after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Heading {
    num: u32,
    before: String,
    after: String,
}

/// OCR misreads of digits in Pasal numbers ("Pasal 1O4", "Pasal I24", "Pasal2lT").
fn ocr_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'o' => Some('0'),
        'I' | 'l' | 'L' | 'i' => Some('1'),
        'T' => Some('7'),
        'S' => Some('5'),
        'Z' | 'z' => Some('2'),
        _ => None,
    }
}

/// Parses "Pasal N" at the start of `s`; returns the number and the rest after it.
fn pasal_at(s: &str) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    // Byte checks keep this safe on any UTF-8 input; byte 5 is a char boundary once these pass.
    if b.len() < 5 || !b[..4].eq_ignore_ascii_case(b"pasa") || !matches!(b[4], b'l' | b'L' | b'I' | b'1') {
        return None;
    }
    let rest = s[5..].trim_start_matches([',', '.']).trim_start();
    let mut digits = String::new();
    let mut real = 0;
    let mut end = 0;
    for (i, c) in rest.char_indices() {
        if let Some(d) = ocr_digit(c) {
            real += usize::from(c.is_ascii_digit());
            digits.push(d);
            end = i + c.len_utf8();
        } else if c == ' ' && !digits.is_empty() {
            continue;
        } else {
            break;
        }
    }
    if digits.is_empty() || digits.len() > 3 || (real == 0 && digits.len() < 2) {
        return None;
    }
    let num: u32 = digits.parse().ok().filter(|&n| n > 0)?;
    Some((num, rest[end..].trim_start_matches(['.', ',']).trim()))
}

/// Finds a Pasal heading in a cleaned line: alone, followed by a glued "(1)", or glued after an ayat
/// number / "Cukup jelas" at the end of the line.
fn find_heading(line: &str) -> Option<Heading> {
    if let Some((num, rest)) = pasal_at(line) {
        if rest.is_empty() {
            return Some(Heading {
                num,
                before: String::new(),
                after: String::new(),
            });
        }
        if rest.starts_with("(1)") || rest.starts_with("(l)") {
            return Some(Heading {
                num,
                before: String::new(),
                after: rest.to_string(),
            });
        }
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let at = lower.rfind("pasa")?;
    let before = line[..at].trim_end();
    let glued_after = before.ends_with([')', '.', ';']) || before.to_ascii_lowercase().ends_with("jelas");
    let (num, rest) = pasal_at(&line[at..])?;
    (glued_after && rest.is_empty()).then(|| Heading {
        num,
        before: before.to_string(),
        after: String::new(),
    })
}

/// Words that, ending the previous line, make a following "Pasal N" a cross-reference.
const REFERENCE_LEADS: &[&str] = &[
    "dalam",
    "pada",
    "dan",
    "atau",
    "dengan",
    "dimaksud",
    "sebagaimana",
    "menurut",
    "berdasarkan",
    "terhadap",
    "oleh",
    "ketentuan",
    "serta",
    "yaitu",
    "tentang",
    "dari",
    "di",
    "ke",
    "hingga",
    "sampai",
    "lihat",
    "dan/atau",
];

fn looks_like_reference(prev: Option<&str>, next: Option<&str>) -> bool {
    let prev_leads = prev.is_some_and(|p| {
        let p = p.trim_end();
        let last = p.rsplit(' ').next().unwrap_or("").to_lowercase();
        p.ends_with(',') || REFERENCE_LEADS.contains(&last.as_str())
    });
    let next_continues = next.is_some_and(|n| n.chars().next().is_some_and(char::is_lowercase));
    prev_leads || next_continues
}

/// Largest believable jump between consecutive accepted Pasal numbers (OCR may lose a heading or two,
/// not twenty): stops a stray late reference like "Pasal 540" from ending the sequence.
const MAX_GAP: u32 = 20;

/// Indices (into `nums`) of the longest strictly increasing run of Pasal numbers with small steps,
/// starting near 1.
fn longest_increasing(nums: &[u32]) -> Vec<usize> {
    let n = nums.len();
    // len 0 = cannot be part of a run (too far from its possible predecessors).
    let mut len: Vec<usize> = nums.iter().map(|&x| usize::from(x <= MAX_GAP)).collect();
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            // Prefer the nearest predecessor on ties so a number follows its own neighbour.
            if len[j] > 0 && nums[j] < nums[i] && nums[i] - nums[j] <= MAX_GAP && len[j] + 1 >= len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let Some(mut i) = (0..n)
        .filter(|&i| len[i] > 0)
        .max_by_key(|&i| (len[i], std::cmp::Reverse(i)))
    else {
        return Vec::new();
    };
    let mut out = vec![i];
    while prev[i] != usize::MAX {
        i = prev[i];
        out.push(i);
    }
    out.reverse();
    out
}

/// Accepted headings in `lines[range]`: (line index, heading).
fn headings(lines: &[Line], from: usize, to: usize) -> Vec<(usize, Heading)> {
    let mut cands: Vec<(usize, Heading)> = Vec::new();
    for i in from..to {
        let Some(h) = find_heading(&lines[i].text) else {
            continue;
        };
        let alone = h.before.is_empty() && h.after.is_empty();
        let prev = (i > from).then(|| lines[i - 1].text.as_str());
        let next = lines.get(i + 1).filter(|_| i + 1 < to).map(|l| l.text.as_str());
        if alone && looks_like_reference(prev, next) {
            continue;
        }
        cands.push((i, h));
    }
    let nums: Vec<u32> = cands.iter().map(|(_, h)| h.num).collect();
    let keep = longest_increasing(&nums);
    keep.into_iter().map(|k| cands[k].clone()).collect()
}

fn roman(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C'))
}

/// Structural headings in the body: BAB (with its uppercase title lines), Bagian and Paragraf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Bab,
    Bagian,
    Paragraf,
}

fn structure(line: &str) -> Option<Level> {
    let mut words = line.split_whitespace();
    let (first, second, third) = (words.next()?, words.next()?, words.next());
    if third.is_some() {
        return None;
    }
    match first {
        "BAB" if roman(second) => Some(Level::Bab),
        "Bagian" if second.starts_with("Ke") && second.chars().all(char::is_alphabetic) => Some(Level::Bagian),
        "Paragraf" if second.chars().all(|c| c.is_ascii_digit()) => Some(Level::Paragraf),
        _ => None,
    }
}

/// The title lines after a structural heading: up to 3 lines before the next heading, or 1 line when no
/// heading follows closely (then the rest is body text).
fn title_lines(lines: &[Line], start: usize, is_heading: &dyn Fn(usize) -> bool) -> usize {
    let mut n = 0;
    while n < 3 && start + n < lines.len() && !is_heading(start + n) {
        let t = &lines[start + n].text;
        if t.ends_with([';', ',', ':']) || t.chars().count() > 100 {
            break;
        }
        n += 1;
    }
    if start + n < lines.len() && is_heading(start + n) {
        n
    } else {
        n.min(1)
    }
}

/// Parses the cleaned text into sections. Fails only if no Pasal at all is found (not this regulation).
pub fn parse(raw: &str) -> Result<Vec<LegalSection>, SourceError> {
    let lines = ocr::clean(raw);
    let expl = (0..lines.len())
        .find(|&i| lines[i].text == "PENJELASAN" && lines.iter().skip(i + 1).take(2).any(|l| l.text == "ATAS"))
        .unwrap_or(lines.len());
    let body_heads = headings(&lines, 0, expl);
    if body_heads.is_empty() {
        return Err(SourceError::general(
            "no `Pasal N` heading found: is this the PP 28/2025 text?",
        ));
    }
    let mut out = body_sections(&lines, expl, &body_heads);
    out.extend(explanation_sections(&lines, expl));
    Ok(out)
}

fn body_sections(lines: &[Line], end: usize, heads: &[(usize, Heading)]) -> Vec<LegalSection> {
    let head_at: std::collections::HashMap<usize, &Heading> = heads.iter().map(|(i, h)| (*i, h)).collect();
    let is_heading = |i: usize| head_at.contains_key(&i) || structure(&lines[i].text).is_some();
    let mut ctx: [Option<String>; 3] = [None, None, None];
    let mut out = vec![LegalSection {
        section: "Pembukaan".into(),
        page: lines[0].page,
        context: String::new(),
        lines: vec![],
    }];
    let mut i = 0;
    while i < end {
        let line = &lines[i];
        if let Some(h) = head_at.get(&i) {
            if !h.before.is_empty() {
                out.last_mut().expect("sections exist").lines.push(h.before.clone());
            }
            let context = ctx.iter().flatten().cloned().collect::<Vec<_>>().join(" › ");
            let mut s = LegalSection {
                section: format!("Pasal {}", h.num),
                page: line.page,
                context,
                lines: vec![],
            };
            if !h.after.is_empty() {
                s.lines.push(h.after.clone());
            }
            out.push(s);
            i += 1;
            continue;
        }
        if let Some(level) = structure(&line.text) {
            let n = title_lines(lines, i + 1, &is_heading);
            let title: Vec<String> = lines[i + 1..i + 1 + n].iter().map(|l| title_case(&l.text)).collect();
            let label = format!("{} {}", line.text, title.join(" ")).trim().to_string();
            match level {
                Level::Bab => ctx = [Some(label), None, None],
                Level::Bagian => ctx = [ctx[0].take(), Some(label), None],
                Level::Paragraf => ctx[2] = Some(label),
            }
            i += 1 + n;
            continue;
        }
        let last = out.last_mut().expect("sections exist");
        if last.section.starts_with("Pasal")
            && line.text.starts_with("Agar setiap")
            && i > heads.last().map_or(0, |h| h.0)
        {
            out.push(LegalSection {
                section: "Penutup".into(),
                page: line.page,
                context: String::new(),
                lines: vec![],
            });
        }
        out.last_mut().expect("sections exist").lines.push(line.text.clone());
        i += 1;
    }
    out
}

/// "Cukup jelas." (self-explanatory) carries no content; such elucidation entries are dropped.
fn only_cukup_jelas(lines: &[String]) -> bool {
    let text = lines.join(" ").to_lowercase().replace("cukup jelas", " ");
    text.split_whitespace().all(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        w.is_empty() || matches!(w, "ayat" | "huruf" | "angka") || w.len() <= 3
    })
}

fn explanation_sections(lines: &[Line], start: usize) -> Vec<LegalSection> {
    if start >= lines.len() {
        return Vec::new();
    }
    let heads = headings(lines, start, lines.len());
    let mut out = vec![LegalSection {
        section: "Penjelasan".into(),
        page: lines[start].page,
        context: String::new(),
        lines: vec![],
    }];
    let mut next = heads.iter().peekable();
    for (i, line) in lines.iter().enumerate().skip(start) {
        if let Some((_, h)) = next.next_if(|(at, _)| *at == i) {
            if !h.before.is_empty() {
                out.last_mut().expect("sections exist").lines.push(h.before.clone());
            }
            let mut s = LegalSection {
                section: format!("Penjelasan Pasal {}", h.num),
                page: line.page,
                context: String::new(),
                lines: vec![],
            };
            if !h.after.is_empty() {
                s.lines.push(h.after.clone());
            }
            out.push(s);
            continue;
        }
        if line.text.to_uppercase().contains("PASAL DEMI PASAL") {
            continue;
        }
        out.last_mut().expect("sections exist").lines.push(line.text.clone());
    }
    out.retain(|s| s.section == "Penjelasan" || !only_cukup_jelas(&s.lines));
    out
}

/// A new block starts at an ayat "(1)", a list item "a." / "1." or an elucidation sub-heading; other lines
/// continue the previous block (OCR line breaks are layout, not meaning).
fn starts_block(line: &str) -> bool {
    let b = line.as_bytes();
    let enumerated = match b {
        [b'(', rest @ ..] => rest.first().is_some_and(u8::is_ascii_alphanumeric),
        [c, b'.', ..] | [c, b')', ..] => c.is_ascii_lowercase() || c.is_ascii_digit(),
        [c1, c2, b'.', ..] => c1.is_ascii_digit() && c2.is_ascii_digit(),
        _ => false,
    };
    enumerated || line.starts_with("Ayat (") || line.starts_with("Huruf ") || line.starts_with("Angka ")
}

fn blocks(lines: &[String]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for l in lines {
        match out.last_mut() {
            Some(b) if !starts_block(l) => {
                b.text.push(' ');
                b.text.push_str(l);
            }
            _ => out.push(Block::line(l.clone())),
        }
    }
    out
}

/// The citation line heading every chunk of a section.
pub fn header(s: &LegalSection) -> String {
    if s.context.is_empty() {
        format!("{CITE} {}", s.section)
    } else {
        format!("{CITE} {} ({})", s.section, s.context)
    }
}

/// One chunk per section, more when a section exceeds the chunk size (each part repeats the citation).
pub fn drafts(sections: &[LegalSection], cfg: &ChunkerConfig) -> Vec<Draft> {
    let mut out = Vec::new();
    for s in sections {
        let header = header(s);
        let budget = cfg.size.saturating_sub(header.chars().count() + 1).max(cfg.size / 3);
        let keywords = match s.section.rsplit_once(' ') {
            Some((_, n)) if s.section.contains("Pasal") => format!("PP28 {CITE} Pasal{n}"),
            _ => format!("PP28 {CITE}"),
        };
        for body in pack(&blocks(&s.lines), budget, cfg.overlap.min(budget / 4)) {
            out.push(Draft {
                section: s.section.clone(),
                page: Some(s.page),
                text: format!("{header}\n{body}"),
                keywords: keywords.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_forms() {
        let h = |s: &str| find_heading(s).map(|h| (h.num, h.before, h.after));
        assert_eq!(h("Pasal 12"), Some((12, String::new(), String::new())));
        assert_eq!(h("Pasal l2"), Some((12, String::new(), String::new())));
        assert_eq!(h("Pasal 1 2"), Some((12, String::new(), String::new())));
        assert_eq!(h("Pasal 1O4"), Some((104, String::new(), String::new())));
        assert_eq!(h("Pasal lOO"), Some((100, String::new(), String::new())));
        assert_eq!(h("Pasal2lT"), Some((217, String::new(), String::new())));
        assert_eq!(h("PasaL 244"), Some((244, String::new(), String::new())));
        assert_eq!(h("Pasal,427"), Some((427, String::new(), String::new())));
        assert_eq!(
            h("Pasal 216(1) Subsistem pelayanan"),
            Some((216, String::new(), "(1) Subsistem pelayanan".into()))
        );
        assert_eq!(h("(4)Pasal 89"), Some((89, "(4)".into(), String::new())));
        assert_eq!(
            h("Cukup jelasPasal 134"),
            Some((134, "Cukup jelas".into(), String::new()))
        );
        assert_eq!(h("sebagaimana dimaksud dalam Pasal 5"), None);
        assert_eq!(h("Pasal 5 ayat (2) Undang-Undang Dasar"), None);
        assert_eq!(h("Pasal ini berlaku"), None);
    }

    #[test]
    fn references_and_out_of_order_numbers_are_rejected() {
        let raw = "[PAGE 1]\nPasal 1\nIsi pertama.\nPasal 2\n(1) Sebagaimana dimaksud dalam\nPasal 1\nayat (1) berlaku.\n\
                   Pasal 3\nIsi ketiga merujuk ke\nPasal 2\n[PAGE 2]\nPasal 4\nIsi keempat.\nPasal 2\nSalah baca.\nPasal 5\nAkhir.\n";
        let secs = parse(raw).unwrap();
        let names: Vec<&str> = secs.iter().map(|s| s.section.as_str()).collect();
        assert_eq!(
            names,
            vec!["Pembukaan", "Pasal 1", "Pasal 2", "Pasal 3", "Pasal 4", "Pasal 5"]
        );
        assert_eq!(secs[4].page, 2);
        assert!(
            secs[2].lines.iter().any(|l| l == "Pasal 1"),
            "the cross-reference stays in the text"
        );
    }

    #[test]
    fn structure_becomes_context_and_elucidation_is_split() {
        let raw = "[PAGE 1]\nPERATURAN PEMERINTAH\nMenimbang : a. bahwa\nBAB I\nKETENTUAN UMUM\nPasal 1\nDalam Peraturan ini:\n\
                   1. Risiko adalah potensi\nkerugian.\nBAB II\nPERSYARATAN DASAR\nBagian Kesatu\nUmum\nPasal 2\n(1) Persyaratan dasar\n\
                   meliputi tata ruang.\nAgar setiap orang mengetahuinya\n[PAGE 9]\nPENJELASAN\nATAS\nPERATURAN PEMERINTAH\nUMUM\n\
                   Penjelasan umum.\nII. PASAL DEMI PASAL\nPasal 1\nCukup jelas.\nPasal 2\nAyat (1)\nYang dimaksud dengan tata ruang adalah ruang.\n";
        let secs = parse(raw).unwrap();
        let names: Vec<&str> = secs.iter().map(|s| s.section.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Pembukaan",
                "Pasal 1",
                "Pasal 2",
                "Penutup",
                "Penjelasan",
                "Penjelasan Pasal 2"
            ]
        );
        assert_eq!(secs[1].context, "BAB I Ketentuan Umum");
        assert_eq!(secs[2].context, "BAB II Persyaratan Dasar › Bagian Kesatu Umum");
        assert_eq!(
            header(&secs[2]),
            "PP 28/2025 Pasal 2 (BAB II Persyaratan Dasar › Bagian Kesatu Umum)"
        );
        let d = drafts(&secs, &ChunkerConfig::default());
        let p1 = d.iter().find(|d| d.section == "Pasal 1").unwrap();
        assert_eq!(
            p1.text,
            "PP 28/2025 Pasal 1 (BAB I Ketentuan Umum)\nDalam Peraturan ini:\n1. Risiko adalah potensi kerugian."
        );
        assert_eq!(p1.keywords, "PP28 PP 28/2025 Pasal1");
        assert_eq!(secs[5].page, 9);
    }

    #[test]
    fn longest_increasing_prefers_the_true_sequence() {
        let nums = [1, 2, 23, 3, 4, 5, 2, 6];
        let keep: Vec<u32> = longest_increasing(&nums).into_iter().map(|i| nums[i]).collect();
        assert_eq!(keep, vec![1, 2, 3, 4, 5, 6]);
        assert!(longest_increasing(&[]).is_empty());
        let nums = [1, 2, 3, 540, 4];
        let keep: Vec<u32> = longest_increasing(&nums).into_iter().map(|i| nums[i]).collect();
        assert_eq!(keep, vec![1, 2, 3, 4]);
        assert!(
            longest_increasing(&[300, 301]).is_empty(),
            "a run must start near Pasal 1"
        );
    }
}
