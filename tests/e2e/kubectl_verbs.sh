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

# Discovery and the namespaces of root (every cluster's, and the operator's `hypershift`
# with the supported-versions ConfigMap).
expect_eq "default namespaces" "default hypershift kube-node-lease kube-public kube-system" \
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
expect_eq "chunked list" "7" "$(k get cm --chunk-size=2 -o name | grep -c '^configmap/cm[0-9]')"

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

# Server-side apply: field ownership in metadata.managedFields, conflicts and force.
KMINOR=$(k version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -1)
cat >"$E2E_TMP/ssa-cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa-cm
  labels: {app: ssa}
data:
  a: "1"
  b: "2"
YAML
expect_eq "server-side apply creates" "configmap/ssa-cm serverside-applied" \
  "$(k apply --server-side -f "$E2E_TMP/ssa-cm.yaml" 2>&1)"
RV1=$(k get cm ssa-cm -o jsonpath='{.metadata.resourceVersion}')
expect_eq "server-side apply again" "configmap/ssa-cm serverside-applied" \
  "$(k apply --server-side -f "$E2E_TMP/ssa-cm.yaml" 2>&1)"
expect_eq "applying the same file twice writes nothing" "$RV1" \
  "$(k get cm ssa-cm -o jsonpath='{.metadata.resourceVersion}')"
sed -i 's/b: "2"/c: "3"/' "$E2E_TMP/ssa-cm.yaml"
k apply --server-side -f "$E2E_TMP/ssa-cm.yaml" >/dev/null 2>&1
expect_eq "a changed file updates and drops the field it no longer applies" "1||3" \
  "$(k get cm ssa-cm -o jsonpath='{.data.a}|{.data.b}|{.data.c}')"
SHOW_MF=--show-managed-fields
[ "$KMINOR" = 20 ] && SHOW_MF=  # 1.20 always prints managedFields
MF=$(k get cm ssa-cm -o yaml $SHOW_MF 2>&1)
expect_contains "get -o yaml shows managedFields" "managedFields:" "$MF"
expect_contains "the apply entry" "operation: Apply" "$MF"
expect_contains "its fields" "f:c: {}" "$MF"
expect_contains "fieldsType" "fieldsType: FieldsV1" "$MF"

cat >"$E2E_TMP/ssa-deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: 2
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: c
        image: registry.example.com/busybox:1
YAML
expect_eq "server-side apply of a deployment" "deployment.apps/ssa serverside-applied" \
  "$(k apply --server-side -f "$E2E_TMP/ssa-deploy.yaml" 2>&1)"
k scale deployment ssa --replicas=5 >/dev/null 2>&1
expect_eq "scaled by another manager" "5" "$(k get deploy ssa -o jsonpath='{.spec.replicas}')"
CONFLICT=$(k apply --server-side -f "$E2E_TMP/ssa-deploy.yaml" 2>&1)
expect_contains "apply conflicts with the scaler" "Apply failed with 1 conflict" "$CONFLICT"
expect_contains "the conflicting field" ".spec.replicas" "$CONFLICT"
expect_eq "the conflict changed nothing" "5" "$(k get deploy ssa -o jsonpath='{.spec.replicas}')"
expect_eq "force-conflicts wins" "deployment.apps/ssa serverside-applied" \
  "$(k apply --server-side --force-conflicts -f "$E2E_TMP/ssa-deploy.yaml" 2>&1)"
expect_eq "the applied value is back" "2" "$(k get deploy ssa -o jsonpath='{.spec.replicas}')"
KUBE_EDITOR="sed -i s/busybox:1/busybox:2/" k edit deployment ssa >/dev/null 2>&1
expect_contains "an edit conflicts too" "conflict with \"kubectl-edit\"" \
  "$(k apply --server-side -f "$E2E_TMP/ssa-deploy.yaml" 2>&1)"

# Server-side apply of a custom resource: x-kubernetes-list-type map merges by its keys,
# other lists are atomic.
cat >"$E2E_TMP/gadget-crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.ssa.carrier.io
spec:
  group: ssa.carrier.io
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              rules:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [id]
                items:
                  type: object
                  required: [id]
                  properties:
                    id: {type: string}
                    weight: {type: integer}
              hosts:
                type: array
                items: {type: string}
YAML
k apply -f "$E2E_TMP/gadget-crd.yaml" >/dev/null 2>&1
k wait --for=condition=Established crd/gadgets.ssa.carrier.io --timeout=20s >/dev/null 2>&1
printf 'apiVersion: ssa.carrier.io/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  hosts: [a]\n  rules:\n  - {id: one, weight: 1}\n' \
  >"$E2E_TMP/gadget-a.yaml"
printf 'apiVersion: ssa.carrier.io/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  rules:\n  - {id: two, weight: 2}\n' \
  >"$E2E_TMP/gadget-b.yaml"
wait_for 20 k get gadgets
expect_eq "custom resource applied by a" "gadget.ssa.carrier.io/g serverside-applied" \
  "$(k apply --server-side --field-manager=a -f "$E2E_TMP/gadget-a.yaml" 2>&1)"
expect_eq "custom resource applied by b" "gadget.ssa.carrier.io/g serverside-applied" \
  "$(k apply --server-side --field-manager=b -f "$E2E_TMP/gadget-b.yaml" 2>&1)"
expect_eq "list-map elements of both managers" "one two" \
  "$(k get gadget g -o jsonpath='{.spec.rules[*].id}')"
printf 'apiVersion: ssa.carrier.io/v1\nkind: Gadget\nmetadata: {name: g}\nspec:\n  hosts: [b]\n' \
  >"$E2E_TMP/gadget-b2.yaml"
expect_contains "an atomic list owned by a conflicts" 'conflict with "a": .spec.hosts' \
  "$(k apply --server-side --field-manager=b -f "$E2E_TMP/gadget-b2.yaml" 2>&1)"
k apply --server-side --force-conflicts --field-manager=b -f "$E2E_TMP/gadget-b2.yaml" >/dev/null 2>&1
expect_eq "forced: b owns the hosts, and its rule went when it stopped applying it" "b one" \
  "$(k get gadget g -o jsonpath='{.spec.hosts[*]} {.spec.rules[*].id}')"

# YAML bodies and YAML answers (kubectl always sends JSON, so curl with the admin's cert).
k config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/admin.crt"
k config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/admin.key"
kcurl() { curl -sS --cacert "$CARRIER_DATA/pki/ca.crt" --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" "$@"; }
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\ndata:\n  flag: "yes"\n  num: "007"\n' \
  >"$E2E_TMP/yaml-cm.yaml"
expect_contains "create with a YAML body" '"name":"yaml-cm"' \
  "$(kcurl -H 'Content-Type: application/yaml' --data-binary @"$E2E_TMP/yaml-cm.yaml" \
    "$SERVER/api/v1/namespaces/default/configmaps")"
expect_eq "quoted YAML scalars stay strings" "yes 007" \
  "$(k get cm yaml-cm -o jsonpath='{.data.flag} {.data.num}')"
kcurl -H 'Accept: application/yaml' "$SERVER/api/v1/namespaces/default/configmaps/yaml-cm" \
  >"$E2E_TMP/got.yaml"
kcurl "$SERVER/api/v1/namespaces/default/configmaps/yaml-cm" >"$E2E_TMP/got.json"
expect_eq "a YAML answer reads back to the JSON one" "same" \
  "$(python3 -c 'import json,sys,yaml; a=yaml.safe_load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print("same" if a==b else "differs: %r %r" % (a, b))' \
    "$E2E_TMP/got.yaml" "$E2E_TMP/got.json" 2>&1)"
kcurl -H 'Accept: application/yaml' "$SERVER/api/v1/namespaces/default/configmaps" >"$E2E_TMP/list.yaml"
expect_contains "a YAML list" "kind: ConfigMapList" "$(cat "$E2E_TMP/list.yaml")"

# Logical clusters: separate storage, served under /clusters/<name>.
k create --raw /carrier/v1/clusters/tenant-a -f /dev/null >/dev/null 2>&1 ||
  echo '{}' | k create --raw /carrier/v1/clusters/tenant-a -f - >/dev/null
expect_eq "tenant is born with its namespaces" "default kube-node-lease kube-public kube-system" \
  "$(k --server "$SERVER/clusters/tenant-a" get ns -o jsonpath='{.items[*].metadata.name}')"
expect_eq "tenant does not see root's objects" "" \
  "$(k --server "$SERVER/clusters/tenant-a" get cm -o name | grep -v '^configmap/kube-root-ca.crt$')"
expect_contains "unknown cluster" 'logical cluster \"nobody\" not found' \
  "$(curl -sk --cacert "$CARRIER_DATA/pki/ca.crt" "$SERVER/clusters/nobody/healthz")"

# Authentication: anonymous only for health and version.
expect_eq "anonymous healthz" "ok" "$(curl -sk "$SERVER/healthz")"
expect_contains "anonymous list is refused" '"code":401' "$(curl -sk "$SERVER/api/v1/pods")"

finish
