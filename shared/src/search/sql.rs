//! The keyword index's SQL over the knowledge-base tables (`kb_chunks_fts`, `kb_chunks`, `kb_documents`), in
//! one place: the worker runs it on D1 (`workers/src/rag/d1_index.rs`) and the native benchmark on SQLite
//! (`bench/search-native`), so what the benchmark measures is what production runs.

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
/// `doc_url`, `doc_r2_key`, best first.
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
         r.lists AS lists, d.title AS doc_title, d.authority AS doc_authority, d.url AS doc_url, d.r2_key AS doc_r2_key \
         FROM (SELECT rid, MIN(s) AS s, group_concat(list) AS lists FROM ({lists}) GROUP BY rid) r \
         JOIN kb_chunks c ON c.rowid = r.rid LEFT JOIN kb_documents d ON d.id = c.document_id ORDER BY r.s, r.rid"
    )
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
    fn lists_parse_from_group_concat() {
        assert_eq!(parse_lists("0,2"), [0, 2]);
        assert_eq!(parse_lists("1"), [1]);
        assert_eq!(parse_lists(""), Vec::<usize>::new());
    }
}
