#!/usr/bin/env bash
# Two `carrier serve` replicas sharing one etcd (and one PKI): both serve the API, only the
# one holding the Lease kube-system/carrier-controller-manager runs the controllers; when it
# dies without releasing the Lease, the other takes over after the lease duration and the
# controllers go on (a new namespace gets its default service account).
# Usage: replicas_on_etcd.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_etcd

CARRIER_NAME=a start_carrier "$CARRIER" --etcd-servers "$ETCD_ENDPOINT"
A_PID=$CARRIER_PID
mkdir -p "$E2E_TMP/b/pki"
cp "$E2E_TMP/a/pki/ca.crt" "$E2E_TMP/a/pki/ca.key" "$E2E_TMP/a/pki/sa.key" "$E2E_TMP/b/pki/"
CARRIER_NAME=b start_carrier "$CARRIER" --etcd-servers "$ETCD_ENDPOINT"
B_KUBECONFIG=$KUBECONFIG

wait_for 30 grep -q "leads kube-system/carrier-controller-manager" "$E2E_TMP/a.log"
expect_eq "the first replica leads" "1" "$(grep -c 'leads kube-system/carrier-controller-manager' "$E2E_TMP/a.log")"
expect_eq "the second does not" "0" "$(grep -c 'leads kube-system/carrier-controller-manager' "$E2E_TMP/b.log")"
holder=$(k --kubeconfig "$B_KUBECONFIG" -n kube-system get lease carrier-controller-manager \
  -o jsonpath='{.spec.holderIdentity}')
expect_contains "the Lease names the leader" "_" "$holder"

k --kubeconfig "$B_KUBECONFIG" create ns first >/dev/null
if wait_for 30 "$KUBECTL" --kubeconfig "$B_KUBECONFIG" -n first get sa default; then
  echo "ok: the leader's controllers serve writes made through the other replica"
else
  fail "no default service account in namespace first"
fi

kill -9 "$A_PID"
if wait_for 60 grep -q "leads kube-system/carrier-controller-manager" "$E2E_TMP/b.log"; then
  echo "ok: the second replica takes over"
else
  fail "the second replica never led: $(tail -5 "$E2E_TMP/b.log")"
fi
expect_eq "one transition recorded" "1" \
  "$(k --kubeconfig "$B_KUBECONFIG" -n kube-system get lease carrier-controller-manager -o jsonpath='{.spec.leaseTransitions}')"
k --kubeconfig "$B_KUBECONFIG" create ns second >/dev/null
if wait_for 30 "$KUBECTL" --kubeconfig "$B_KUBECONFIG" -n second get sa default; then
  echo "ok: the controllers run on the new leader"
else
  fail "no default service account in namespace second"
fi
finish
