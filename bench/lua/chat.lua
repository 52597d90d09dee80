-- POST /bali-zero/chat (JSON answer) with rotating questions; the worker runs with no provider key, so the
-- offline extractive provider answers from retrieval and the price tools.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local questions = {
  "How much is a C1 tourism visa and can I extend it?",
  "What is the E33G remote worker KITAS?",
  "Berapa harga KITAS E33G untuk pekerja remote?",
  "Quanto costa il visto C1 e posso prorogarlo?",
  "Which KBLI code do I need for a restaurant?",
  "What is the minimum capital for a PT PMA?",
}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  i = i + 1
  return wrk.format(nil, "/bali-zero/chat", nil, '{"query":"' .. questions[(i % #questions) + 1] .. '"}')
end
