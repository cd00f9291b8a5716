#!/usr/bin/env bash
# CertificateSigningRequests with kubectl: a request made with `openssl req` and created from
# a manifest is Pending with the requester recorded by the server; `kubectl certificate
# approve` gets it signed by the cluster's CA and the certificate logs in with kubectl;
# `kubectl certificate deny` is never signed; approving needs `approve` on the signer; a
# kubelet's client CSR made with a bootstrap token is auto-approved and signed; a CSR of one
# logical cluster is signed by that cluster's CA and its certificate is refused elsewhere.
# Usage: csr.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
CA="$CARRIER_DATA/pki/ca.crt"
W="$E2E_TMP/w"
mkdir -p "$W"

# new_request <name> <subject>: $W/<name>.key and $W/<name>.csr (ECDSA P-256).
new_request() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/$1.key" \
    -out "$W/$1.csr" -subj "$2" 2>/dev/null
}
# manifest <name> <signer> <usage...>: a CSR manifest for $W/<name>.csr.
manifest() {
  local name=$1 signer=$2
  shift 2
  printf 'apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\n'
  printf 'metadata: {name: %s}\nspec:\n  request: %s\n  signerName: %s\n' \
    "$name" "$(base64 -w0 <"$W/$name.csr")" "$signer"
  printf '  expirationSeconds: 3600\n  username: someone-else\n  groups: [system:masters]\n  usages:\n'
  for u in "$@"; do printf '  - %s\n' "$u"; done
}
# kubeconfig_for <file> <server> <ca> <cert> <key>: a kubeconfig with a client certificate.
kubeconfig_for() {
  local kc=$1
  k --kubeconfig "$kc" config set-cluster c --server "$2" --certificate-authority "$3" --embed-certs >/dev/null
  k --kubeconfig "$kc" config set-credentials u --client-certificate "$4" --client-key "$5" --embed-certs >/dev/null
  k --kubeconfig "$kc" config set-context c --cluster c --user u >/dev/null
  k --kubeconfig "$kc" config use-context c >/dev/null
}
issued() { [ -n "$(k "${@:2}" get csr "$1" -o jsonpath='{.status.certificate}' 2>/dev/null)" ]; }
certificate_of() { k "${@:2}" get csr "$1" -o jsonpath='{.status.certificate}' | base64 -d; }
row() { k "${@:2}" get csr "$1" --no-headers 2>&1; }

# ---- A client certificate for a person, approved by the admin.
new_request alice "/CN=alice/O=devs"
manifest alice kubernetes.io/kube-apiserver-client "client auth" "digital signature" | k create -f - >/dev/null
expect_contains "discovery lists the approval subresource" "certificatesigningrequests/approval" \
  "$(k get --raw /apis/certificates.k8s.io/v1)"
expect_eq "the columns of kubectl get csr" "NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION" \
  "$(k get csr alice | head -1 | tr -s ' ')"
expect_contains "a new request is Pending with the server's idea of the requester" \
  "kubernetes.io/kube-apiserver-client system:admin 60m Pending" "$(row alice | tr -s ' ')"
expect_eq "the body's requester fields were replaced" "system:admin [\"system:masters\",\"system:authenticated\"]" \
  "$(k get csr alice -o jsonpath='{.spec.username} {.spec.groups}')"
expect_contains "a request that is not PEM is Invalid" "spec.request: Invalid value" \
  "$(printf 'apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: junk}\nspec: {request: %s, signerName: example.com/x, usages: [client auth]}\n' \
      "$(printf 'junk' | base64)" | k create -f - 2>&1)"
expect_contains "an unknown usage is Invalid" 'spec.usages[0]: Unsupported value: "flying"' \
  "$(manifest alice kubernetes.io/kube-apiserver-client flying | sed 's/name: alice/name: alice2/' | k create -f - 2>&1)"
new_request root "/CN=mallory/O=system:masters"
expect_contains "no kube-apiserver-client certificate for system:masters" \
  "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed" \
  "$(manifest root kubernetes.io/kube-apiserver-client "client auth" | k create -f - 2>&1)"

k certificate approve alice >/dev/null
wait_for 30 issued alice || fail "alice's certificate was not issued"
expect_contains "approved and issued" "Approved,Issued" "$(row alice)"
expect_eq "the approval condition kubectl wrote" "Approved True KubectlApprove" \
  "$(k get csr alice -o jsonpath='{.status.conditions[0].type} {.status.conditions[0].status} {.status.conditions[0].reason}')"
certificate_of alice >"$W/alice.crt"
expect_contains "signed by the management CA" "OK" "$(openssl verify -CAfile "$CA" "$W/alice.crt" 2>&1)"
kubeconfig_for "$W/alice.kubeconfig" "$SERVER" "$CA" "$W/alice.crt" "$W/alice.key"
expect_contains "the issued certificate logs in as its CN" "alice" \
  "$(k --kubeconfig "$W/alice.kubeconfig" auth whoami 2>&1)"
expect_contains "with the O as a group" "devs" "$(k --kubeconfig "$W/alice.kubeconfig" auth whoami 2>&1)"
expect_contains "a denied-after-approved request is refused" "mutually exclusive" \
  "$(k get csr alice -o json | python3 -c '
import json, sys
csr = json.load(sys.stdin)
csr["status"]["conditions"].append({"type": "Denied", "status": "True", "reason": "Late"})
print(json.dumps(csr))' | k replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/alice/approval -f - 2>&1)"

# ---- Denied: never signed.
new_request bob "/CN=bob"
manifest bob kubernetes.io/kube-apiserver-client "client auth" | k create -f - >/dev/null
k certificate deny bob >/dev/null
expect_contains "denied" "Denied" "$(row bob)"
new_request carol "/CN=carol"
manifest carol kubernetes.io/kube-apiserver-client "client auth" | k create -f - >/dev/null
k certificate approve carol >/dev/null
wait_for 30 issued carol || fail "carol's certificate was not issued"
expect_eq "the denied request has no certificate" "" \
  "$(k get csr bob -o jsonpath='{.status.certificate}')"

# ---- Approving takes `approve` on the signer, besides update on the approval subresource.
k get --raw "/carrier/v1/clusters/root/kubeconfig?user=approver" >"$W/approver.kubeconfig"
printf '%s\n' 'apiVersion: rbac.authorization.k8s.io/v1' 'kind: ClusterRole' \
  'metadata: {name: csr-approver}' 'rules:' \
  '- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [get, list]}' \
  '- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}' |
  k create -f - >/dev/null
k create clusterrolebinding csr-approver --clusterrole=csr-approver --user=approver >/dev/null
new_request dave "/CN=dave"
manifest dave kubernetes.io/kube-apiserver-client "client auth" | k create -f - >/dev/null
expect_contains "approval without approve on the signer is forbidden" \
  'user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"' \
  "$(k --kubeconfig "$W/approver.kubeconfig" certificate approve dave 2>&1)"
k create clusterrolebinding csr-approver-signer --user=approver \
  --clusterrole=system:certificates.k8s.io:kube-apiserver-client-approver >/dev/null
expect_contains "with the signer's approver role it may" "approved" \
  "$(k --kubeconfig "$W/approver.kubeconfig" certificate approve dave 2>&1)"

# ---- A kubelet's first client certificate, requested with a bootstrap token.
k create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
type: bootstrap.kubernetes.io/token
data:
  token-id: YWJjZGVm
  token-secret: MDEyMzQ1Njc4OWFiY2RlZg==
  usage-bootstrap-authentication: dHJ1ZQ==
YAML
BOOT=(--kubeconfig /dev/null --server "$SERVER" --certificate-authority "$CA" --token abcdef.0123456789abcdef)
kb() { k "${BOOT[@]}" "$@"; }
new_request node-csr-worker-1 "/O=system:nodes/CN=system:node:worker-1"
manifest node-csr-worker-1 kubernetes.io/kube-apiserver-client-kubelet "digital signature" "client auth" |
  kb create -f - >/dev/null
wait_for 30 issued node-csr-worker-1 || fail "the node's certificate was not issued"
expect_contains "requested by the bootstrap token, auto-approved and issued" \
  "system:bootstrap:abcdef 60m Approved,Issued" "$(row node-csr-worker-1 | tr -s ' ')"
expect_eq "the auto-approval condition" \
  "AutoApproved Auto approving kubelet client certificate after SubjectAccessReview." \
  "$(k get csr node-csr-worker-1 -o jsonpath='{.status.conditions[0].reason} {.status.conditions[0].message}')"
certificate_of node-csr-worker-1 "${BOOT[@]}" >"$W/node.crt"  # the bootstrap token may read it
certificate_of node-csr-worker-1 >"$W/node-admin.crt"
expect_eq "the bootstrap token reads the same certificate" "" "$(cmp "$W/node.crt" "$W/node-admin.crt" 2>&1)"
kubeconfig_for "$W/node.kubeconfig" "$SERVER" "$CA" "$W/node.crt" "$W/node-csr-worker-1.key"
expect_contains "the node certificate logs in as the node" "system:node:worker-1" \
  "$(k --kubeconfig "$W/node.kubeconfig" auth whoami 2>&1)"
expect_contains "in system:nodes" "system:nodes" "$(k --kubeconfig "$W/node.kubeconfig" auth whoami 2>&1)"
# A node client request with extra subject names is not auto-approved.
new_request sans "/O=system:nodes/CN=system:node:worker-2"
openssl req -new -key "$W/sans.key" -out "$W/sans.csr" -subj "/O=system:nodes/CN=system:node:worker-2" \
  -addext "subjectAltName=DNS:worker-2.example" 2>/dev/null
manifest sans kubernetes.io/kube-apiserver-client-kubelet "digital signature" "client auth" | kb create -f - >/dev/null
new_request marker "/O=system:nodes/CN=system:node:worker-3"
manifest marker kubernetes.io/kube-apiserver-client-kubelet "digital signature" "client auth" | kb create -f - >/dev/null
wait_for 30 issued marker || fail "worker-3's certificate was not issued"
expect_contains "a node client request with SANs stays Pending" "Pending" "$(row sans)"
expect_contains "a bootstrap token may not approve it" \
  'cannot update resource "certificatesigningrequests/approval"' "$(kb certificate approve sans 2>&1)"

# ---- Logical clusters: signed by the cluster's own CA, worthless at another cluster.
for c in a b; do echo '{}' | k create --raw "/carrier/v1/clusters/$c" -f - >/dev/null; done
k get --raw /carrier/v1/clusters/a/kubeconfig >"$W/a.kubeconfig"
ka() { k --kubeconfig "$W/a.kubeconfig" "$@"; }
new_request erin "/CN=erin/O=team-a"
manifest erin kubernetes.io/kube-apiserver-client "client auth" | ka create -f - >/dev/null
expect_contains "cluster A's CSR is not in root" "NotFound" "$(k get csr erin 2>&1)"
ka certificate approve erin >/dev/null
wait_for 30 issued erin --kubeconfig "$W/a.kubeconfig" || fail "erin's certificate was not issued in A"
certificate_of erin --kubeconfig "$W/a.kubeconfig" >"$W/erin.crt"
wait_for 30 ka get configmap kube-root-ca.crt -n default || fail "no kube-root-ca.crt in A"
ka get configmap kube-root-ca.crt -n default -o jsonpath='{.data.ca\.crt}' >"$W/a-ca.crt"
expect_contains "signed by cluster A's CA" "OK" "$(openssl verify -CAfile "$W/a-ca.crt" "$W/erin.crt" 2>&1)"
expect_contains "not by the management CA" "error" "$(openssl verify -CAfile "$CA" "$W/erin.crt" 2>&1)"
kubeconfig_for "$W/erin-a.kubeconfig" "$SERVER/clusters/a" "$CA" "$W/erin.crt" "$W/erin.key"
kubeconfig_for "$W/erin-b.kubeconfig" "$SERVER/clusters/b" "$CA" "$W/erin.crt" "$W/erin.key"
kubeconfig_for "$W/erin-root.kubeconfig" "$SERVER" "$CA" "$W/erin.crt" "$W/erin.key"
expect_contains "erin's certificate logs in at A" "erin" "$(k --kubeconfig "$W/erin-a.kubeconfig" auth whoami 2>&1)"
expect_contains "and is refused at B" "You must be logged in to the server" \
  "$(k --kubeconfig "$W/erin-b.kubeconfig" auth whoami 2>&1)"
expect_contains "and at root" "You must be logged in to the server" \
  "$(k --kubeconfig "$W/erin-root.kubeconfig" auth whoami 2>&1)"
# The root certificate alice got is refused at A.
kubeconfig_for "$W/alice-a.kubeconfig" "$SERVER/clusters/a" "$CA" "$W/alice.crt" "$W/alice.key"
expect_contains "root's issued certificate is refused at A" "You must be logged in to the server" \
  "$(k --kubeconfig "$W/alice-a.kubeconfig" auth whoami 2>&1)"

finish
