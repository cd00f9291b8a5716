#!/usr/bin/env bash
# Lifecycle of a hosted control plane with kubectl and openssl s_client:
#   renewal       with --hosted-certificate-validity 60s and --hosted-certificate-renew-before
#                 45s the API server's serving certificate and the admin client certificate
#                 are reissued from the hosted root CA before they expire; the new
#                 certificate is presented at the Route's SNI name and the refreshed admin
#                 kubeconfig works;
#   restart-date  setting hypershift.openshift.io/restart-date ends the hosted cluster's open
#                 watches (kubectl get -w returns) and nothing else; the HostedControlPlane
#                 records the value; the same value again restarts nothing;
#   pause         a paused HostedCluster is still served (its Route) after a restart;
#   bad flags     a renewal lead time not shorter than the validity is refused at start.
# Usage: hosted_lifecycle.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
source "$(dirname "$0")/hosted_lib.sh"

out=$("$CARRIER" serve --data-dir "$E2E_TMP/bad" --port 0 --hosted-certificate-validity 60s \
  --hosted-certificate-renew-before 60s 2>&1)
expect_eq "a renewal lead time as long as the validity is refused" 2 "$?"
expect_contains "and says why" "certificates must be renewed less than their validity before they expire" "$out"

start_carrier "$CARRIER" --hosted-certificate-validity 60s --hosted-certificate-renew-before 45s \
  --node-monitor-grace-period 1h
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
PORT=${SERVER##*:}
create_clusters_namespace
hosted_cluster life "      type: Route" | k apply -f - >/dev/null
k wait --for=condition=Available hostedcluster/life -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/life did not become Available: $(condition life Available)"
kubeconfig_of life
kl() { k --kubeconfig "$E2E_TMP/life.kubeconfig" "$@"; }
expect_contains "the hosted cluster answers" openshift-config "$(kl get ns -o name)"

# ---- Certificate renewal ----
serial_of() { openssl x509 -noout -serial -in "$1"; }
leaf_for "$PORT" api.life.example.com >"$E2E_TMP/leaf.1"
secret_cert() {  # <secret> → its tls.crt's serial
  k get secret "$1" -n clusters-life -o jsonpath='{.data.tls\.crt}' | base64 -d >"$E2E_TMP/$1.pem"
  serial_of "$E2E_TMP/$1.pem"
}
first_serving=$(secret_cert kas-server-crt)
first_admin=$(secret_cert system-admin-client)
expect_eq "the presented certificate is kas-server-crt" "$first_serving" "$(serial_of "$E2E_TMP/leaf.1")"
left=$(( $(date -d "$(openssl x509 -noout -enddate -in "$E2E_TMP/leaf.1" | cut -d= -f2)" +%s) - $(date +%s) ))
[ "$left" -le 60 ] && echo "ok: the serving certificate is valid ${left}s (--hosted-certificate-validity 60s)" ||
  fail "the serving certificate is valid ${left}s, not at most 60s"
# Due 15 s after issue; renewed by then (the controller requeues itself for it).
serving_renewed() { test "$(secret_cert kas-server-crt)" != "$first_serving"; }
admin_renewed() { test "$(secret_cert system-admin-client)" != "$first_admin"; }
wait_for 45 serving_renewed || fail "kas-server-crt was not renewed"
wait_for 45 admin_renewed || fail "system-admin-client was not renewed"
echo "ok: kas-server-crt and system-admin-client were renewed"
expect_eq "the renewed serving certificate is from the hosted root CA" yes \
  "$(verifies "$E2E_TMP/life.root-ca" "$E2E_TMP/kas-server-crt.pem")"
route_presents_current() {
  leaf_for "$PORT" api.life.example.com >"$E2E_TMP/leaf.now"
  test "$(serial_of "$E2E_TMP/leaf.now")" = "$(secret_cert kas-server-crt)"
}
wait_for 30 route_presents_current || fail "the Route does not present the renewed certificate"
echo "ok: the Route presents the renewed certificate"
kubeconfig_has_current_admin() {
  kubeconfig_of life
  test "$(serial_of "$E2E_TMP/life.crt")" = "$(secret_cert system-admin-client)"
}
wait_for 30 kubeconfig_has_current_admin ||
  fail "life-admin-kubeconfig does not carry the renewed admin certificate"
echo "ok: life-admin-kubeconfig carries the renewed admin certificate"
kubeconfig_of life
expect_contains "the refreshed kubeconfig works" openshift-config "$(kl get ns -o name)"

# ---- restart-date ----
kl create configmap probe --from-literal=a=1 >/dev/null || fail "creating a ConfigMap failed"
kl get configmap probe -w --request-timeout=0 >"$E2E_TMP/watch.out" 2>&1 &
WATCH=$!
sleep 2
kill -0 "$WATCH" 2>/dev/null || fail "the watch ended before the restart: $(cat "$E2E_TMP/watch.out")"
STAMP=$(date --iso-8601=seconds)
k annotate hc life -n clusters "hypershift.openshift.io/restart-date=$STAMP" >/dev/null ||
  fail "annotating restart-date failed"
watch_ended() { ! kill -0 "$WATCH" 2>/dev/null; }
wait_for 30 watch_ended || fail "the hosted cluster's watch did not end on restart-date"
echo "ok: restart-date ended the hosted cluster's open watch"
expect_eq "the HostedControlPlane records the restart" "$STAMP" \
  "$(k get hostedcontrolplane life -n clusters-life -o jsonpath='{.metadata.annotations.hypershift\.openshift\.io/restart-date}')"
wait_for 30 kl get configmap probe -o name >/dev/null || fail "the hosted cluster does not answer after the restart"
expect_eq "its objects are all there after the restart" 1 "$(kl get configmap probe -o jsonpath='{.data.a}')"
# The same value again (any other write to the HostedCluster) restarts nothing.
kl get configmap probe -w --request-timeout=0 >"$E2E_TMP/watch2.out" 2>&1 &
WATCH2=$!
k label hc life -n clusters touched=yes >/dev/null
sleep 3
kill -0 "$WATCH2" 2>/dev/null && echo "ok: an unchanged restart-date restarts nothing" ||
  fail "a write with the same restart-date ended the watch"
kill "$WATCH2" 2>/dev/null

# ---- A paused HostedCluster stays served across a restart ----
k patch hc life -n clusters --type merge -p '{"spec":{"pausedUntil":"true"}}' >/dev/null
paused() { condition life ReconciliationActive | grep -q '^False ReconciliationPaused'; }
wait_for 30 paused || fail "the HostedCluster did not pause: $(condition life ReconciliationActive)"
kubeconfig_of life
kill "$CARRIER_PID"
wait "$CARRIER_PID" 2>/dev/null
rm -f "$CARRIER_DATA/admin.kubeconfig"
start_carrier "$CARRIER" --hosted-certificate-validity 60s --hosted-certificate-renew-before 45s \
  --node-monitor-grace-period 1h
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
PORT=${SERVER##*:}
route_answers() {  # the Route on the new shared port, with the paused cluster's own credentials
  test "$(curl -s -o /dev/null -w '%{http_code}' --resolve "api.life.example.com:$PORT:127.0.0.1" \
    --cacert "$E2E_TMP/life.root-ca" --cert "$E2E_TMP/life.crt" --key "$E2E_TMP/life.key" \
    "https://api.life.example.com:$PORT/api/v1/namespaces")" = 200
}
wait_for 30 route_answers || fail "a paused HostedCluster is not served after a restart"
echo "ok: a paused HostedCluster is served after a restart"

finish
