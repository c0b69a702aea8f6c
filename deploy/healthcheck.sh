#!/bin/bash
# The container's health check: GET one of the node's health paths on this host and exit 0 only on a 200.
# It speaks HTTP through bash's /dev/tcp because the JRE image has no curl or wget (and installs nothing).
#   healthcheck.sh                 GET /health/live (the Dockerfile's HEALTHCHECK)
#   healthcheck.sh /health/ready   (compose.yaml's nodes)
# The port is LOOPLINE_HTTP_PORT when set, else 8080 (http.port's default).
path=${1:-/health/live}
port=${LOOPLINE_HTTP_PORT:-8080}
if ! { exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
  echo "nothing listens on port ${port}"
  exit 1
fi
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
if ! read -r -t 5 _version status _reason <&3; then
  echo "no answer to GET ${path} within 5 s"
  exit 1
fi
echo "GET ${path}: ${status}"
[ "$status" = "200" ]
