#!/usr/bin/env bash
# Service publishing of hosted API servers with kubectl and openssl s_client:
#   Route     the admin kubeconfig (server 127.0.0.1:<shared port>, tls-server-name
#             api.<name>.<baseDomain>) works; the certificate for that SNI name is the hosted
#             cluster's (signed by its root CA, not the management CA); another hosted
#             cluster's credentials there are 401;
#   NodePort  a listener on a port of --service-node-port-range serves the cluster, the
#             Service kube-apiserver records the port, a second cluster asking for the same
#             port gets a clear condition, a restart serves the same port again;
#   deletion  the port refuses connections and the SNI name gets the management certificate.
# Usage: hosted_publishing.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

# Ten consecutive loopback ports that are free now: the node port range.
source "$(dirname "$0")/hosted_lib.sh"
BASE=$(free_port_range 10)
LAST=$((BASE + 9))
start_carrier "$CARRIER" --service-node-port-range "$BASE-$LAST" --node-monitor-grace-period 1h
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
PORT=${SERVER##*:}
MGMT_CA="$CARRIER_DATA/pki/ca.crt"

create_clusters_namespace

# ---- Route ----
hosted_cluster route-a "      type: Route" | k apply -f - >/dev/null
hosted_cluster route-b "      type: Route
      route:
        hostname: kas.route-b.example.org" | k apply -f - >/dev/null
for hc in route-a route-b; do
  k wait --for=condition=Available "hostedcluster/$hc" -n clusters --timeout=60s >/dev/null ||
    fail "hostedcluster/$hc did not become Available: $(condition "$hc" Available)"
  kubeconfig_of "$hc"
done
expect_eq "the Route kubeconfig's server is the shared listener" "$SERVER" \
  "$(grep 'server:' "$E2E_TMP/route-a.kubeconfig" | awk '{print $2}')"
expect_eq "its tls-server-name is the default Route hostname" api.route-a.example.com \
  "$(grep 'tls-server-name:' "$E2E_TMP/route-a.kubeconfig" | awk '{print $2}')"
expect_eq "a given Route hostname" "kas.route-b.example.org:$PORT" \
  "$(k get hc route-b -n clusters -o jsonpath='{.status.controlPlaneEndpoint.host}:{.status.controlPlaneEndpoint.port}')"
expect_contains "KubeAPIServerAvailable names the Route" "True AsExpected: The hosted cluster's API server is served through Route at https://api.route-a.example.com:$PORT" \
  "$(condition route-a KubeAPIServerAvailable)"
ka() { k --kubeconfig "$E2E_TMP/route-a.kubeconfig" "$@"; }
expect_contains "kubectl get ns through the Route" openshift-config-managed "$(ka get ns -o name)"
ka create deployment web --image=registry.example.com/web:1 >/dev/null || fail "creating a Deployment through the Route failed"
expect_eq "the Deployment is in route-a only" "deployment.apps/web" "$(ka get deployment web -o name)"
leaf_for "$PORT" api.route-a.example.com >"$E2E_TMP/route-a.leaf"
expect_eq "the SNI name's certificate is signed by the hosted root CA" yes \
  "$(verifies "$E2E_TMP/route-a.root-ca" "$E2E_TMP/route-a.leaf")"
expect_eq "and not by the management CA" no "$(verifies "$MGMT_CA" "$E2E_TMP/route-a.leaf")"
leaf_for "$PORT" unknown.example.com >"$E2E_TMP/unknown.leaf"
expect_eq "an unknown SNI name gets the management certificate" yes "$(verifies "$MGMT_CA" "$E2E_TMP/unknown.leaf")"
status_as() {  # <credentials prefix> <host> <port> [path] → HTTP code, resolving <host> to 127.0.0.1
  curl -s -o /dev/null -w '%{http_code}' --resolve "$2:$3:127.0.0.1" --cacert "$E2E_TMP/route-a.root-ca" \
    --cert "$E2E_TMP/$1.crt" --key "$E2E_TMP/$1.key" "https://$2:$3${4:-/api/v1/namespaces}"
}
expect_eq "route-a's credentials at its Route" 200 "$(status_as route-a api.route-a.example.com "$PORT")"
expect_eq "route-b's credentials at route-a's Route" 401 "$(status_as route-b api.route-a.example.com "$PORT")"
expect_eq "no /clusters/ paths at a Route" 404 \
  "$(status_as route-a api.route-a.example.com "$PORT" /clusters/clusters-route-b/api/v1/namespaces)"

# ---- Custom serving certificate and kubeAPIServerDNSName ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=custom-ca \
  -keyout "$E2E_TMP/custom-ca.key" -out "$E2E_TMP/custom-ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=api.custom.example.org \
  -keyout "$E2E_TMP/custom.key" -out "$E2E_TMP/custom.csr" 2>/dev/null
printf 'subjectAltName=DNS:api.custom.example.org\n' >"$E2E_TMP/custom.ext"
openssl x509 -req -in "$E2E_TMP/custom.csr" -CA "$E2E_TMP/custom-ca.crt" -CAkey "$E2E_TMP/custom-ca.key" \
  -CAcreateserial -days 1 -extfile "$E2E_TMP/custom.ext" -out "$E2E_TMP/custom.crt" 2>/dev/null
cat "$E2E_TMP/custom.crt" "$E2E_TMP/custom-ca.crt" >"$E2E_TMP/custom-chain.crt"
k create secret tls custom-cert -n clusters --cert "$E2E_TMP/custom-chain.crt" --key "$E2E_TMP/custom.key" >/dev/null
custom_cluster() {  # <name> <secret>
  hosted_cluster "$1" "      type: Route" | sed "s/^spec:/spec:\\
  kubeAPIServerDNSName: api.custom.example.org\\
  configuration:\\
    apiServer:\\
      servingCerts:\\
        namedCertificates:\\
        - names: [api.custom.example.org]\\
          servingCertificate:\\
            name: $2/"
}
custom_cluster custom custom-cert | k apply -f - >/dev/null
k wait --for=condition=Available hostedcluster/custom -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/custom did not become Available: $(condition custom Degraded)"
expect_eq "status.customKubeconfig" custom-custom-admin-kubeconfig \
  "$(k get hc custom -n clusters -o jsonpath='{.status.customKubeconfig.name}')"
k get secret custom-custom-admin-kubeconfig -n clusters -o jsonpath='{.data.kubeconfig}' | base64 -d \
  >"$E2E_TMP/custom-dns.kubeconfig"
expect_eq "the custom kubeconfig's tls-server-name" api.custom.example.org \
  "$(grep 'tls-server-name:' "$E2E_TMP/custom-dns.kubeconfig" | awk '{print $2}')"
expect_contains "kubectl get ns with the custom kubeconfig" openshift-config-managed \
  "$(k --kubeconfig "$E2E_TMP/custom-dns.kubeconfig" get ns -o name)"
leaf_for "$PORT" api.custom.example.org >"$E2E_TMP/custom.leaf"
expect_eq "the custom name presents the named certificate" yes "$(verifies "$E2E_TMP/custom-ca.crt" "$E2E_TMP/custom.leaf")"
expect_eq "the custom control-plane kubeconfig exists" secret/custom-admin-kubeconfig \
  "$(k get secret custom-admin-kubeconfig -n clusters-custom -o name)"
custom_cluster broken missing-cert | k apply -f - >/dev/null
wait_for 30 condition_is broken Degraded True
expect_contains "a named certificate whose Secret is missing" \
  "spec.configuration.apiServer.servingCerts.namedCertificates[0]: Secret clusters/missing-cert not found" \
  "$(condition broken Degraded)"
k create secret tls missing-cert -n clusters --cert "$E2E_TMP/custom-chain.crt" --key "$E2E_TMP/custom.key" >/dev/null
# The Secret created late wakes its HostedCluster, which then finds the name taken.
name_taken() { condition broken Degraded | grep -q "host name api.custom.example.org is already published by cluster clusters-custom"; }
wait_for 30 name_taken || fail "after its Secret appeared: $(condition broken Degraded)"
echo "ok: the Secret created late wakes its HostedCluster, which reports the name another cluster serves"
k delete hc broken -n clusters --timeout=60s >/dev/null
k patch hc custom -n clusters --type json \
  -p '[{"op":"remove","path":"/spec/kubeAPIServerDNSName"},{"op":"remove","path":"/spec/configuration"}]' >/dev/null
custom_gone() { test -z "$(k get secret custom-custom-admin-kubeconfig -n clusters -o name --ignore-not-found)"; }
wait_for 30 custom_gone || fail "removing kubeAPIServerDNSName left custom-custom-admin-kubeconfig"
expect_eq "and status.customKubeconfig" "" "$(k get hc custom -n clusters -o jsonpath='{.status.customKubeconfig}')"
leaf_for "$PORT" api.custom.example.org >"$E2E_TMP/custom-gone.leaf"
expect_eq "the custom name is no longer served with the named certificate" no \
  "$(verifies "$E2E_TMP/custom-ca.crt" "$E2E_TMP/custom-gone.leaf")"
k delete hc custom -n clusters --timeout=60s >/dev/null || fail "deleting hostedcluster/custom failed"

# ---- NodePort ----
hosted_cluster np-a "      type: NodePort
      nodePort:
        address: api.np-a.example.com" | k apply -f - >/dev/null
k wait --for=condition=Available hostedcluster/np-a -n clusters --timeout=60s >/dev/null ||
  fail "hostedcluster/np-a did not become Available: $(condition np-a Available)"
NP=$(k get hc np-a -n clusters -o jsonpath='{.status.controlPlaneEndpoint.port}')
[ "$NP" -ge "$BASE" ] && [ "$NP" -le "$LAST" ] && echo "ok: node port $NP is in $BASE-$LAST" ||
  fail "node port [$NP] is not in $BASE-$LAST"
expect_eq "the Service kube-apiserver records the port" "NodePort $NP 6443" \
  "$(k get svc kube-apiserver -n clusters-np-a -o jsonpath='{.spec.type} {.spec.ports[0].nodePort} {.spec.ports[0].port}')"
kubeconfig_of np-a
expect_eq "the NodePort kubeconfig's server" "https://127.0.0.1:$NP" \
  "$(grep 'server:' "$E2E_TMP/np-a.kubeconfig" | awk '{print $2}')"
kn() { k --kubeconfig "$E2E_TMP/np-a.kubeconfig" "$@"; }
expect_contains "kubectl get ns through the NodePort" openshift-config-managed "$(kn get ns -o name)"
leaf_for "$NP" >"$E2E_TMP/np-a.leaf"
expect_eq "the NodePort certificate is signed by np-a's root CA" yes \
  "$(verifies "$E2E_TMP/np-a.root-ca" "$E2E_TMP/np-a.leaf")"
hosted_cluster np-b "      type: NodePort
      nodePort:
        address: api.np-b.example.com
        port: $NP" | k apply -f - >/dev/null
wait_for 30 condition_is np-b KubeAPIServerAvailable False
expect_contains "the same explicit port is refused clearly" \
  "False ServicePublishingFailed: the API server cannot be published: node port $NP is already held by Service clusters-np-a/kube-apiserver" \
  "$(condition np-b KubeAPIServerAvailable)"

# A restart serves the same port again (the shared listener gets a new ephemeral port).
kill "$CARRIER_PID"
wait "$CARRIER_PID" 2>/dev/null
rm -f "$CARRIER_DATA/admin.kubeconfig"
start_carrier "$CARRIER" --service-node-port-range "$BASE-$LAST" --node-monitor-grace-period 1h
wait_for 30 kn get ns || fail "after a restart the NodePort kubeconfig does not work"
expect_eq "the port after the restart" "$NP" \
  "$(k get hc np-a -n clusters -o jsonpath='{.status.controlPlaneEndpoint.port}')"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
PORT=${SERVER##*:}
kubeconfig_of route-a
wait_for 30 ka get ns || fail "after a restart the Route kubeconfig does not work"

# ---- Deletion ----
k delete hc np-a np-b route-a -n clusters --timeout=60s >/dev/null || fail "kubectl delete hostedcluster failed"
curl -s -o /dev/null --max-time 5 -k "https://127.0.0.1:$NP/version"
expect_eq "the deleted cluster's node port refuses connections" 7 "$?"
leaf_for "$PORT" api.route-a.example.com >"$E2E_TMP/gone.leaf"
expect_eq "the deleted cluster's SNI name gets the management certificate" yes \
  "$(verifies "$MGMT_CA" "$E2E_TMP/gone.leaf")"
expect_eq "no Service is left" "" "$(k get svc kube-apiserver -n clusters-np-a -o name --ignore-not-found 2>/dev/null)"
kubeconfig_of route-b
expect_contains "route-b is still served through its Route" openshift-config-managed \
  "$(k --kubeconfig "$E2E_TMP/route-b.kubeconfig" get ns -o name)"

finish
