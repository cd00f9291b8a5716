#!/usr/bin/env bash
# A hosted cluster on its own etcd, end to end: carrier on its embedded SQLite store, an
# external etcd 3.4 that requires TLS client certificates, and a HostedCluster with
# spec.etcd.managementType Unmanaged naming it and a Secret with etcd-client-ca.crt,
# etcd-client.crt and etcd-client.key. The cluster becomes Available; its admin kubeconfig
# lists namespaces, creates a ConfigMap and a Deployment (the cluster's controllers make its
# ReplicaSet) and watches; the objects are keys of the external etcd and none of carrier's
# SQLite store; after a restart of carrier they are still served; an etcd that is down turns
# EtcdAvailable and Available False and back; a client secret the etcd does not trust is a
# precise condition; changing managementType is refused; deleting the HostedCluster leaves no
# key in the external etcd.
# Usage: hosted_unmanaged_etcd.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
source "$(dirname "$0")/hosted_lib.sh"  # create_clusters_namespace, condition

# ---- The external etcd: a CA, a server certificate for 127.0.0.1, client certificates ----
PKI="$E2E_TMP/etcd-pki"
mkdir -p "$PKI"
new_ca() {  # <name>
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$PKI/$1.key" -out "$PKI/$1.crt" 2>/dev/null
}
new_cert() {  # <name> <ca> <extendedKeyUsage> [subjectAltName]
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
  { echo "extendedKeyUsage=$3"; [ -z "${4:-}" ] || echo "subjectAltName=$4"; } >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.crt" -CAkey "$PKI/$2.key" -CAcreateserial \
    -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
}
new_ca etcd-ca
new_cert etcd-server etcd-ca serverAuth "IP:127.0.0.1"
new_cert etcd-client etcd-ca clientAuth
new_ca stranger-ca
new_cert stranger-client stranger-ca clientAuth
[ -s "$PKI/etcd-client.crt" ] && [ -s "$PKI/stranger-client.crt" ] || { echo "openssl failed" >&2; exit 1; }

ETCD_PORT=$(free_port)
ETCD_PEER=$(free_port)
ETCD_URL="https://127.0.0.1:$ETCD_PORT"
start_tls_etcd() {  # (again: same data and ports)
  etcd --name unmanaged --data-dir "$E2E_TMP/etcd" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "unmanaged=http://127.0.0.1:$ETCD_PEER" \
    --cert-file "$PKI/etcd-server.crt" --key-file "$PKI/etcd-server.key" \
    --trusted-ca-file "$PKI/etcd-ca.crt" --client-cert-auth >>"$E2E_TMP/etcd.log" 2>&1 &
  ETCD_PID=$!
  E2E_PIDS+=($ETCD_PID)
  if ! wait_for 30 etcdctl_ endpoint health; then
    cat "$E2E_TMP/etcd.log" >&2
    echo "etcd did not start" >&2
    exit 1
  fi
}
etcdctl_() {
  ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --cacert "$PKI/etcd-ca.crt" \
    --cert "$PKI/etcd-client.crt" --key "$PKI/etcd-client.key" "$@"
}
etcd_keys() { etcdctl_ get --prefix / --keys-only | grep -v '^$'; }
start_tls_etcd
expect_eq "etcd refuses a client without a certificate" refused \
  "$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --cacert "$PKI/etcd-ca.crt" --dial-timeout 2s \
     --command-timeout 3s get / >/dev/null 2>&1 && echo served || echo refused)"

# ---- carrier on SQLite ----
start_carrier "$CARRIER" --node-monitor-grace-period 1h
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
PORT=${SERVER##*:}
# Keys of carrier's SQLite store (live ones) under a prefix.
sqlite_keys() {
  python3 - "$CARRIER_DATA/store.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute(
    "SELECT CAST(l.key AS TEXT) FROM latest l JOIN history h ON h.id = l.hid WHERE h.deleted = 0")
for (key,) in rows:
    if key.startswith(sys.argv[2]):
        print(key)
PY
}

create_clusters_namespace
etcd_secret() {  # <name> <client certificate name>
  k create secret generic "$1" -n clusters --from-file=etcd-client-ca.crt="$PKI/etcd-ca.crt" \
    --from-file=etcd-client.crt="$PKI/$2.crt" --from-file=etcd-client.key="$PKI/$2.key" >/dev/null
}
etcd_secret etcd-client etcd-client
etcd_secret stranger-etcd-client stranger-client
hosted_cluster() {  # <name> <client secret>
  cat <<YAML
apiVersion: hypershift.openshift.io/v1beta1
kind: HostedCluster
metadata:
  name: $1
  namespace: clusters
spec:
  release:
    image: quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64
  pullSecret:
    name: pull-secret
  platform:
    type: None
  etcd:
    managementType: Unmanaged
    unmanaged:
      endpoint: $ETCD_URL
      tls:
        clientSecret:
          name: $2
  services:
  - service: APIServer
    servicePublishingStrategy:
      type: LoadBalancer
YAML
}
hosted_cluster example etcd-client | k apply -f - >/dev/null || fail "kubectl apply of the HostedCluster failed"
k wait --for=condition=Available hostedcluster/example -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/example did not become Available: $(condition example Available)"
expect_eq "EtcdAvailable says where the objects are" \
  "True AsExpected: The hosted cluster's objects are kept in the external etcd at $ETCD_URL (spec.etcd.managementType Unmanaged)" \
  "$(condition example EtcdAvailable)"

# ---- The hosted cluster, with its admin kubeconfig ----
k get secret example-admin-kubeconfig -n clusters -o jsonpath='{.data.kubeconfig}' | base64 -d \
  >"$E2E_TMP/example.kubeconfig"
kh() { k --kubeconfig "$E2E_TMP/example.kubeconfig" "$@"; }
expect_eq "kubectl get ns in the hosted cluster" \
  "default kube-node-lease kube-public kube-system openshift-config openshift-config-managed" \
  "$(kh get ns -o jsonpath='{.items[*].metadata.name}')"
expect_eq "the ClusterVersion is the hosted cluster's" 4.17.0 \
  "$(kh get clusterversion version -o jsonpath='{.status.desired.version}')"
kh create configmap settings --from-literal=color=blue >/dev/null || fail "creating a ConfigMap failed"
kh create deployment web --image=registry.example.com/web:1 >/dev/null || fail "creating a Deployment failed"
replicaset_made() { test -n "$(kh get rs -l app=web -o name 2>/dev/null)"; }
wait_for 30 replicaset_made ||
  fail "the hosted cluster's controllers made no ReplicaSet for the Deployment"

# A watch sees a change.
kh get configmap settings -w -o jsonpath='{.data.color}{"\n"}' >"$E2E_TMP/watch.out" 2>&1 &
WATCH_PID=$!
E2E_PIDS+=($WATCH_PID)
wait_for 30 grep -q blue "$E2E_TMP/watch.out" || fail "the watch did not start: $(cat "$E2E_TMP/watch.out")"
kh patch configmap settings --type merge -p '{"data":{"color":"green"}}' >/dev/null
wait_for 30 grep -q green "$E2E_TMP/watch.out" || fail "the watch did not see the change"
kill "$WATCH_PID" 2>/dev/null

# The objects are in the external etcd, none in carrier's store (which keeps the record).
KEYS=$(etcd_keys)
expect_contains "the ConfigMap is a key of the external etcd" /clusters-example/core/configmaps/default/settings "$KEYS"
expect_contains "the Deployment is a key of the external etcd" /clusters-example/apps/deployments/default/web "$KEYS"
expect_contains "the hosted cluster's namespaces are in the external etcd" \
  /clusters-example/core/namespaces/openshift-config "$KEYS"
expect_eq "every external key is the hosted cluster's" "" "$(grep -v '^/clusters-example/' <<<"$KEYS")"
expect_eq "carrier's store holds none of the hosted cluster's objects" "" "$(sqlite_keys /clusters-example/)"
expect_eq "carrier's store keeps the cluster's record" /_carrier/clusters/clusters-example \
  "$(sqlite_keys /_carrier/clusters/clusters-example)"

# ---- A restart of carrier: the data is still served ----
kill "$CARRIER_PID"
wait "$CARRIER_PID" 2>/dev/null
rm -f "$CARRIER_DATA/admin.kubeconfig"
# On the same port, so that the hosted cluster's kubeconfig still names it.
"$CARRIER" serve --data-dir "$CARRIER_DATA" --port "$PORT" --node-monitor-grace-period 1h \
  >"$E2E_TMP/serve-again.log" 2>&1 &
CARRIER_PID=$!
E2E_PIDS+=($CARRIER_PID)
wait_for 30 test -s "$CARRIER_DATA/admin.kubeconfig" ||
  { cat "$E2E_TMP/serve-again.log" >&2; echo "carrier serve did not start again" >&2; exit 1; }
wait_for 30 kh get configmap settings || fail "the restarted carrier does not serve the hosted cluster"
expect_eq "the ConfigMap after a restart" green "$(kh get configmap settings -o jsonpath='{.data.color}')"
expect_eq "the Deployment after a restart" web "$(kh get deployment web -o jsonpath='{.metadata.name}')"

# ---- The etcd goes down and comes back ----
kill "$ETCD_PID"
wait "$ETCD_PID" 2>/dev/null
k annotate hc example -n clusters e2e/poke=1 --overwrite >/dev/null  # a reconcile
wait_for 60 condition_is example EtcdAvailable False ||
  fail "EtcdAvailable stayed $(condition example EtcdAvailable) with the etcd down"
expect_contains "EtcdAvailable says which etcd cannot be reached, and why" \
  "False EtcdUnavailable: the hosted cluster's objects cannot be kept in the external etcd at $ETCD_URL: etcd: no endpoint reachable within 5000 ms (127.0.0.1:$ETCD_PORT): Connection refused" \
  "$(condition example EtcdAvailable)"
expect_eq "Available follows" "False EtcdUnavailable" \
  "$(condition example Available | cut -d: -f1)"
start_tls_etcd
k annotate hc example -n clusters e2e/poke=2 --overwrite >/dev/null
wait_for 60 condition_is example Available True ||
  fail "Available did not come back with the etcd: $(condition example Available)"

# ---- A client secret the etcd does not trust ----
hosted_cluster stranger stranger-etcd-client | k apply -f - >/dev/null
wait_for 60 condition_is stranger EtcdAvailable False ||
  fail "an untrusted client certificate gave $(condition stranger EtcdAvailable)"
expect_contains "an untrusted client certificate is a precise condition" \
  "False EtcdUnavailable: the hosted cluster's objects cannot be kept in the external etcd at $ETCD_URL: etcd: no endpoint reachable within 5000 ms (127.0.0.1:$ETCD_PORT): the etcd rejected the client certificate (" \
  "$(condition stranger EtcdAvailable)"
expect_eq "no logical cluster without its storage" "" \
  "$(k get --raw /carrier/v1/clusters | grep -o clusters-stranger)"
k delete hc stranger -n clusters --timeout=60s >/dev/null || fail "deleting hostedcluster/stranger failed"

# ---- managementType is immutable ----
k patch hc example -n clusters --type merge -p '{"spec":{"etcd":{"managementType":"Managed","unmanaged":null}}}' \
  >/dev/null || fail "patching managementType failed"
wait_for 30 condition_is example ValidConfiguration False
expect_eq "a managementType change is refused" \
  "False InvalidConfiguration: spec.etcd.managementType is immutable: the hosted cluster was created with Unmanaged and its objects are kept in the external etcd at $ETCD_URL" \
  "$(condition example ValidConfiguration)"
hosted_cluster example etcd-client | k apply -f - >/dev/null
wait_for 30 condition_is example ValidConfiguration True ||
  fail "restoring managementType did not clear the condition"

# ---- Deletion leaves no key in the external etcd ----
k delete hc example -n clusters --timeout=60s >/dev/null || fail "kubectl delete hc example failed"
expect_eq "no HostedCluster" "" "$(k get hc example -n clusters -o name --ignore-not-found)"
expect_eq "no key left in the external etcd" "" "$(etcd_keys)"
expect_eq "no record left in carrier's store" "" "$(sqlite_keys /_carrier/clusters/clusters-example)"
expect_eq "the old kubeconfig reaches nothing" 1 "$(kh get ns >/dev/null 2>&1; echo $?)"

finish
