//! How a search hit is cited: "PP 28/2025 Pasal 211" for articles of a regulation, "Title › Section"
//! otherwise, with a link to the document in the API.

use super::types::{Candidate, Citation, DocMeta};

/// "PP 28/2025 Pasal 211" for articles of a regulation; "Title › Section" otherwise.
pub fn citation(c: &Candidate, doc: &DocMeta) -> Citation {
    let label = match (
        &doc.authority,
        c.section.starts_with("Pasal ") || c.section.starts_with("Penjelasan"),
    ) {
        (Some(auth), true) => format!("{auth} {}", c.section),
        _ if c.section.is_empty() || c.section == doc.title => doc.title.clone(),
        _ => format!("{} › {}", doc.title, c.section),
    };
    Citation {
        label,
        title: doc.title.clone(),
        section: c.section.clone(),
        page: c.page,
        url: doc.url.clone(),
        r2_key: doc.r2_key.clone(),
        document_id: doc.id.clone(),
        document_link: document_link(&doc.id),
    }
}

/// The API link to a knowledge-base document (ids like `kbli/56101` are percent-encoded into one segment).
pub fn document_link(id: &str) -> String {
    format!("/api/documents/{}", encode_segment(id))
}

fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
