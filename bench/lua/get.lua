-- GET the URL given on the command line (/health, /crm/clients?limit=20). BENCH_TOKEN, when set, is sent as a
-- bearer token.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
