#!/usr/bin/env bash
# Chat fan-out benchmark: starts Loopline on 127.0.0.1 pinned to core 0, then ChatFanoutBench pinned to
# core 1 connects SOCKETS WebSockets to one room and measures how long each of MESSAGES messages takes to
# reach every socket. Uses the machine's PostgreSQL (a scratch database, dropped afterwards) and the
# in-process cache. Loopback only.
#   scripts/bench-chat.sh [SOCKETS=1000] [MESSAGES=200] [GAP_MS=100]
set -euo pipefail
cd "$(dirname "$0")/.."

SOCKETS=${1:-1000}
MESSAGES=${2:-200}
GAP_MS=${3:-100}
PORT=${BENCH_PORT:-18090}
PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
DB=loopline_bench_chat_$$

ulimit -n 20000
./mvnw -q -B package -DskipTests
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null

psql "$PG/postgres" -qc "CREATE DATABASE $DB"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT

# The sender sends 1000/GAP_MS messages a second: let its connection; the 1,000 upgrades come from one
# address, so rate limits are off.
LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_HTTP_PORT=$PORT LOOPLINE_DB_URL="$PG/$DB" LOOPLINE_METRICS_ENABLED=false \
  LOOPLINE_RATE_LIMIT_ENABLED=false \
  LOOPLINE_CHAT_MESSAGES_PER_SECOND=1000 LOOPLINE_CHAT_BURST=1000 LOOPLINE_DATA_DIR="$(mktemp -d)" \
  taskset -c 0 java -jar target/loopline.jar > target/bench-chat-server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null

taskset -c 1 java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.loopline.bench.ChatFanoutBench "$PORT" "$SOCKETS" "$MESSAGES" "$GAP_MS"
