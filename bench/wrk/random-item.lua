-- GET /items/{id} with ids drawn uniformly from 1..ITEMS (default 10000).
dofile("bench/wrk/report.lua")
local items = tonumber(os.getenv("ITEMS") or "10000")
request = function()
  return wrk.format("GET", "/items/" .. math.random(1, items))
end
