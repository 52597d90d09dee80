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
/// chunk is read once, with the lists it is in (`lists`: "0,2", see [`parse_lists`]), and each of their
/// documents once. One round trip per search instead of one per list plus one for the documents, no chunk text
/// sent twice, and in a native profile a third less SQLite work than one statement per list (BM25 over every
/// matching row is most of it).
///
/// The answer is one row of two JSON texts, read by [`RoutedRows::parse`]: `rows`, an array per chunk
/// (chunk_id, document_id, collection, section, page, text, keywords, bm25, lists, rowid), and `docs`, an array
/// per document (id, title, authority, url, r2_key). D1 hands a worker every row as a JS object whose fields
/// cross into WASM one at a time (a seventh of a search's CPU in a profile of the worker); one string crosses
/// once and parses in WASM. Arrays rather than objects, and each document once rather than on each of its
/// chunks, make that string a third shorter than named rows with their document's columns.
///
/// Without routed lists, a scope of excluded collections (the default: all but the benchmarks) is checked
/// against the rowids of those collections' chunks, read once through the collection index, instead of
/// joining every match to `kb_chunks` for its collection: the statement took 1.10 ms instead of 1.35 ms on
/// the bench knowledge base, with the same answers. A scope of named collections keeps the join (an `IN`
/// over a large collection's rowids leads SQLite to look each one up in the index).
pub fn routed_json_sql(scope_len: usize, negate: bool, routes: usize) -> String {
    let matches = if routes == 0 && negate && scope_len > 0 {
        format!(
            "SELECT kb_chunks_fts.rowid AS rid, {BM25} AS s FROM kb_chunks_fts WHERE kb_chunks_fts MATCH ?1 \
             AND kb_chunks_fts.rowid NOT IN (SELECT rowid FROM kb_chunks WHERE collection IN ({}))",
            placeholders(4, scope_len)
        )
    } else {
        let filter = scope_filter(4, scope_len, negate);
        format!(
            "SELECT kb_chunks_fts.rowid AS rid, c.collection AS col, {BM25} AS s FROM kb_chunks_fts \
             JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid WHERE kb_chunks_fts MATCH ?1 {filter}"
        )
    };
    let (m, lists) = if routes == 0 {
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
        (format!("m AS MATERIALIZED ({matches}), "), arms.join(" UNION ALL "))
    };
    format!(
        "WITH {m}r AS MATERIALIZED (SELECT rid, MIN(s) AS s, group_concat(list) AS lists FROM ({lists}) GROUP BY rid) \
         SELECT (SELECT json_group_array(json_array(c.id, c.document_id, c.collection, c.section, c.page, c.text, \
         c.keywords, r.s, r.lists, r.rid)) FROM r JOIN kb_chunks c ON c.rowid = r.rid) AS rows, \
         (SELECT json_group_array(json_array(d.id, d.title, d.authority, d.url, d.r2_key)) FROM kb_documents d \
         WHERE d.id IN (SELECT c.document_id FROM r JOIN kb_chunks c ON c.rowid = r.rid)) AS docs"
    )
}

/// The candidate columns of a row ([`keyword_sql`]'s rows, the first columns of [`routed_json_sql`]'s), as D1 and
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

/// A row of [`routed_json_sql`]: a candidate, the lists it is in, its rowid.
#[derive(Debug)]
struct RoutedRow {
    candidate: CandidateRow,
    lists: String,
    /// The chunk's rowid: ties in bm25 go to the older row.
    rid: i64,
}

/// [`RoutedRow`] as [`routed_json_sql`] writes it: an array in column order.
#[derive(serde::Deserialize)]
struct RowArray(
    String,
    String,
    String,
    String,
    Option<f64>,
    String,
    String,
    Option<f64>,
    String,
    i64,
);

impl From<RowArray> for RoutedRow {
    fn from(
        RowArray(chunk_id, document_id, collection, section, page, text, keywords, bm25, lists, rid): RowArray,
    ) -> Self {
        let candidate = CandidateRow {
            chunk_id,
            document_id,
            collection,
            section,
            page,
            text,
            keywords,
            bm25,
        };
        Self { candidate, lists, rid }
    }
}

/// The rows of one routed search, split into the general list, one list per route, and their documents.
pub struct RoutedRows {
    pub all: Vec<Candidate>,
    pub per_route: Vec<Vec<Candidate>>,
    pub docs: Vec<DocMeta>,
}

impl RoutedRows {
    /// From [`routed_json_sql`]'s `rows` and `docs`: best first (bm25, then rowid). A JSON aggregate does not
    /// promise its input's order, so the rows are sorted here.
    pub fn parse(rows: &str, docs: &str, routes: usize) -> Result<Self, serde_json::Error> {
        let mut rows: Vec<RoutedRow> = serde_json::from_str::<Vec<RowArray>>(rows)?
            .into_iter()
            .map(RoutedRow::from)
            .collect();
        rows.sort_by(|a, b| {
            let key = |r: &RoutedRow| r.candidate.bm25.unwrap_or(f64::INFINITY);
            key(a).total_cmp(&key(b)).then(a.rid.cmp(&b.rid))
        });
        type DocArray = (String, String, Option<String>, Option<String>, Option<String>);
        let docs = serde_json::from_str::<Vec<DocArray>>(docs)?
            .into_iter()
            .map(|(id, title, authority, url, r2_key)| DocMeta {
                id,
                title,
                authority,
                url,
                r2_key,
            })
            .collect();
        let mut out = Self::split(rows, routes);
        out.docs = docs;
        Ok(out)
    }

    /// Rows in order, split by the lists each is in (0: general, i: the i-th route); no documents.
    fn split(rows: Vec<RoutedRow>, routes: usize) -> Self {
        let mut out = Self {
            all: Vec::new(),
            per_route: vec![Vec::new(); routes],
            docs: Vec::new(),
        };
        for r in rows {
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

/// The lists a row of [`routed_json_sql`] belongs to: 0 the general list, i the i-th routed collection.
pub fn parse_lists(lists: &str) -> Vec<usize> {
    lists.split(',').filter_map(|l| l.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_match_limits_scope_then_routes() {
        let sql = routed_json_sql(2, true, 2);
        assert!(sql.contains("MATCH ?1 AND c.collection NOT IN (?4, ?5)"), "{sql}");
        assert!(sql.contains("1 AS list FROM m WHERE col = ?6") && sql.contains("2 AS list FROM m WHERE col = ?7"));
        assert!(sql.starts_with("WITH m AS MATERIALIZED"));
        let plain = routed_json_sql(0, false, 0);
        assert!(
            plain.starts_with("WITH r AS MATERIALIZED") && !plain.contains("IN (?"),
            "{plain}"
        );
        assert!(plain.contains("LIMIT ?2"));
        let one = keyword_sql(3, false);
        assert!(
            one.contains("MATCH ?1 AND c.collection IN (?3, ?4, ?5) ORDER BY bm25 LIMIT ?2"),
            "{one}"
        );
    }

    #[test]
    fn json_rows_come_back_in_ranked_order_split_by_list() {
        let row = |id: &str, bm25: f64, rid: i64, lists: &str, doc: &str| {
            serde_json::json!([id, doc, "visas", "s", null, "t", "", bm25, lists, rid])
        };
        // Out of order, with a tie in bm25 broken by rowid, as SQLite's ORDER BY r.s, r.rid would.
        let rows = serde_json::json!([
            row("c", -1.0, 3, "0", "d2"),
            row("a", -3.0, 9, "0,1", "d1"),
            row("b", -2.0, 7, "1", "d1"),
            row("e", -2.0, 5, "0,2", "d3"),
        ])
        .to_string();
        let docs = serde_json::json!([
            ["d1", "Doc 1", "BKPM", null, "kb/d1.md"],
            ["d2", "Doc 2", null, null, null]
        ]);
        let r = RoutedRows::parse(&rows, &docs.to_string(), 2).unwrap();
        let ids = |v: &[Candidate]| v.iter().map(|c| c.chunk_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&r.all), ["a", "e", "c"]);
        assert_eq!(ids(&r.per_route[0]), ["a", "b"]);
        assert_eq!(ids(&r.per_route[1]), ["e"]);
        assert_eq!(r.all[0].document_id, "d1");
        assert_eq!(r.docs.len(), 2);
        assert_eq!(
            (
                r.docs[0].title.as_str(),
                r.docs[0].authority.as_deref(),
                r.docs[0].r2_key.as_deref()
            ),
            ("Doc 1", Some("BKPM"), Some("kb/d1.md"))
        );
        assert_eq!(RoutedRows::parse("[]", "[]", 1).unwrap().all.len(), 0);
        assert!(RoutedRows::parse("not json", "[]", 0).is_err());
        assert!(
            RoutedRows::parse("[]", "[[1]]", 0).is_err(),
            "a document row of the wrong shape"
        );
    }

    /// The statement runs on SQLite (rusqlite's bundled build) over the schema of `migrations/`: a routed search
    /// answers each list's best rows, the lists each chunk is in, and each of their documents once.
    #[test]
    fn the_statement_runs_on_the_migrated_schema() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "sql")) {
            db.execute_batch(&std::fs::read_to_string(f).unwrap()).unwrap();
        }
        db.execute_batch(
            "INSERT INTO kb_collections (name, updated_at) VALUES ('visas', 0), ('tax', 0);
             INSERT INTO kb_documents (id, collection, source_path, title, language, authority, r2_key, content_hash, updated_at)
               VALUES ('d1', 'visas', 'v.md', 'Visas', 'en', 'Imigrasi', 'kb/d1.md', 'h', 0),
                      ('d2', 'tax', 't.md', 'Tax', 'en', NULL, NULL, 'h', 0);
             INSERT INTO kb_chunks (id, document_id, collection, ord, section, language, page, text, keywords) VALUES
               ('c1', 'd1', 'visas', 0, 'C1', 'en', 3, 'visa visa tourist', ''),
               ('c2', 'd1', 'visas', 1, 'E33G', 'en', NULL, 'visa remote worker', 'e33g'),
               ('c3', 'd2', 'tax', 0, 'PPh', 'en', NULL, 'tax on a visa holder', '');",
        )
        .unwrap();
        let run = |sql: &str, params: &[&dyn rusqlite::ToSql], routes: usize| {
            let (rows, docs): (String, String) = db.query_row(sql, params, |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            RoutedRows::parse(&rows, &docs, routes).unwrap()
        };
        let ids = |v: &[Candidate]| v.iter().map(|c| c.chunk_id.clone()).collect::<Vec<_>>();
        // The general list cut at 1 row, and a list routed to "tax" (scope: all but no collection).
        let r = run(&routed_json_sql(0, true, 1), &[&"visa", &1, &5, &"tax"], 1);
        assert_eq!(r.all.len(), 1, "the general list is cut at its limit");
        assert_eq!(ids(&r.per_route[0]), ["c3"]);
        let mut docs: Vec<&str> = r.docs.iter().map(|d| d.id.as_str()).collect();
        docs.sort();
        let mut wanted: Vec<&str> = r
            .all
            .iter()
            .chain(&r.per_route[0])
            .map(|c| c.document_id.as_str())
            .collect();
        wanted.sort();
        wanted.dedup();
        assert_eq!(docs, wanted, "each document of the chunks, once");
        // No routes, scoped to "visas": both visa chunks, best first, with their columns and one document.
        let r = run(&routed_json_sql(1, false, 0), &[&"visa", &10, &10, &"visas"], 0);
        assert_eq!(ids(&r.all), ["c1", "c2"], "two mentions of visa rank first");
        assert!(r.all[0].bm25.unwrap() < r.all[1].bm25.unwrap());
        assert_eq!((r.all[0].page, r.all[0].section.as_str()), (Some(3), "C1"));
        assert_eq!(r.all[1].keywords, "e33g");
        assert_eq!(r.docs.len(), 1);
        assert_eq!(
            (r.docs[0].authority.as_deref(), r.docs[0].r2_key.as_deref()),
            (Some("Imigrasi"), Some("kb/d1.md"))
        );
        // All but "tax", no routes (the default search): the rowids of "tax" are left out, in either form.
        let r = run(&routed_json_sql(1, true, 0), &[&"visa", &10, &10, &"tax"], 0);
        assert!(
            routed_json_sql(1, true, 0).contains("rowid NOT IN (SELECT rowid FROM kb_chunks WHERE collection IN (?4))")
        );
        assert_eq!(ids(&r.all), ["c1", "c2"]);
        assert_eq!(r.docs.len(), 1);
        let r = run(&routed_json_sql(1, true, 1), &[&"visa", &10, &10, &"tax", &"visas"], 1);
        assert_eq!(
            (ids(&r.all), ids(&r.per_route[0])),
            (vec!["c1".to_string(), "c2".into()], vec!["c1".to_string(), "c2".into()])
        );
        let none = run(&routed_json_sql(0, true, 0), &[&"zzz", &10], 0);
        assert!(none.all.is_empty() && none.docs.is_empty(), "no match: empty lists");
    }

    #[test]
    fn lists_parse_from_group_concat() {
        assert_eq!(parse_lists("0,2"), [0, 2]);
        assert_eq!(parse_lists("1"), [1]);
        assert_eq!(parse_lists(""), Vec::<usize>::new());
    }
}
