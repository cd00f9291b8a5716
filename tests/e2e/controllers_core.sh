#!/usr/bin/env bash
# The core controllers inside a real `carrier serve`: every namespace gets its `default`
# ServiceAccount and `kube-root-ca.crt` ConfigMap (and gets them back when deleted); deleting a
# namespace deletes everything in it, waits for finalizers with the conditions Kubernetes
# reports, then removes the namespace. The same holds in a logical cluster.
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

# Logical clusters run the same controllers.
echo '{}' | k create --raw /carrier/v1/clusters/tenant-c -f - >/dev/null
kc() { k --server "$SERVER/clusters/tenant-c" "$@"; }
wait_for 20 kc -n default get sa default
expect_eq "a new cluster's namespaces have their service account" "default" \
  "$(kc -n kube-system get sa default -o jsonpath='{.metadata.name}' 2>&1)"
finish
