#!/usr/bin/env bash
# CustomResourceDefinitions through kubectl against a real `carrier serve`: a CRD becomes
# Established, its type appears in discovery (short names, categories), instances are
# defaulted, pruned and validated by the structural schema, printer columns show in tables,
# the status subresource is separate, a second version serves the same objects, CRDs are
# per logical cluster, and deleting a CRD deletes its objects.
# Usage: kubectl_crds.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
[ -x "$KUBECTL" ] || { echo "kubectl not found at $KUBECTL" >&2; exit 1; }
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }

start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')

cat >"$E2E_TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.carrier.io
spec:
  group: example.carrier.io
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Ready
      type: string
      jsonPath: .status.conditions[?(@.type=="Ready")].status
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 8}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
YAML
expect_eq "CRD created" \
  "customresourcedefinition.apiextensions.k8s.io/widgets.example.carrier.io created" \
  "$(k apply -f "$E2E_TMP/crd.yaml" 2>&1)"
expect_contains "CRD becomes Established" "condition met" \
  "$(k wait --for=condition=Established crd/widgets.example.carrier.io --timeout=20s 2>&1)"
expect_eq "accepted names" "Widget widgets" \
  "$(k get crd widgets.example.carrier.io -o jsonpath='{.status.acceptedNames.kind} {.status.acceptedNames.plural}')"
expect_contains "api-resources lists the type" "widgets" \
  "$(k api-resources --api-group=example.carrier.io 2>&1)"
expect_contains "api-versions lists both versions" "example.carrier.io/v1beta1" \
  "$(k api-versions 2>&1)"

cat >"$E2E_TMP/widget.yaml" <<'YAML'
apiVersion: example.carrier.io/v1
kind: Widget
metadata:
  name: small
spec:
  size: 3
  unknownField: dropped
  extra: {kept: "yes"}
YAML
# kubectl's own validation (from the published OpenAPI schema) would reject the unknown
# field; --validate=false lets it through so that the server's pruning is what is tested.
expect_eq "instance created" "widget.example.carrier.io/small created" \
  "$(k apply --validate=false -f "$E2E_TMP/widget.yaml" 2>&1)"
expect_eq "default applied, unknown field pruned, preserved field kept" "red  yes" \
  "$(k get widget small -o jsonpath='{.spec.color} {.spec.unknownField} {.spec.extra.kept}')"
TABLE=$(k get widgets 2>&1)
expect_contains "printer columns" "SIZE" "$TABLE"
expect_contains "printer column values" "small" "$TABLE"
expect_eq "short name" "widget.example.carrier.io/small" "$(k get wd -o name 2>&1)"
expect_contains "category all" "widget.example.carrier.io/small" "$(k get all -o name 2>&1)"

# The status subresource: the main resource ignores status, /status writes only status.
k patch widget small --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null 2>&1
expect_eq "status ignored on the main resource" "" \
  "$(k get widget small -o jsonpath='{.status.conditions[0].status}')"
if k version --client -o json | grep -q '"minor": "2[0-6]"'; then
  echo "skip: --subresource needs kubectl 1.27"
else
  k patch widget small --subresource=status --type=merge \
    -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null
  expect_eq "status written through /status" "True" \
    "$(k get widget small -o jsonpath='{.status.conditions[0].status}')"
  expect_contains "Ready column" "True" "$(k get widgets 2>&1)"
fi

# Schema validation: a 422 Invalid with the field paths Kubernetes reports.
cat >"$E2E_TMP/bad.yaml" <<'YAML'
apiVersion: example.carrier.io/v1
kind: Widget
metadata:
  name: bad
spec:
  size: 11
  color: green
  name: NOPE
YAML
BAD=$(k apply -f "$E2E_TMP/bad.yaml" 2>&1)
expect_contains "maximum" "spec.size: Invalid value: 11" "$BAD"
expect_contains "enum" 'spec.color: Unsupported value: "green"' "$BAD"
expect_contains "pattern" "spec.name in body should match" "$BAD"
expect_contains "required" "spec.size: Required value" \
  "$(printf 'apiVersion: example.carrier.io/v1\nkind: Widget\nmetadata: {name: empty}\nspec: {color: red}\n' |
     k create --validate=false -f - 2>&1)"
expect_contains "nothing invalid was stored" "NotFound" "$(k get widget bad 2>&1)"

# The other served version presents the same object.
expect_eq "served as v1beta1" "example.carrier.io/v1beta1 3" \
  "$(k get widgets.v1beta1.example.carrier.io small -o jsonpath='{.apiVersion} {.spec.size}' 2>&1)"

# CRDs belong to their logical cluster.
echo '{}' | k create --raw /carrier/v1/clusters/tenant-b -f - >/dev/null
expect_contains "another cluster does not have the type" "the server doesn't have a resource type" \
  "$(k --server "$SERVER/clusters/tenant-b" get widgets 2>&1)"

# Deleting the CRD deletes its objects.
k delete crd widgets.example.carrier.io >/dev/null 2>&1
expect_contains "type is gone" "NotFound" \
  "$(k get --raw /apis/example.carrier.io/v1/namespaces/default/widgets/small 2>&1)"
k apply -f "$E2E_TMP/crd.yaml" >/dev/null 2>&1
k wait --for=condition=Established crd/widgets.example.carrier.io --timeout=20s >/dev/null 2>&1
expect_eq "objects did not survive their CRD" "" "$(k get widgets -o name 2>&1)"

finish
