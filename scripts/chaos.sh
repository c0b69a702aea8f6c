#!/usr/bin/env bash
# Faults on purpose, on loopback, each bounded in time, with one summary line per scenario.
#
#   scripts/chaos.sh                  postgres-restart redis-restart node-kill slow-clients
#   scripts/chaos.sh redis-restart    chosen scenarios
#
# postgres-restart and redis-restart restart this machine's PostgreSQL and Redis (the ones the tests use):
# run them on a development machine, not beside a running test suite. node-kill and slow-clients run the
# integration tests that do those things (NodeDeathIT, ScrapeClusterIT, RequestLimitsIT, ChatIT).
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(postgres-restart redis-restart node-kill slow-clients)
PG=postgresql://postgres@127.0.0.1:5432
DB=loopline_chaos
PORT=18700
WORK=$(mktemp -d /tmp/loopline-chaos.XXXXXX)
NODE_PID=""
FAILED=0

stop_node() {
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  NODE_PID=""
}
cleanup() { stop_node; scripts/services.sh >/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

start_node() {
  stop_node
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  redis-cli --scan --pattern 'loopline-chaos:*' | xargs -r redis-cli del >/dev/null
  LOOPLINE_HTTP_PORT=$PORT LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$PG/$DB LOOPLINE_REDIS_URL=redis://127.0.0.1:6379 \
    LOOPLINE_REDIS_NAMESPACE=loopline-chaos: LOOPLINE_RATE_LIMIT_ENABLED=false LOOPLINE_DATA_DIR=$WORK/data \
    LOOPLINE_LOG_LEVEL=WARN java -jar target/loopline.jar >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && return 0
    sleep 0.2
  done
  echo "chaos: the node did not become ready"; tail -20 "$WORK/node.log"; exit 1
}

# summary NAME JSON: prints one line from a chaos_load.py summary and checks what every scenario promises.
summarise() {
  /usr/bin/python3 - "$1" "$2" "${3:-}" <<'EOF'
import json, sys
name, path, stored = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(path))
statuses = s["statuses"]
ok = sum(v for k, v in statuses.items() if k.startswith("2"))
bad = {k: v for k, v in statuses.items() if not k.startswith("2")}
unexpected = {k: v for k, v in bad.items() if k not in ("503", "504")}
acked = len(s["acknowledged"])
line = f"{name}: requests={s['requests']} ok={ok} refused={bad} wrong={s['wrong']} slowest={s['slowest']:.2f}s"
verdict = not unexpected and s["wrong"] == 0 and s["slowest"] < 10
if stored:
    found = int(stored)
    line += f" writes_acknowledged={acked} found={found}"
    verdict = verdict and found >= acked
end = max(t for t, _ in s["timeline"])
tail = [status for t, status in s["timeline"] if t > end - 3]
resumed = all(str(status).startswith("2") for status in tail)
line += f" resumed={'yes' if resumed else 'no'}"
verdict = verdict and resumed
print(line + (" PASS" if verdict else " FAIL"))
sys.exit(0 if verdict else 1)
EOF
}

postgres_restart() {
  start_node
  local cluster
  cluster=$(ls /etc/postgresql | head -n 1)
  /usr/bin/python3 scripts/chaos_load.py write "http://127.0.0.1:$PORT" 25 8 "$WORK/pg.json" &
  local load=$!
  sleep 6
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main stop -m fast
  sleep 4
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  wait $load
  /usr/bin/python3 -c 'import json,sys; print("\n".join(str(i) for i in json.load(open(sys.argv[1]))["acknowledged"]))' "$WORK/pg.json" >"$WORK/acked.txt"
  psql -qtA "$PG/$DB" -c "CREATE TEMP TABLE acked (id bigint)" -c "\\copy acked FROM '$WORK/acked.txt'" \
    -c "SELECT count(*) FROM acked JOIN items USING (id)" | tail -1 >"$WORK/found.txt"
  summarise postgres-restart "$WORK/pg.json" "$(cat "$WORK/found.txt")" || FAILED=1
  stop_node
}

redis_restart() {
  start_node
  for i in $(seq 1 200); do
    curl -s -X POST "http://127.0.0.1:$PORT/items" -H 'Content-Type: application/json' \
      -d "{\"name\":\"read $i\",\"price\":\"1.00\"}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
  done >"$WORK/ids.txt"
  /usr/bin/python3 scripts/chaos_load.py read "http://127.0.0.1:$PORT" 25 8 "$WORK/redis.json" "$WORK/ids.txt" &
  local load=$!
  sleep 6
  redis-cli shutdown nosave >/dev/null 2>&1 || true
  sleep 5
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis \
    --logfile /var/log/redis/ci.log
  wait $load
  summarise redis-restart "$WORK/redis.json" || FAILED=1
  stop_node
}

run_tests() {
  local name=$1 tests=$2
  if ./mvnw -q -B verify -Dit.test="$tests" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false >"$WORK/$name.log" 2>&1; then
    echo "$name: $tests PASS"
  else
    echo "$name: $tests FAIL (log: kept below)"; grep -E "Tests run|FAIL" "$WORK/$name.log" | tail -5; FAILED=1
  fi
}

./mvnw -q -B -DskipTests package
scripts/services.sh >/dev/null
for scenario in "${SCENARIOS[@]}"; do
  case $scenario in
    postgres-restart) postgres_restart ;;
    redis-restart) redis_restart ;;
    node-kill) run_tests node-kill "NodeDeathIT,ScrapeClusterIT" ;;
    slow-clients) run_tests slow-clients "RequestLimitsIT,ChatIT" ;;
    *) echo "unknown scenario $scenario"; exit 2 ;;
  esac
done
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
exit $FAILED
