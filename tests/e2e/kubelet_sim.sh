#!/usr/bin/env bash
# A stand-in kubelet for the end-to-end tests, until the machine agent exists: it follows the
# pods of a logical cluster with `kubectl get pods -w` and reports every pod bound to one of
# its nodes as Running and Ready through the pods/status subresource, as a kubelet would once
# the containers started. Usage: kubelet_sim.sh <kubectl> <node name regex>
KUBECTL=$1
NODES=$2
"$KUBECTL" get pods -A -w --no-headers \
  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,DEL:.metadata.deletionTimestamp |
  while read -r ns name node phase deleting; do
    [[ "$node" =~ ^($NODES)$ ]] || continue
    [ "$phase" = "Running" ] && continue
    [ "$deleting" = "<none>" ] || continue
    "$KUBECTL" -n "$ns" get pod "$name" -o json 2>/dev/null | python3 -c '
import datetime, json, sys
pod = json.load(sys.stdin)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
conditions = [c for c in pod.get("status", {}).get("conditions", []) if c.get("type") == "PodScheduled"]
conditions += [{"type": t, "status": "True", "lastTransitionTime": now}
               for t in ("Initialized", "ContainersReady", "Ready")]
pod["status"] = {"phase": "Running", "conditions": conditions, "startTime": now,
                 "podIP": "10.132.0.10", "hostIP": "192.168.0.10",
                 "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "ready": True,
                                        "restartCount": 0, "started": True,
                                        "state": {"running": {"startedAt": now}}}
                                       for c in pod["spec"].get("containers", [])]}
print(json.dumps(pod))' >"/tmp/kubelet-sim-$$.json" &&
      "$KUBECTL" replace --raw "/api/v1/namespaces/$ns/pods/$name/status" -f "/tmp/kubelet-sim-$$.json" >/dev/null 2>&1
  done
rm -f "/tmp/kubelet-sim-$$.json"
