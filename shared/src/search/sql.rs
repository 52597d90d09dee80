//! The keyword index's SQL over the knowledge-base tables (`kb_chunks_fts`, `kb_chunks`, `kb_documents`), in
//! one place: the worker runs it on D1 (`workers/src/rag/d1_index.rs`) and the native benchmark on SQLite
//! (`bench/search-native`), so what the benchmark measures is what production runs.

use super::types::{Candidate, DocMeta};

/// FTS5 BM25 with column weights (title/section 2, text 1, keywords 4). Lower is better.
pub const BM25: &str = "bm25(kb_chunks_fts, 2.0, 1.0, 4.0)";

/// Columns of a candidate row, in this order, in both statements: chunk_id, document_id, collection, section,
/// page, text, keywords, bm25.
const CANDIDATE: &str = "c.id AS chunk_id, c.document_id, c.collection, c.section, c.page, c.text, c.keywords";

/// Documents' metadata by id: append `(?1, ?2, …)` ([`placeholders`]).
pub const DOCUMENTS_IN: &str = "SELECT id, title, authority, url, r2_key FROM kb_documents WHERE id IN";

/// `?start, ?start+1, …` for `n` parameters.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_filter(first_param: usize, scope_len: usize, negate: bool) -> String {
    if scope_len == 0 {
        return String::new();
    }
    format!(
        "AND c.collection {}IN ({})",
        if negate { "NOT " } else { "" },
        placeholders(first_param, scope_len)
    )
}

/// One ranked list: ?1 MATCH, ?2 limit, then the scope's collections (`negate`: all but those). Rows: the
/// candidate columns, best first.
pub fn keyword_sql(scope_len: usize, negate: bool) -> String {
    let filter = scope_filter(3, scope_len, negate);
    format!(
        "SELECT {CANDIDATE}, {BM25} AS bm25 FROM kb_chunks_fts JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid \
         WHERE kb_chunks_fts MATCH ?1 {filter} ORDER BY bm25 LIMIT ?2"
    )
}

/// The general list and one list per routed collection in one statement: ?1 MATCH, ?2 limit, ?3 limit per
/// routed collection, then the scope's collections, then the routed ones. The MATCH and BM25 are evaluated
/// once (a materialised CTE of rowid, collection and score); each list takes its best rows from it; then each
/// chunk is read once, with its document's metadata and the lists it is in (`lists`: "0,2", see
/// [`parse_lists`]). One round trip per search instead of one per list plus one for the documents, no chunk
/// text sent twice, and in a native profile a third less SQLite work than one statement per list (BM25 over
/// every matching row is most of it). Rows: the candidate columns, `lists`, `doc_title`, `doc_authority`,
/// `doc_url`, `doc_r2_key`, `rid`, best first.
pub fn routed_sql(scope_len: usize, negate: bool, routes: usize) -> String {
    let filter = scope_filter(4, scope_len, negate);
    let matches = format!(
        "SELECT kb_chunks_fts.rowid AS rid, c.collection AS col, {BM25} AS s FROM kb_chunks_fts \
         JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid WHERE kb_chunks_fts MATCH ?1 {filter}"
    );
    let (with, lists) = if routes == 0 {
        (
            String::new(),
            format!("SELECT rid, s, 0 AS list FROM ({matches} ORDER BY s LIMIT ?2)"),
        )
    } else {
        let mut arms = vec!["SELECT * FROM (SELECT rid, s, 0 AS list FROM m ORDER BY s LIMIT ?2)".to_string()];
        for i in 0..routes {
            arms.push(format!(
                "SELECT * FROM (SELECT rid, s, {} AS list FROM m WHERE col = ?{} ORDER BY s LIMIT ?3)",
                i + 1,
                4 + scope_len + i
            ));
        }
        (format!("WITH m AS MATERIALIZED ({matches}) "), arms.join(" UNION ALL "))
    };
    format!(
        "{with}SELECT {CANDIDATE}, r.s AS bm25, \
         r.lists AS lists, d.title AS doc_title, d.authority AS doc_authority, d.url AS doc_url, d.r2_key AS doc_r2_key, r.rid AS rid \
         FROM (SELECT rid, MIN(s) AS s, group_concat(list) AS lists FROM ({lists}) GROUP BY rid) r \
         JOIN kb_chunks c ON c.rowid = r.rid LEFT JOIN kb_documents d ON d.id = c.document_id ORDER BY r.s, r.rid"
    )
}

/// [`routed_sql`]'s rows as one JSON array in one row and column (`rows`), each row an object keyed by its
/// column names. D1 hands a worker every row as a JS object whose fields cross into WASM one at a time (in a
/// profile of the worker, a seventh of a search's CPU); one string crosses once and parses in WASM. A JSON
/// aggregate does not promise its input's order: [`RoutedRows::parse`] sorts.
pub fn routed_json_sql(scope_len: usize, negate: bool, routes: usize) -> String {
    let cols = [
        "chunk_id",
        "document_id",
        "collection",
        "section",
        "page",
        "text",
        "keywords",
        "bm25",
        "lists",
        "doc_title",
        "doc_authority",
        "doc_url",
        "doc_r2_key",
        "rid",
    ]
    .map(|c| format!("'{c}', {c}"))
    .join(", ");
    format!(
        "SELECT json_group_array(json_object({cols})) AS rows FROM ({})",
        routed_sql(scope_len, negate, routes)
    )
}

/// The candidate columns of a row ([`keyword_sql`]'s rows, the first columns of [`routed_sql`]'s), as D1 and
/// JSON give them (numbers as floats).
#[derive(Debug, serde::Deserialize)]
pub struct CandidateRow {
    pub chunk_id: String,
    pub document_id: String,
    pub collection: String,
    pub section: String,
    pub page: Option<f64>,
    pub text: String,
    pub keywords: String,
    pub bm25: Option<f64>,
}

impl From<CandidateRow> for Candidate {
    fn from(r: CandidateRow) -> Self {
        Candidate {
            chunk_id: r.chunk_id,
            document_id: r.document_id,
            collection: r.collection,
            section: r.section,
            page: r.page.map(|p| p as i64),
            text: r.text,
            keywords: r.keywords,
            bm25: r.bm25,
        }
    }
}

/// A row of [`routed_sql`]: a candidate, the lists it is in, its document's metadata.
#[derive(Debug, serde::Deserialize)]
pub struct RoutedRow {
    #[serde(flatten)]
    pub candidate: CandidateRow,
    pub lists: String,
    pub doc_title: Option<String>,
    pub doc_authority: Option<String>,
    pub doc_url: Option<String>,
    pub doc_r2_key: Option<String>,
    /// The chunk's rowid: ties in bm25 go to the older row, as in [`routed_sql`]'s ORDER BY.
    pub rid: i64,
}

/// The rows of one routed search, split into the general list, one list per route, and the documents met.
pub struct RoutedRows {
    pub all: Vec<Candidate>,
    pub per_route: Vec<Vec<Candidate>>,
    pub docs: Vec<DocMeta>,
}

impl RoutedRows {
    /// From [`routed_json_sql`]'s `rows`: best first (bm25, then rowid), the order of [`routed_sql`].
    pub fn parse(json: &str, routes: usize) -> Result<Self, serde_json::Error> {
        let mut rows: Vec<RoutedRow> = serde_json::from_str(json)?;
        rows.sort_by(|a, b| {
            let key = |r: &RoutedRow| r.candidate.bm25.unwrap_or(f64::INFINITY);
            key(a).total_cmp(&key(b)).then(a.rid.cmp(&b.rid))
        });
        Ok(Self::split(rows, routes))
    }

    /// Rows in order, split by the lists each is in (0: general, i: the i-th route).
    pub fn split(rows: Vec<RoutedRow>, routes: usize) -> Self {
        let mut out = Self {
            all: Vec::new(),
            per_route: vec![Vec::new(); routes],
            docs: Vec::new(),
        };
        for r in rows {
            if let Some(title) = r.doc_title {
                if !out.docs.iter().any(|d| d.id == r.candidate.document_id) {
                    out.docs.push(DocMeta {
                        id: r.candidate.document_id.clone(),
                        title,
                        authority: r.doc_authority,
                        url: r.doc_url,
                        r2_key: r.doc_r2_key,
                    });
                }
            }
            let lists = parse_lists(&r.lists);
            let c = Candidate::from(r.candidate);
            for &l in &lists {
                if (1..=routes).contains(&l) {
                    out.per_route[l - 1].push(c.clone());
                }
            }
            if lists.contains(&0) {
                out.all.push(c);
            }
        }
        out
    }
}

/// The lists a row of [`routed_sql`] belongs to: 0 the general list, i the i-th routed collection.
pub fn parse_lists(lists: &str) -> Vec<usize> {
    lists.split(',').filter_map(|l| l.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_match_limits_scope_then_routes() {
        let sql = routed_sql(2, true, 2);
        assert!(sql.contains("MATCH ?1 AND c.collection NOT IN (?4, ?5)"), "{sql}");
        assert!(sql.contains("1 AS list FROM m WHERE col = ?6") && sql.contains("2 AS list FROM m WHERE col = ?7"));
        assert!(sql.starts_with("WITH m AS MATERIALIZED"));
        let plain = routed_sql(0, false, 0);
        assert!(!plain.contains("WITH m") && !plain.contains("IN ("), "{plain}");
        assert!(plain.contains("LIMIT ?2"));
        let one = keyword_sql(3, false);
        assert!(
            one.contains("MATCH ?1 AND c.collection IN (?3, ?4, ?5) ORDER BY bm25 LIMIT ?2"),
            "{one}"
        );
    }

    #[test]
    fn json_rows_come_back_in_ranked_order_split_by_list() {
        let row = |id: &str, bm25: f64, rid: i64, lists: &str, doc: &str, title: Option<&str>| {
            serde_json::json!({
                "chunk_id": id, "document_id": doc, "collection": "visas", "section": "s", "page": null,
                "text": "t", "keywords": "", "bm25": bm25, "lists": lists, "doc_title": title,
                "doc_authority": null, "doc_url": null, "doc_r2_key": null, "rid": rid,
            })
        };
        // Out of order, with a tie in bm25 broken by rowid, as SQLite's ORDER BY r.s, r.rid would.
        let json = serde_json::json!([
            row("c", -1.0, 3, "0", "d2", Some("Doc 2")),
            row("a", -3.0, 9, "0,1", "d1", Some("Doc 1")),
            row("b", -2.0, 7, "1", "d1", Some("Doc 1")),
            row("e", -2.0, 5, "0,2", "d3", None),
        ])
        .to_string();
        let r = RoutedRows::parse(&json, 2).unwrap();
        let ids = |v: &[Candidate]| v.iter().map(|c| c.chunk_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&r.all), ["a", "e", "c"]);
        assert_eq!(ids(&r.per_route[0]), ["a", "b"]);
        assert_eq!(ids(&r.per_route[1]), ["e"]);
        let docs: Vec<&str> = r.docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            docs,
            ["d1", "d2"],
            "each document once; a row without a title adds none"
        );
        assert_eq!(RoutedRows::parse("[]", 1).unwrap().all.len(), 0);
        assert!(RoutedRows::parse("not json", 0).is_err());
    }

    #[test]
    fn the_json_statement_wraps_the_routed_one() {
        let sql = routed_json_sql(1, false, 1);
        assert!(
            sql.starts_with("SELECT json_group_array(json_object('chunk_id', chunk_id,"),
            "{sql}"
        );
        assert!(
            sql.contains("'rid', rid)) AS rows FROM (WITH m AS MATERIALIZED"),
            "{sql}"
        );
    }

    #[test]
    fn lists_parse_from_group_concat() {
        assert_eq!(parse_lists("0,2"), [0, 2]);
        assert_eq!(parse_lists("1"), [1]);
        assert_eq!(parse_lists(""), Vec::<usize>::new());
    }
}
