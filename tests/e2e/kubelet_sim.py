#!/usr/bin/python3
"""A simulated kubelet for the end-to-end tests (python3-kubernetes), one process for many nodes.

For each node named on the command line it
  - registers the Node (labels kubernetes.io/hostname, capacity and allocatable cpu 2,
    memory 4Gi, pods 110) and posts its status: Ready=True (KubeletReady) and
    MemoryPressure/DiskPressure/PIDPressure=False, each with lastHeartbeatTime;
  - renews its Lease kube-node-lease/<node> (holderIdentity <node>, leaseDurationSeconds 40)
    every --lease-interval seconds, creating it when missing;
  - posts node status again when Ready is not True in the API (as a kubelet does when what it
    would report differs from the stored status, e.g. after the node lifecycle controller
    marked it Unknown) and otherwise every --status-interval seconds;
  - reports every pod bound to it as Running and Ready through pods/status, as
    kubelet_sim.sh does (pods are followed with a list and a watch, watched again whenever
    the server ends the stream).

Stopping a node: while the file <control dir>/stop-<node> exists the node is silent (no lease
renewal, no node status, no pod reports), as if its machine were cut off; delete the file
and it comes back (status posted at once, then its pending pods reported).

Usage: kubelet_sim.py <kubeconfig> <control dir> <node>... [--lease-interval S]
                      [--status-interval S]
"""
import argparse
import datetime
import json
import os
import random
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

CONDITIONS = [
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
]
RESOURCES = {"cpu": "2", "memory": "4Gi", "pods": "110"}


def now(micro=False):
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def log(*args):
    print(now(), *args, flush=True)


def raw(call, *args, **kwargs):
    """The answer of a python-client call as a dict (no model deserialization)."""
    return json.loads(call(*args, _preload_content=False, **kwargs).data)


class Kubelet:
    def __init__(self, args):
        self.nodes = args.nodes
        self.control_dir = args.control_dir
        self.lease_interval = args.lease_interval
        self.status_interval = args.status_interval
        self.kubeconfig = args.kubeconfig
        self.last_status = {}  # node -> time.monotonic() of the last status post
        self.addresses = {n: "192.168.0.%d" % (10 + i) for i, n in enumerate(self.nodes)}

    def api(self):
        # One client per thread: the generated clients are not meant to be shared.
        configuration = client.Configuration()
        config.load_kube_config(self.kubeconfig, client_configuration=configuration)
        return client.ApiClient(configuration)

    def stopped(self, node):
        return os.path.exists(os.path.join(self.control_dir, "stop-" + node))

    # Nodes and leases.
    def register(self, core, node):
        body = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node,
                                                      "kubernetes.io/os": "linux"}}}
        try:
            core.create_node(body, _preload_content=False)
            log("registered node", node)
        except ApiException as e:
            if e.status != 409:
                raise

    def post_status(self, core, node):
        for _ in range(5):
            obj = raw(core.read_node, node)
            old = {c.get("type"): c for c in obj.get("status", {}).get("conditions", [])}
            stamp = now()
            conditions = []
            for ctype, status, reason, message in CONDITIONS:
                prev = old.get(ctype, {})
                transition = prev.get("lastTransitionTime") if prev.get("status") == status else None
                conditions.append({"type": ctype, "status": status, "reason": reason,
                                   "message": message, "lastHeartbeatTime": stamp,
                                   "lastTransitionTime": transition or stamp})
            status = obj.setdefault("status", {})
            status.update({"capacity": RESOURCES, "allocatable": RESOURCES, "conditions": conditions,
                           "addresses": [{"type": "InternalIP", "address": self.addresses[node]},
                                         {"type": "Hostname", "address": node}],
                           "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Carrier simulated node",
                                        "operatingSystem": "linux", "architecture": "amd64",
                                        "containerRuntimeVersion": "sim://1.0"}})
            try:
                core.replace_node_status(node, obj, _preload_content=False)
                self.last_status[node] = time.monotonic()
                return
            except ApiException as e:
                if e.status != 409:
                    raise

    def renew_lease(self, coordination, node):
        try:
            lease = raw(coordination.read_namespaced_lease, node, "kube-node-lease")
        except ApiException as e:
            if e.status != 404:
                raise
            lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                     "metadata": {"name": node, "namespace": "kube-node-lease"}, "spec": {}}
        lease["spec"].update({"holderIdentity": node, "leaseDurationSeconds": 40,
                              "renewTime": now(micro=True)})
        try:
            if "resourceVersion" in lease["metadata"]:
                coordination.replace_namespaced_lease(node, "kube-node-lease", lease,
                                                      _preload_content=False)
            else:
                coordination.create_namespaced_lease("kube-node-lease", lease, _preload_content=False)
        except ApiException as e:
            if e.status != 409:  # lost a race with ourselves: renewed next round
                raise

    def heartbeat_loop(self):
        api = self.api()
        core, coordination = client.CoreV1Api(api), client.CoordinationV1Api(api)
        was_stopped = {}
        while True:
            for node in self.nodes:
                try:
                    if self.stopped(node):
                        if not was_stopped.get(node):
                            log("node", node, "stopped heartbeating")
                        was_stopped[node] = True
                        continue
                    if node not in self.last_status:
                        self.register(core, node)
                    self.renew_lease(coordination, node)
                    ready = [c for c in raw(core.read_node, node).get("status", {}).get("conditions", [])
                             if c.get("type") == "Ready"]
                    due = time.monotonic() - self.last_status.get(node, -1e9) >= self.status_interval
                    if due or not ready or ready[0].get("status") != "True":
                        self.post_status(core, node)
                    if was_stopped.pop(node, False):
                        log("node", node, "resumed heartbeating")
                        self.report_pods(core)
                except Exception as e:  # the server may be briefly unavailable: next round
                    log("heartbeat of", node, "failed:", e)
            time.sleep(self.lease_interval)

    # Pods.
    def report_running(self, core, ns, name):
        for _ in range(5):
            try:
                pod = raw(core.read_namespaced_pod, name, ns)
            except ApiException:
                return
            node = pod.get("spec", {}).get("nodeName")
            if (node not in self.nodes or self.stopped(node) or pod["metadata"].get("deletionTimestamp")
                    or pod.get("status", {}).get("phase") == "Running"):
                return
            stamp = now()
            conditions = [c for c in pod.get("status", {}).get("conditions", []) if c.get("type") == "PodScheduled"]
            conditions += [{"type": t, "status": "True", "lastTransitionTime": stamp}
                           for t in ("Initialized", "ContainersReady", "Ready")]
            pod["status"] = {"phase": "Running", "conditions": conditions, "startTime": stamp,
                             "podIP": "10.132.%d.%d" % (random.randint(0, 255), random.randint(1, 254)),
                             "hostIP": self.addresses[node],
                             "containerStatuses": [{"name": c["name"], "image": c.get("image", ""),
                                                    "imageID": c.get("image", ""),
                                                    "containerID": "sim://%s-%s" % (name, c["name"]),
                                                    "ready": True, "restartCount": 0, "started": True,
                                                    "state": {"running": {"startedAt": stamp}}}
                                                   for c in pod["spec"].get("containers", [])]}
            try:
                core.replace_namespaced_pod_status(name, ns, pod, _preload_content=False)
                log("pod", ns + "/" + name, "running on", node)
                return
            except ApiException as e:
                if e.status not in (409, 404):
                    raise
                if e.status == 404:
                    return

    def consider(self, core, pod):
        spec, meta = pod.get("spec", {}), pod.get("metadata", {})
        if (spec.get("nodeName") in self.nodes and not meta.get("deletionTimestamp")
                and pod.get("status", {}).get("phase") != "Running"):
            self.report_running(core, meta["namespace"], meta["name"])

    def report_pods(self, core):
        pods = raw(core.list_pod_for_all_namespaces)
        for pod in pods.get("items", []):
            self.consider(core, pod)
        return pods["metadata"]["resourceVersion"]

    def pod_loop(self):
        core = client.CoreV1Api(self.api())
        while True:
            try:
                version = self.report_pods(core)
                for event in watch.Watch().stream(core.list_pod_for_all_namespaces,
                                                  resource_version=version, timeout_seconds=300):
                    if event["type"] in ("ADDED", "MODIFIED"):
                        self.consider(core, event["raw_object"])
            except Exception as e:  # the stream ended or failed: list and watch again
                log("pod watch restarts:", e)
                time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description="simulated kubelet")
    parser.add_argument("kubeconfig")
    parser.add_argument("control_dir")
    parser.add_argument("nodes", nargs="+")
    parser.add_argument("--lease-interval", type=float, default=10)
    parser.add_argument("--status-interval", type=float, default=60)
    kubelet = Kubelet(parser.parse_args())
    threading.Thread(target=kubelet.heartbeat_loop, daemon=True).start()
    kubelet.pod_loop()


if __name__ == "__main__":
    sys.exit(main())
