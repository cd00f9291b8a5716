#!/usr/bin/env bash
# Node lifecycle end to end, with a 3 s node-monitor grace period and two nodes played by
# kubelet_sim.py: leases keep the nodes Ready; cordon/uncordon adds and removes the
# unschedulable taint and the scheduler places no new pod on a cordoned node; pods get
# DefaultTolerationSeconds' 300 s tolerations; when one node stops heartbeating it becomes
# Ready=Unknown (NotReady) with the unreachable taints, the Deployment's pods (tolerating
# unreachable for 5 s) are evicted and recreated on the healthy node while the 300 s pod
# stays; when the node comes back it is Ready and the taints are gone.
# Usage: node_lifecycle.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_carrier "$CARRIER" --node-monitor-grace-period 3s

SIM="$E2E_TMP/sim"
mkdir -p "$SIM"
/usr/bin/python3 "$(dirname "$0")/kubelet_sim.py" "$KUBECONFIG" "$SIM" node-a node-b \
  --lease-interval 1 >"$E2E_TMP/kubelet.log" 2>&1 &
E2E_PIDS+=($!)

ready_of() { k get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
taints_of() { k get node "$1" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect}{" "}{end}'; }
node_is() { [ "$(ready_of "$1")" = "$2" ]; }
heartbeat_older_than() {  # <node> <seconds>: the Ready heartbeat is that old (only the lease is fresh)
  local beat
  beat=$(k get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  [ -n "$beat" ] && [ $(($(date +%s) - $(date -d "$beat" +%s))) -gt "$2" ]
}

wait_for 30 node_is node-a True && wait_for 30 node_is node-b True
expect_eq "both nodes Ready" "node-a Ready node-b Ready" \
  "$(k get nodes --no-headers | awk '{print $1, $2}' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the node's lease" "node-a 40" \
  "$(k -n kube-node-lease get lease node-a -o jsonpath='{.spec.holderIdentity} {.spec.leaseDurationSeconds}')"
wait_for 30 heartbeat_older_than node-a 5
expect_eq "the lease alone keeps a node Ready past the grace period" "True" "$(ready_of node-a)"

# Cordon node-b: new pods all go to node-a.
k cordon node-b >/dev/null
wait_for 20 sh -c "\"$KUBECTL\" get node node-b -o jsonpath='{.spec.taints[*].key}' | grep -q unschedulable"
expect_eq "cordon taints the node" "node.kubernetes.io/unschedulable:NoSchedule" "$(taints_of node-b | sed 's/ $//')"
expect_contains "cordoned node shows it" "SchedulingDisabled" "$(k get node node-b --no-headers)"

cat <<'YAML' | k apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: registry.example.com/web:1}]
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
---
apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  nodeSelector: {kubernetes.io/hostname: node-a}
  containers: [{name: c, image: registry.example.com/steady:1}]
YAML
expect_contains "rollout" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"
wait_for 30 sh -c "\"$KUBECTL\" get pod steady -o jsonpath='{.status.phase}' | grep -q Running"
expect_eq "nothing was scheduled on the cordoned node" "node-a node-a node-a" \
  "$(k get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{" "}{end}' | sed 's/ $//')"
expect_eq "DefaultTolerationSeconds added 300 s tolerations" \
  "node.kubernetes.io/not-ready:NoExecute:Exists:300 node.kubernetes.io/unreachable:NoExecute:Exists:300" \
  "$(k get pod steady -o jsonpath='{range .spec.tolerations[*]}{.key}:{.effect}:{.operator}:{.tolerationSeconds}{" "}{end}' | sed 's/ $//')"
k uncordon node-b >/dev/null
wait_for 20 sh -c "[ -z \"\$(\"$KUBECTL\" get node node-b -o jsonpath='{.spec.taints}')\" ]"
expect_eq "uncordon removes the taint" "" "$(taints_of node-b)"
OLD_PODS=$(k get pods -l app=web -o jsonpath='{.items[*].metadata.name}')

# node-a goes silent.
touch "$SIM/stop-node-a"
wait_for 30 node_is node-a Unknown
expect_eq "the silent node is Unknown" "Unknown NodeStatusUnknown Kubelet stopped posting node status." \
  "$(k get node node-a -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.status.conditions[?(@.type=="Ready")].message}')"
expect_eq "memory pressure is Unknown too" "Unknown" \
  "$(k get node node-a -o jsonpath='{.status.conditions[?(@.type=="MemoryPressure")].status}')"
expect_contains "kubectl shows NotReady" "NotReady" "$(k get node node-a --no-headers)"
wait_for 10 sh -c "\"$KUBECTL\" get node node-a -o jsonpath='{.spec.taints[*].effect}' | grep -q NoExecute"
expect_eq "both unreachable taints" \
  "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute" \
  "$(taints_of node-a | sed 's/ $//')"
expect_eq "the NoExecute taint carries timeAdded" "1" \
  "$(k get node node-a -o jsonpath='{.spec.taints[?(@.effect=="NoExecute")].timeAdded}' | grep -c T)"

web_on_b() {
  [ "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}/{.status.phase} {end}')" = \
    "node-b/Running node-b/Running " ]
}
wait_for 60 web_on_b
expect_eq "evicted pods were recreated on the healthy node" "node-b/Running node-b/Running " \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}/{.status.phase} {end}')"
for p in $OLD_PODS; do
  expect_contains "pod $p was evicted" "NotFound" "$(k get pod "$p" 2>&1)"
done
expect_eq "the pod tolerating 300 s stays" "node-a" "$(k get pod steady -o jsonpath='{.spec.nodeName}')"
expect_contains "the deployment is available again" "successfully rolled out" \
  "$(k rollout status deployment/web --timeout=30s 2>&1)"

# node-a comes back.
rm "$SIM/stop-node-a"
wait_for 30 node_is node-a True
expect_contains "the node is Ready again" " Ready " "$(k get node node-a --no-headers)"
wait_for 20 sh -c "[ -z \"\$(\"$KUBECTL\" get node node-a -o jsonpath='{.spec.taints}')\" ]"
expect_eq "the unreachable taints are gone" "" "$(taints_of node-a)"
expect_eq "the 300 s pod is still there" "steady" "$(k get pod steady -o jsonpath='{.metadata.name}')"

finish
