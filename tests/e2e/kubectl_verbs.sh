#!/usr/bin/env bash
# kubectl against a real `carrier serve`: discovery, apply/create/get/list/watch/patch/
# label/replace/delete, selectors, chunked lists, errors, dry-run and logical clusters.
# Usage: kubectl_verbs.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER" ${CARRIER_SERVE_FLAGS:-}
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

# Discovery and the namespaces every cluster is born with.
expect_eq "default namespaces" "default kube-node-lease kube-public kube-system" \
  "$(k get ns -o jsonpath='{.items[*].metadata.name}')"
expect_contains "api-resources" "deployments" "$(k api-resources 2>&1)"

cat >"$E2E_TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: c
    image: registry.example.com/busybox:1
    command: ["sleep", "3600"]
YAML
expect_eq "apply creates" "pod/web created" "$(k apply -f "$E2E_TMP/pod.yaml")"
expect_eq "apply again is a no-op" "pod/web unchanged" "$(k apply -f "$E2E_TMP/pod.yaml")"
sed -i 's/3600/7200/' "$E2E_TMP/pod.yaml"
expect_eq "apply changes" "pod/web configured" "$(k apply -f "$E2E_TMP/pod.yaml")"
expect_eq "the change is stored and generation moves" '["sleep","7200"] 2' \
  "$(k get pod web -o jsonpath='{.spec.containers[0].command} {.metadata.generation}')"
expect_contains "table columns" "READY" "$(k get pods)"
expect_contains "create of an existing object" "AlreadyExists" \
  "$(k create -f "$E2E_TMP/pod.yaml" 2>&1)"
expect_contains "get of a missing object" 'pods "nope" not found' "$(k get pod nope 2>&1)"

# Labels, annotations and selectors.
k label pod web tier=front >/dev/null
k annotate pod web note=hello >/dev/null
expect_eq "label selector (equality)" "web" \
  "$(k get pods -l 'app=web,tier=front' -o jsonpath='{.items[*].metadata.name}')"
expect_eq "label selector (set-based, no match)" "" \
  "$(k get pods -l 'tier notin (front)' -o jsonpath='{.items[*].metadata.name}' 2>&1)"
expect_eq "label selector (set-based, match)" "web" \
  "$(k get pods -l 'tier in (front,back),!absent' -o jsonpath='{.items[*].metadata.name}' 2>&1)"
expect_eq "field selector" "web" \
  "$(k get pods --field-selector metadata.name=web -o jsonpath='{.items[*].metadata.name}')"
expect_contains "unsupported field selector" "field label not supported" \
  "$(k get pods --field-selector spec.nope=x 2>&1)"

# The three patch types.
k patch pod web --type=merge -p '{"metadata":{"labels":{"merge":"yes"}}}' >/dev/null
k patch pod web --type=json -p '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]' >/dev/null
k patch pod web -p '{"spec":{"containers":[{"name":"c","image":"registry.example.com/busybox:2"}]}}' >/dev/null
expect_eq "merge and json patches" "yes yes" \
  "$(k get pod web -o jsonpath='{.metadata.labels.merge} {.metadata.labels.json}')"
expect_eq "strategic merge keeps the command" 'registry.example.com/busybox:2 ["sleep","7200"]' \
  "$(k get pod web -o jsonpath='{.spec.containers[0].image} {.spec.containers[0].command}')"

# Optimistic concurrency: a replace with a stale resourceVersion conflicts.
k get pod web -o json >"$E2E_TMP/stale.json"
k label pod web bump=1 >/dev/null
expect_contains "stale replace" "the object has been modified" \
  "$(k replace -f "$E2E_TMP/stale.json" 2>&1)"

# Server-side dry run persists nothing (kubectl 1.20 first checks the OpenAPI v2 paths for
# a dryRun parameter of the kind's PATCH operation).
sed 's/name: web/name: dry/' "$E2E_TMP/pod.yaml" >"$E2E_TMP/dry.yaml"
expect_eq "server dry run" "pod/dry created (server dry run)" \
  "$(k apply --dry-run=server -f "$E2E_TMP/dry.yaml" 2>&1)"
expect_contains "dry run stored nothing" 'pods "dry" not found' "$(k get pod dry 2>&1)"

# Chunked lists follow continue tokens.
for i in 1 2 3 4 5 6 7; do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm%s}\ndata: {i: "%s"}\n' $i $i \
    >"$E2E_TMP/cm$i.yaml"
  k apply -f "$E2E_TMP/cm$i.yaml" >/dev/null
done
expect_eq "chunked list" "7" "$(k get cm --chunk-size=2 -o name | wc -l | tr -d ' ')"

# Watch sees a create and a delete.
k get cm -w --output-watch-events >"$E2E_TMP/watch.log" 2>&1 &
WATCH=$!
wait_for 10 grep -q cm7 "$E2E_TMP/watch.log"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n' >"$E2E_TMP/w.yaml"
k apply -f "$E2E_TMP/w.yaml" >/dev/null
k delete cm watched >/dev/null
wait_for 10 grep -q "DELETED.*watched" "$E2E_TMP/watch.log" || true
kill $WATCH 2>/dev/null
expect_contains "watch ADDED" "ADDED" "$(grep watched "$E2E_TMP/watch.log")"
expect_contains "watch DELETED" "DELETED" "$(grep watched "$E2E_TMP/watch.log")"

# Delete waits until the object is gone.
expect_eq "delete" 'pod "web" deleted' "$(k delete pod web)"
expect_contains "deleted object is gone" "NotFound" "$(k get pod web 2>&1)"

# Logical clusters: separate storage, served under /clusters/<name>.
k create --raw /carrier/v1/clusters/tenant-a -f /dev/null >/dev/null 2>&1 ||
  echo '{}' | k create --raw /carrier/v1/clusters/tenant-a -f - >/dev/null
expect_eq "tenant is born with its namespaces" "default kube-node-lease kube-public kube-system" \
  "$(k --server "$SERVER/clusters/tenant-a" get ns -o jsonpath='{.items[*].metadata.name}')"
expect_eq "tenant does not see root's objects" "" \
  "$(k --server "$SERVER/clusters/tenant-a" get cm -o name)"
expect_contains "unknown cluster" 'logical cluster \"nobody\" not found' \
  "$(curl -sk --cacert "$CARRIER_DATA/pki/ca.crt" "$SERVER/clusters/nobody/healthz")"

# Authentication: anonymous only for health and version.
expect_eq "anonymous healthz" "ok" "$(curl -sk "$SERVER/healthz")"
expect_contains "anonymous list is refused" '"code":401' "$(curl -sk "$SERVER/api/v1/pods")"

finish
