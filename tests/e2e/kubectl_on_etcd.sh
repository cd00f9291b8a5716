#!/usr/bin/env bash
# The kubectl verbs suite with `carrier serve` on a real etcd 3.4 (the distributed store)
# instead of the embedded SQLite file: etcd is started on free loopback ports and stopped
# when the suite ends.
# Usage: kubectl_on_etcd.sh <carrier binary> <kubectl binary>
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ETCD_DIR=$(mktemp -d /tmp/carrier-e2e-etcd.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CLIENT_PORT=$(free_port)
PEER_PORT=$(free_port)
etcd --name e2e --data-dir "$ETCD_DIR/data" \
  --listen-client-urls "http://127.0.0.1:$CLIENT_PORT" \
  --advertise-client-urls "http://127.0.0.1:$CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "e2e=http://127.0.0.1:$PEER_PORT" >"$ETCD_DIR/etcd.log" 2>&1 &
ETCD_PID=$!
trap 'kill $ETCD_PID 2>/dev/null; wait $ETCD_PID 2>/dev/null; rm -rf "$ETCD_DIR"' EXIT
deadline=$((SECONDS + 30))
until curl -sf "http://127.0.0.1:$CLIENT_PORT/health" >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ]; then
    cat "$ETCD_DIR/etcd.log" >&2
    echo "etcd did not start" >&2
    exit 1
  fi
  sleep 0.1
done
CARRIER_SERVE_FLAGS="--etcd-servers=http://127.0.0.1:$CLIENT_PORT" \
  bash "$HERE/kubectl_verbs.sh" "$1" "$2"
