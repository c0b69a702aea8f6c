#!/usr/bin/env bash
# Benchmarks: Loopline side by side with the JVM peer a Java user would pick (Quarkus REST + reactive PG
# client), the seeds' stacks (FastAPI on uvicorn, aiohttp) and a bare Vert.x ceiling, on this machine, in one
# run. Each server is pinned to CPU 0 and wrk to CPU 1; every server reads the same 10,000 items from the same
# PostgreSQL. Writes a Markdown report to docs/benchmarks/.
#
#   scripts/bench.sh                      every workload
#   scripts/bench.sh items sleep          chosen workloads: items items-uncached items-cached items-loops sleep
#                                         health scrape chat scrape-cluster ingest ingest-write ingest-mqtt
#                                         ingest-large
#
# The item workloads (items, items-uncached, items-cached) are interleaved: every server of the workload is
# started at once (each on its own port, all on CPU 0), each is warmed, then BENCH_ROUNDS rounds measure each
# server in turn, and the best round per server is kept (every round is in the report). On a shared machine
# absolute figures drift by 2x within minutes; only ratios from one run mean something.
# `items` compares everything the item goals name: Loopline uncached / cached / cached with shared rate limits,
# Quarkus, FastAPI cache-aside, and the bare ceilings.
#
# ingest: one NDJSON upload of BENCH_INGEST_RECORDS (default 1,000,000) records to POST /streams/{s}/records,
# Loopline against the FastAPI peer (bench/peers/fastapi_app.py), both running at once, BENCH_ROUNDS (default 3)
# interleaved rounds after a warm-up upload each; records/s from curl's own clock, until the answer (which
# comes when every record is committed). ingest-write: the write path alone (bench/ingest/WriteBench.java),
# INSERT ... unnest through the pipelined client against pgjdbc's binary COPY, interleaved the same way.
# BENCH_INGEST_VARIANTS adds Loopline nodes with other settings to the ingest rounds (see start_ingest_servers).
# ingest-large: a just-under-1 GiB upload to a node with -Xmx256m, its peak RSS. ingest-mqtt: 10,000 QoS 1 messages from
# 100 MQTT connections (bench/ingest/MqttLoad.java), every one stored when its PUBACK comes.
#
# Environment: BENCH_DURATION (s per measurement, default 15), BENCH_WARMUP (s, default 30: on one core the
# JVM needs that long to compile its hot paths), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 64),
# BENCH_SLEEP_CONNECTIONS (default 5000), BENCH_DB (the database it fills, default loopline_bench),
# BENCH_SCRAPE_ROUNDS, BENCH_SCRAPY, BENCH_SCRAPE_BASELINE (see run_scrape). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-30}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
SLEEP_CONNECTIONS=${BENCH_SLEEP_CONNECTIONS:-5000}
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(items sleep health scrape chat)
SCRAPE_PAGES=${BENCH_SCRAPE_PAGES:-5000}
SITE_PID=
PG=postgresql://postgres@127.0.0.1:5432
DB_NAME=${BENCH_DB:-loopline_bench}
DB_URL=$PG/$DB_NAME
REDIS_URL=redis://127.0.0.1:6379
PORT=18500
WORK=$(mktemp -d /tmp/loopline-bench.XXXXXX)
RESULTS=$WORK/results.tsv
ROUND_RESULTS=$WORK/rounds.tsv
SERVER_PID=""
QUARKUS_JAR=bench/peers/quarkus/target/quarkus-app/quarkus-run.jar

log() { echo "[bench] $*" >&2; }

ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v psql >/dev/null || missing+=(postgresql-client)
  for module in fastapi:python3-fastapi uvicorn:python3-uvicorn uvloop:python3-uvloop httptools:python3-httptools \
      asyncpg:python3-asyncpg redis:python3-redis aiohttp:python3-aiohttp lxml:python3-lxml \
      scrapy:python3-scrapy; do
    /usr/bin/python3 -c "import ${module%%:*}" 2>/dev/null || missing+=("${module##*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
stop_site() {
  if [ -n "$SITE_PID" ]; then kill "$SITE_PID" 2>/dev/null || true; wait "$SITE_PID" 2>/dev/null || true; fi
  SITE_PID=""
}
cleanup() { stop_server; stop_site; stop_nodes; stop_interleaved; stop_pair; rm -rf "$WORK"; }
trap cleanup EXIT

# wait_ready [PORT PID LOG]: until the server answers /health/live (default: the current server).
wait_ready() {
  local port=${1:-$PORT} pid=${2:-$SERVER_PID} logfile=${3:-$WORK/server.log}
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health/live" && return 0
    kill -0 "$pid" 2>/dev/null || { log "server died; its log:"; tail -30 "$logfile" >&2; exit 1; }
    sleep 0.2
  done
  log "server not ready in 60 s"; tail -30 "$logfile" >&2; exit 1
}

# start_server NAME: starts one server pinned to CPU 0 on $PORT and waits until it answers.
start_server() {
  stop_server
  PORT=$((PORT + 1))
  spawn "$1" "$PORT" "$WORK/server.log" "$WORK/data"
  SERVER_PID=$SPAWNED
  wait_ready
}

# spawn NAME PORT LOG DATA_DIR: starts one server pinned to CPU 0 in the background; its PID in SPAWNED.
spawn() {
  local name=$1 PORT=$2 logfile=$3 data=$4
  local scrape_env=(LOOPLINE_SCRAPE_ALLOW=127.0.0.2 LOOPLINE_SCRAPE_GLOBAL_CONCURRENCY=256
    LOOPLINE_SCRAPE_PER_HOST_CONCURRENCY=256 LOOPLINE_SCRAPE_JOB_CONCURRENCY=256 LOOPLINE_SCRAPE_CACHE_TTL_SECONDS=0)
  local loopline_env=(LOOPLINE_HTTP_PORT=$PORT LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$DB_URL
    LOOPLINE_LOG_LEVEL=WARN LOOPLINE_DATA_DIR=$data LOOPLINE_RATE_LIMIT_ENABLED=false
    LOOPLINE_REDIS_NAMESPACE=loopline-bench:)
  case $name in
    loopline-uncached-1loop)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL= LOOPLINE_CACHE_NEAR_MAX_ENTRIES=0 LOOPLINE_EVENT_LOOPS=1 \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    loopline-limited-1loop)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL=$REDIS_URL LOOPLINE_RATE_LIMIT_ENABLED=true \
        LOOPLINE_RATE_LIMIT_ANONYMOUS_READ_LIMIT=60000000 LOOPLINE_EVENT_LOOPS=1 \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    loopline-uncached)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL= LOOPLINE_CACHE_NEAR_MAX_ENTRIES=0 \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    loopline|loopline-cached)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL=$REDIS_URL \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    loopline-scrape)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL=$REDIS_URL "${scrape_env[@]}" \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    loopline-limited)
      env "${loopline_env[@]}" LOOPLINE_REDIS_URL=$REDIS_URL LOOPLINE_RATE_LIMIT_ENABLED=true \
        LOOPLINE_RATE_LIMIT_ANONYMOUS_READ_LIMIT=60000000 \
        taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$logfile" 2>&1 & ;;
    ceiling|ceiling-cached)
      taskset -c 0 java -Xmx256m -cp target/loopline.jar bench/ceiling/Ceiling.java $PORT $DB_URL \
        "$([ $name = ceiling-cached ] && echo cached || echo plain)" >"$logfile" 2>&1 & ;;
    fastapi|fastapi-cached)
      PEER_DB=$DB_URL PEER_REDIS="$([ $name = fastapi-cached ] && echo $REDIS_URL)" \
        taskset -c 0 /usr/bin/python3 -m uvicorn --app-dir bench/peers fastapi_app:app --host 127.0.0.1 --port $PORT \
        --loop uvloop --http httptools --log-level warning --no-access-log --backlog 4096 >"$logfile" 2>&1 & ;;
    aiohttp|aiohttp-cached)
      PEER_DB=$DB_URL PEER_REDIS="$([ $name = aiohttp-cached ] && echo $REDIS_URL)" \
        taskset -c 0 /usr/bin/python3 bench/peers/aiohttp_app.py $PORT >"$logfile" 2>&1 & ;;
    quarkus)
      PEER_PORT=$PORT PEER_PG_DB=$DB_NAME taskset -c 0 java -Xmx256m -jar "$QUARKUS_JAR" >"$logfile" 2>&1 & ;;
    *) log "unknown server $name"; exit 2 ;;
  esac
  SPAWNED=$!
}

# Interleaved rounds: the servers of one comparison run side by side, each measured in turn.
declare -A IL_PID IL_PORT
IL_NAMES=()
stop_interleaved() {
  for name in "${IL_NAMES[@]:-}"; do
    [ -n "$name" ] && kill "${IL_PID[$name]}" 2>/dev/null || true
  done
  for name in "${IL_NAMES[@]:-}"; do
    [ -n "$name" ] && wait "${IL_PID[$name]}" 2>/dev/null || true
  done
  IL_NAMES=()
}
# interleaved WORKLOAD URL_PATH SCRIPT SERVER...: start all, warm each, ROUNDS rounds, keep the best per server.
interleaved() {
  local workload=$1 path=$2 script=$3
  shift 3
  stop_server
  for name in "$@"; do
    PORT=$((PORT + 1))
    spawn "$name" "$PORT" "$WORK/$name.log" "$WORK/data-$name"
    IL_PID[$name]=$SPAWNED IL_PORT[$name]=$PORT
    IL_NAMES+=("$name")
    wait_ready "$PORT" "$SPAWNED" "$WORK/$name.log"
  done
  for name in "$@"; do
    log "warming $name (${WARMUP} s)"
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$script" "http://127.0.0.1:${IL_PORT[$name]}$path" >/dev/null 2>&1 || true
  done
  for round in $(seq 1 "$ROUNDS"); do
    for name in "$@"; do
      SERVER_PID=${IL_PID[$name]}
      WARMUP=0 RESULTS=$ROUND_RESULTS measure "$workload" "$name" "$CONNECTIONS" "http://127.0.0.1:${IL_PORT[$name]}$path" "$script"
      sed -i '$ s/$/\t'"$round"'/' "$ROUND_RESULTS"
    done
  done
  SERVER_PID=
  # The best round of each server (highest requests/s) goes to the results.
  awk -F'\t' -v w="$workload" '$1 == w { if (!($2 in best) || $4 + 0 > best[$2] + 0) { best[$2] = $4; row[$2] = $0 } ; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
    END { for (i = 1; i <= n; i++) { split(row[order[i]], f, "\t"); printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9] } }' \
    "$ROUND_RESULTS" >>"$RESULTS"
  stop_interleaved
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

# measure WORKLOAD SERVER CONNECTIONS URL SCRIPT [wrk options...]
measure() {
  local workload=$1 server=$2 connections=$3 url=$4 script=$5
  shift 5
  [ "$WARMUP" -gt 0 ] && { taskset -c 1 wrk -t1 -c"$connections" -d"${WARMUP}s" "$@" -s "$script" "$url" >/dev/null 2>&1 || true; }
  local ticks_before start end ticks_after
  ticks_before=$(cpu_ticks "$SERVER_PID")
  start=$(date +%s.%N)
  local out
  out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${DURATION}s" --latency "$@" -s "$script" "$url" 2>&1 || true)
  end=$(date +%s.%N)
  ticks_after=$(cpu_ticks "$SERVER_PID")
  local line
  line=$(grep '^RESULT' <<<"$out" || echo "RESULT rps=0 p50=0 p99=0 errors=-1 requests=0 timeouts=0 non2xx=0")
  local cpu
  cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v s="$start" -v e="$end" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.0f", (b - a) / hz / (e - s) * 100}')
  local rss
  rss=$(peak_rss_mb "$SERVER_PID")
  local rps p50 p99 errors
  rps=$(sed -E 's/.*rps=([^ ]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50=([^ ]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99=([^ ]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*errors=([^ ]+).*/\1/' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$server" "$connections" "$rps" "$p50" "$p99" "$errors" "$cpu" "$rss" >>"$RESULTS"
  log "$workload $server: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $errors, CPU $cpu%, peak RSS $rss MB"
}

# The local site every scraper fetches: each page after 50 ms, on 127.0.0.2 (allowed by LOOPLINE_SCRAPE_ALLOW).
start_site() {
  stop_site
  SITE_PORT=$((PORT + 100))
  taskset -c 1 java -Xmx256m -cp target/loopline.jar bench/site/Site.java 127.0.0.2 $SITE_PORT 50 >"$WORK/site.log" 2>&1 &
  SITE_PID=$!
  for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.2:$SITE_PORT/page/1" && break; sleep 0.2; done
  seq 1 "$SCRAPE_PAGES" | sed "s|^|http://127.0.0.2:$SITE_PORT/page/|" >"$WORK/urls.txt"
  head -500 "$WORK/urls.txt" | sed 's|/page/|/page/9|' >"$WORK/warm.txt"
}

# CPU ticks of the PostgreSQL backends connected to database $1 (other databases' work is not counted).
pg_ticks() {
  psql -tA "$PG/postgres" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1'" 2>/dev/null \
    | while read -r p; do [ -n "$p" ] && awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'
}

# scrape_job PORT URL_FILE [PID [DB]]: runs a scrape job on the Loopline node at PORT and prints its seconds and
# pages/s; with PID the microseconds of that process's CPU (user + system, from /proc) per page, and with DB
# those of the PostgreSQL backends serving that database.
scrape_job() {
  local port=$1 file=$2 pid=${3:-} db=${4:-} body id state ticks_before=0 ticks_after=0 pg_before=0 pg_after=0
  body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"urls": [l.strip() for l in open(sys.argv[1]) if l.strip()], "options": {"concurrency": 256, "perHostConcurrency": 256, "robots": False, "cache": False}}))' "$file")
  local start end
  [ -n "$pid" ] && ticks_before=$(cpu_ticks "$pid")
  [ -n "$db" ] && pg_before=$(pg_ticks "$db")
  start=$(date +%s.%N)
  id=$(curl -s -X POST "http://127.0.0.1:$port/scrape-jobs" -H 'Content-Type: application/json' -d @- <<<"$body" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 1 6000); do
    state=$(curl -s "http://127.0.0.1:$port/scrape-jobs/$id" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"] + " " + str(j["counts"]["failed"]))')
    [[ $state == done* || $state == cancelled* ]] && break
    sleep 0.1
  done
  end=$(date +%s.%N)
  [ -n "$pid" ] && ticks_after=$(cpu_ticks "$pid")
  [ -n "$db" ] && pg_after=$(pg_ticks "$db")
  awk -v s="$start" -v e="$end" -v n="$(wc -l <"$file")" -v st="$state" -v t="$((ticks_after - ticks_before))" \
    -v pg="$((pg_after - pg_before))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {split(st, f, " "); printf "RESULT pages=%d ok=%d seconds=%.2f rate=%.1f state=%s cpu_us=%.0f pg_cpu_us=%.0f\n", n, n - f[2], e - s, n / (e - s), f[1], t / hz * 1e6 / n, pg / hz * 1e6 / n}'
}

# record_scrape WORKLOAD SERVER RESULT_LINE [PID]: one row; errors are the pages that did not come back 200;
# the CPU column is microseconds of the scraper's CPU per page when the line has cpu_us.
record_scrape() {
  local rate seconds pages ok rss="-" cpu="-"
  rate=$(sed -E 's/.*rate=([^ ]+).*/\1/' <<<"$3")
  seconds=$(sed -E 's/.*seconds=([^ ]+).*/\1/' <<<"$3")
  pages=$(sed -E 's/.*pages=([^ ]+).*/\1/' <<<"$3")
  ok=$(sed -E 's/.*ok=([^ ]+).*/\1/' <<<"$3")
  [[ $3 == *cpu_us=* ]] && cpu="$(sed -E 's/.* cpu_us=([^ ]+).*/\1/' <<<"$3") us/page"
  [[ $3 == *pg_cpu_us=* ]] && cpu="$cpu (+ PostgreSQL $(sed -E 's/.*pg_cpu_us=([^ ]+).*/\1/' <<<"$3"))"
  [ -n "${4:-}" ] && [ -e "/proc/$4/status" ] && rss=$(peak_rss_mb "$4")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" 256 "$rate pages/s" "$seconds s for $pages" "-" \
    "$((pages - ok))" "$cpu" "$rss" >>"$RESULTS"
  log "$1 $2: $3"
}

# Interleaved rounds (BENCH_SCRAPE_ROUNDS, default 3): Loopline (one node, kept running and warm), the aiohttp
# script, Scrapy (BENCH_SCRAPY=0 leaves it out), in turn; every round is a row, and the report compares the
# best round of each. BENCH_SCRAPE_BASELINE=JAR adds that jar (an earlier build, on a database of its own) as
# "loopline-baseline", started beside the current one and measured in the same rounds.
run_scrape() {
  start_site
  start_server loopline-scrape
  local current_pid=$SERVER_PID current_port=$PORT baseline_pid="" baseline_port=""
  if [ -n "${BENCH_SCRAPE_BASELINE:-}" ]; then
    baseline_port=$((PORT + 10))
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS ${DB_NAME}_baseline" -c "CREATE DATABASE ${DB_NAME}_baseline"
    env LOOPLINE_HTTP_PORT=$baseline_port LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$PG/${DB_NAME}_baseline \
      LOOPLINE_LOG_LEVEL=WARN LOOPLINE_DATA_DIR=$WORK/data-baseline LOOPLINE_RATE_LIMIT_ENABLED=false \
      LOOPLINE_REDIS_NAMESPACE=loopline-bench-baseline: LOOPLINE_REDIS_URL=$REDIS_URL LOOPLINE_SCRAPE_ALLOW=127.0.0.2 \
      LOOPLINE_SCRAPE_GLOBAL_CONCURRENCY=256 LOOPLINE_SCRAPE_PER_HOST_CONCURRENCY=256 LOOPLINE_SCRAPE_JOB_CONCURRENCY=256 \
      LOOPLINE_SCRAPE_CACHE_TTL_SECONDS=0 taskset -c 0 java -Xmx256m -jar "$BENCH_SCRAPE_BASELINE" >"$WORK/baseline.log" 2>&1 &
    baseline_pid=$!
    NODE_PIDS+=($baseline_pid)
    for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$baseline_port/health/live" && break; sleep 0.2; done
    scrape_job $baseline_port "$WORK/warm.txt" >/dev/null
    scrape_job $baseline_port "$WORK/urls.txt" >/dev/null
  fi
  scrape_job $current_port "$WORK/warm.txt" >/dev/null
  scrape_job $current_port "$WORK/urls.txt" >/dev/null
  local line round
  for round in $(seq 1 "${BENCH_SCRAPE_ROUNDS:-3}"); do
    if [ -n "$baseline_pid" ]; then
      line=$(scrape_job $baseline_port "$WORK/urls.txt" "$baseline_pid" "${DB_NAME}_baseline")
      record_scrape scrape loopline-baseline "$line" "$baseline_pid"
    fi
    line=$(scrape_job $current_port "$WORK/urls.txt" "$current_pid" "$DB_NAME")
    record_scrape scrape loopline "$line" "$current_pid"
    line=$(taskset -c 0 /usr/bin/python3 bench/peers/aiohttp_scraper.py "$WORK/urls.txt" 256 | grep '^RESULT')
    record_scrape scrape aiohttp-scraper "$line"
    if [ "${BENCH_SCRAPY:-1}" = 1 ]; then
      line=$(cd "$WORK" && URL_FILE="$WORK/urls.txt" taskset -c 0 /usr/bin/python3 -m scrapy runspider "$OLDPWD/bench/peers/scrapy_spider.py" 2>/dev/null | grep '^RESULT')
      record_scrape scrape scrapy "$line"
    fi
  done
  # POST /scrape with 50 pages (each answered after 50 ms): the batch's latency, median and worst of 20, against
  # the slowest page (50 ms plus its fetch) plus one round trip.
  local body50 times
  body50=$(head -50 "$WORK/urls.txt" | sed 's|/page/|/page/7|' | /usr/bin/python3 -c 'import json,sys; print(json.dumps({"urls": [l.strip() for l in sys.stdin], "options": {"cache": False, "robots": False}}))')
  for _ in $(seq 1 5); do curl -s -o /dev/null -X POST "http://127.0.0.1:$current_port/scrape" -H 'Content-Type: application/json' -d "$body50"; done
  times=$(for _ in $(seq 1 20); do curl -s -o /dev/null -w '%{time_total}\n' -X POST "http://127.0.0.1:$current_port/scrape" \
    -H 'Content-Type: application/json' -d "$body50"; done | sort -n)
  local p50 worst one
  p50=$(sed -n 10p <<<"$times" | awk '{printf "%.1f", $1 * 1000}')
  worst=$(tail -1 <<<"$times" | awk '{printf "%.1f", $1 * 1000}')
  one=$(for _ in $(seq 1 20); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.2:$SITE_PORT/page/7001"; done | sort -n | sed -n 10p | awk '{printf "%.1f", $1 * 1000}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' scrape-batch loopline "50 URLs" "one page: $one ms" "$p50" "$worst" 0 - - >>"$RESULTS"
  log "scrape-batch: 50 URLs in $p50 ms (median of 20), worst $worst ms; one page alone $one ms"
  stop_nodes
  stop_server
  stop_site
}

# Scrape throughput with one and then two clustered scraper nodes (the second on the other core).
NODE_PIDS=()
stop_nodes() {
  for pid in "${NODE_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  NODE_PIDS=()
}
start_cluster_node() {
  local cpu=$1 roles=$2 port=$3 name=$4
  env LOOPLINE_HTTP_PORT=$port LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$DB_URL LOOPLINE_LOG_LEVEL=INFO \
    LOOPLINE_DATA_DIR=$WORK/$name LOOPLINE_RATE_LIMIT_ENABLED=false LOOPLINE_REDIS_URL=$REDIS_URL \
    LOOPLINE_REDIS_NAMESPACE=loopline-bench: LOOPLINE_CLUSTER_ENABLED=true LOOPLINE_CLUSTER_NAME=loopline-bench-$$ \
    LOOPLINE_ROLES=$roles LOOPLINE_SCRAPE_ALLOW=127.0.0.2 LOOPLINE_SCRAPE_GLOBAL_CONCURRENCY=256 \
    LOOPLINE_SCRAPE_PER_HOST_CONCURRENCY=256 LOOPLINE_SCRAPE_JOB_CONCURRENCY=256 LOOPLINE_SCRAPE_CACHE_TTL_SECONDS=0 \
    taskset -c "$cpu" java -Xmx256m -jar target/loopline.jar >"$WORK/$name.log" 2>&1 &
  NODE_PIDS+=($!)
  for _ in $(seq 1 600); do grep -q "Loopline ready" "$WORK/$name.log" && return 0; sleep 0.1; done
  log "$name did not start"; tail -20 "$WORK/$name.log" >&2; exit 1
}
run_scrape_cluster() {
  start_site
  PORT=$((PORT + 1))
  start_cluster_node 0 http,persistence,cache,scraper,worker $PORT node1
  scrape_job $PORT "$WORK/warm.txt" >/dev/null
  local line
  line=$(scrape_job $PORT "$WORK/urls.txt")
  record_scrape scrape-cluster "1 scraper node" "$line"
  start_cluster_node 1 scraper $((PORT + 1)) node2
  scrape_job $PORT "$WORK/warm.txt" >/dev/null
  line=$(scrape_job $PORT "$WORK/urls.txt")
  record_scrape scrape-cluster "2 scraper nodes" "$line"
  stop_nodes
  stop_site
}

# Chat fan-out: scripts/bench-chat.sh (1,000 sockets in one room, 200 messages); its p50 and p99 are recorded.
run_chat() {
  stop_server
  local out line
  out=$(BENCH_PORT=$((PORT + 50)) scripts/bench-chat.sh 1000 200 100 2>&1 | tail -5)
  line=$(grep 'fan-out of' <<<"$out" || echo "fan-out failed: $out")
  log "chat loopline: $line"
  local p50 p99
  p50=$(sed -nE 's/.*p50 ([0-9.]+) ms.*/\1/p' <<<"$line")
  p99=$(sed -nE 's/.*p99 ([0-9.]+) ms.*/\1/p' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' chat loopline "1000 sockets" "200 messages" "${p50:--}" "${p99:--}" \
    "$([ -n "$p99" ] && echo 0 || echo 1)" - - >>"$RESULTS"
}

# Ingest: Loopline and the FastAPI peer started side by side (both on CPU 0), uploads sent by curl on CPU 1.
ROUNDS=${BENCH_ROUNDS:-3}
INGEST_RECORDS=${BENCH_INGEST_RECORDS:-1000000}
PAIR_PIDS=()
stop_pair() {
  for pid in "${PAIR_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PAIR_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  PAIR_PIDS=()
}
wait_port() {
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/health/live" && return 0; sleep 0.2; done
  log "nothing answers on $1"; tail -30 "$WORK"/*.log >&2; exit 1
}
# start_ingest_servers: Loopline (its defaults), one more Loopline per variant of BENCH_INGEST_VARIANTS
# ("name:SETTING=value,SETTING=value ..."; e.g. "unnest:LOOPLINE_INGEST_WRITER=unnest") and the FastAPI peer, all
# on CPU 0; INGEST_SERVERS lists them, SERVER_PORTS and SERVER_PIDS say where each is.
declare -A SERVER_PORTS SERVER_PIDS
start_ingest_servers() {
  stop_pair
  INGEST_SERVERS=(loopline)
  local specs=("loopline:" ${BENCH_INGEST_VARIANTS:-}) spec name settings
  for spec in "${specs[@]}"; do
    name=${spec%%:*}; settings=${spec#*:}
    [ "$name" = loopline ] || { name=loopline-$name; INGEST_SERVERS+=("$name"); }
    PORT=$((PORT + 1))
    # shellcheck disable=SC2086
    env LOOPLINE_HTTP_PORT=$PORT LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$DB_URL LOOPLINE_LOG_LEVEL=WARN \
      LOOPLINE_DATA_DIR=$WORK/data-$name LOOPLINE_RATE_LIMIT_ENABLED=false LOOPLINE_REDIS_URL= \
      LOOPLINE_MQTT_ENABLED=${INGEST_MQTT:-false} LOOPLINE_MQTT_PORT=$((PORT + 1000)) ${settings//,/ } \
      taskset -c 0 java -Xmx256m -jar target/loopline.jar >"$WORK/$name.log" 2>&1 &
    SERVER_PIDS[$name]=$!; SERVER_PORTS[$name]=$PORT
    PAIR_PIDS+=($!)
  done
  if [ "${INGEST_MQTT:-false}" = true ]; then
    for name in "${INGEST_SERVERS[@]}"; do wait_port "${SERVER_PORTS[$name]}"; done
    return
  fi
  PORT=$((PORT + 1))
  PEER_DB=$DB_URL PEER_REDIS= taskset -c 0 /usr/bin/python3 -m uvicorn --app-dir bench/peers fastapi_app:app \
    --host 127.0.0.1 --port $PORT --loop uvloop --http httptools --log-level warning --no-access-log \
    >"$WORK/fastapi.log" 2>&1 &
  SERVER_PIDS[fastapi]=$!; SERVER_PORTS[fastapi]=$PORT
  PAIR_PIDS+=($!)
  INGEST_SERVERS+=(fastapi)
  for name in "${INGEST_SERVERS[@]}"; do wait_port "${SERVER_PORTS[$name]}"; done
}
# upload PORT STREAM FILE: prints "seconds accepted" of one upload, the tables emptied first.
upload() {
  [ -n "${NO_TRUNCATE:-}" ] || psql -q "$DB_URL" -c "TRUNCATE streams, stream_records" -c "CHECKPOINT"
  local out
  out=$(taskset -c 1 curl -s -X POST -T "$3" -H 'Content-Type: application/x-ndjson' -H 'Expect:' \
    -w '\n%{time_total}' "http://127.0.0.1:$1/streams/$2/records")
  local seconds accepted
  seconds=$(tail -1 <<<"$out")
  accepted=$(head -1 <<<"$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("accepted", 0))' 2>/dev/null || echo 0)
  echo "$seconds $accepted"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# record_rounds WORKLOAD SERVER UNIT FILE_OF_RATES [RSS] [FILE_OF_CPU]: the median round as one row, every round in the log.
record_rounds() {
  local med all cpu=-
  med=$(median <"$4")
  all=$(tr '\n' ' ' <"$4")
  [ -s "${6:-}" ] && cpu=$(median <"$6")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "1 upload" "$(printf '%.0f' "$med") $3 (median)" \
    "rounds: $all" - 0 "$cpu" "${5:--}" >>"$RESULTS"
  log "$1 $2: median $med $3; rounds $all"
}
run_ingest() {
  [ -s "$WORK/records.ndjson" ] || /usr/bin/python3 bench/ingest/records.py "$INGEST_RECORDS" >"$WORK/records.ndjson"
  head -200000 "$WORK/records.ndjson" >"$WORK/warm.ndjson"
  start_ingest_servers
  local round server seconds accepted
  for server in "${INGEST_SERVERS[@]}"; do
    upload "${SERVER_PORTS[$server]}" bench "$WORK/warm.ndjson" >/dev/null
    : >"$WORK/rates-$server"; : >"$WORK/cpu-$server"
  done
  for round in $(seq 1 "$ROUNDS"); do
    for server in "${INGEST_SERVERS[@]}"; do
      local before after cpu
      psql -q "$DB_URL" -c "TRUNCATE streams, stream_records" -c "CHECKPOINT"
      before=$(cpu_ticks "${SERVER_PIDS[$server]}")
      read -r seconds accepted < <(NO_TRUNCATE=1 upload "${SERVER_PORTS[$server]}" bench "$WORK/records.ndjson")
      after=$(cpu_ticks "${SERVER_PIDS[$server]}")
      if [ "$accepted" != "$INGEST_RECORDS" ]; then log "$server round $round: accepted $accepted of $INGEST_RECORDS"; exit 1; fi
      awk -v n="$accepted" -v s="$seconds" 'BEGIN {printf "%.0f\n", n / s}' >>"$WORK/rates-$server"
      cpu=$(awk -v a="$before" -v b="$after" -v s="$seconds" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (b - a) / hz / s * 100}')
      echo "$cpu" >>"$WORK/cpu-$server"
      log "ingest round $round $server: $accepted records in $seconds s, server CPU $cpu%"
    done
  done
  for server in "${INGEST_SERVERS[@]}"; do
    local rss=-
    [ "$server" = fastapi ] || rss=$(peak_rss_mb "${SERVER_PIDS[$server]}")
    record_rounds ingest "$server" "records/s" "$WORK/rates-$server" "$rss" "$WORK/cpu-$server"
  done
  stop_pair
}
# ingest-mqtt: BENCH_MQTT_CONNECTIONS (100) MQTT clients publish BENCH_MQTT_MESSAGES (10,000) QoS 1 records in
# all (bench/ingest/MqttLoad.java, up to BENCH_MQTT_WINDOW (20) unacknowledged per connection, after as many
# untimed to warm the client's JVM) to each Loopline
# node (and one per variant of BENCH_MQTT_VARIANTS, written as BENCH_INGEST_VARIANTS) in interleaved rounds;
# after the last PUBACK every record must be stored.
run_ingest_mqtt() {
  local connections=${BENCH_MQTT_CONNECTIONS:-100} total=${BENCH_MQTT_MESSAGES:-10000} window=${BENCH_MQTT_WINDOW:-20}
  local each=$((total / connections))
  INGEST_MQTT=true BENCH_INGEST_VARIANTS=${BENCH_MQTT_VARIANTS:-} start_ingest_servers
  local round server line stored
  for server in "${INGEST_SERVERS[@]}"; do
    taskset -c 1 java -Dlogback.configurationFile=bench/ingest/logback.xml -cp target/loopline.jar bench/ingest/MqttLoad.java $((SERVER_PORTS[$server] + 1000)) warm \
      "$connections" "$each" "$window" >/dev/null
    : >"$WORK/rates-mqtt-$server"; : >"$WORK/p99-mqtt-$server"
  done
  for round in $(seq 1 "$ROUNDS"); do
    for server in "${INGEST_SERVERS[@]}"; do
      psql -q "$DB_URL" -c "TRUNCATE streams, stream_records"
      line=$(taskset -c 1 java -Dlogback.configurationFile=bench/ingest/logback.xml -cp target/loopline.jar bench/ingest/MqttLoad.java $((SERVER_PORTS[$server] + 1000)) mqtt \
        "$connections" "$each" "$window" "$each" | grep '^RESULT' || echo "RESULT failed")
      stored=$(psql -tA "$DB_URL" -c "SELECT count(*) FROM stream_records WHERE stream = 'mqtt'")
      log "ingest-mqtt round $round $server: $line; stored after the last PUBACK: $stored"
      if [ "$stored" != "$((each * connections))" ]; then log "$server: $stored stored, not $((each * connections))"; exit 1; fi
      sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$line" >>"$WORK/rates-mqtt-$server"
      sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line" >>"$WORK/p99-mqtt-$server"
    done
  done
  for server in "${INGEST_SERVERS[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' ingest-mqtt "$server" "$connections connections" \
      "$(median <"$WORK/rates-mqtt-$server" | xargs printf '%.0f') messages/s (median)" "rounds: $(tr '\n' ' ' <"$WORK/rates-mqtt-$server")" \
      "$(median <"$WORK/p99-mqtt-$server")" 0 - "$(peak_rss_mb "${SERVER_PIDS[$server]}")" >>"$RESULTS"
  done
  stop_pair
}
# ingest-large: one upload of just under BENCH_LARGE_MB (default 1024) MiB of NDJSON (the 1M-record file repeated) to
# Loopline started with -Xmx256m; its peak RSS (VmHWM) and records/s.
run_ingest_large() {
  [ -s "$WORK/records.ndjson" ] || /usr/bin/python3 bench/ingest/records.py "$INGEST_RECORDS" >"$WORK/records.ndjson"
  local size copies
  size=$(stat -c %s "$WORK/records.ndjson")
  local target=$(( ${BENCH_LARGE_MB:-1024} * 1048576 - 4096 )) # just under ingest.maxBodyBytes (1 GiB)
  copies=$(( target / size ))
  { for _ in $(seq 1 "$copies"); do cat "$WORK/records.ndjson"; done
    head -c $(( target - copies * size )) "$WORK/records.ndjson" | sed '$d'; } >"$WORK/large.ndjson"
  BENCH_INGEST_VARIANTS= start_ingest_servers
  upload "${SERVER_PORTS[loopline]}" bench "$WORK/warm.ndjson" >/dev/null 2>&1 || true
  local seconds accepted
  read -r seconds accepted < <(upload "${SERVER_PORTS[loopline]}" bench "$WORK/large.ndjson")
  local bytes rss
  bytes=$(stat -c %s "$WORK/large.ndjson")
  rss=$(peak_rss_mb "${SERVER_PIDS[loopline]}")
  log "ingest-large: $accepted records ($bytes bytes) in $seconds s, peak RSS $rss MB"
  awk -v n="$accepted" -v s="$seconds" 'BEGIN {printf "%.0f\n", n / s}' >"$WORK/rates-large"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' ingest-large loopline "1 upload of $bytes bytes" \
    "$(cat "$WORK/rates-large") records/s" "$accepted records in $seconds s" - \
    "$([ "$accepted" -gt 0 ] && echo 0 || echo 1)" - "$rss" >>"$RESULTS"
  rm -f "$WORK/large.ndjson"
  psql -q "$DB_URL" -c "TRUNCATE streams, stream_records"
  stop_pair
}
run_ingest_write() {
  : >"$WORK/rates-unnest"; : >"$WORK/rates-copy"
  local round mode line
  for mode in unnest copy; do # warm-up
    taskset -c 0 java -Xmx256m -cp target/loopline.jar bench/ingest/WriteBench.java $mode "$DB_URL" 200000 2000 4 >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    for mode in unnest copy; do
      psql -q "$DB_URL" -c "CHECKPOINT"
      line=$(taskset -c 0 java -Xmx256m -cp target/loopline.jar bench/ingest/WriteBench.java $mode "$DB_URL" \
        "$INGEST_RECORDS" 2000 4 | grep '^RESULT')
      sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$line" >>"$WORK/rates-$mode"
      log "ingest-write round $round: $line"
    done
  done
  record_rounds ingest-write copy "records/s" "$WORK/rates-copy"
  record_rounds ingest-write unnest "records/s" "$WORK/rates-unnest"
}

prepare_data() {
  log "preparing $DB_NAME with 10,000 items"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"
  redis-cli --scan --pattern 'loopline-bench:*' | xargs -r redis-cli del >/dev/null
  redis-cli --scan --pattern 'peer:item:*' | xargs -r redis-cli del >/dev/null
  start_server loopline-uncached # runs the migrations
  stop_server
  psql -q "$DB_URL" -c "INSERT INTO items (name, description, price, tags)
    SELECT 'item ' || n, 'the benchmark item number ' || n, (n % 1000) + 0.99, ARRAY['bench', 'tag' || (n % 10)]
    FROM generate_series(1, 10000) AS n" -c "ANALYZE items"
}

run_workload() {
  case $1 in
    items)
      interleaved items "" bench/wrk/random-item.lua \
        loopline-uncached quarkus ceiling loopline-cached loopline-limited ceiling-cached fastapi-cached ;;
    items-loops)
      # One event loop instead of Vert.x's two per core, on the one core the server has.
      interleaved items-loops "" bench/wrk/random-item.lua \
        loopline-uncached loopline-uncached-1loop quarkus loopline-limited loopline-limited-1loop ;;
    items-uncached)
      interleaved items-uncached "" bench/wrk/random-item.lua loopline-uncached quarkus ceiling fastapi aiohttp ;;
    items-cached)
      interleaved items-cached "" bench/wrk/random-item.lua \
        loopline-cached loopline-limited ceiling-cached fastapi-cached aiohttp-cached ;;
    sleep)
      ulimit -n 20000
      for server in loopline ceiling fastapi aiohttp; do
        start_server $server
        measure sleep $server "$SLEEP_CONNECTIONS" "http://127.0.0.1:$PORT/sleep/1" bench/wrk/fixed.lua --timeout 10s
      done ;;
    health)
      for server in loopline ceiling fastapi aiohttp; do
        start_server $server
        measure health $server "$CONNECTIONS" "http://127.0.0.1:$PORT/health/live" bench/wrk/fixed.lua
      done ;;
    scrape) run_scrape ;;
    scrape-cluster) run_scrape_cluster ;;
    chat) run_chat ;;
    ingest) run_ingest ;;
    ingest-write) run_ingest_write ;;
    ingest-large) run_ingest_large ;;
    ingest-mqtt) run_ingest_mqtt ;;
    *) log "unknown workload $1 (items items-uncached items-cached items-loops sleep health scrape chat scrape-cluster ingest ingest-write ingest-large ingest-mqtt)"; exit 2 ;;
  esac
  stop_server
}

report() {
  local date file
  date=$(date -u +%Y-%m-%d)
  mkdir -p docs/benchmarks
  file=docs/benchmarks/results-$date.md
  {
    echo "# Benchmark results, $date"
    echo
    echo "Command: \`scripts/bench.sh ${WORKLOADS[*]}\` (duration ${DURATION} s after ${WARMUP} s warm-up)."
    echo
    echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem/ {print $2}') GiB;"
    echo "server on CPU 0, wrk on CPU 1. $(java -version 2>&1 | head -1); Python $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])');"
    echo "FastAPI $(/usr/bin/python3 -c 'import fastapi; print(fastapi.__version__)'), uvicorn $(/usr/bin/python3 -c 'import uvicorn; print(uvicorn.__version__)'),"
    echo "aiohttp $(/usr/bin/python3 -c 'import aiohttp; print(aiohttp.__version__)'), asyncpg $(/usr/bin/python3 -c 'import asyncpg; print(asyncpg.__version__)');"
    echo "PostgreSQL $(psql -tA "$PG/postgres" -c 'SHOW server_version'), Redis $(redis-cli INFO server | awk -F: '/redis_version/ {print $2}' | tr -d '\r'); Loopline commit $(git rev-parse --short HEAD)."
    echo
    echo "| workload | server | connections | requests/s | p50 ms | p99 ms | errors | server CPU % | peak RSS MB |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}' "$RESULTS"
    echo
    if [ -s "$ROUND_RESULTS" ]; then
      echo "Interleaved workloads: best of $ROUNDS rounds per server (all servers up at once, each measured in turn)."
      echo
    fi
    echo "Ratios of requests/s (Loopline over the other):"
    echo
    awk -F'\t' '
      { if (!(($1 "/" $2) in rps) || $4 + 0 > rps[$1 "/" $2] + 0) { rps[$1 "/" $2] = $4; cpu[$1 "/" $2] = $8 }; p99[$1 "/" $2] = $6; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
      END {
        for (i = 1; i <= n; i++) {
          w = order[i]; l = rps[w "/loopline"]; if (l == "") l = rps[w "/loopline-cached"]; if (l == "") l = rps[w "/loopline-uncached"]
          line = "- " w ":"
          if (w == "scrape-cluster") {
            one = rps[w "/1 scraper node"]; two = rps[w "/2 scraper nodes"]
            if (one > 0) print "- scrape-cluster: 2 scraper nodes / 1 = " sprintf("%.2f", two / one) "x"
            continue
          }
          if (w == "ingest-large" || w == "ingest-mqtt") continue
          if (w == "ingest") {
            for (k in rps) if (index(k, "ingest/") == 1 && k != "ingest/fastapi" && rps["ingest/fastapi"] > 0)
              print "- ingest: " substr(k, 8) " / fastapi = " sprintf("%.2f", rps[k] / rps["ingest/fastapi"]) "x (medians of the same run)"
            continue
          }
          if (w == "ingest-write") { print "- ingest-write: copy / unnest = " sprintf("%.2f", rps[w "/copy"] / rps[w "/unnest"]) "x (medians of the same run)"; continue }
          if (w == "chat") { print "- chat: no peer; p99 delivery " p99[w "/loopline"] " ms to 1,000 sockets (goal: under 50 ms)"; continue }
          if (w == "items") {
            u = rps[w "/loopline-uncached"]; c = rps[w "/loopline-cached"]; lim = rps[w "/loopline-limited"]
            printf "- items, uncached: Loopline %.2fx Quarkus (goal >= 1.3x), %.2fx the bare ceiling (goal >= 0.5x)\n", u / rps[w "/quarkus"], u / rps[w "/ceiling"]
            printf "- items, cached with shared rate limits: %.2fx Loopline uncached (goal >= 2x), %.2fx FastAPI cache-aside (goal >= 5x), %.2fx the bare in-process ceiling (goal >= 0.5x)\n", lim / u, lim / rps[w "/fastapi-cached"], lim / rps[w "/ceiling-cached"]
            printf "- items, rate limits on / off (cached): %.2fx (goal >= 0.90x)\n", lim / c
            split("loopline-uncached quarkus ceiling loopline-cached loopline-limited ceiling-cached fastapi-cached", names, " ")
            for (k in names) { n_ = names[k]; eff[n_] = (cpu[w "/" n_] > 0) ? rps[w "/" n_] * 100 / cpu[w "/" n_] : 0 }
            printf "- the same per server CPU-second (requests/s divided by the share of CPU 0 the server got, which other load on a shared machine takes from it): uncached %.2fx Quarkus, %.2fx the ceiling; cached with limits %.2fx uncached, %.2fx FastAPI cache-aside, %.2fx the in-process ceiling; limits on / off %.2fx\n", eff["loopline-uncached"] / eff["quarkus"], eff["loopline-uncached"] / eff["ceiling"], eff["loopline-limited"] / eff["loopline-uncached"], eff["loopline-limited"] / eff["fastapi-cached"], eff["loopline-limited"] / eff["ceiling-cached"], eff["loopline-limited"] / eff["loopline-cached"]
            continue
          }
          split("quarkus fastapi fastapi-cached aiohttp aiohttp-cached ceiling ceiling-cached aiohttp-scraper scrapy loopline-baseline", peers, " ")
          for (p in peers) { o = rps[w "/" peers[p]]; if (o != "" && o > 0) line = line sprintf(" %.2fx %s;", l / o, peers[p]) }
          print line
        }
      }' "$RESULTS"
    if [ -s "$ROUND_RESULTS" ]; then
      echo
      echo "Every round of the interleaved workloads (requests/s, p99 ms):"
      echo
      echo "| workload | server | round | requests/s | p50 ms | p99 ms | errors | server CPU % | requests per CPU-s |"
      echo "|---|---|---|---|---|---|---|---|---|"
      awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %.0f |\n", $1, $2, $10, $4, $5, $6, $7, $8, ($8 > 0 ? $4 * 100 / $8 : 0)}' "$ROUND_RESULTS"
    fi
  } >"$file"
  log "report written to $file"
  cat "$file"
}

ensure_tools
scripts/services.sh
./mvnw -q -B -DskipTests package
if printf '%s\n' "${WORKLOADS[@]}" | grep -qx 'items\|items-uncached\|items-loops'; then
  log "building the Quarkus peer (bench/peers/quarkus)"
  ./mvnw -q -B -f bench/peers/quarkus/pom.xml -DskipTests package
fi
prepare_data
for workload in "${WORKLOADS[@]}"; do
  run_workload "$workload"
done
report
