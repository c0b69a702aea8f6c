#!/usr/bin/env bash
# Soak: mixed load (item reads, writes and lists, cache writes) against one node on this machine's
# PostgreSQL and Redis for SOAK_SECONDS (default 600), sampling every minute the heap after a full GC and
# the node's open file descriptors. Prints the samples and one summary line; fails on any error or a
# growing heap or descriptor count.
#
#   scripts/soak.sh              10 minutes
#   SOAK_SECONDS=120 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL=${SOAK_SECONDS:-600}
PG=postgresql://postgres@127.0.0.1:5432
DB=loopline_soak
PORT=18750
WORK=$(mktemp -d /tmp/loopline-soak.XXXXXX)
NODE_PID=""
cleanup() {
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

./mvnw -q -B -DskipTests package
scripts/services.sh >/dev/null
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
LOOPLINE_HTTP_PORT=$PORT LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$PG/$DB LOOPLINE_REDIS_URL=redis://127.0.0.1:6379 \
  LOOPLINE_REDIS_NAMESPACE=loopline-soak: LOOPLINE_RATE_LIMIT_ENABLED=false LOOPLINE_DATA_DIR=$WORK/data \
  LOOPLINE_LOG_LEVEL=WARN java -Xmx256m -jar target/loopline.jar >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.2; done
for i in $(seq 1 300); do
  curl -s -X POST "http://127.0.0.1:$PORT/items" -H 'Content-Type: application/json' \
    -d "{\"name\":\"soak $i\",\"price\":\"1.00\"}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
done >"$WORK/ids.txt"

sample() {
  jcmd "$NODE_PID" GC.run >/dev/null
  local heap fds
  heap=$(jcmd "$NODE_PID" GC.heap_info | awk '/garbage-first heap|def new generation|PSYoungGen|heap/ && /used/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); gsub("K,?", "", v); print int(v / 1024); exit}}')
  fds=$(ls "/proc/$NODE_PID/fd" | wc -l)
  echo "$1 $heap $fds"
}

/usr/bin/python3 scripts/chaos_load.py mixed "http://127.0.0.1:$PORT" "$SECONDS_TOTAL" 16 "$WORK/soak.json" "$WORK/ids.txt" &
LOAD=$!
echo "minute heap_after_gc_MB open_fds"
sample 0 | tee "$WORK/samples.txt"
for minute in $(seq 1 $((SECONDS_TOTAL / 60))); do
  sleep 60
  kill -0 $LOAD 2>/dev/null || break
  sample "$minute" | tee -a "$WORK/samples.txt"
done
wait $LOAD
/usr/bin/python3 - "$WORK/soak.json" "$WORK/samples.txt" "$SECONDS_TOTAL" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
samples = [list(map(int, line.split())) for line in open(sys.argv[2]) if line.strip()]
statuses = s["statuses"]
errors = sum(v for k, v in statuses.items() if not k.startswith("2"))
# After warm-up (the second sample on), the heap after GC and the descriptors must not keep growing.
base = samples[1] if len(samples) > 2 else samples[0]
last = samples[-1]
heap_growth = (last[1] - base[1]) / max(base[1], 1)
fd_growth = last[2] - base[2]
ok = errors == 0 and s["wrong"] == 0 and heap_growth < 0.25 and fd_growth <= 10
print(f"soak: {int(sys.argv[3]) // 60} min, requests={s['requests']} errors={errors} wrong={s['wrong']} "
      f"slowest={s['slowest']:.2f}s heap_after_gc {base[1]}->{last[1]} MB fds {base[2]}->{last[2]} "
      + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
