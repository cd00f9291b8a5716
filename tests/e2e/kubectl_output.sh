#!/usr/bin/env bash
# kubectl's output formats and interactive verbs against a real `carrier serve`: -o yaml,
# json, jsonpath, custom-columns, wide and name; `kubectl edit` through a non-interactive
# editor; `kubectl wait --for=condition` and `--for=delete`; `delete --wait`; `get -w`; and
# PartialObjectMetadata lists as metadata-only clients ask for them.
# Usage: kubectl_output.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

cat >"$E2E_TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  nodeName: node-a
  containers:
  - name: c
    image: registry.example.com/web:1
YAML
k create -f "$E2E_TMP/pod.yaml" >/dev/null
expect_contains "-o yaml" "image: registry.example.com/web:1" "$(k get pod web -o yaml)"
expect_eq "-o json" "Pod" "$(k get pod web -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kind"])')"
expect_eq "-o jsonpath" "web node-a" "$(k get pod web -o jsonpath='{.metadata.name} {.spec.nodeName}')"
expect_eq "-o custom-columns" "NAME   IMAGE
web    registry.example.com/web:1" \
  "$(k get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image)"
expect_eq "-o name" "pod/web" "$(k get pods -o name)"
HEADER=$(k get pods -o wide | head -1)
for column in NAME READY STATUS RESTARTS AGE IP NODE; do
  expect_contains "-o wide has $column" "$column" "$HEADER"
done
expect_contains "-o wide shows the node" "node-a" "$(k get pods -o wide)"
expect_eq "default columns" "NAME READY STATUS RESTARTS AGE" \
  "$(k get pods | head -1 | tr -s ' ')"

# The default columns of other types, as a real cluster prints them.
cat >"$E2E_TMP/more.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: ClusterIP
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports: [{port: 80, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: registry.example.com/web:1}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {node-role.kubernetes.io/worker: ""}}
---
apiVersion: v1
kind: Event
metadata: {name: web.1}
involvedObject: {kind: Pod, name: web, namespace: default}
reason: Scheduled
type: Normal
message: assigned to node-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
YAML
k create -f "$E2E_TMP/more.yaml" >/dev/null
header() { k get "$@" | head -1 | tr -s ' '; }
expect_eq "service columns" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" "$(header svc)"
expect_contains "service cells" "10.96.0.10 <none> 80/TCP" "$(k get svc web --no-headers | tr -s ' ')"
expect_eq "service -o wide adds the selector" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR" \
  "$(header svc -o wide)"
expect_eq "deployment columns" "NAME READY UP-TO-DATE AVAILABLE AGE" "$(header deploy)"
expect_eq "deployment -o wide" "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR" \
  "$(header deploy -o wide)"
expect_eq "node columns" "NAME STATUS ROLES AGE VERSION" "$(header nodes)"
expect_contains "node roles" "worker" "$(k get node node-a --no-headers)"
expect_eq "event columns" "LAST SEEN TYPE REASON OBJECT MESSAGE" "$(header events)"
expect_contains "event object" "pod/web" "$(k get events --no-headers)"
expect_eq "cluster role columns" "NAME CREATED AT" "$(header clusterrole reader)"

# kubectl edit with an editor that rewrites the file.
cat >"$E2E_TMP/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/app: web/app: edited/' "$1"
SH
chmod +x "$E2E_TMP/editor.sh"
expect_eq "edit" "pod/web edited" "$(KUBE_EDITOR="$E2E_TMP/editor.sh" k edit pod web 2>&1)"
expect_eq "the edit is stored" "edited" "$(k get pod web -o jsonpath='{.metadata.labels.app}')"

# wait for a condition set through the status subresource.
k get pod web -o json | python3 -c '
import json, sys
pod = json.load(sys.stdin)
pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
print(json.dumps(pod))' >"$E2E_TMP/status.json"
k replace --raw /api/v1/namespaces/default/pods/web/status -f "$E2E_TMP/status.json" >/dev/null
expect_contains "wait --for=condition" "condition met" \
  "$(k wait --for=condition=Ready pod/web --timeout=20s 2>&1)"
expect_eq "status columns follow the status" "Running" \
  "$(k get pod web --no-headers | awk '{print $3}')"

# get -w sees a change made meanwhile.
k get pods -w >"$E2E_TMP/watch.out" 2>&1 &
WATCH=$!
wait_for 10 grep -q web "$E2E_TMP/watch.out"
k label pod web seen=yes >/dev/null
watch_saw_two() { test "$(grep -c web "$E2E_TMP/watch.out")" -ge 2; }
wait_for 10 watch_saw_two
kill $WATCH 2>/dev/null
expect_eq "get -w printed the object again after the change" "yes" \
  "$([ "$(grep -c '^web' "$E2E_TMP/watch.out")" -ge 2 ] && echo yes || cat "$E2E_TMP/watch.out")"

# PartialObjectMetadata, as metadata informers and the garbage collector ask.
python3 - "$KUBECONFIG" "$E2E_TMP" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, name in (("client-certificate-data", "admin.crt"), ("client-key-data", "admin.key")):
    open(sys.argv[2] + "/" + name, "wb").write(base64.b64decode(re.search(field + r": (\S+)", text).group(1)))
PY
PARTIAL=$(curl -s --cacert "$CARRIER_DATA/pki/ca.crt" --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" \
  -H 'Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' \
  "$SERVER/api/v1/namespaces/default/pods")
expect_eq "PartialObjectMetadataList" "PartialObjectMetadataList meta.k8s.io/v1 PartialObjectMetadata web False" \
  "$(echo "$PARTIAL" | python3 -c '
import json, sys
l = json.load(sys.stdin)
i = l["items"][0]
print(l["kind"], l["apiVersion"], i["kind"], i["metadata"]["name"], "spec" in i)')"

# delete waits until the object is gone; wait --for=delete returns at once for a gone object.
expect_eq "delete --wait" 'pod "web" deleted' "$(k delete pod web --wait=true 2>&1)"
expect_contains "gone" "NotFound" "$(k get pod web 2>&1)"
if k version --client -o json | grep -q '"minor": "20"'; then
  echo "skip: wait --for=delete of a missing object differs in kubectl 1.20"
else
  # A finalizer holds the deleted pod until the waiter is watching; removing it ends it.
  k create -f "$E2E_TMP/pod.yaml" >/dev/null
  k patch pod web --type=merge -p '{"metadata":{"finalizers":["example.carrier.io/hold"]}}' >/dev/null
  k delete pod web --wait=false >/dev/null
  expect_eq "a finalizer keeps the deleted object" "example.carrier.io/hold" \
    "$(k get pod web -o jsonpath='{.metadata.finalizers[0]}')"
  k wait --for=delete pod/web --timeout=20s >"$E2E_TMP/wait.out" 2>&1 &
  WAITER=$!
  k patch pod web --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
  wait $WAITER
  expect_eq "wait --for=delete returns once the object is gone" "0" "$?"
  expect_contains "the finalized object is gone" "NotFound" "$(k get pod web 2>&1)"
fi
finish
