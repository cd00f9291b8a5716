# Shared helpers for the end-to-end tests: assertions and server lifecycle.
# Each test sources this file; everything it starts is stopped on exit.

set -uo pipefail
E2E_TMP=$(mktemp -d /tmp/carrier-e2e.XXXXXX)
E2E_PIDS=()
E2E_FAILURES=0

cleanup() {
  for pid in "${E2E_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${E2E_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$E2E_TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  E2E_FAILURES=$((E2E_FAILURES + 1))
}

# expect_eq <what> <expected> <actual>
expect_eq() {
  if [ "$2" != "$3" ]; then fail "$1: expected [$2], got [$3]"; else echo "ok: $1"; fi
}

# expect_contains <what> <needle> <haystack>
expect_contains() {
  case "$3" in
    *"$2"*) echo "ok: $1" ;;
    *) fail "$1: [$2] not found in [$3]" ;;
  esac
}

# wait_for <seconds> <command...>: retries the command until it succeeds or time runs out.
# Its arguments are expanded once, by the caller: wrap a check that reads "$(...)" in a
# function.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

# start_carrier <carrier binary> [serve flags...]: starts `carrier serve` on an ephemeral
# port with a fresh data dir ($E2E_TMP/data, or $E2E_TMP/<CARRIER_NAME>) and sets KUBECONFIG,
# CARRIER_DATA and CARRIER_PID; its log is <data dir>/../<name>.log ($E2E_TMP/serve.log for
# the default). The port comes from the kubeconfig it writes.
start_carrier() {
  local bin=$1
  shift
  local name=${CARRIER_NAME:-data}
  local log="$E2E_TMP/serve.log"
  [ "$name" = data ] || log="$E2E_TMP/$name.log"
  CARRIER_DATA="$E2E_TMP/$name"
  mkdir -p "$CARRIER_DATA"
  "$bin" serve --data-dir "$CARRIER_DATA" --port 0 "$@" >"$log" 2>&1 &
  E2E_PIDS+=($!)
  CARRIER_PID=$!
  if ! wait_for 30 test -s "$CARRIER_DATA/admin.kubeconfig"; then
    cat "$log" >&2
    echo "carrier serve did not start" >&2
    exit 1
  fi
  export KUBECONFIG="$CARRIER_DATA/admin.kubeconfig"
}

# start_etcd: an etcd on free loopback ports, stopped on exit; sets ETCD_ENDPOINT.
start_etcd() {
  local port peer
  port=$(free_port)
  peer=$(free_port)
  etcd --name e2e --data-dir "$E2E_TMP/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "e2e=http://127.0.0.1:$peer" >"$E2E_TMP/etcd.log" 2>&1 &
  E2E_PIDS+=($!)
  ETCD_ENDPOINT="http://127.0.0.1:$port"
  if ! wait_for 30 curl -sf "$ETCD_ENDPOINT/health"; then
    cat "$E2E_TMP/etcd.log" >&2
    echo "etcd did not start" >&2
    exit 1
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

finish() {
  if [ "$E2E_FAILURES" -ne 0 ]; then
    echo "$E2E_FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
