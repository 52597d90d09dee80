-- The baseline's raw FTS5 search with the queries of search.lua, returning 55 rows instead of 10: as many as our
-- search's one statement reads for a top 10 on average over these queries (its 40 best plus each routed
-- collection's 20, 55 distinct; counted with bench/search-native on the bench state). It separates the cost of
-- reading and handing over that many rows from the cost of our own code.
SEARCH_ROWS = 55
dofile(os.getenv("BENCH_LUA") .. "/search.lua")
