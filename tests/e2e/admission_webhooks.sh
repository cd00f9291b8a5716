#!/usr/bin/env bash
# Dynamic admission end to end: an HTTPS webhook started here with its own CA denies objects
# labelled deny=true and labels the others mutated=yes; failurePolicy Fail and Ignore when
# the webhook is down and when it answers after the timeout; built-in admission messages.
# Usage: admission_webhooks.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
# Generator objects go through `create -f` (JSON; kubectl 1.32+ would send protobuf).
gen() { k create "$@" --dry-run=client -o yaml | k create -f - 2>&1; }

start_carrier "$CARRIER"

# The webhook's own CA and serving certificate (for 127.0.0.1).
W="$E2E_TMP/webhook"
mkdir -p "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/ca.key" -out "$W/ca.crt" -days 1 \
  -subj "/CN=webhook-test-ca" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$W/tls.key" -out "$W/tls.csr" \
  -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:hook.default.svc\n' >"$W/ext.cnf"
openssl x509 -req -in "$W/tls.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" -CAcreateserial -days 1 \
  -extfile "$W/ext.cnf" -out "$W/tls.crt" 2>/dev/null
CA_BUNDLE=$(base64 -w0 <"$W/ca.crt")

python3 "$(dirname "$0")/webhook_server.py" "$W/tls.crt" "$W/tls.key" "$W/port" \
  2>"$E2E_TMP/webhook.log" &
E2E_PIDS+=($!)
wait_for 20 test -s "$W/port" || { echo "webhook server did not start" >&2; exit 1; }
PORT=$(cat "$W/port")
# A port nothing listens on: bind one, note it, close it.
DOWN_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# One webhook per test case, each selecting objects by the label test=<case>.
hook() {  # hook <name> <path> <port> <failurePolicy> <timeoutSeconds> <case> [sideEffects]
  cat <<YAML
  - name: $1
    clientConfig:
      url: https://127.0.0.1:$3$2
      caBundle: $CA_BUNDLE
    rules:
    - operations: ["CREATE", "UPDATE"]
      apiGroups: [""]
      apiVersions: ["v1"]
      resources: ["configmaps"]
      scope: Namespaced
    objectSelector:
      matchLabels: {test: $6}
    failurePolicy: $4
    timeoutSeconds: $5
    sideEffects: ${7:-None}
    admissionReviewVersions: ["v1"]
YAML
}
{
  echo "apiVersion: admissionregistration.k8s.io/v1"
  echo "kind: MutatingWebhookConfiguration"
  echo "metadata: {name: test-mutating}"
  echo "webhooks:"
  hook label.carrier.test /mutate "$PORT" Fail 10 main
  hook count.carrier.test /count "$PORT" Fail 10 reinvoke
  echo "    reinvocationPolicy: IfNeeded"
  hook second.carrier.test /second "$PORT" Fail 10 reinvoke
  hook count-once.carrier.test /count "$PORT" Fail 10 once
  hook second-once.carrier.test /second "$PORT" Fail 10 once
} >"$E2E_TMP/mutating.yaml"
{
  echo "apiVersion: admissionregistration.k8s.io/v1"
  echo "kind: ValidatingWebhookConfiguration"
  echo "metadata: {name: test-validating}"
  echo "webhooks:"
  hook deny.carrier.test /validate "$PORT" Fail 10 main
  hook down-fail.carrier.test /validate "$DOWN_PORT" Fail 10 down-fail
  hook down-ignore.carrier.test /validate "$DOWN_PORT" Ignore 10 down-ignore
  hook slow-fail.carrier.test /slow "$PORT" Fail 1 slow-fail
  hook slow-ignore.carrier.test /slow "$PORT" Ignore 1 slow-ignore
  hook side-effects.carrier.test /validate "$PORT" Fail 10 side Some
  hook namespaced.carrier.test /validate "$PORT" Fail 10 ns
  printf '    namespaceSelector:\n      matchLabels: {hooked: "yes"}\n'
  # Through a Service of the cluster: its Endpoints say where, the name is verified.
  hook service.carrier.test /validate "$PORT" Fail 10 service |
    sed "s#url: https://127.0.0.1:$PORT/validate#service: {namespace: default, name: hook, port: $PORT, path: /validate}#"
} >"$E2E_TMP/validating.yaml"
cat >"$E2E_TMP/service.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: hook}
spec:
  ports: [{port: $PORT}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: hook}
subsets:
- addresses: [{ip: 127.0.0.1}]
  ports: [{port: $PORT}]
YAML
k create -f "$E2E_TMP/service.yaml" >/dev/null
expect_contains "mutating webhook configuration" "created" "$(k create -f "$E2E_TMP/mutating.yaml" 2>&1)"
expect_contains "validating webhook configuration" "created" "$(k create -f "$E2E_TMP/validating.yaml" 2>&1)"

cm_yaml() {  # cm_yaml <name> <labels...>: writes $E2E_TMP/<name>.yaml
  local name=$1
  shift
  {
    echo "apiVersion: v1"
    echo "kind: ConfigMap"
    echo "metadata:"
    echo "  name: $name"
    echo "  labels:"
    for l in "$@"; do echo "    ${l%%=*}: \"${l#*=}\""; done
  } >"$E2E_TMP/$name.yaml"
}
cm() {  # cm <name> <labels...>: creates a configmap with the labels, prints kubectl's output
  cm_yaml "$@"
  k create -f "$E2E_TMP/$1.yaml" 2>&1
}

# Denied with the webhook's message; others are mutated, with the webhook's warning.
expect_contains "denied by the webhook" \
  'admission webhook "deny.carrier.test" denied the request: label deny=true is not allowed' \
  "$(cm denied test=main deny=true)"
expect_contains "denied object was not stored" "NotFound" "$(k get cm denied 2>&1)"
OUT=$(cm accepted test=main)
expect_contains "accepted" "configmap/accepted created" "$OUT"
expect_contains "webhook warning reaches kubectl" "Warning: checked by the test webhook" "$OUT"
expect_eq "mutated by the webhook" "yes" "$(k get cm accepted -o jsonpath='{.metadata.labels.mutated}')"
expect_eq "unselected objects are left alone" "" \
  "$(cm plain test=other >/dev/null; k get cm plain -o jsonpath='{.metadata.labels.mutated}')"
expect_contains "updates are admitted too" 'denied the request' \
  "$(k label cm accepted deny=true 2>&1)"

# Dry run: webhooks with side effects refuse it; side-effect-free ones run (and mutate).
cm_yaml side test=side
cm_yaml dry test=main
expect_contains "dry run is refused by a webhook with side effects" \
  'admission webhook "side-effects.carrier.test" does not support dry run' \
  "$(k create -f "$E2E_TMP/side.yaml" --dry-run=server 2>&1)"
expect_contains "dry run through side-effect-free webhooks" "mutated: \"yes\"" \
  "$(k create -f "$E2E_TMP/dry.yaml" --dry-run=server -o yaml 2>&1)"
expect_contains "dry run stored nothing" "NotFound" "$(k get cm dry 2>&1)"

# reinvocationPolicy IfNeeded: called again after a later webhook changed the object.
cm again test=reinvoke >/dev/null
expect_eq "IfNeeded webhook was reinvoked" "2" "$(k get cm again -o jsonpath='{.metadata.labels.calls}')"
cm once test=once >/dev/null
expect_eq "Never: called once" "1" "$(k get cm once -o jsonpath='{.metadata.labels.calls}')"

# namespaceSelector: only namespaces labelled hooked=yes.
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: hooked\n  labels: {hooked: "yes"}\n' |
  k create -f - >/dev/null
cm_yaml in-hooked test=ns deny=true
expect_contains "namespaceSelector matches" 'admission webhook "namespaced.carrier.test" denied' \
  "$(k create -n hooked -f "$E2E_TMP/in-hooked.yaml" 2>&1)"
expect_contains "namespaceSelector does not match" "configmap/in-default created" \
  "$(cm in-default test=ns deny=true)"

# A webhook reached through a Service.
expect_contains "service webhook denies" \
  'admission webhook "service.carrier.test" denied the request: label deny=true is not allowed' \
  "$(cm via-service test=service deny=true)"
expect_contains "service webhook allows" "configmap/via-service2 created" "$(cm via-service2 test=service)"

# The webhook is down.
expect_contains "down, failurePolicy Fail" 'failed calling webhook "down-fail.carrier.test"' \
  "$(cm down1 test=down-fail)"
expect_contains "down, failurePolicy Ignore" "configmap/down2 created" "$(cm down2 test=down-ignore)"

# The webhook answers "allowed" after 3 s; timeoutSeconds is 1, so Fail refuses (had the
# server waited for the answer, the object would have been created).
expect_contains "slow, failurePolicy Fail" 'failed calling webhook "slow-fail.carrier.test"' \
  "$(cm slow1 test=slow-fail)"
expect_contains "slow, failurePolicy Ignore" "configmap/slow2 created" "$(cm slow2 test=slow-ignore)"
expect_contains "slow objects: only the ignored one exists" "slow2" "$(k get cm -o name | grep slow)"

# Built-in admission through kubectl.
expect_contains "no creates in a missing namespace" 'namespaces "nowhere" not found' \
  "$(gen configmap x -n nowhere)"
expect_contains "kube-system cannot be deleted" \
  'namespaces "kube-system" is forbidden: this namespace may not be deleted' \
  "$(k delete namespace kube-system 2>&1)"
cat >"$E2E_TMP/quota.yaml" <<'YAML'
apiVersion: v1
kind: ResourceQuota
metadata: {name: small}
spec:
  hard: {count/secrets: "1"}
YAML
k create -f "$E2E_TMP/quota.yaml" >/dev/null
gen secret generic s1 --from-literal=a=b >/dev/null
expect_contains "quota exceeded" \
  'secrets "s2" is forbidden: exceeded quota: small, requested: count/secrets=1, used: count/secrets=1, limited: count/secrets=1' \
  "$(gen secret generic s2 --from-literal=a=b)"
expect_eq "quota status.used is kept current" "1" \
  "$(k get resourcequota small -o jsonpath='{.status.used.count/secrets}')"
cat >"$E2E_TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: registry.example.com/busybox:1}]
YAML
k create -f "$E2E_TMP/pod.yaml" >/dev/null
expect_eq "pods get the default service account" "default" \
  "$(k get pod p -o jsonpath='{.spec.serviceAccountName}')"

finish
