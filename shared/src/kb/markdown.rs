//! Structure-aware Markdown chunking: headings become sections ("E33G › Requirements"), list items and
//! table rows stay whole, code fences stay together, and paragraphs are packed up to the chunk size.

use super::chunk::{finalize, Chunk, ChunkerConfig, Draft};
use super::pack::{pack, Block};

/// A run of blocks under one heading path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub path: String,
    pub blocks: Vec<Block>,
}

pub const PATH_SEP: &str = " › ";

/// Chunks a Markdown body. Text before the first heading is filed under the document title.
pub fn chunk_markdown(document_id: &str, language: &str, title: &str, body: &str, cfg: &ChunkerConfig) -> Vec<Chunk> {
    let mut drafts = Vec::new();
    for s in sections(body, title) {
        for text in pack(&s.blocks, cfg.size, cfg.overlap) {
            drafts.push(Draft::new(s.path.clone(), text));
        }
    }
    finalize(document_id, language, drafts)
}

fn heading(line: &str) -> Option<(usize, String)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &line[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    let text = strip_inline_marks(text);
    (!text.is_empty()).then_some((hashes, text))
}

/// Removes emphasis and code marks from a heading so the section reads cleanly.
fn strip_inline_marks(s: &str) -> String {
    s.replace("**", "").replace("__", "").replace('`', "")
}

fn list_marker(line: &str) -> bool {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix(['-', '*', '+']) {
        return rest.starts_with([' ', '\t']) || rest.is_empty();
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    (1..=3).contains(&digits) && t[digits..].starts_with(['.', ')']) && t[digits + 1..].starts_with([' ', '\t'])
}

fn indent(line: &str) -> usize {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

fn is_table_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

#[derive(PartialEq)]
enum Open {
    None,
    Para,
    Item,
}

/// Splits a Markdown body into sections of blocks.
pub fn sections(body: &str, title: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut cur = Section {
        path: title.to_string(),
        blocks: Vec::new(),
    };
    let mut open = Open::None;
    let mut after_blank = false;
    let mut lines = body.lines();
    let mut in_comment = false;

    while let Some(line) = lines.next() {
        if in_comment {
            in_comment = !line.contains("-->");
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("<!--") {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence = &trimmed[..3];
            let mut code = vec![line.to_string()];
            for l in lines.by_ref() {
                code.push(l.to_string());
                if l.trim().starts_with(fence) {
                    break;
                }
            }
            cur.blocks.push(Block::para(code.join("\n")));
            open = Open::None;
            after_blank = false;
            continue;
        }
        if let Some((level, text)) = heading(trimmed).filter(|_| indent(line) < 4) {
            if !cur.blocks.is_empty() {
                out.push(std::mem::replace(
                    &mut cur,
                    Section {
                        path: String::new(),
                        blocks: Vec::new(),
                    },
                ));
            }
            while stack.last().is_some_and(|(l, _)| *l >= level) {
                stack.pop();
            }
            stack.push((level, text));
            cur.path = stack.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(PATH_SEP);
            open = Open::None;
            after_blank = false;
            continue;
        }
        if trimmed.is_empty() {
            after_blank = true;
            if open == Open::Para {
                open = Open::None;
            }
            continue;
        }
        if trimmed.starts_with('|') {
            if !is_table_separator(trimmed) {
                cur.blocks.push(Block::line(trimmed));
            }
            open = Open::None;
            after_blank = false;
            continue;
        }
        let nested = indent(line) >= 2;
        if list_marker(line) && !(nested && open == Open::Item) {
            cur.blocks.push(Block::line(line.trim_end()));
            open = Open::Item;
        } else if open == Open::Item && (nested || !after_blank) {
            // Nested items, continuation lines and indented follow-up paragraphs belong to the item.
            let last = cur.blocks.last_mut().expect("an open item has a block");
            last.text.push('\n');
            last.text.push_str(line.trim_end());
        } else if open == Open::Para && !after_blank {
            let last = cur.blocks.last_mut().expect("an open paragraph has a block");
            last.text.push('\n');
            last.text.push_str(trimmed);
        } else {
            cur.blocks.push(Block::para(trimmed));
            open = Open::Para;
        }
        after_blank = false;
    }
    if !cur.blocks.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::text::char_len;

    const DOC: &str = r"Intro line before any heading.

# E33G

The **E33G** is a remote worker KITAS.
It lasts one year.

## Requirements

- Passport valid 6 months
- Income of USD 60,000
  continued on a second line
  - nested detail
- Health insurance

| Item | Cost |
|---|---|
| Visa | 1 |

## Steps

1. Apply online
2. Pay

```sh
curl x

# not a heading
```
### Sub step
Text.
";

    #[test]
    fn headings_become_sections() {
        let s = sections(DOC, "Doc title");
        let paths: Vec<&str> = s.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "Doc title",
                "E33G",
                "E33G › Requirements",
                "E33G › Steps",
                "E33G › Steps › Sub step"
            ]
        );
        assert_eq!(s[1].blocks.len(), 1, "two lines of one paragraph: {:?}", s[1].blocks);
        let req = &s[2].blocks;
        assert_eq!(req.len(), 5, "{req:?}");
        assert!(req[1].text.contains("continued on a second line") && req[1].text.contains("nested detail"));
        assert_eq!(req[4].text, "| Visa | 1 |");
        assert!(
            s[3].blocks.iter().any(|b| b.text.contains("# not a heading")),
            "fenced code keeps its lines"
        );
    }

    #[test]
    fn chunks_carry_section_language_and_order() {
        let chunks = chunk_markdown("kitas_kitap/e33g.md", "en", "Doc title", DOC, &ChunkerConfig::default());
        assert!(chunks
            .iter()
            .any(|c| c.section == "E33G › Requirements" && c.text.contains("- Health insurance")));
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.ord as usize, i);
            assert_eq!(c.language, "en");
            assert!(!c.text.starts_with('#'), "heading lines are not repeated in the text");
        }
    }

    #[test]
    fn long_sections_split_under_max_with_overlap() {
        let para = "Bali regency rules apply to villas and guest houses. ".repeat(12);
        let body = format!("# Rules\n\n{para}\n\n{para}\n\n{para}\n\n- item one\n- item two\n");
        let cfg = ChunkerConfig {
            size: 700,
            overlap: 100,
        };
        let chunks = chunk_markdown("d", "en", "t", &body, &cfg);
        assert!(chunks.len() >= 3);
        assert!(chunks
            .iter()
            .all(|c| char_len(&c.text) <= cfg.size && c.section == "Rules"));
        let first_tail = crate::kb::pack::tail_words(&chunks[0].text, cfg.overlap);
        assert!(chunks[1].text.starts_with(&first_tail), "overlap missing");
    }

    #[test]
    fn ids_change_only_with_text() {
        let cfg = ChunkerConfig::default();
        let a = chunk_markdown("d", "en", "t", DOC, &cfg);
        let b = chunk_markdown("d", "en", "t", DOC, &cfg);
        assert_eq!(a, b);
        let edited = DOC.replace("Pay", "Pay the fee");
        let c = chunk_markdown("d", "en", "t", &edited, &cfg);
        let changed: Vec<_> = a.iter().zip(&c).filter(|(x, y)| x.id != y.id).collect();
        assert_eq!(changed.len(), 1, "only the edited chunk gets a new id");
    }
}
