# Helpers of the hosted cluster suites (sourced after lib.sh, with k() defined): a namespace
# `clusters` with a pull secret, HostedCluster manifests, conditions, kubeconfigs and the
# certificates presented by a listener.

# free_port_range <count>: prints the first of <count> consecutive loopback ports free now.
free_port_range() {
  python3 - "$1" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
while True:
    base, socks = random.randrange(20000, 60000), []
    try:
        for p in range(base, base + count):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
}

create_clusters_namespace() {
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
  .dockerconfigjson: eyJhdXRocyI6e319
YAML
}
hosted_cluster() {  # <name> <APIServer servicePublishingStrategy YAML, indented by six spaces>
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
  dns:
    baseDomain: example.com
  networking:
    clusterNetwork:
    - cidr: 10.132.0.0/14
    serviceNetwork:
    - cidr: 172.31.0.0/16
  services:
  - service: APIServer
    servicePublishingStrategy:
$2
  - service: OAuthServer
    servicePublishingStrategy:
      type: Route
YAML
}
condition() {  # <hc> <type> → "<status> <reason>: <message>"
  k get hc "$1" -n clusters -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status} {.status.conditions[?(@.type==\"$2\")].reason}: {.status.conditions[?(@.type==\"$2\")].message}"
}
condition_is() { test "$(condition "$1" "$2" | cut -d' ' -f1)" = "$3"; }  # <hc> <type> <status>
kubeconfig_of() {  # <hc> → writes $E2E_TMP/<hc>.kubeconfig, its client cert/key and the hosted root CA
  k get secret "$1-admin-kubeconfig" -n clusters -o jsonpath='{.data.kubeconfig}' | base64 -d >"$E2E_TMP/$1.kubeconfig"
  python3 - "$E2E_TMP/$1.kubeconfig" "$E2E_TMP/$1" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
for field, ext in (("client-certificate-data", "crt"), ("client-key-data", "key"),
                   ("certificate-authority-data", "ca")):
    open(sys.argv[2] + "." + ext, "wb").write(base64.b64decode(re.search(field + r": (\S+)", text).group(1)))
PY
  k get secret root-ca -n "clusters-$1" -o jsonpath='{.data.ca\.crt}' | base64 -d >"$E2E_TMP/$1.root-ca"
}
leaf_for() {  # <port> [SNI name] → the PEM certificate presented
  openssl s_client -connect "127.0.0.1:$1" ${2:+-servername "$2"} </dev/null 2>/dev/null |
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p'
}
verifies() {  # <CA file> <certificate file>
  openssl verify -CAfile "$1" "$2" >/dev/null 2>&1 && echo yes || echo no
}

