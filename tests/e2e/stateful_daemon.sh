#!/usr/bin/env bash
# StatefulSets, DaemonSets and the scheduler end to end, with kubectl on simulated nodes
# (tests/e2e/kubelet_sim.sh plays the kubelet): a StatefulSet comes up web-0, web-1, web-2
# in order with its PersistentVolumeClaims, scales down from the highest ordinal, rolls an
# image update and rolls it back; a DaemonSet puts one pod on every eligible node (a new
# node gets one, a tainted node does not) and rolls; pods whose host port is taken
# everywhere are reported FailedScheduling with Kubernetes' message.
# Usage: stateful_daemon.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
# The simulated nodes never heartbeat: keep the node lifecycle controller from marking them
# unreachable (and tainting them) while the suite runs.
start_carrier "$CARRIER" --node-monitor-grace-period 1h

node() {  # <name> [taints yaml]
  cat <<YAML | k create -f - >/dev/null
apiVersion: v1
kind: Node
metadata: {name: $1, labels: {kubernetes.io/hostname: $1}}
spec: {taints: ${2:-[]}}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
YAML
}
node node-a
node node-b
bash "$(dirname "$0")/kubelet_sim.sh" "$KUBECTL" "node-a|node-b|node-c|node-d" >"$E2E_TMP/kubelet.log" 2>&1 &
E2E_PIDS+=($!)

# Every change to the StatefulSet's pods, in the order the server sent them.
k get pods -l app=web -w --output-watch-events \
  -o jsonpath='{.type} {.object.metadata.name} {.object.status.conditions[?(@.type=="Ready")].status}{"\n"}' \
  >"$E2E_TMP/web-pods.log" 2>&1 &
E2E_PIDS+=($!)
# line_of <regex>: the first line of the pod log matching it (0 when none).
line_of() { grep -n -m1 -E "$1" "$E2E_TMP/web-pods.log" | cut -d: -f1 || true; }

cat >"$E2E_TMP/sts.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: registry.example.com/web:1
        volumeMounts: [{name: www, mountPath: /usr/share/web}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
k apply -f "$E2E_TMP/sts.yaml" >/dev/null
expect_contains "statefulset rollout status" "3 new pods have been updated" \
  "$(k rollout status sts/web --timeout=90s 2>&1)"
expect_eq "defaulted as Kubernetes does" "OrderedReady RollingUpdate 0" \
  "$(k get sts web -o jsonpath='{.spec.podManagementPolicy} {.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.partition}')"
expect_eq "pods web-0..2" "web-0 web-1 web-2" "$(k get pods -l app=web -o jsonpath='{.items[*].metadata.name}')"
expect_eq "a claim per pod from the template" \
  "persistentvolumeclaim/www-web-0 persistentvolumeclaim/www-web-1 persistentvolumeclaim/www-web-2" \
  "$(k get pvc -o name | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the pod mounts its claim" "www-web-1" \
  "$(k get pod web-1 -o jsonpath='{.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName}')"
expect_eq "stateful pod labels" "web-2 2" \
  "$(k get pod web-2 -o jsonpath='{.metadata.labels.statefulset\.kubernetes\.io/pod-name} {.metadata.labels.apps\.kubernetes\.io/pod-index}')"
expect_eq "the revision label names the update revision" \
  "$(k get sts web -o jsonpath='{.status.updateRevision}')" \
  "$(k get pod web-0 -o jsonpath='{.metadata.labels.controller-revision-hash}')"
ready0=$(line_of '^MODIFIED web-0 True')
added1=$(line_of '^ADDED web-1 ')
ready1=$(line_of '^MODIFIED web-1 True')
added2=$(line_of '^ADDED web-2 ')
if [ -n "$ready0" ] && [ -n "$added1" ] && [ -n "$ready1" ] && [ -n "$added2" ] &&
   [ "$ready0" -lt "$added1" ] && [ "$added1" -lt "$ready1" ] && [ "$ready1" -lt "$added2" ]; then
  echo "ok: each pod created after the previous one was Ready"
else
  fail "creation order: web-0 ready at $ready0, web-1 added at $added1, ready at $ready1, web-2 added at $added2"
fi

k scale sts web --replicas=1 >/dev/null
wait_for 60 sh -c "[ \"\$(\"$KUBECTL\" get pods -l app=web -o jsonpath='{.items[*].metadata.name}')\" = web-0 ]"
expect_eq "scaled down to web-0" "web-0" "$(k get pods -l app=web -o jsonpath='{.items[*].metadata.name}')"
gone2=$(line_of '^DELETED web-2 ')
gone1=$(line_of '^DELETED web-1 ')
if [ -n "$gone2" ] && [ -n "$gone1" ] && [ "$gone2" -lt "$gone1" ]; then
  echo "ok: web-2 removed before web-1"
else
  fail "scale-down order: web-2 deleted at line $gone2, web-1 at $gone1"
fi
expect_eq "claims are retained" "3" "$(k get pvc --no-headers | wc -l | tr -d ' ')"
k scale sts web --replicas=3 >/dev/null
expect_contains "scaled back up" "3 new pods have been updated" "$(k rollout status sts/web --timeout=90s 2>&1)"

first_revision=$(k get sts web -o jsonpath='{.status.updateRevision}')
k set image sts/web c=registry.example.com/web:2 >/dev/null
expect_contains "rolling update" "3 new pods have been updated" "$(k rollout status sts/web --timeout=120s 2>&1)"
wait_for 30 sh -c "[ \"\$(\"$KUBECTL\" get sts web -o jsonpath='{.status.currentRevision}')\" = \"\$(\"$KUBECTL\" get sts web -o jsonpath='{.status.updateRevision}')\" ]"
expect_eq "the new image on every pod" "registry.example.com/web:2" \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
expect_eq "current revision moved" "3 3" \
  "$(k get sts web -o jsonpath='{.status.currentReplicas} {.status.updatedReplicas}')"
# revisions <kind/name>: the REVISION column of `kubectl rollout history`.
revisions() { k rollout history "$1" 2>&1 | awk '$1 ~ /^[0-9]+$/ {print $1}' | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "statefulset history" "1 2" "$(revisions sts/web)"
k rollout undo sts/web >/dev/null
expect_contains "undo rolls" "3 new pods have been updated" "$(k rollout status sts/web --timeout=120s 2>&1)"
wait_for 60 sh -c "[ \"\$(\"$KUBECTL\" get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\n\"}{end}' | sort -u)\" = registry.example.com/web:1 ]"
expect_eq "back to the first image" "registry.example.com/web:1" \
  "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
expect_eq "the first revision is the update revision again" "$first_revision" \
  "$(k get sts web -o jsonpath='{.status.updateRevision}')"
expect_eq "and renumbered 3" "3" "$(k get controllerrevision "$first_revision" -o jsonpath='{.revision}')"
expect_eq "history after undo" "2 3" "$(revisions sts/web)"

# DaemonSet: one pod per node, each holding host port 9100.
cat >"$E2E_TMP/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: c
        image: registry.example.com/agent:1
        ports: [{containerPort: 9100, hostPort: 9100}]
YAML
k apply -f "$E2E_TMP/ds.yaml" >/dev/null
expect_contains "daemonset rollout status" 'daemon set "agent" successfully rolled out' \
  "$(k rollout status ds/agent --timeout=60s 2>&1)"
expect_eq "DESIRED 2" "2" "$(k get ds agent --no-headers | awk '{print $2}')"
expect_eq "one pod on each node" "node-a node-b" \
  "$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "pinned by node affinity" "metadata.name In" \
  "$(k get pods -l app=agent -o jsonpath='{.items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key} {.items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].operator}')"

# Host port 9100 is taken on both nodes.
cat <<'YAML' | k create -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: exporter}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 9100, hostPort: 9100}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: exporter-on-a}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-a]}]}]
  containers: [{name: c, image: i, ports: [{containerPort: 9100, hostPort: 9100}]}]
YAML
wait_for 20 sh -c "\"$KUBECTL\" get events --field-selector reason=FailedScheduling,involvedObject.name=exporter -o name | grep -q ."
expect_eq "ports taken everywhere" "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports." \
  "$(k get events --field-selector reason=FailedScheduling,involvedObject.name=exporter -o jsonpath='{.items[0].message}')"
wait_for 20 sh -c "\"$KUBECTL\" get events --field-selector reason=FailedScheduling,involvedObject.name=exporter-on-a -o name | grep -q ."
expect_eq "each node's reason counted" \
  "0/2 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match Pod's node affinity/selector." \
  "$(k get events --field-selector reason=FailedScheduling,involvedObject.name=exporter-on-a -o jsonpath='{.items[0].message}')"
expect_eq "and still pending" "Unschedulable" \
  "$(k get pod exporter -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}')"
k delete pod exporter exporter-on-a >/dev/null

# A tainted node gets no daemon pod; a new plain node gets one.
node node-d '[{key: dedicated, value: db, effect: NoSchedule}]'
node node-c
wait_for 30 sh -c "\"$KUBECTL\" get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}' | grep -q node-c"
expect_contains "the new node got a pod" "daemon set \"agent\" successfully rolled out" \
  "$(k rollout status ds/agent --timeout=60s 2>&1)"
expect_eq "one pod on each untainted node" "node-a node-b node-c" \
  "$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "DESIRED 3" "3" "$(k get ds agent --no-headers | awk '{print $2}')"

k set image ds/agent c=registry.example.com/agent:2 >/dev/null
expect_contains "daemonset rolling update" 'daemon set "agent" successfully rolled out' \
  "$(k rollout status ds/agent --timeout=120s 2>&1)"
expect_eq "the new image on every node" "registry.example.com/agent:2" \
  "$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
expect_eq "daemonset history" "1 2" "$(revisions ds/agent)"
k rollout undo ds/agent >/dev/null
wait_for 90 sh -c "[ \"\$(\"$KUBECTL\" get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\n\"}{end}' | sort -u)\" = registry.example.com/agent:1 ]"
expect_contains "daemonset undo" 'daemon set "agent" successfully rolled out' \
  "$(k rollout status ds/agent --timeout=60s 2>&1)"
expect_eq "back to the first image" "registry.example.com/agent:1 3" \
  "$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort | uniq -c | awk '{print $2, $1}')"

# A node that goes takes its daemon pod with it.
k delete node node-c >/dev/null
wait_for 30 sh -c "! \"$KUBECTL\" get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}' | grep -q node-c"
wait_for 30 sh -c "[ \"\$(\"$KUBECTL\" get ds agent -o jsonpath='{.status.desiredNumberScheduled}')\" = 2 ]"
expect_eq "its pod is gone" "node-a node-b" \
  "$(k get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "DESIRED back to 2" "2" "$(k get ds agent --no-headers | awk '{print $2}')"

if [ "$E2E_FAILURES" -ne 0 ]; then
  k get sts,ds,pods,controllerrevisions -o wide >&2
  cat "$E2E_TMP/web-pods.log" >&2
fi
finish
