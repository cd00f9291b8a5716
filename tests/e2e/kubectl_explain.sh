#!/usr/bin/env bash
# OpenAPI documents and aggregated discovery through kubectl against a real `carrier serve`:
# `kubectl explain` of a built-in field and of a CRD kind (OpenAPI v2 for kubectl 1.20,
# v3 for 1.27+), `kubectl api-resources`, server-side dry run (kubectl 1.20 looks for the
# dryRun parameter in the v2 paths), client-side validation catching an unknown field, and
# aggregated discovery (one /apis document instead of one request per group version) for
# the kubectls that ask for it.
# Usage: kubectl_explain.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
MINOR=$("$KUBECTL" version --client -o json 2>/dev/null | grep '"minor"' | head -1 | tr -dc '0-9')

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

# Discovery: classic per group version for kubectl 1.20, aggregated for the newer ones.
discovery_log=$("$KUBECTL" --cache-dir "$E2E_TMP/fresh-cache" api-resources -v=8 2>&1)
if [ "$MINOR" -ge 27 ]; then
  expect_contains "aggregated discovery answered" \
    "Content-Type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" \
    "$discovery_log"
  if grep -q "GET $SERVER/apis/apps/v1" <<<"$discovery_log"; then
    fail "aggregated discovery: kubectl still fetched /apis/apps/v1"
  else
    echo "ok: no per-group-version discovery requests"
  fi
else
  expect_contains "classic discovery per group version" "GET $SERVER/apis/apps/v1" \
    "$discovery_log"
fi
expect_contains "api-resources lists deployments" "deployments" "$discovery_log"

# kubectl explain of built-in fields prints their descriptions.
explain=$(k explain pods.spec.containers 2>&1)
expect_contains "explain pods.spec.containers: kind" "Pod" "$explain"
expect_contains "explain pods.spec.containers: description" \
  "List of containers belonging to the pod" "$explain"
expect_contains "explain pods.spec.containers: subfield" "imagePullPolicy" "$explain"
expect_contains "explain deployment.spec.replicas" "Number of desired pods" \
  "$(k explain deployment.spec.replicas 2>&1)"

# A CRD's kind is explained from its schema.
cat >"$E2E_TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A schedule of commands to run.
        properties:
          spec:
            type: object
            description: What to run and when.
            properties:
              cronSpec: {type: string, description: The schedule in cron syntax.}
              image: {type: string, description: The image that runs the command.}
              replicas: {type: integer, description: How many copies run at once.}
YAML
expect_eq "CRD created" "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created" \
  "$(k create -f "$E2E_TMP/crd.yaml" 2>&1)"
k wait --for=condition=Established crd/crontabs.stable.example.com --timeout=20s >/dev/null 2>&1
explain_ok() { k explain crontabs.spec 2>&1 | grep -q "The schedule in cron syntax"; }
if wait_for 20 explain_ok; then
  echo "ok: explain crontabs.spec"
else
  fail "explain crontabs.spec: $(k explain crontabs.spec 2>&1)"
fi
expect_contains "explain crontabs: kind description" "A schedule of commands to run" \
  "$(k explain crontabs 2>&1)"
expect_contains "api-resources lists the CRD" "crontabs" "$(k api-resources 2>&1)"

# Server-side dry run, for a built-in kind and for the custom one.
cat >"$E2E_TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: dry}
spec:
  containers:
  - {name: c, image: busybox, ports: [{containerPort: 80}]}
YAML
expect_eq "server dry run of a pod" "pod/dry created (server dry run)" \
  "$(k apply --dry-run=server -f "$E2E_TMP/pod.yaml" 2>&1)"
cat >"$E2E_TMP/ct.yaml" <<'YAML'
apiVersion: stable.example.com/v1
kind: CronTab
metadata: {name: nightly}
spec: {cronSpec: "0 3 * * *", image: busybox, replicas: 1}
YAML
expect_eq "server dry run of a custom object" "crontab.stable.example.com/nightly created (server dry run)" \
  "$(k apply --dry-run=server -f "$E2E_TMP/ct.yaml" 2>&1)"
expect_contains "dry run stored nothing" 'pods "dry" not found' "$(k get pod dry 2>&1)"

# Client-side validation catches an unknown field (Carrier does not announce server-side
# field validation, so kubectl validates against the OpenAPI definitions itself).
sed 's/  - {name: c,/  - {bogusField: 1, name: c,/' "$E2E_TMP/pod.yaml" | sed 's/name: dry/name: bogus/' \
  >"$E2E_TMP/bogus.yaml"
expect_contains "create rejects an unknown field" 'unknown field "bogusField"' \
  "$(k create -f "$E2E_TMP/bogus.yaml" 2>&1)"
expect_contains "nothing was created" 'pods "bogus" not found' "$(k get pod bogus 2>&1)"
expect_eq "valid objects still create" "pod/web created" \
  "$(sed 's/name: dry/name: web/' "$E2E_TMP/pod.yaml" | k create -f - 2>&1)"
sed 's/replicas: 1}/replicas: 1, colour: red}/' "$E2E_TMP/ct.yaml" >"$E2E_TMP/ct-bogus.yaml"
expect_contains "create rejects an unknown field of a custom kind" 'unknown field "colour"' \
  "$(k create -f "$E2E_TMP/ct-bogus.yaml" 2>&1)"
expect_eq "custom objects still create" "crontab.stable.example.com/nightly created" \
  "$(k create -f "$E2E_TMP/ct.yaml" 2>&1)"

finish
