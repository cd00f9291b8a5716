#!/usr/bin/env bash
# Events end to end: an Event written with kubectl is listed, then deleted by the store once
# the event TTL (`carrier serve --event-ttl`, one hour by default) has passed; other objects
# stay. Usage: events.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_carrier "$CARRIER" --event-ttl 3

cat <<'YAML' | k create -f - >/dev/null
apiVersion: v1
kind: Event
metadata: {name: demo.1, namespace: default}
involvedObject: {apiVersion: v1, kind: ConfigMap, name: demo, namespace: default}
reason: Demo
message: something happened
type: Normal
source: {component: e2e}
count: 1
YAML
k create configmap keep --from-literal=a=b >/dev/null
expect_eq "the event is listed" "Demo" "$(k get events -o jsonpath='{.items[0].reason}')"
expect_contains "kubectl get events prints it" "something happened" "$(k get events 2>&1)"
if wait_for 30 sh -c "[ -z \"\$(\"$KUBECTL\" get events -o name)\" ]"; then
  echo "ok: the event expired"
else
  fail "the event is still there after its TTL: $(k get events -o name)"
fi
expect_eq "other objects stay" "keep" "$(k get configmap keep -o jsonpath='{.metadata.name}')"
finish
