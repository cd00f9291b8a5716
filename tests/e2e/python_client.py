"""python3-kubernetes against a real `carrier serve`: typed CRUD, conflicts, watch, scale.

Usage: python_client.py <kubeconfig>
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()
failures = []


def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else " " + str(detail)))
    if not ok:
        failures.append(what)


names = sorted(ns.metadata.name for ns in core.list_namespace().items)
check("namespaces", {"default", "kube-system"} <= set(names), names)

cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py", labels={"from": "python"}),
                        data={"k": "v"})
created = core.create_namespaced_config_map("default", cm)
check("create returns uid and resourceVersion",
      bool(created.metadata.uid) and bool(created.metadata.resource_version))
got = core.read_namespaced_config_map("py", "default")
check("read", got.data == {"k": "v"}, got.data)

patched = core.patch_namespaced_config_map("py", "default", {"data": {"k": "v2"}})
check("patch", patched.data["k"] == "v2", patched.data)

stale = got
stale.data = {"k": "stale"}
try:
    core.replace_namespaced_config_map("py", "default", stale)
    check("stale replace conflicts", False, "no error")
except ApiException as e:
    check("stale replace conflicts", e.status == 409 and "Conflict" in e.body, e.body)

try:
    core.create_namespaced_config_map("default", cm)
    check("duplicate create", False, "no error")
except ApiException as e:
    check("duplicate create is AlreadyExists", e.status == 409 and "AlreadyExists" in e.body)

listed = core.list_namespaced_config_map("default", label_selector="from=python")
check("list with label selector", [i.metadata.name for i in listed.items] == ["py"])

# Watch from the list's resourceVersion sees the delete.
events = []


def collect():
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default",
                          resource_version=listed.metadata.resource_version, timeout_seconds=10):
        events.append((event["type"], event["object"].metadata.name))
        if event["type"] == "DELETED":
            w.stop()


t = threading.Thread(target=collect)
t.start()
core.delete_namespaced_config_map("py", "default")
t.join(15)
check("watch sees the delete", ("DELETED", "py") in events, events)

deployment = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="web"),
    spec=client.V1DeploymentSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels={"app": "web"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]))))
apps.create_namespaced_deployment("default", deployment)
apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
scale = apps.read_namespaced_deployment_scale("web", "default")
check("scale subresource", scale.spec.replicas == 3 and scale.status.selector == "app=web",
      scale)

try:
    core.read_namespaced_pod("missing", "default")
except ApiException as e:
    check("not found", e.status == 404 and 'pods \\"missing\\" not found' in e.body, e.body)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
