#!/usr/bin/env bash
# End to end: the registries.conf Carrier renders from mirror sets is what containers/image
# (skopeo) actually follows. An image lives only in a local registry (the mirror); pulls name
# its "source" (a host that does not exist) and must reach the mirror by digest, must not
# by tag until an ImageTagMirrorSet says so, and must never contact the blocked source.
# Usage: mirror_resolution.sh <render_registries_conf> [registry-kind]
#   registry-kind: "distribution" (docker-registry, default) or "carrier:<carrier binary>"
source "$(dirname "$0")/lib.sh"
render=$1
kind=${2:-distribution}

if [[ $kind == carrier:* ]]; then
  start_carrier "${kind#carrier:}" "$WORK/mirror" --plain-http
  mirror_host=127.0.0.1:$CARRIER_PORT
else
  start_distribution "$WORK/mirror"
  mirror_host=127.0.0.1:$DIST_PORT
fi

step "an image that exists only in the mirror"
build_busybox_layout "$WORK/layout"
digest=$(manifest_digest "$WORK/layout" latest)
skopeo copy -q --dest-tls-verify=false oci:"$WORK/layout":latest \
  docker://$mirror_host/mirrored/e2e/busybox:v1

step "ImageDigestMirrorSet with NeverContactSource: digest pulls go to the mirror"
cat >"$WORK/idms.yaml" <<YAML
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata:
  name: e2e
spec:
  imageDigestMirrors:
  - source: source.invalid/e2e
    mirrors:
    - $mirror_host/mirrored/e2e
    mirrorSourcePolicy: NeverContactSource
YAML
"$render" "$WORK/idms.yaml" --insecure "$mirror_host" >"$WORK/registries.conf"
cat "$WORK/registries.conf"
grep -q 'blocked = true' "$WORK/registries.conf" || fail "source not blocked"
got=$(skopeo --registries-conf "$WORK/registries.conf" inspect --raw \
  docker://source.invalid/e2e/busybox@"$digest" | sha256_of)
[ "$got" = "$digest" ] || fail "manifest through the mirror has digest $got, want $digest"

step "a tag pull is not mirrored by a digest set, and the source is blocked"
if skopeo --registries-conf "$WORK/registries.conf" inspect --raw \
  docker://source.invalid/e2e/busybox:v1 >"$WORK/out" 2>"$WORK/err"; then
  fail "tag pull succeeded through a digest-only mirror"
fi
grep -qi "blocked" "$WORK/err" || fail "tag pull failed for another reason: $(cat "$WORK/err")"

step "ImageTagMirrorSet: tag pulls go to the mirror too"
cat >>"$WORK/idms.yaml" <<YAML
---
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata:
  name: e2e-tags
spec:
  imageTagMirrors:
  - source: source.invalid/e2e
    mirrors:
    - $mirror_host/mirrored/e2e
YAML
"$render" "$WORK/idms.yaml" --insecure "$mirror_host" >"$WORK/registries.conf"
got=$(skopeo --registries-conf "$WORK/registries.conf" inspect --raw \
  docker://source.invalid/e2e/busybox:v1 | sha256_of)
[ "$got" = "$digest" ] || fail "tag pull through the mirror gave $got, want $digest"

step "the documented ICSP form (mirror-by-digest-only) is followed as well"
cat >"$WORK/icsp.yaml" <<YAML
apiVersion: operator.openshift.io/v1alpha1
kind: ImageContentSourcePolicy
metadata:
  name: e2e
spec:
  repositoryDigestMirrors:
  - mirrors:
    - $mirror_host/mirrored/e2e/busybox
    source: source.invalid/other/busybox
YAML
"$render" "$WORK/icsp.yaml" --insecure "$mirror_host" >"$WORK/registries.conf"
grep -q 'mirror-by-digest-only = true' "$WORK/registries.conf" || fail "not digest-only"
got=$(skopeo --registries-conf "$WORK/registries.conf" inspect --raw \
  docker://source.invalid/other/busybox@"$digest" | sha256_of)
[ "$got" = "$digest" ] || fail "ICSP mirror pull gave $got, want $digest"
echo PASS
