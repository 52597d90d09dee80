-- POST /api/auth/team/login with the seeded consultant (PBKDF2-SHA256, 100,000 iterations per attempt).
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. (os.getenv("BENCH_EMAIL") or "dewi@test.local") .. '","password":"' .. (os.getenv("BENCH_PASSWORD") or "dewi-consultant-2468") .. '"}'
