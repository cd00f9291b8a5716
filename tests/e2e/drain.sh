#!/usr/bin/env bash
# Disruption and endpoints end to end: a Deployment of 3 under a PodDisruptionBudget
# (minAvailable 2) on simulated nodes (tests/e2e/kubelet_sim.sh plays the kubelet). The
# budget's status is what `kubectl get pdb` shows; evictions through pods/eviction are
# refused with 429 while the budget allows none, refused with 500 when two budgets cover a
# pod, and succeed otherwise (policy/v1 and policy/v1beta1 bodies); `kubectl drain` evicts
# a cordoned node's pods one at a time as the budget allows, so they move to the other
# node. Then a Service from `kubectl expose` gets Endpoints and EndpointSlices with the pod
# IPs, following a scale-up.
# Usage: drain.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
# The simulated nodes never heartbeat: keep the node lifecycle controller from marking them
# unreachable (and tainting them) while the suite runs.
start_carrier "$CARRIER" --node-monitor-grace-period 1h

node() {  # <name>
  cat <<YAML | k create -f - >/dev/null
apiVersion: v1
kind: Node
metadata: {name: $1, labels: {kubernetes.io/hostname: $1}}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
YAML
}
jp() { k get "$1" -o jsonpath="$2" 2>/dev/null; }
pdb_allows() {  # <pdb> <disruptionsAllowed> [observedGeneration]
  [ "$(jp "pdb/$1" '{.status.disruptionsAllowed}/{.status.observedGeneration}')" = "$2/${3:-1}" ]
}
pod_ips() { k get pods -l app=web -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | sort; }
evict() {  # <pod> <apiVersion>: POSTs an Eviction, prints the answer or the error
  printf '{"apiVersion":"%s","kind":"Eviction","metadata":{"name":"%s","namespace":"default"}}' \
    "$2" "$1" >"$E2E_TMP/eviction.json"
  k create --raw "/api/v1/namespaces/default/pods/$1/eviction" -f "$E2E_TMP/eviction.json" 2>&1
}

# Only node-a at first, so that all three pods start there.
node node-a
bash "$(dirname "$0")/kubelet_sim.sh" "$KUBECTL" "node-a|node-b" >"$E2E_TMP/kubelet.log" 2>&1 &
E2E_PIDS+=($!)
cat <<'YAML' | k apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: registry.example.com/web:1
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
YAML
expect_contains "rollout" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"

# --- the budget -------------------------------------------------------------------------
k create pdb web --selector=app=web --min-available=2 >/dev/null
wait_for 30 pdb_allows web 1
expect_eq "budget status" "3 2 3 1" \
  "$(jp pdb/web '{.status.expectedPods} {.status.desiredHealthy} {.status.currentHealthy} {.status.disruptionsAllowed}')"
expect_eq "DisruptionAllowed condition" "True SufficientPods" \
  "$(jp pdb/web '{.status.conditions[?(@.type=="DisruptionAllowed")].status} {.status.conditions[?(@.type=="DisruptionAllowed")].reason}')"
table=$(k get pdb web)
expect_contains "kubectl get pdb columns" "MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS" "$table"
expect_eq "kubectl get pdb row" "web 2 N/A 1" "$(echo "$table" | tail -1 | awk '{print $1, $2, $3, $4}')"
expect_contains "discovery lists pods/eviction (kubectl drain looks for it)" \
  '"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]' \
  "$(k get --raw /api/v1)"

# A budget that allows nothing: eviction is refused with 429 and the budget's cause.
k patch pdb web --type=merge -p '{"spec":{"minAvailable":3}}' >/dev/null
wait_for 30 pdb_allows web 0 2
expect_eq "InsufficientPods" "False InsufficientPods" \
  "$(jp pdb/web '{.status.conditions[?(@.type=="DisruptionAllowed")].status} {.status.conditions[?(@.type=="DisruptionAllowed")].reason}')"
victim=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
answer=$(evict "$victim" policy/v1)
expect_contains "eviction refused" "Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget." "$answer"
raw=$(k create --raw "/api/v1/namespaces/default/pods/$victim/eviction" -f "$E2E_TMP/eviction.json" -v=8 2>&1)
expect_contains "the 429 names the budget" "The disruption budget web needs 3 healthy pods and has 3 currently" "$raw"
expect_contains "as a DisruptionBudget cause" '"reason": "DisruptionBudget"' "$raw"
expect_eq "the pod is still there" "$victim" "$(jp "pod/$victim" '{.metadata.name}')"

# Bad evictions are Status errors.
expect_contains "unknown pod" 'Error from server (NotFound): pods "nope" not found' "$(evict nope policy/v1)"
echo '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}' >"$E2E_TMP/bad.json"
expect_contains "name mismatch" "Error from server (BadRequest): name in URL does not match name in Eviction object" \
  "$(k create --raw "/api/v1/namespaces/default/pods/$victim/eviction" -f "$E2E_TMP/bad.json" 2>&1)"
echo '[1,2' >"$E2E_TMP/bad.json"
expect_contains "not JSON" "Error from server (BadRequest)" \
  "$(k create --raw "/api/v1/namespaces/default/pods/$victim/eviction" -f "$E2E_TMP/bad.json" 2>&1)"
expect_contains "GET is not supported" "(MethodNotAllowed)" \
  "$(k get --raw "/api/v1/namespaces/default/pods/$victim/eviction" 2>&1)"

# A pod that is not running yet is deletable whatever the budget says.
cat <<'YAML' | k create -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: stuck, labels: {app: web}}
spec:
  nodeSelector: {nowhere: "true"}
  containers: [{name: c, image: registry.example.com/web:1}]
YAML
expect_contains "a pending pod is evicted regardless" '"status":"Success"' "$(evict stuck policy/v1)"
expect_eq "the pending pod is gone" "" "$(jp pod/stuck '{.metadata.name}')"

# Two budgets over one pod: Kubernetes does not support it.
k create pdb web-too --selector=app=web --max-unavailable=1 >/dev/null
expect_contains "two budgets" "Error from server (InternalError): Internal error occurred: This pod has more than one PodDisruptionBudget" \
  "$(evict "$victim" policy/v1)"
k delete pdb web-too >/dev/null

# A budget that allows one: the eviction (a policy/v1beta1 body) deletes the pod and records it.
k patch pdb web --type=merge -p '{"spec":{"minAvailable":2}}' >/dev/null
wait_for 30 pdb_allows web 1 3
expect_contains "eviction allowed" '"status":"Success"' "$(evict "$victim" policy/v1beta1)"
wait_for 10 sh -c "! \"$KUBECTL\" get pod $victim"
expect_eq "evicted pod gone" "" "$(jp "pod/$victim" '{.metadata.name}')"
expect_contains "the replacement rolls out" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"
wait_for 30 pdb_allows web 1 3
expect_eq "budget back to one" "3 1" "$(jp pdb/web '{.status.currentHealthy} {.status.disruptionsAllowed}')"

# --- drain ------------------------------------------------------------------------------
node node-b
expect_eq "all pods on node-a" "node-a" \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)"
k cordon node-a >/dev/null
expect_eq "cordoned" "true" "$(jp node/node-a '{.spec.unschedulable}')"
expect_contains "kubectl get nodes" "SchedulingDisabled" "$(k get node node-a)"
drained=$(k drain node-a --ignore-daemonsets --delete-emptydir-data --timeout=90s 2>&1)
echo "$drained"
expect_contains "drain completes" "node/node-a drained" "$drained"
expect_contains "drain waited for the budget" "Cannot evict pod as it would violate the pod's disruption budget." "$drained"
expect_contains "rollout after drain" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"
expect_eq "all pods moved to node-b" "node-b" \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)"
expect_eq "three pods" "3" "$(k get pods -l app=web --no-headers | wc -l | tr -d ' ')"
k uncordon node-a >/dev/null
expect_eq "uncordoned" "" "$(jp node/node-a '{.spec.unschedulable}')"

# --- endpoints --------------------------------------------------------------------------
k expose deployment web --port=80 --target-port=http >/dev/null
ips=$(pod_ips)
expect_eq "three distinct pod IPs" "3" "$(echo "$ips" | sort -u | grep -c .)"
endpoint_ips() { jp endpoints/web '{range .subsets[*].addresses[*]}{.ip}{"\n"}{end}' | sort; }
slice_ips() {
  k get endpointslices -l kubernetes.io/service-name=web \
    -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{"\n"}{end}' | sort
}
wait_for 30 sh -c "[ \"\$(\"$KUBECTL\" get endpoints web -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w)\" = 3 ]"
expect_eq "Endpoints list the pod IPs" "$ips" "$(endpoint_ips)"
expect_eq "at the named container port" "8080" "$(jp endpoints/web '{.subsets[0].ports[0].port}')"
table=$(k get endpoints web 2>/dev/null)
for ip in $ips; do expect_contains "kubectl get endpoints shows $ip" "$ip:8080" "$table"; done
expect_eq "EndpointSlices list the pod IPs" "$ips" "$(slice_ips)"
expect_eq "slice ownership and type" "Service/web IPv4 endpointslice-controller.k8s.io" \
  "$(k get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name} {.items[0].addressType} {.items[0].metadata.labels.endpointslice\.kubernetes\.io/managed-by}')"

k scale deployment web --replicas=4 >/dev/null
expect_contains "scaled" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"
wait_for 30 sh -c "[ \"\$(\"$KUBECTL\" get endpoints web -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w)\" = 4 ]"
expect_eq "Endpoints follow the scale-up" "$(pod_ips)" "$(endpoint_ips)"
wait_for 30 sh -c "[ \"\$(\"$KUBECTL\" get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[*].endpoints[*].addresses[0]}' | wc -w)\" = 4 ]"
expect_eq "EndpointSlices follow the scale-up" "$(pod_ips)" "$(slice_ips)"

k delete service web >/dev/null
wait_for 30 sh -c "! \"$KUBECTL\" get endpoints web"
expect_eq "Endpoints go with the Service" "" "$(jp endpoints/web '{.metadata.name}')"
wait_for 30 sh -c "[ -z \"\$(\"$KUBECTL\" get endpointslices -l kubernetes.io/service-name=web -o name)\" ]"
expect_eq "EndpointSlices go with the Service" "" "$(k get endpointslices -l kubernetes.io/service-name=web -o name)"

finish
