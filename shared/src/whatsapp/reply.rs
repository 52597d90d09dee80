//! The answer as WhatsApp messages: the sources as short numbered references under the text, split under
//! WhatsApp's 4,096-character limit at paragraph, then line, then sentence, then word boundaries; and the
//! polite "text only for now" answer to images, documents and voice notes.

use serde_json::Value;

use crate::lang::Lang;

/// WhatsApp's limit for one text message. Counted in UTF-16 units, the stricter reading (an emoji is two).
pub const MAX_MESSAGE: usize = 4_096;
/// References listed when the answer cites none by number.
const UNCITED_SOURCES: usize = 3;
const MAX_LABEL_CHARS: usize = 90;

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The answer with its sources: those it cites (`[n]`), else the first few, one short line each.
pub fn compose(answer: &str, sources: &[Value], lang: Lang) -> String {
    let cited: Vec<&Value> = sources
        .iter()
        .filter(|s| s["n"].as_u64().is_some_and(|n| answer.contains(&format!("[{n}]"))))
        .collect();
    let listed: Vec<&Value> = if cited.is_empty() {
        sources.iter().take(UNCITED_SOURCES).collect()
    } else {
        cited
    };
    let mut out = answer.trim().to_string();
    if listed.is_empty() {
        return out;
    }
    out.push_str("\n\n");
    out.push_str(match lang {
        Lang::En => "Sources:",
        Lang::Id => "Sumber:",
        Lang::It => "Fonti:",
    });
    for (i, s) in listed.iter().enumerate() {
        let n = s["n"].as_u64().unwrap_or(i as u64 + 1);
        let label = s["label"].as_str().or(s["title"].as_str()).unwrap_or("source");
        let mut short: String = label.chars().take(MAX_LABEL_CHARS).collect();
        if short.len() < label.len() {
            short.push('…');
        }
        out.push_str(&format!("\n[{n}] {short}"));
    }
    out
}

/// The answer to a message we cannot read yet, in the client's language.
pub fn text_only(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Thank you! For now I can only read text messages. Please type your question here; for documents, a consultant will follow up with you directly.",
        Lang::Id => "Terima kasih! Untuk saat ini saya hanya bisa membaca pesan teks. Silakan ketik pertanyaan Anda di sini; untuk dokumen, konsultan kami akan menghubungi Anda langsung.",
        Lang::It => "Grazie! Per ora posso leggere solo messaggi di testo. Scriva qui la sua domanda; per i documenti la contatterà direttamente un consulente.",
    }
}

/// Splits `text` into messages of at most `limit` UTF-16 units, breaking at the largest boundary that
/// fits: paragraphs, lines, sentences, words, and only as a last resort inside a word.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut out = Vec::new();
    pack(text.trim(), limit, 0, &mut out);
    out.retain(|p| !p.is_empty());
    out
}

/// Boundaries from largest to smallest; each segment keeps its separator, so segments concatenate back.
fn segments(text: &str, level: usize) -> Option<Vec<&str>> {
    let cut_after: &dyn Fn(&str, usize) -> bool = match level {
        0 => &|t, i| t[..i].ends_with("\n\n"),
        1 => &|t, i| t[..i].ends_with('\n'),
        2 => &|t, i| {
            let before = &t[..i];
            let next_is_space = t[i..].starts_with([' ', '\n']);
            next_is_space && before.ends_with(['.', '!', '?', '…', ';', ':'])
        },
        3 => &|t, i| t[..i].ends_with(' '),
        _ => return None,
    };
    let mut segs = Vec::new();
    let mut start = 0;
    for (i, _) in text.char_indices().skip(1) {
        if cut_after(text, i) {
            segs.push(&text[start..i]);
            start = i;
        }
    }
    segs.push(&text[start..]);
    Some(segs)
}

fn pack(text: &str, limit: usize, level: usize, out: &mut Vec<String>) {
    if units(text) <= limit {
        out.push(text.trim().to_string());
        return;
    }
    let Some(segs) = segments(text, level) else {
        // One word longer than a message: cut it by characters.
        let mut cur = String::new();
        for c in text.chars() {
            if units(&cur) + c.len_utf16() > limit {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        out.push(cur);
        return;
    };
    let mut cur = String::new();
    for seg in segs {
        if units(&cur) + units(seg) <= limit {
            cur.push_str(seg);
            continue;
        }
        if !cur.trim().is_empty() {
            out.push(cur.trim().to_string());
        }
        cur = String::new();
        if units(seg) <= limit {
            cur.push_str(seg);
        } else {
            pack(seg, limit, level + 1, out);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn a_short_answer_is_one_message() {
        assert_eq!(split("  Hello there.  ", MAX_MESSAGE), vec!["Hello there."]);
        assert!(split("", MAX_MESSAGE).is_empty());
    }

    #[test]
    fn long_answers_break_at_paragraphs_then_sentences_and_lose_nothing() {
        let para = "The C1 visa costs IDR 2,300,000. It lasts 60 days and can be extended. ".repeat(30);
        let text = format!("{}\n\n{}\n\n{}", para.trim(), para.trim(), para.trim());
        let parts = split(&text, MAX_MESSAGE);
        assert!(parts.len() >= 2, "{} parts", parts.len());
        for p in &parts {
            assert!(units(p) <= MAX_MESSAGE, "{} units", units(p));
            assert!(p.ends_with('.'), "breaks at a sentence end: …{}", &p[p.len() - 20..]);
        }
        assert_eq!(words(&parts.join(" ")), words(&text));

        let one_paragraph = "Pasal 128 sets four risk levels. ".repeat(400);
        let parts = split(&one_paragraph, 1000);
        assert!(parts.iter().all(|p| units(p) <= 1000 && p.ends_with('.')));
        assert_eq!(words(&parts.join(" ")), words(&one_paragraph));
    }

    #[test]
    fn words_and_then_characters_when_nothing_larger_fits() {
        let parts = split("alpha beta gamma delta", 11);
        assert_eq!(parts, vec!["alpha beta", "gamma delta"]);
        let parts = split("abcdefghij", 4);
        assert_eq!(parts, vec!["abcd", "efgh", "ij"]);
        // Emoji count as two units and are never cut in half.
        let parts = split("😀😀😀", 4);
        assert_eq!(parts, vec!["😀😀", "😀"]);
    }

    #[test]
    fn cited_sources_become_numbered_references() {
        let sources = vec![
            json!({ "n": 1, "label": "Bali Zero price list 2025 › C1 Tourism" }),
            json!({ "n": 2, "label": "PP 28/2025 Pasal 128" }),
            json!({ "n": 3, "label": "KBLI 56101 — Restoran" }),
        ];
        let text = compose(
            "The C1 visa costs IDR 2,300,000 [1]; risk levels are in [3].",
            &sources,
            Lang::En,
        );
        assert_eq!(
            text,
            "The C1 visa costs IDR 2,300,000 [1]; risk levels are in [3].\n\nSources:\n[1] Bali Zero price list 2025 › C1 Tourism\n[3] KBLI 56101 — Restoran"
        );
        let uncited = compose("Nessuna citazione.", &sources, Lang::It);
        assert!(uncited.ends_with(
            "Fonti:\n[1] Bali Zero price list 2025 › C1 Tourism\n[2] PP 28/2025 Pasal 128\n[3] KBLI 56101 — Restoran"
        ));
        assert_eq!(compose("No sources.", &[], Lang::Id), "No sources.");
    }

    #[test]
    fn the_text_only_answer_speaks_the_clients_language() {
        assert!(text_only(Lang::En).contains("text messages"));
        assert!(text_only(Lang::Id).contains("pesan teks"));
        assert!(text_only(Lang::It).contains("messaggi di testo"));
    }
}
