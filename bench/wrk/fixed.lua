-- The URL given to wrk, unchanged; only adds the report line.
dofile("bench/wrk/report.lua")
