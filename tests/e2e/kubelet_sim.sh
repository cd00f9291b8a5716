#!/usr/bin/env bash
# A stand-in kubelet for the end-to-end tests, until the machine agent exists: it follows the
# pods of a logical cluster with `kubectl get pods -w` (watching again whenever the server
# ends the stream, as any client must) and reports every pod bound to one of its nodes as
# Running and Ready through the pods/status subresource, as a kubelet would once the
# containers started, with a pod IP of its own (derived from the pod's uid); a write that
# lost a race is retried with the pod read again.
# Usage: kubelet_sim.sh <kubectl> <node name regex>
KUBECTL=$1
NODES=$2
trap 'kill $(jobs -p) 2>/dev/null; exit 0' EXIT TERM INT
BODY=$(mktemp /tmp/kubelet-sim.XXXXXX)

report_running() {  # <namespace> <pod>
  for _ in 1 2 3 4 5; do
    "$KUBECTL" -n "$1" get pod "$2" -o json 2>/dev/null | python3 -c '
import datetime, hashlib, json, sys
pod = json.load(sys.stdin)
if pod.get("metadata", {}).get("deletionTimestamp") or pod.get("status", {}).get("phase") == "Running":
    sys.exit(3)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
h = int(hashlib.sha256(pod["metadata"].get("uid", "").encode()).hexdigest(), 16)
conditions = [c for c in pod.get("status", {}).get("conditions", []) if c.get("type") == "PodScheduled"]
conditions += [{"type": t, "status": "True", "lastTransitionTime": now}
               for t in ("Initialized", "ContainersReady", "Ready")]
pod["status"] = {"phase": "Running", "conditions": conditions, "startTime": now,
                 "podIP": "10.132.%d.%d" % (h // 256 % 256, h % 254 + 1), "hostIP": "192.168.0.10",
                 "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "ready": True,
                                        "restartCount": 0, "started": True,
                                        "state": {"running": {"startedAt": now}}}
                                       for c in pod["spec"].get("containers", [])]}
print(json.dumps(pod))' >"$BODY"
    case $? in
      0) ;;
      *) return ;;  # gone, deleting or already running
    esac
    "$KUBECTL" replace --raw "/api/v1/namespaces/$1/pods/$2/status" -f "$BODY" >/dev/null && return
  done
}

while :; do
  "$KUBECTL" get pods -A -w --no-headers \
    -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,DEL:.metadata.deletionTimestamp |
    while read -r ns name node phase deleting; do
      echo "seen: $ns $name $node $phase $deleting"
      [[ "$node" =~ ^($NODES)$ ]] || continue
      [ "$phase" = "Running" ] && continue
      [ "$deleting" = "<none>" ] || continue
      report_running "$ns" "$name"
    done
done
