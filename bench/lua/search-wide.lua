-- The baseline's raw FTS5 search with the queries of search.lua, returning 40 rows instead of 10: as many as our
-- keyword search's one statement reads for a top 10 (the reranker's 40 candidates; the routed collections' lists
-- are taken from them, see `routed_rows_can_enter` in shared/src/search/pipeline.rs). It separates the cost of
-- reading and handing over that many rows from the cost of our own code. bench/run.mjs's WIDE_ROWS says the same.
SEARCH_ROWS = 40
dofile(os.getenv("BENCH_LUA") .. "/search.lua")
