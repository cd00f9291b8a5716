#!/usr/bin/env bash
# The core controllers inside a real `carrier serve`: every namespace gets its `default`
# ServiceAccount and `kube-root-ca.crt` ConfigMap (and gets them back when deleted); deleting a
# namespace deletes everything in it, waits for finalizers with the conditions Kubernetes
# reports, then removes the namespace; the garbage collector follows ownerReferences with
# background, orphan and foreground propagation. The same holds in a logical cluster.
# Usage: controllers_core.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n' | k create -f - >/dev/null
wait_for 20 k -n team get sa default
expect_eq "default service account" "default" "$(k -n team get sa default -o jsonpath='{.metadata.name}')"
wait_for 20 k -n team get cm kube-root-ca.crt
expect_contains "root CA bundle" "BEGIN CERTIFICATE" \
  "$(k -n team get cm kube-root-ca.crt -o jsonpath='{.data.ca\.crt}')"
k -n team delete sa default >/dev/null
wait_for 20 k -n team get sa default
expect_eq "a deleted default service account comes back" "default" \
  "$(k -n team get sa default -o jsonpath='{.metadata.name}' 2>&1)"

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, namespace: team}\n' | k create -f - >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: team, finalizers: [example.carrier.io/hold]}\n' |
  k create -f - >/dev/null
k delete ns team --wait=false >/dev/null
wait_for 20 sh -c "\"$KUBECTL\" get ns team -o jsonpath='{.status.conditions[?(@.type==\"NamespaceFinalizersRemaining\")].status}' | grep -q True"
expect_eq "terminating" "Terminating" "$(k get ns team -o jsonpath='{.status.phase}')"
expect_contains "finalizers reported" "example.carrier.io/hold in 1 resource instances" \
  "$(k get ns team -o jsonpath='{.status.conditions[?(@.type=="NamespaceFinalizersRemaining")].message}')"
expect_contains "objects without finalizers are gone" "NotFound" "$(k -n team get cm plain 2>&1)"
expect_contains "no creates in a terminating namespace" "being terminated" \
  "$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: team}\n' | k create -f - 2>&1)"
k -n team patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
expect_eq "the namespace goes once its content is gone" "0" \
  "$(k wait --for=delete ns/team --timeout=30s >/dev/null 2>&1; echo $?)"
expect_contains "namespace gone" "NotFound" "$(k get ns team 2>&1)"

# The garbage collector: dependents of a deleted owner go (background), are kept without
# the reference (--cascade=orphan), or go first while the owner waits (--cascade=foreground).
owner_with_dependent() {  # <owner> <dependent> [blockOwnerDeletion]
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n' "$1" | k create -f - >/dev/null
  local uid
  uid=$(k get cm "$1" -o jsonpath='{.metadata.uid}')
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: %s, uid: %s, blockOwnerDeletion: %s}\n' \
    "$2" "$1" "$uid" "${3:-false}" | k create -f - >/dev/null
}
owner_with_dependent owner-bg dep-bg
k delete cm owner-bg >/dev/null
expect_eq "background: the dependent is collected" "0" \
  "$(k wait --for=delete cm/dep-bg --timeout=30s >/dev/null 2>&1; echo $?)"

owner_with_dependent owner-orphan dep-orphan
k delete cm owner-orphan --cascade=orphan >/dev/null
expect_eq "orphan: the owner goes" "0" \
  "$(k wait --for=delete cm/owner-orphan --timeout=30s >/dev/null 2>&1; echo $?)"
expect_eq "orphan: the dependent stays, without the reference" "dep-orphan " \
  "$(k get cm dep-orphan -o jsonpath='{.metadata.name} {.metadata.ownerReferences}')"

owner_with_dependent owner-fg dep-fg true
k patch cm dep-fg --type=merge -p '{"metadata":{"finalizers":["example.carrier.io/slow"]}}' >/dev/null
k delete cm owner-fg --cascade=foreground --wait=false >/dev/null
wait_for 20 sh -c "\"$KUBECTL\" get cm dep-fg -o jsonpath='{.metadata.deletionTimestamp}' | grep -q ."
expect_eq "foreground: the owner waits for its blocking dependent" "foregroundDeletion" \
  "$(k get cm owner-fg -o jsonpath='{.metadata.finalizers[0]}')"
k patch cm dep-fg --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
expect_eq "foreground: then both are gone" "0" \
  "$(k wait --for=delete cm/owner-fg --timeout=30s >/dev/null 2>&1; echo $?)"
expect_contains "foreground: the dependent is gone" "NotFound" "$(k get cm dep-fg 2>&1)"

# Logical clusters run the same controllers.
echo '{}' | k create --raw /carrier/v1/clusters/tenant-c -f - >/dev/null
kc() { k --server "$SERVER/clusters/tenant-c" "$@"; }
wait_for 20 kc -n default get sa default
expect_eq "a new cluster's namespaces have their service account" "default" \
  "$(kc -n kube-system get sa default -o jsonpath='{.metadata.name}' 2>&1)"

# Queue depth and reconcile latency, in root's /metrics only.
metrics=$(k get --raw /metrics)
expect_contains "queue depth" 'workqueue_depth{name="controllers"}' "$metrics"
expect_contains "queue adds" 'workqueue_adds_total{name="controllers"}' "$metrics"
namespace_reconciles=$(echo "$metrics" |
  sed -n 's/^carrier_controller_reconcile_duration_seconds_count{controller="namespace"} //p')
if [ "${namespace_reconciles:-0}" -gt 0 ]; then
  echo "ok: reconcile latency of the namespace controller ($namespace_reconciles reconciles)"
else
  fail "no namespace controller reconciles in /metrics"
fi
expect_contains "a tenant does not see the process's metrics" "NotFound" "$(k get --raw /clusters/tenant-c/metrics 2>&1)"
finish
