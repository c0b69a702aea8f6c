#!/usr/bin/env bash
# A Loopline cluster on this machine, on loopback only, sharing one PostgreSQL and one Redis.
#
#   scripts/cluster.sh 3                 start 3 nodes with every role (HTTP on 8081, 8082, 8083); one of
#                                        their chat sequencers is elected, another takes over if its node dies
#   scripts/cluster.sh add [ROLES]       add a node to the running cluster (default: every role),
#                                        e.g. add scraper
#   scripts/cluster.sh status            the nodes, their roles and ports
#   scripts/cluster.sh stop              SIGTERM every node (each drains and leaves the cluster)
#
# Environment: LOOPLINE_DB_URL (default postgresql://postgres@127.0.0.1:5432/loopline_cluster, created when
# missing), LOOPLINE_REDIS_URL (default redis://127.0.0.1:6379), LOOPLINE_CLUSTER_NAME (default loopline).
# Node state (pid, log, roles) is kept under .cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=.cluster
DB_URL=${LOOPLINE_DB_URL:-postgresql://postgres@127.0.0.1:5432/loopline_cluster}
REDIS_URL=${LOOPLINE_REDIS_URL:-redis://127.0.0.1:6379}
CLUSTER=${LOOPLINE_CLUSTER_NAME:-loopline}
BASE_PORT=8080

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

ensure_database() {
  local name=${DB_URL##*/}
  local server=${DB_URL%/*}
  if ! psql -tA "$server/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql -q "$server/postgres" -c "CREATE DATABASE \"$name\""
  fi
}

alive() { [ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null; }

next_index() {
  local i=1
  while [ -d "$RUN/node$i" ] && alive "$RUN/node$i"; do i=$((i + 1)); done
  echo "$i"
}

start_node() {
  local roles=${1:-all}
  [ "$roles" = all ] && roles=http,persistence,cache,scraper,worker,chat
  local i
  i=$(next_index)
  local dir=$RUN/node$i
  rm -rf "$dir"
  mkdir -p "$dir"
  local port=$((BASE_PORT + i))
  echo "$roles" >"$dir/roles"
  echo "$port" >"$dir/port"
  LOOPLINE_CLUSTER_ENABLED=true LOOPLINE_CLUSTER_NAME=$CLUSTER LOOPLINE_ROLES=$roles \
    LOOPLINE_HTTP_PORT=$port LOOPLINE_HTTP_HOST=127.0.0.1 LOOPLINE_DB_URL=$DB_URL LOOPLINE_REDIS_URL=$REDIS_URL \
    LOOPLINE_DATA_DIR=$dir/data LOOPLINE_JOBS_LOG_PATH=$RUN/log.txt \
    nohup java ${JAVA_OPTS:-} -jar target/loopline.jar >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 600); do
    grep -q "Loopline ready" "$dir/log" && break
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { echo "node$i failed to start:"; tail -20 "$dir/log"; exit 1; }
    sleep 0.1
  done
  grep -q "Loopline ready" "$dir/log" || { echo "node$i not ready in 60 s"; exit 1; }
  echo "node$i: pid $(cat "$dir/pid"), roles $roles, HTTP $( [[ $roles == *http* ]] && echo "http://127.0.0.1:$port" || echo none), log $dir/log"
}

status() {
  for dir in "$RUN"/node*; do
    [ -d "$dir" ] || continue
    if alive "$dir"; then state="running (pid $(cat "$dir/pid"))"; else state="stopped"; fi
    echo "$(basename "$dir"): $state, roles $(cat "$dir/roles"), HTTP port $(cat "$dir/port")"
  done
}

stop_all() {
  for dir in "$RUN"/node*; do
    [ -d "$dir" ] && alive "$dir" && kill -TERM "$(cat "$dir/pid")"
  done
  for dir in "$RUN"/node*; do
    [ -d "$dir" ] || continue
    for _ in $(seq 1 600); do alive "$dir" || break; sleep 0.1; done
  done
  echo "stopped"
}

[ $# -ge 1 ] || usage
case $1 in
  add)
    [ -f target/loopline.jar ] || ./mvnw -q -B -DskipTests package
    ensure_database
    start_node "${2:-}" ;;
  status) status ;;
  stop) stop_all ;;
  ''|*[!0-9]*) usage ;;
  *)
    ./mvnw -q -B -DskipTests package
    scripts/services.sh
    ensure_database
    mkdir -p "$RUN"
    start_node all
    for _ in $(seq 2 "$1"); do start_node ""; done ;;
esac
