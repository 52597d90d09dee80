-- POST /api/search in hybrid mode: the queries and body of search.lua with `mode: hybrid`. A 200 whose answer fell
-- back to keyword (embedder down, slow or wrong: the answer's mode is "keyword", with a notice) is counted as
-- degraded; when the run ends one more line is printed: BENCH_DEGRADED <count>.
SEARCH_MODE = "hybrid"
dofile(os.getenv("BENCH_LUA") .. "/search.lua")

local report_setup, report_response, report_done = setup, response, done
local all = {}

function setup(thread)
  table.insert(all, thread)
  report_setup(thread)
end

degraded = 0

function response(status, headers, body)
  report_response(status, headers, body)
  if status >= 200 and status <= 299 and not string.find(body, '"mode":"hybrid"', 1, true) then
    degraded = degraded + 1
  end
end

function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(all) do
    n = n + (t:get("degraded") or 0)
  end
  io.write(string.format("BENCH_DEGRADED %d\n", n))
end
