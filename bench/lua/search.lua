-- POST /api/search with a rotating set of realistic queries (English, Indonesian, Italian; codes, prices,
-- regulations), keyword mode, top 10. The baseline worker reads only `query` from the same body.
-- search-hybrid.lua sets SEARCH_MODE = "hybrid" before loading this file (same queries, same body otherwise).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local queries = {
  "KBLI restoran",
  "E33G remote worker KITAS",
  "How much is a C1 tourism visa and can I extend it?",
  "PT PMA minimum capital",
  "berapa harga KITAS investor",
  "quanto costa il visto C1 e posso prorogarlo",
  "pajak penghasilan PPh 21 karyawan asing",
  "Nyepi day of silence rules",
  "PP 28/2025 Pasal 211",
  "izin usaha villa di Bali",
  "retirement KITAS requirements age 60",
  "56101",
  "can a foreigner own land in Bali leasehold",
  "quanto costa aprire una PT PMA",
  "NPWP for foreigners",
  "BPJS Ketenagakerjaan untuk pekerja asing",
  "overstay fine per day",
  "spouse KITAS E31A documents",
  "OSS risk based licensing NIB",
  "tourism levy for foreign visitors",
}
local mode = SEARCH_MODE or "keyword"
-- search-wide.lua: the baseline's raw search returning SEARCH_ROWS rows (our worker does not read the field).
local rows = SEARCH_ROWS and (',"rows":' .. SEARCH_ROWS) or ""
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  return wrk.format(nil, "/api/search", nil, '{"query":"' .. q .. '","mode":"' .. mode .. '","top_k":10' .. rows .. '}')
end
