#!/usr/bin/env bash
# Workloads end to end: a Deployment rolls out through its ReplicaSets onto simulated nodes
# (the scheduler binds the pods, tests/e2e/kubelet_sim.sh plays the kubelet), then is
# scaled, updated with a rolling update, rolled back, paused and resumed; deleting it
# collects its ReplicaSets and pods. Pods that fit nowhere are reported unschedulable.
# Usage: workloads.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_carrier "$CARRIER"

for n in node-a node-b; do
  cat <<YAML | k create -f - >/dev/null
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
YAML
done
bash "$(dirname "$0")/kubelet_sim.sh" "$KUBECTL" "node-a|node-b" >"$E2E_TMP/kubelet.log" 2>&1 &
E2E_PIDS+=($!)

cat >"$E2E_TMP/deploy.yaml" <<'YAML'
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
        resources: {requests: {cpu: 100m, memory: 64Mi}}
YAML
k apply -f "$E2E_TMP/deploy.yaml" >/dev/null
expect_contains "rollout status" "successfully rolled out" \
  "$(k rollout status deployment/web --timeout=60s 2>&1)"
expect_eq "three ready pods" "3/3" "$(k get deploy web -o jsonpath='{.status.readyReplicas}/{.spec.replicas}')"
expect_eq "every pod is bound to a node" "" \
  "$(k get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -v '^node-[ab]$')"
expect_contains "the scheduler recorded it" "Successfully assigned default/web-" \
  "$(k get events --field-selector reason=Scheduled -o jsonpath='{.items[0].message}')"
expect_eq "one ReplicaSet owned by the Deployment" "Deployment/web" \
  "$(k get rs -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name}')"

k scale deployment web --replicas=5 >/dev/null
expect_contains "scaled rollout" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"
expect_eq "five pods" "5" "$(k get pods -l app=web --no-headers | wc -l | tr -d ' ')"

k set image deployment/web c=registry.example.com/web:2 >/dev/null
expect_contains "rolling update" "successfully rolled out" "$(k rollout status deployment/web --timeout=90s 2>&1)"
expect_eq "the new image everywhere" "registry.example.com/web:2" \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
expect_eq "two ReplicaSets, the old one empty" "0 5" \
  "$(k get rs -o jsonpath='{range .items[*]}{.spec.replicas}{" "}{end}' | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ' | sed 's/ $//')"
expect_contains "history" "2" "$(k rollout history deployment/web 2>&1)"

k rollout undo deployment/web >/dev/null
expect_contains "undo" "successfully rolled out" "$(k rollout status deployment/web --timeout=90s 2>&1)"
expect_eq "back to the first image" "registry.example.com/web:1" \
  "$(k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')"
expect_eq "revision moved on" "3" "$(k get deploy web -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"

k rollout pause deployment/web >/dev/null
wait_for 20 sh -c "\"$KUBECTL\" get deploy web -o jsonpath='{.status.conditions[?(@.type==\"Progressing\")].reason}' | grep -q DeploymentPaused"
expect_eq "paused" "DeploymentPaused" \
  "$(k get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}')"
k rollout resume deployment/web >/dev/null
expect_contains "resumed" "successfully rolled out" "$(k rollout status deployment/web --timeout=60s 2>&1)"

# A pod that fits nowhere.
cat <<'YAML' | k create -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec: {containers: [{name: c, image: i, resources: {requests: {cpu: "64"}}}]}
YAML
wait_for 20 sh -c "\"$KUBECTL\" get pod huge -o jsonpath='{.status.conditions[0].reason}' | grep -q Unschedulable"
expect_contains "unschedulable" "0/2 nodes are available: 2 Insufficient cpu." \
  "$(k get pod huge -o jsonpath='{.status.conditions[0].message}')"

# The imperative commands.
k create deployment hello --image=registry.example.com/hello:1 --replicas=3 >/dev/null
expect_contains "create deployment --replicas=3" "successfully rolled out" \
  "$(k rollout status deployment/hello --timeout=60s 2>&1)"
expect_eq "three pods of hello" "3" "$(k get deploy hello -o jsonpath='{.status.availableReplicas}')"
k rollout restart deployment/hello >/dev/null
expect_contains "rollout restart" "successfully rolled out" \
  "$(k rollout status deployment/hello --timeout=90s 2>&1)"
expect_eq "restart made a second ReplicaSet" "2" "$(k get rs -l app=hello --no-headers | wc -l | tr -d ' ')"
expect_eq "the restarted pods carry the annotation" "3" \
  "$(k get pods -l app=hello -o jsonpath='{range .items[*]}{.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}{"\n"}{end}' | grep -c .)"
k delete deployment hello >/dev/null

k delete deployment web >/dev/null
expect_eq "the ReplicaSets are collected" "0" \
  "$(k wait --for=delete rs -l app=web --timeout=30s >/dev/null 2>&1; echo $?)"
wait_for 30 sh -c "[ \$(\"$KUBECTL\" get pods -l app=web --no-headers 2>/dev/null | wc -l) -eq 0 ]"
expect_eq "and their pods" "0" "$(k get pods -l app=web --no-headers 2>/dev/null | wc -l | tr -d ' ')"
if [ "$E2E_FAILURES" -ne 0 ]; then
  k get deploy,rs,pods -o wide >&2
  k get rs -o jsonpath='{range .items[*]}{.metadata.name} spec={.spec.replicas} status={.status}{"\n"}{end}' >&2
fi
finish
