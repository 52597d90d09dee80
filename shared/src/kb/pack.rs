//! Packs a section's blocks (paragraphs, list items, table rows) into chunks of at most `max` chars,
//! with a word-aligned overlap between consecutive chunks of the same section.

use super::text::{byte_at_char, char_len};

/// How a block joins the previous one: list items and table rows stay on adjacent lines,
/// paragraphs are separated by a blank line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Para,
    Line,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub text: String,
    pub kind: Kind,
}

impl Block {
    pub fn para(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            kind: Kind::Para,
        }
    }

    pub fn line(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            kind: Kind::Line,
        }
    }
}

fn separator(prev: Kind, next: Kind) -> &'static str {
    if prev == Kind::Line && next == Kind::Line {
        "\n"
    } else {
        "\n\n"
    }
}

/// Packs blocks greedily into chunks of at most `max` chars. A block is never split unless it alone
/// exceeds the room left after the overlap; then it is cut at sentence or word boundaries.
/// `overlap` chars (cut to whole words) from the end of a chunk start the next one.
pub fn pack(blocks: &[Block], max: usize, overlap: usize) -> Vec<String> {
    let max = max.max(20);
    let overlap = overlap.min(max / 2);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    let mut cur_kind = Kind::Para;

    let mut pieces: Vec<Block> = Vec::new();
    for b in blocks {
        let text = b.text.trim();
        if text.is_empty() {
            continue;
        }
        if char_len(text) + overlap + 2 > max {
            for p in split_text(text, max - overlap - 2) {
                pieces.push(Block { text: p, kind: b.kind });
            }
        } else {
            pieces.push(Block {
                text: text.to_string(),
                kind: b.kind,
            });
        }
    }

    for b in pieces {
        let len = char_len(&b.text);
        if cur.is_empty() {
            cur = b.text;
            cur_len = len;
            cur_kind = b.kind;
            continue;
        }
        let sep = separator(cur_kind, b.kind);
        if cur_len + sep.len() + len <= max {
            cur.push_str(sep);
            cur.push_str(&b.text);
            cur_len += sep.len() + len;
            cur_kind = b.kind;
            continue;
        }
        // Flush and start the next chunk with the tail of this one.
        let tail = if overlap > 0 {
            tail_words(&cur, overlap)
        } else {
            String::new()
        };
        out.push(std::mem::take(&mut cur));
        let tail_len = char_len(&tail);
        if !tail.is_empty() && tail_len + 2 + len <= max {
            cur = format!("{tail}{}{}", separator(cur_kind, b.kind), b.text);
            cur_len = tail_len + separator(cur_kind, b.kind).len() + len;
        } else {
            cur = b.text;
            cur_len = len;
        }
        cur_kind = b.kind;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The last `n` chars of `s` or fewer, starting at a word boundary (never mid-word).
pub fn tail_words(s: &str, n: usize) -> String {
    let len = char_len(s);
    if len <= n {
        return s.trim().to_string();
    }
    let start = byte_at_char(s, len - n);
    let rest = &s[start..];
    // Skip the partial word at the cut, unless the cut already falls on whitespace.
    let preceded_by_space = s[..start].chars().next_back().is_some_and(char::is_whitespace);
    let rest = if preceded_by_space {
        rest
    } else {
        match rest.find(char::is_whitespace) {
            Some(i) => &rest[i..],
            None => "",
        }
    };
    rest.trim().to_string()
}

/// Splits a long text into pieces of at most `max` chars, preferring sentence ends, then line breaks,
/// then spaces. Only a single "word" longer than `max` (a URL, a base64 blob) is cut mid-word.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let max = max.max(10);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while char_len(rest) > max {
        let window_end = byte_at_char(rest, max);
        let window = &rest[..window_end];
        // Keep at least a third of the window so pieces do not get tiny.
        let min_cut = byte_at_char(rest, max / 3);
        let cut = best_cut(window, min_cut).unwrap_or(window_end);
        let (piece, tail) = rest.split_at(cut);
        let piece = piece.trim();
        if !piece.is_empty() {
            out.push(piece.to_string());
        }
        rest = tail.trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Best byte position to cut `window`: after the last sentence end, else the last newline, else the
/// last space, each only if it lies beyond `min_cut`.
fn best_cut(window: &str, min_cut: usize) -> Option<usize> {
    let bytes = window.as_bytes();
    let sentence = (min_cut..bytes.len().saturating_sub(1))
        .rev()
        .find(|&i| matches!(bytes[i], b'.' | b'!' | b'?' | b';') && bytes[i + 1].is_ascii_whitespace())
        .map(|i| i + 1);
    sentence
        .or_else(|| window[min_cut..].rfind('\n').map(|i| i + min_cut))
        .or_else(|| window[min_cut..].rfind(char::is_whitespace).map(|i| i + min_cut))
        .filter(|&i| i > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> String {
        (0..n).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn small_blocks_pack_into_one_chunk() {
        let chunks = pack(
            &[Block::para("Hello there."), Block::line("- a"), Block::line("- b")],
            200,
            30,
        );
        assert_eq!(chunks, vec!["Hello there.\n\n- a\n- b".to_string()]);
    }

    #[test]
    fn no_chunk_exceeds_max_and_words_stay_whole() {
        let text = words(800);
        for (max, overlap) in [(200, 40), (300, 0), (1200, 150)] {
            let chunks = pack(&[Block::para(text.clone()), Block::line(words(30))], max, overlap);
            assert!(chunks.len() > 1);
            for c in &chunks {
                assert!(char_len(c) <= max, "{} > {max}", char_len(c));
                for w in c.split_whitespace() {
                    assert!(
                        w.starts_with("word") && w[4..].parse::<u32>().is_ok(),
                        "split word {w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn consecutive_chunks_overlap() {
        let blocks: Vec<Block> = (0..20)
            .map(|i| Block::para(format!("Paragraph {i} {}", words(12))))
            .collect();
        let chunks = pack(&blocks, 300, 60);
        assert!(chunks.len() > 2);
        for pair in chunks.windows(2) {
            let tail = tail_words(&pair[0], 60);
            assert!(!tail.is_empty());
            assert!(
                pair[1].starts_with(&tail),
                "next chunk should start with {tail:?}: {:?}",
                pair[1]
            );
        }
    }

    #[test]
    fn list_items_are_not_split_when_they_fit() {
        let items: Vec<Block> = (0..30)
            .map(|i| Block::line(format!("- item {i}: {}", words(8))))
            .collect();
        let chunks = pack(&items, 400, 0);
        for c in &chunks {
            for line in c.lines() {
                assert!(line.starts_with("- item"), "partial item {line:?}");
            }
        }
    }

    #[test]
    fn huge_word_is_cut_as_last_resort() {
        let chunks = split_text(&"x".repeat(50), 20);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 50);
        assert!(chunks.iter().all(|c| c.len() <= 20));
    }

    #[test]
    fn tail_words_never_starts_mid_word() {
        assert_eq!(tail_words("alpha beta gamma", 7), "gamma");
        assert_eq!(tail_words("alpha beta gamma", 9), "gamma");
        assert_eq!(tail_words("alpha beta gamma", 10), "beta gamma");
        assert_eq!(tail_words("alpha beta gamma", 11), "beta gamma");
        assert_eq!(tail_words("short", 50), "short");
    }

    #[test]
    fn split_prefers_sentence_ends() {
        let text = format!("{}. {}", words(10), words(10));
        let parts = split_text(&text, char_len(&text) - 5);
        assert!(parts[0].ends_with('.'), "{parts:?}");
    }
}
