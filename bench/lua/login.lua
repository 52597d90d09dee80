-- POST /api/auth/team/login (PBKDF2-SHA256, 100,000 iterations per attempt), rotating over the seeded
-- consultants bench-0..7@test.local: the lockout lets at most 5 attempts on one account be evaluated at once
-- (a 6th concurrent one is 429 whether or not its password is right), so 16 connections on one account
-- would measure the lockout, not the login. BENCH_EMAIL (one account) overrides the rotation.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local password = os.getenv("BENCH_PASSWORD") or "dewi-consultant-2468"
local fixed = os.getenv("BENCH_EMAIL")
local n = 0
request = function()
  local email = fixed or ("bench-" .. (n % 8) .. "@test.local")
  n = n + 1
  return wrk.format(nil, nil, nil, '{"email":"' .. email .. '","password":"' .. password .. '"}')
end
