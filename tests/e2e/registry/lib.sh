# Helpers shared by the registry end-to-end tests (sourced, not run). Every server a test
# starts listens on a loopback port picked here and is stopped by PID when the test exits.
set -euo pipefail

WORK=$(mktemp -d /tmp/carrier-e2e-registry.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for <seconds> <command...>: runs the command until it succeeds or the deadline passes.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# start_distribution <dir> [port] [tls-cert tls-key htpasswd]: docker-registry
# (distribution 2.8) on a loopback port (a fresh one when not given), plain HTTP or with TLS
# and htpasswd users; sets DIST_PORT.
start_distribution() {
  local dir=$1 http auth="" scheme=http
  DIST_PORT=${2:-$(free_port)}
  http="http: {addr: 127.0.0.1:$DIST_PORT}"
  if [ $# -ge 5 ]; then
    http="http: {addr: 127.0.0.1:$DIST_PORT, tls: {certificate: $3, key: $4}}"
    auth="auth: {htpasswd: {realm: Registry, path: $5}}"
    scheme=https
  fi
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
$http
$auth
YML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  PIDS+=($!)
  # Up when /v2/ answers at all (401 with authentication).
  wait_for 20 curl -sk -o /dev/null "$scheme://127.0.0.1:$DIST_PORT/v2/" ||
    fail "docker-registry did not start: $(cat "$dir/log")"
}

# build_busybox_layout <layout>: a small OCI image (busybox and its applet links) made with
# umoci, tagged "latest".
build_busybox_layout() {
  local layout=$1 bundle=$WORK/bundle.$RANDOM
  umoci init --layout "$layout"
  umoci new --image "$layout:latest"
  umoci unpack --rootless --image "$layout:latest" "$bundle" >/dev/null
  mkdir -p "$bundle/rootfs/bin"
  cp /bin/busybox "$bundle/rootfs/bin/busybox"
  for applet in sh ls cat echo; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
  echo "carrier e2e $RANDOM" >"$bundle/rootfs/hello.txt"
  umoci repack --image "$layout:latest" "$bundle"
  umoci config --image "$layout:latest" --config.cmd /bin/sh
  rm -rf "$bundle"
}

# manifest_digest <layout> <tag>: the digest of the manifest the layout's index tags.
manifest_digest() {
  python3 - "$1" "$2" <<'PY'
import json, sys
index = json.load(open(sys.argv[1] + "/index.json"))
for m in index["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        print(m["digest"]); break
else:
    sys.exit("tag not found")
PY
}

# Prints the sha256 of stdin as "sha256:<hex>".
sha256_of() { echo "sha256:$(sha256sum | cut -d' ' -f1)"; }

# same_blobs <layout-a> <layout-b> <tag>: every blob the tag reaches (manifest, config,
# layers) is present, byte-identical, in both layouts.
same_blobs() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, filecmp, os
a, b, tag = sys.argv[1:4]
def blob(layout, digest):
    algo, hexd = digest.split(":")
    return os.path.join(layout, "blobs", algo, hexd)
index = json.load(open(os.path.join(a, "index.json")))
digest = next(m["digest"] for m in index["manifests"]
              if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
manifest = json.load(open(blob(a, digest)))
todo = [digest, manifest["config"]["digest"]] + [l["digest"] for l in manifest["layers"]]
for d in todo:
    pa, pb = blob(a, d), blob(b, d)
    if not os.path.exists(pb) or not filecmp.cmp(pa, pb, shallow=False):
        sys.exit("blob %s differs or is missing" % d)
print("%d blobs identical" % len(todo))
PY
}

# start_carrier <carrier binary> <root> [serve flags...]: `carrier registry serve` on a
# loopback port. A root without conf/config.yaml is first set up by `carrier registry init`.
# Without --listen in the flags the server picks a free port; sets CARRIER_PORT from the
# address it reports.
start_carrier() {
  local binary=$1 root=$2
  shift 2
  [ -f "$root/conf/config.yaml" ] || "$binary" registry init --root "$root" >/dev/null
  local listen=(--listen 127.0.0.1:0)
  [[ " $* " == *" --listen "* ]] && listen=()
  "$binary" registry serve --root "$root" "${listen[@]}" "$@" >"$root/log" 2>&1 &
  PIDS+=($!)
  wait_for 20 grep -q 'listening on' "$root/log" || fail "carrier registry did not start: $(cat "$root/log")"
  CARRIER_PORT=$(sed -n 's/.*listening on https\{0,1\}:\/\/[^ ]*:\([0-9]*\).*/\1/p' "$root/log" | head -1)
  [ -n "$CARRIER_PORT" ] || fail "no port in: $(cat "$root/log")"
}

# carrier_config <root> <yaml>: writes <root>/conf/config.yaml (after `registry init` made
# the folders), so that a test chooses TLS, htpasswd, token and rules settings.
carrier_config() {
  local binary=$1 root=$2 yaml=$3
  "$binary" registry init --root "$root" >/dev/null
  printf '%s\n' "$yaml" >"$root/conf/config.yaml"
}
