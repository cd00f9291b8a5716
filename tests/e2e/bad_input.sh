#!/usr/bin/env bash
# Bad input against a real `carrier serve`: every malformed or mismatched request gets a
# Kubernetes Status with the right reason and code, nothing is stored, and the server keeps
# serving. Driven with curl (kubectl validates too much on its own side to send these).
# Usage: bad_input.sh <carrier binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
start_carrier "$CARRIER"
SERVER=$(grep 'server:' "$KUBECONFIG" | awk '{print $2}')
python3 - "$KUBECONFIG" "$E2E_TMP" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, name in (("client-certificate-data", "admin.crt"), ("client-key-data", "admin.key")):
    data = re.search(field + r": (\S+)", text).group(1)
    open(sys.argv[2] + "/" + name, "wb").write(base64.b64decode(data))
PY
CM="$SERVER/api/v1/namespaces/default/configmaps"

# call <method> <url> <content-type> <body-file> → prints "<http code> <reason>"
call() {
  curl -s -o "$E2E_TMP/out.json" -w '%{http_code}' --cacert "$CARRIER_DATA/pki/ca.crt" \
    --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" -X "$1" -H "Content-Type: $3" \
    ${ACCEPT:+-H "Accept: $ACCEPT"} --data-binary "@$4" "$2" >"$E2E_TMP/code"
  printf '%s %s' "$(cat "$E2E_TMP/code")" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reason",""))' \
       "$E2E_TMP/out.json" 2>/dev/null)"
}
body() { printf '%s' "$1" >"$E2E_TMP/body"; echo "$E2E_TMP/body"; }

expect_eq "malformed JSON" "400 BadRequest" \
  "$(call POST "$CM" application/json "$(body '{"metadata": {"name": ')")"
expect_eq "a JSON array instead of an object" "400 BadRequest" \
  "$(call POST "$CM" application/json "$(body '[1,2]')")"
expect_eq "kind does not match the URL" "400 BadRequest" \
  "$(call POST "$CM" application/json "$(body '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"a"}}')")"
expect_eq "apiVersion does not match the URL" "400 BadRequest" \
  "$(call POST "$CM" application/json "$(body '{"kind":"ConfigMap","apiVersion":"apps/v1","metadata":{"name":"a"}}')")"
expect_eq "namespace does not match the URL" "400 BadRequest" \
  "$(call POST "$CM" application/json "$(body '{"metadata":{"name":"a","namespace":"kube-system"}}')")"
expect_eq "name does not match the URL on PUT" "400 BadRequest" \
  "$(call PUT "$CM/one" application/json "$(body '{"metadata":{"name":"two"}}')")"
expect_eq "invalid name" "422 Invalid" \
  "$(call POST "$CM" application/json "$(body '{"metadata":{"name":"Not_A_Name"}}')")"
printf '{"metadata":{"name":"bad-utf8"},"data":{"k":"\xff\xfe"}}' >"$E2E_TMP/utf8"
expect_eq "invalid UTF-8" "400 BadRequest" "$(call POST "$CM" application/json "$E2E_TMP/utf8")"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$E2E_TMP/deep"
expect_eq "hostile nesting" "400 BadRequest" "$(call POST "$CM" application/json "$E2E_TMP/deep")"
python3 -c 'import json; print(json.dumps({"metadata":{"name":"huge"},"data":{"k":"x"*(3*1024*1024+1)}}))' \
  >"$E2E_TMP/huge"
expect_eq "body over 3 MiB" "413 RequestEntityTooLarge" \
  "$(call POST "$CM" application/json "$E2E_TMP/huge")"
expect_eq "unsupported media type" "415 UnsupportedMediaType" \
  "$(call POST "$CM" application/x-www-form-urlencoded "$(body 'a=b')")"
expect_eq "not acceptable" "406 NotAcceptable" \
  "$(ACCEPT=application/vnd.carrier.nothing call GET "$CM" application/json "$(body '')")"
expect_eq "invalid label selector" "400 BadRequest" \
  "$(call GET "$CM?labelSelector=a%20in%20(" application/json "$(body '')")"
expect_eq "invalid resourceVersion" "400 BadRequest" \
  "$(call GET "$CM?resourceVersion=abc&resourceVersionMatch=Exact" application/json "$(body '')")"
expect_eq "unknown resource" "404 NotFound" \
  "$(call GET "$SERVER/api/v1/namespaces/default/nothings" application/json "$(body '')")"
expect_eq "verb not allowed on a collection" "405 MethodNotAllowed" \
  "$(call PUT "$CM" application/json "$(body '{}')")"
expect_eq "a valid object for the patches below" "201 " \
  "$(call POST "$CM" application/json "$(body '{"metadata":{"name":"one"}}')")"
expect_eq "unknown patch type" "415 UnsupportedMediaType" \
  "$(call PATCH "$CM/one" application/foo "$(body '{}')")"
expect_eq "a JSON patch that cannot apply" "422 Invalid" \
  "$(call PATCH "$CM/one" application/json-patch+json "$(body '[{"op":"move","from":"/nope","path":"/x"}]')")"
expect_eq "a JSON patch that is not a list of operations" "400 BadRequest" \
  "$(call PATCH "$CM/one" application/json-patch+json "$(body '{"op":"add"}')")"

# Nothing above was stored, and the server still works.
expect_eq "only the valid object exists" "kube-root-ca.crt one" \
  "$(kubectl get cm -o jsonpath='{.items[*].metadata.name}' 2>/dev/null ||
     /usr/lib/google-cloud-sdk/bin/kubectl.1.33 get cm -o jsonpath='{.items[*].metadata.name}')"
expect_eq "healthz after all of it" "ok" "$(curl -sk "$SERVER/healthz")"

# Deep but legitimate objects are fine: a CRD whose schema nests 40 fields deep.
python3 - "$E2E_TMP/deepcrd.json" <<'PY'
import json, sys
node = {"type": "string"}
for i in range(40):
    node = {"type": "object", "properties": {"f%d" % i: node}}
crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "deeps.example.carrier.io"},
       "spec": {"group": "example.carrier.io", "scope": "Namespaced",
                "names": {"plural": "deeps", "kind": "Deep"},
                "versions": [{"name": "v1", "served": True, "storage": True,
                              "schema": {"openAPIV3Schema": {"type": "object",
                                                             "properties": {"spec": node}}}}]}}
json.dump(crd, open(sys.argv[1], "w"))
PY
expect_eq "a deeply nested CRD is accepted" "201 " \
  "$(call POST "$SERVER/apis/apiextensions.k8s.io/v1/customresourcedefinitions" application/json "$E2E_TMP/deepcrd.json")"
finish
