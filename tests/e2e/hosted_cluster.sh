#!/usr/bin/env bash
# Hosted clusters end to end with kubectl: a HostedCluster (platform None) and its pull
# secret written as in the OpenShift documents become Available; `kubectl get hc` prints
# OpenShift's columns; the admin kubeconfig from <name>-admin-kubeconfig reaches the hosted
# cluster (namespaces, ClusterVersion, a Deployment) and is refused (401) by another hosted
# cluster and by root; invalid HostedClusters report the precise condition; pausedUntil
# pauses and resumes; deletion leaves no stored key, namespace or secret behind; the hcp
# CLI's create cluster --wait, create kubeconfig and destroy cluster work against it.
# Usage: hosted_cluster.sh <carrier binary> <kubectl binary> <hcp binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
HCP=$3
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
[ -x "$HCP" ] || { echo "hcp not found at $HCP" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

# The simulated nodes never heartbeat: keep the node lifecycle controller from marking them
# unreachable (and tainting them) while the suite runs.
# The HostedClusters publish their API servers through NodePort: twenty loopback ports that
# are free now are the node port range.
source "$(dirname "$0")/hosted_lib.sh"  # free_port_range, condition_is
BASE=$(free_port_range 20)
start_carrier "$CARRIER" --node-monitor-grace-period 1h --service-node-port-range "$BASE-$((BASE + 19))"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
CA="$CARRIER_DATA/pki/ca.crt"

# The operator's supported-versions ConfigMap.
expect_contains "supported-versions lists 4.17" '"4.17"' \
  "$(k get configmap supported-versions -n hypershift -o jsonpath='{.data.supported-versions}')"

# A HostedCluster for platform None and its pull secret, as the OpenShift documents write them.
hosted_cluster() {  # <name> [extra spec YAML, indented by two spaces]
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
    name: ${PULL_SECRET:-pull-secret}
  sshKey:
    name: ssh-key
  networking:
    clusterNetwork:
    - cidr: ${CLUSTER_CIDR:-10.132.0.0/14}
    serviceNetwork:
    - cidr: ${SERVICE_CIDR:-172.31.0.0/16}
    networkType: OVNKubernetes
  platform:
    type: ${PLATFORM:-None}
  dns:
    baseDomain: example.com
  services:
  - service: APIServer
    servicePublishingStrategy:
      type: NodePort
      nodePort:
        address: api.$1.example.com
  - service: OAuthServer
    servicePublishingStrategy:
      type: Route
  - service: Konnectivity
    servicePublishingStrategy:
      type: Route
  - service: Ignition
    servicePublishingStrategy:
      type: Route
  etcd:
    managementType: Managed
    managed:
      storage:
        type: PersistentVolume
        persistentVolume:
          size: 8Gi
  controllerAvailabilityPolicy: SingleReplica
  infrastructureAvailabilityPolicy: SingleReplica
  infraID: $1
  olmCatalogPlacement: management
YAML
}
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: clusters
---
apiVersion: v1
kind: Secret
metadata:
  name: pull-secret
  namespace: clusters
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJxdWF5LmlvIjp7ImF1dGgiOiJkWE5sY2pwd1lYTnoifX19
YAML
hosted_cluster example | k apply -f - >/dev/null || fail "kubectl apply of the HostedCluster failed"

k wait --for=condition=Available hostedcluster/example -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/example did not become Available"
progress() { k get hc "$1" -n clusters -o jsonpath='{.status.version.history[0].state}'; }
release_completed() { test "$(progress example)" = Completed; }
wait_for 30 release_completed || fail "the release never reached Completed"
expect_eq "kubectl get hc prints OpenShift's columns" \
  "NAME VERSION KUBECONFIG PROGRESS AVAILABLE PROGRESSING MESSAGE" \
  "$(k get hc -n clusters | head -1 | tr -s ' ')"
expect_eq "the HostedCluster's row" \
  "example 4.17.0 example-admin-kubeconfig Completed True False The hosted control plane is available" \
  "$(k get hostedclusters -n clusters example --no-headers | tr -s ' ')"
expect_eq "status.kubeadminPassword names its secret" "example-kubeadmin-password" \
  "$(k get hc example -n clusters -o jsonpath='{.status.kubeadminPassword.name}')"
[ -n "$(k get secret example-kubeadmin-password -n clusters -o jsonpath='{.data.password}')" ] ||
  fail "example-kubeadmin-password holds no password"
expect_eq "status.controlPlaneEndpoint is the NodePort address and port" "api.example.example.com" \
  "$(k get hc example -n clusters -o jsonpath='{.status.controlPlaneEndpoint.host}')"
NODE_PORT=$(k get hc example -n clusters -o jsonpath='{.status.controlPlaneEndpoint.port}')
[ "$NODE_PORT" -ge "$BASE" ] && [ "$NODE_PORT" -le "$((BASE + 19))" ] ||
  fail "the node port [$NODE_PORT] is outside $BASE-$((BASE + 19))"
for c in KubeAPIServerAvailable EtcdAvailable ReconciliationActive ReconciliationSucceeded \
  ValidConfiguration ValidReleaseImage SupportedHostedCluster ValidHostedControlPlaneConfiguration; do
  expect_eq "condition $c" True \
    "$(k get hc example -n clusters -o jsonpath="{.status.conditions[?(@.type==\"$c\")].status}")"
done
expect_eq "condition Degraded" False \
  "$(k get hc example -n clusters -o jsonpath='{.status.conditions[?(@.type=="Degraded")].status}')"
expect_eq "the HostedControlPlane in the control-plane namespace" \
  "quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64" \
  "$(k get hcp example -n clusters-example -o jsonpath='{.spec.releaseImage}')"
expect_eq "PKI and kubeconfig secrets in the control-plane namespace" \
  "admin-kubeconfig kas-server-crt root-ca sa-signing-key system-admin-client" \
  "$(k get secrets -n clusters-example -o jsonpath='{.items[*].metadata.name}' | tr ' ' '\n' | grep -v token | sort | xargs)"

# A NodePool of the cluster (machines arrive with the agent platform).
k apply -f - >/dev/null <<'YAML'
apiVersion: hypershift.openshift.io/v1beta1
kind: NodePool
metadata:
  name: example-workers
  namespace: clusters
spec:
  clusterName: example
  replicas: 2
  management:
    autoRepair: false
    upgradeType: InPlace
  platform:
    type: None
  release:
    image: quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64
YAML
np_message() { k get np example-workers -n clusters -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}'; }
has_np_message() { test -n "$(np_message)"; }
wait_for 30 has_np_message || fail "the NodePool got no Ready condition"
expect_eq "kubectl get np prints OpenShift's columns" \
  "NAME CLUSTER DESIRED NODES CURRENT NODES AUTOSCALING AUTOREPAIR VERSION UPDATINGVERSION UPDATINGCONFIG MESSAGE" \
  "$(k get nodepools -n clusters | head -1 | tr -s ' ')"
expect_eq "the NodePool's row" \
  "example-workers example 2 0 False False 4.17.0 False False Minimum availability requires 2 replicas, current 0 available" \
  "$(k get np -n clusters example-workers --no-headers | tr -s ' ')"
# The CRDs' transition rules: upgradeType and services are immutable (422 from the API).
expect_contains "upgradeType cannot change" \
  'spec.management.upgradeType: Invalid value: "string": UpgradeType is immutable' \
  "$(k patch np example-workers -n clusters --type merge -p '{"spec":{"management":{"upgradeType":"Replace"}}}' 2>&1)"
expect_contains "services cannot change" "Services is immutable" \
  "$(k patch hc example -n clusters --type json -p '[{"op":"remove","path":"/spec/services/0"}]' 2>&1)"
expect_eq "the NodePool kept its upgradeType" InPlace \
  "$(k get np example-workers -n clusters -o jsonpath='{.spec.management.upgradeType}')"

# The admin kubeconfig, as a user extracts it.
k get secret example-admin-kubeconfig -n clusters -o jsonpath='{.data.kubeconfig}' | base64 -d \
  >"$E2E_TMP/example.kubeconfig"
kh() { k --kubeconfig "$E2E_TMP/example.kubeconfig" "$@"; }
expect_eq "kubectl get ns in the hosted cluster" \
  "default kube-node-lease kube-public kube-system openshift-config openshift-config-managed" \
  "$(kh get ns -o jsonpath='{.items[*].metadata.name}')"
expect_eq "the ClusterVersion reflects the release" "4.17.0 Completed" \
  "$(kh get clusterversion version -o jsonpath='{.status.desired.version} {.status.history[0].state}')"
expect_eq "kubectl get clusterversion prints OpenShift's columns" "NAME VERSION AVAILABLE PROGRESSING SINCE STATUS" \
  "$(kh get clusterversion | head -1 | tr -s ' ')"
expect_eq "who the kubeconfig is" "system:admin" \
  "$(kh auth whoami -o jsonpath='{.status.userInfo.username}')"
kh create deployment web --image=registry.example.com/web:1 >/dev/null || fail "creating a Deployment failed"
has_web_rs() { test -n "$(kh get rs -l app=web -o name 2>/dev/null)"; }
wait_for 30 has_web_rs ||
  fail "the hosted cluster's controllers made no ReplicaSet for the Deployment"
expect_eq "the Deployment lives in the hosted cluster only" "" \
  "$(k get deployment web -n default -o name --ignore-not-found)"

# The kubeconfig's certificate is worthless at another hosted cluster and at root.
hosted_cluster other | k apply -f - >/dev/null
k wait --for=condition=Available hostedcluster/other -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/other did not become Available"
python3 - "$E2E_TMP/example.kubeconfig" "$E2E_TMP/example" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, ext in (("client-certificate-data", "crt"), ("client-key-data", "key")):
    data = re.search(field + r": (\S+)", text).group(1)
    open(sys.argv[2] + "." + ext, "wb").write(base64.b64decode(data))
PY
status_at() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert "$E2E_TMP/example.crt" \
    --key "$E2E_TMP/example.key" "$1/api/v1/namespaces"
}
expect_eq "example's admin certificate at example" 200 "$(status_at "$SERVER/clusters/clusters-example")"
expect_eq "example's admin certificate at other" 401 "$(status_at "$SERVER/clusters/clusters-other")"
expect_eq "example's admin certificate at root" 401 "$(status_at "$SERVER")"

# Invalid HostedClusters say exactly what is wrong.
condition() {  # <hc> <type> → "<status> <reason>: <message>"
  k get hc "$1" -n clusters -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status} {.status.conditions[?(@.type==\"$2\")].reason}: {.status.conditions[?(@.type==\"$2\")].message}"
}
SERVICE_CIDR=10.134.0.0/16 hosted_cluster overlap | k apply -f - >/dev/null
wait_for 30 condition_is overlap ValidConfiguration False
expect_eq "overlapping CIDRs" \
  "False InvalidConfiguration: spec.networking.serviceNetwork[0].cidr 10.134.0.0/16 overlaps spec.networking.clusterNetwork[0].cidr 10.132.0.0/14" \
  "$(condition overlap ValidConfiguration)"
expect_eq "Available says why" \
  "False InvalidConfiguration: spec.networking.serviceNetwork[0].cidr 10.134.0.0/16 overlaps spec.networking.clusterNetwork[0].cidr 10.132.0.0/14" \
  "$(condition overlap Available)"
PULL_SECRET=late-secret hosted_cluster late | k apply -f - >/dev/null
wait_for 30 condition_is late ValidConfiguration False
expect_eq "missing pull secret" \
  "False SecretNotFound: pull secret \"late-secret\" (spec.pullSecret.name) not found in namespace \"clusters\"" \
  "$(condition late ValidConfiguration)"
expect_eq "no control plane for an invalid HostedCluster" "" \
  "$(k get ns clusters-late -o name --ignore-not-found)"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: late-secret, namespace: clusters}\ndata: {.dockerconfigjson: e30=}\n' |
  k apply -f - >/dev/null
k wait --for=condition=Available hostedcluster/late -n clusters --timeout=60s >/dev/null ||
  fail "creating the missing pull secret did not let hostedcluster/late become Available"
PLATFORM=AWS hosted_cluster cloud | k apply -f - >/dev/null
wait_for 30 condition_is cloud ValidHostedControlPlaneConfiguration False
expect_eq "another platform is accepted and reported unsupported" \
  "False UnsupportedPlatform: platform type \"AWS\" is not supported by this management plane: the supported types are None and Agent" \
  "$(condition cloud ValidHostedControlPlaneConfiguration)"
printf '%s\n' "$(hosted_cluster bad-image)" | sed 's|ocp-release:4.17.0-x86_64|ocp release|' | k apply -f - >/dev/null
wait_for 30 condition_is bad-image ValidReleaseImage False
expect_contains "a malformed release image" "False InvalidImage: spec.release.image \"quay.io/openshift-release-dev/ocp release\"" \
  "$(condition bad-image ValidReleaseImage)"
printf '%s\n' "$(hosted_cluster old)" | sed 's|4.17.0-x86_64|4.12.0-x86_64|' | k apply -f - >/dev/null
wait_for 30 condition_is old SupportedHostedCluster False
expect_contains "an unsupported version" "False UnsupportedHostedCluster: release version 4.12.0 is not supported" \
  "$(condition old SupportedHostedCluster)"

# pausedUntil: "true" stops reconciliation (a deleted secret stays deleted); removing it resumes.
k patch hc example -n clusters --type merge -p '{"spec":{"pausedUntil":"true"}}' >/dev/null
wait_for 30 condition_is example ReconciliationActive False
expect_contains "paused" "False ReconciliationPaused: Reconciliation paused until" \
  "$(condition example ReconciliationActive)"
expect_eq "the pause is copied to the HostedControlPlane" true \
  "$(k get hcp example -n clusters-example -o jsonpath='{.spec.pausedUntil}')"
k delete secret example-kubeadmin-password -n clusters >/dev/null
k patch hc example -n clusters --type json -p '[{"op":"remove","path":"/spec/pausedUntil"}]' >/dev/null
wait_for 30 condition_is example ReconciliationActive True ||
  fail "removing pausedUntil did not resume reconciliation"
wait_for 30 k get secret example-kubeadmin-password -n clusters ||
  fail "the resumed controller did not restore example-kubeadmin-password"

# Deletion leaves nothing behind.
stored_keys() {  # keys of the store that mention <cluster> or the HostedCluster <name>
  python3 - "$CARRIER_DATA/store.db" "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
cluster, name = sys.argv[2], sys.argv[3]
rows = db.execute(
    "SELECT CAST(l.key AS TEXT) FROM latest l JOIN history h ON h.id = l.hid WHERE h.deleted = 0")
for (key,) in rows:
    if cluster in key or key.startswith("/root/core/secrets/clusters/%s-" % name) or \
       key == "/root/hypershift.openshift.io/hostedclusters/clusters/%s" % name:
        print(key)
PY
}
[ -n "$(stored_keys clusters-example example)" ] || fail "the store check finds nothing for a live cluster"
expect_contains "the admin endpoint lists the hosted cluster" clusters-example "$(k get --raw /carrier/v1/clusters)"
k delete hc example -n clusters --timeout=60s >/dev/null || fail "kubectl delete hc example failed"
expect_eq "no HostedCluster" "" "$(k get hc example -n clusters -o name --ignore-not-found)"
case "$(k get --raw /carrier/v1/clusters)" in
  *clusters-example*) fail "the logical cluster is still listed" ;;
  *) echo "ok: the logical cluster is gone" ;;
esac
expect_eq "no control-plane namespace" "" "$(k get ns clusters-example -o name --ignore-not-found)"
expect_eq "no node pools of the cluster" "" "$(k get np example-workers -n clusters -o name --ignore-not-found)"
expect_eq "no secrets" "" \
  "$(k get secret example-admin-kubeconfig example-kubeadmin-password -n clusters -o name --ignore-not-found)"
expect_eq "no stored keys" "" "$(stored_keys clusters-example example)"
expect_eq "the old kubeconfig is refused" 401 "$(status_at "$SERVER/clusters/clusters-example")"
expect_eq "the other hosted cluster is untouched" True \
  "$(k get hc other -n clusters -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')"

# The hcp CLI, as a new user runs it from the README.
echo '{"auths":{}}' >"$E2E_TMP/pull-secret.json"
"$HCP" create cluster none --name demo --pull-secret "$E2E_TMP/pull-secret.json" --wait --timeout 60 \
  >/dev/null || fail "hcp create cluster none --wait failed"
"$HCP" create kubeconfig --name demo >"$E2E_TMP/demo.kubeconfig" || fail "hcp create kubeconfig failed"
expect_contains "the hcp kubeconfig reaches the hosted cluster" openshift-config-managed \
  "$(k --kubeconfig "$E2E_TMP/demo.kubeconfig" get ns -o name)"
"$HCP" destroy cluster none --name demo >/dev/null || fail "hcp destroy cluster failed"
expect_eq "hcp destroy leaves no stored keys" "" "$(stored_keys clusters-demo demo)"

finish
