#!/usr/bin/env bash
# RBAC with kubectl: the bootstrap policy, `auth can-i` (and --list), a user bound to `view`
# (a client certificate for alice signed by the cluster CA) who can list but not create,
# escalation prevention, and a node identity limited to its own Node.
# Usage: kubectl_rbac.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

# A kubeconfig for a user with a client certificate from the cluster CA (CN user, O groups).
user_kubeconfig() {
  local name=$1 subject=$2 file="$E2E_TMP/$1"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$file.key" -subj "$subject" \
    -out "$file.csr" 2>/dev/null
  openssl x509 -req -in "$file.csr" -CA "$CARRIER_DATA/pki/ca.crt" -CAkey "$CARRIER_DATA/pki/ca.key" \
    -CAcreateserial -days 1 -out "$file.crt" 2>/dev/null
  cat >"$file.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: carrier
  cluster: {server: "$SERVER", certificate-authority: "$CARRIER_DATA/pki/ca.crt"}
users:
- name: $name
  user: {client-certificate: "$file.crt", client-key: "$file.key"}
contexts:
- name: $name
  context: {cluster: carrier, user: $name, namespace: default}
current-context: $name
YAML
  echo "$file.kubeconfig"
}
ALICE=$(user_kubeconfig alice "/CN=alice/O=devs")
alice() { k --kubeconfig "$ALICE" "$@"; }
# Objects made by kubectl's generators are sent as JSON (`create -f`), which every kubectl
# does; kubectl 1.32+ sends generator objects as protobuf, which Carrier does not read yet.
gen() {  # gen <kubectl function> <create args...>: kubectl's own generator (protobuf on 1.32+)
  local who=$1
  shift
  $who create "$@" 2>&1
}

# The bootstrap policy is there, listed and readable.
ROLES=" $(k get clusterroles --no-headers | awk '{print $1}' | tr '\n' ' ')"
for role in cluster-admin admin edit view system:discovery system:basic-user \
            system:public-info-viewer system:node system:node-bootstrapper \
            system:kube-controller-manager; do
  expect_contains "bootstrap clusterrole $role" " $role " "$ROLES"
done
expect_contains "cluster-admin is bound to system:masters" "system:masters" \
  "$(k get clusterrolebinding cluster-admin -o jsonpath='{.subjects[*].name}')"
expect_contains "view carries its aggregated rules" "pods" \
  "$(k get clusterrole view -o jsonpath='{.rules[*].resources}')"

# The admin may do anything; alice, authenticated, only discovery and self reviews.
expect_eq "admin can-i" "yes" "$(k auth can-i create pods)"
expect_eq "alice cannot list pods" "no" "$(alice auth can-i list pods 2>/dev/null)"
expect_eq "alice may read /version" "yes" "$(alice auth can-i get /version 2>/dev/null)"
expect_contains "alice's list is Forbidden" \
  'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"' \
  "$(alice get pods 2>&1)"
expect_contains "alice can use discovery" "configmaps" "$(alice api-resources 2>&1)"

# Bind view to alice in default.
expect_contains "create rolebinding" "rolebinding.rbac.authorization.k8s.io/alice-view created" \
  "$(gen k rolebinding alice-view --clusterrole=view --user=alice -n default)"
gen k configmap settings --from-literal=a=b >/dev/null
expect_eq "alice can list" "configmap/settings" "$(alice get configmaps -o name 2>&1 | grep -v "^configmap/kube-root-ca.crt$")"
expect_contains "alice can get" "settings" "$(alice get configmap settings -o name 2>&1)"
expect_eq "alice can-i list pods now" "yes" "$(alice auth can-i list pods 2>/dev/null)"
expect_eq "alice still cannot create" "no" "$(alice auth can-i create pods 2>/dev/null)"
expect_contains "alice's create is Forbidden" \
  'configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"' \
  "$(gen alice configmap mine --from-literal=x=y)"
expect_contains "alice cannot read secrets" "Forbidden" "$(alice get secrets 2>&1)"
expect_contains "view is per namespace" \
  'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"' \
  "$(alice get pods -n kube-system 2>&1)"
LIST=$(alice auth can-i --list -n default 2>&1)
expect_contains "can-i --list shows view's resources" "deployments.apps" "$LIST"
expect_contains "can-i --list shows self reviews" "selfsubjectaccessreviews.authorization.k8s.io" "$LIST"
expect_contains "can-i --list shows non-resource URLs" "/version" "$LIST"

# Escalation: admin of a namespace cannot grant what it does not hold.
gen k namespace team >/dev/null
gen k rolebinding alice-admin --clusterrole=admin --user=alice -n team >/dev/null
expect_contains "alice can grant what she holds" "role.rbac.authorization.k8s.io/reader created" \
  "$(gen alice role reader --verb=get,list --resource=pods -n team)"
expect_contains "alice cannot grant what she does not hold" \
  'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held' \
  "$(gen alice role nodes --verb=create --resource=nodes -n team)"
expect_contains "alice cannot bind cluster-admin" "is attempting to grant RBAC permissions not currently held" \
  "$(gen alice rolebinding sneaky --clusterrole=cluster-admin --user=alice -n team)"
expect_contains "alice can bind view in team" "rolebinding.rbac.authorization.k8s.io/bob-view created" \
  "$(gen alice rolebinding bob-view --clusterrole=view --user=bob -n team)"

# A SubjectAccessReview about someone else (the admin asks).
cat >"$E2E_TMP/sar.json" <<'JSON'
{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
 "spec":{"user":"bob","resourceAttributes":{"namespace":"team","verb":"list","resource":"pods"}}}
JSON
expect_contains "SubjectAccessReview" '"allowed":true' \
  "$(k create --raw /apis/authorization.k8s.io/v1/subjectaccessreviews -f "$E2E_TMP/sar.json")"

# A node identity touches only its own Node.
NODE=$(user_kubeconfig node-a "/CN=system:node:node-a/O=system:nodes")
node_k() { k --kubeconfig "$NODE" "$@"; }
for n in node-a node-b; do
  printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n' "$n" >"$E2E_TMP/$n.yaml"
done
expect_contains "node creates itself" "node/node-a created" "$(node_k create -f "$E2E_TMP/node-a.yaml" 2>&1)"
expect_contains "node cannot create another node" \
  'node "node-a" is not allowed to modify node "node-b"' \
  "$(node_k create -f "$E2E_TMP/node-b.yaml" 2>&1)"
expect_contains "node cannot list secrets" "Forbidden" "$(node_k get secrets -A 2>&1)"

finish
