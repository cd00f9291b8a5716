#!/usr/bin/python3
"""Generates the OpenAPI definitions of Carrier's built-in types at build time.

Input: the model classes of Debian's python3-kubernetes package (each declares
`openapi_types` and `attribute_map`, documents its fields in its property docstrings and
rejects a missing required field in its setters) and its API classes (each request names a
path, from which the group and version of the kinds it returns follow).

Output: a C++ source file defining `carrier::apiserver::kOpenApiBuiltinDefinitions`, the
JSON text of an object whose keys are Kubernetes definition names
(`io.k8s.api.core.v1.Pod`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, ...) and
whose values are OpenAPI v2 schemas; top-level kinds carry x-kubernetes-group-version-kind.

Usage: gen_openapi.py <output.cc>
"""

import inspect
import json
import re
import sys

import kubernetes.client.api as api_module
import kubernetes.client.models as models_module

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
INTSTR = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
RAW = "io.k8s.apimachinery.pkg.runtime.RawExtension"
APIEXT = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."

# Types of the apimachinery meta package (their python names carry no group).
META_TYPES = {
    "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement",
    "ManagedFieldsEntry", "OwnerReference", "Condition", "Status", "StatusDetails",
    "StatusCause", "DeleteOptions", "Preconditions", "WatchEvent", "APIResource",
    "APIResourceList", "APIGroup", "APIGroupList", "APIVersions",
    "GroupVersionForDiscovery", "ServerAddressByClientCIDR",
}

# Python types the client flattens to `object`: what Kubernetes declares them as.
INT_OR_STRING_FIELDS = {"port", "targetPort", "maxSurge", "maxUnavailable", "minAvailable"}
OBJECT_FIELDS = {  # (python class, json field) -> definition
    ("V1ManagedFieldsEntry", "fieldsV1"): META + "FieldsV1",
    ("V1ControllerRevision", "data"): RAW,
    ("V1WatchEvent", "object"): RAW,
    ("V1CustomResourceSubresources", "status"): APIEXT + "CustomResourceSubresourceStatus",
}
# Maps and strings that hold resource quantities.
QUANTITY_MAPS = {"limits", "requests", "capacity", "allocatable", "hard", "used", "default",
                 "defaultRequest", "max", "min", "maxLimitRequestRatio", "podFixed",
                 "overhead"}
QUANTITY_STRINGS = {("V1EmptyDirVolumeSource", "sizeLimit"), ("V2beta2MetricTarget", "value"),
                    ("V2beta2MetricTarget", "averageValue"),
                    ("V2beta2MetricValueStatus", "value"),
                    ("V2beta2MetricValueStatus", "averageValue")}
MICRO_TIME_FIELDS = {("V1LeaseSpec", "acquireTime"), ("V1LeaseSpec", "renewTime"),
                     ("CoreV1Event", "eventTime"), ("EventsV1Event", "eventTime"),
                     ("CoreV1EventSeries", "lastObservedTime"),
                     ("EventsV1EventSeries", "lastObservedTime")}
BYTE_MAPS = {("V1Secret", "data"), ("V1ConfigMap", "binaryData")}

# Lists that merge in a strategic merge patch (Kubernetes' patchStrategy/patchMergeKey
# struct tags); kubectl computes its apply patches from these when a schema is published.
_CONTAINER = {"ports": ("merge", "containerPort"), "env": ("merge", "name"),
              "volumeMounts": ("merge", "mountPath"), "volumeDevices": ("merge", "devicePath")}
PATCH_META = {("V1ObjectMeta", "finalizers"): ("merge", None),
              ("V1ObjectMeta", "ownerReferences"): ("merge", "uid"),
              ("V1PodSpec", "containers"): ("merge", "name"),
              ("V1PodSpec", "initContainers"): ("merge", "name"),
              ("V1PodSpec", "ephemeralContainers"): ("merge", "name"),
              ("V1PodSpec", "volumes"): ("merge,retainKeys", "name"),
              ("V1PodSpec", "imagePullSecrets"): ("merge", "name"),
              ("V1PodSpec", "hostAliases"): ("merge", "ip"),
              ("V1PodSpec", "topologySpreadConstraints"): ("merge", "topologyKey"),
              ("V1PodStatus", "podIPs"): ("merge", "ip"),
              ("V1ServiceSpec", "ports"): ("merge", "port"),
              ("V1NodeSpec", "podCIDRs"): ("merge", None),
              ("V1NodeStatus", "addresses"): ("merge", "type"),
              ("V1DeploymentSpec", "strategy"): ("retainKeys", None),
              ("V1ServiceAccount", "secrets"): ("merge", "name"),
              ("V1MutatingWebhookConfiguration", "webhooks"): ("merge", "name"),
              ("V1ValidatingWebhookConfiguration", "webhooks"): ("merge", "name")}
for _c in ("V1Container", "V1EphemeralContainer"):
    for _f, _m in _CONTAINER.items():
        PATCH_META[(_c, _f)] = _m
for _c in ("V1PodStatus", "V1NodeStatus", "V1NamespaceStatus", "V1DeploymentStatus",
           "V1ReplicaSetStatus", "V1DaemonSetStatus", "V1StatefulSetStatus", "V1JobStatus",
           "V1PersistentVolumeClaimStatus", "V1ReplicationControllerStatus",
           "V1ServiceStatus", "V1PodDisruptionBudgetStatus"):
    PATCH_META[(_c, "conditions")] = ("merge", "type")

# Python class-name prefixes that name a group, and the package each group's types live in.
GROUP_PREFIXES = {
    "Core": "", "Events": "events.k8s.io", "Discovery": "discovery.k8s.io",
    "Storage": "storage.k8s.io", "Admissionregistration": "admissionregistration.k8s.io",
    "Apiextensions": "apiextensions.k8s.io", "Apiregistration": "apiregistration.k8s.io",
    "Networking": "networking.k8s.io", "Flowcontrol": "flowcontrol.apiserver.k8s.io",
    "Authentication": "authentication.k8s.io", "Rbac": "rbac.authorization.k8s.io",
}

# Group versions Carrier serves whose python models only exist in an earlier version with
# the same shape: their definitions are also published under the served version.
ALIASES = {("autoscaling", "v2beta2"): "v2"}

NAME_RE = re.compile(r"^([A-Z][a-z]+)?(V\d+(?:(?:alpha|beta)\d+)?)([A-Z].*)$")


# Fields Kubernetes added after the python3-kubernetes release (22.x: Kubernetes 1.22) that
# Carrier's controllers and defaulting use; kubectl validates bodies against the schemas, so a
# field missing here is refused before it reaches the server.
BATCH = "io.k8s.api.batch.v1."
NEWER_FIELDS = {
    BATCH + "CronJobSpec": {
        "timeZone": {"type": "string",
                     "description": "The IANA time zone of the schedule; UTC when unset."},
    },
    BATCH + "JobSpec": {
        "podReplacementPolicy": {"type": "string",
                                 "description": "When failed pods are replaced: "
                                                "TerminatingOrFailed or Failed."},
        "backoffLimitPerIndex": {"type": "integer", "format": "int32"},
        "maxFailedIndexes": {"type": "integer", "format": "int32"},
        "managedBy": {"type": "string"},
        "podFailurePolicy": {"type": "object"},
        "successPolicy": {"type": "object"},
    },
    BATCH + "JobStatus": {
        "ready": {"type": "integer", "format": "int32",
                  "description": "The number of active pods that are Ready."},
        "terminating": {"type": "integer", "format": "int32",
                        "description": "The number of pods being deleted."},
        "failedIndexes": {"type": "string"},
    },
}


def package(group, version):
    if group == "apiextensions.k8s.io":
        return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version + "."
    if group == "apiregistration.k8s.io":
        return "io.k8s.kube-aggregator.pkg.apis.apiregistration." + version + "."
    short = "core" if group == "" else group.split(".")[0]
    return "io.k8s.api." + short + "." + version + "."


def split_name(cls_name):
    """('Core'|None, 'v1', 'Pod') from 'CoreV1Pod' or 'V1Pod'."""
    m = NAME_RE.match(cls_name)
    if not m:
        return None
    return m.group(1), m.group(2).lower(), m.group(3)


def description(prop):
    doc = (prop.fget.__doc__ or "") if prop.fget else ""
    lines = [l.strip() for l in doc.split("\n")]
    # Gets ... line, blank, description paragraph(s), blank, :return: ...
    body = []
    for line in lines[1:]:
        if line.startswith(":return:"):
            break
        body.append(line)
    text = "\n".join(body).strip()
    text = text.replace("  # noqa: E501", "")
    return text


def required(cls, attr):
    prop = cls.__dict__.get(attr)
    if not isinstance(prop, property) or prop.fset is None:
        return False
    try:
        src = inspect.getsource(prop.fset)
    except (OSError, TypeError):
        return False
    return "must not be `None`" in src


def api_kinds():
    """{python class: (group, version)} of the kinds (and lists) the API paths return."""
    found = {}
    path_re = re.compile(r"'(/apis?/[^']*)', '(GET|POST|PUT|PATCH|DELETE)'")
    type_re = re.compile(r"response_type='([A-Za-z0-9]+)'")
    for _, cls in inspect.getmembers(api_module, inspect.isclass):
        try:
            src = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        for m in path_re.finditer(src):
            tm = type_re.search(src, m.end(), m.end() + 800)
            if not tm:
                continue
            parts = m.group(1).strip("/").split("/")
            if parts[0] == "api":
                group, version, rest = "", parts[1] if len(parts) > 1 else "", parts[2:]
            elif len(parts) >= 3:
                group, version, rest = parts[1], parts[2], parts[3:]
            else:
                continue
            # Only the resource itself, not subresources or watch paths.
            if "watch" in rest or (rest and rest[-1] != "{name}" and "{name}" in rest):
                continue
            found.setdefault(tm.group(1), (group, version))
    return found


def main():
    out_path = sys.argv[1]
    classes = {n: c for n, c in inspect.getmembers(models_module, inspect.isclass)
               if hasattr(c, "openapi_types")}
    kinds = api_kinds()

    # Each class's definition name: kinds from their API group, the meta types by name,
    # group-prefixed classes by prefix, the rest by the package of the first kind (core
    # kinds first) that reaches them.
    names = {}

    def assign(cls_name, group):
        parts = split_name(cls_name)
        if parts is None:
            return
        prefix, version, local = parts
        if prefix is not None and prefix in GROUP_PREFIXES:
            group = GROUP_PREFIXES[prefix]
        if prefix is None and version == "v1" and local in META_TYPES:
            names[cls_name] = META + local
            return
        names[cls_name] = package(group, version) + local

    ordered = sorted(kinds.items(), key=lambda kv: (kv[1][0] != "", kv[1][0], kv[0]))
    for cls_name, (group, _) in ordered:
        if cls_name in classes and cls_name not in names:
            assign(cls_name, group)
    group_of = {c: g for c, (g, _) in kinds.items()}
    queue = [c for c, _ in ordered if c in classes]
    seen = set(queue)
    while queue:
        cls_name = queue.pop(0)
        for t in classes[cls_name].openapi_types.values():
            for ref in re.findall(r"[A-Z][A-Za-z0-9]+", t):
                if ref in classes and ref not in seen:
                    seen.add(ref)
                    group_of.setdefault(ref, group_of.get(cls_name, ""))
                    if ref not in names:
                        assign(ref, group_of[ref])
                    queue.append(ref)
    # Types no kind reaches (request bodies and the like).
    for cls_name in classes:
        if cls_name not in names:
            assign(cls_name, "autoscaling" if cls_name == "V1Scale" else "")
    definitions = {}

    def schema_of(cls_name, field, t):
        if t in ("str",):
            if (cls_name, field) in QUANTITY_STRINGS:
                return {"$ref": "#/definitions/" + QUANTITY}
            return {"type": "string"}
        if t == "int":
            return {"type": "integer"}
        if t == "float":
            return {"type": "number", "format": "double"}
        if t == "bool":
            return {"type": "boolean"}
        if t == "datetime":
            if (cls_name, field) in MICRO_TIME_FIELDS:
                return {"$ref": "#/definitions/" + META + "MicroTime"}
            return {"$ref": "#/definitions/" + META + "Time"}
        if t == "date":
            return {"type": "string", "format": "date"}
        if t == "object":
            if (cls_name, field) in OBJECT_FIELDS:
                return {"$ref": "#/definitions/" + OBJECT_FIELDS[(cls_name, field)]}
            if field in INT_OR_STRING_FIELDS:
                return {"$ref": "#/definitions/" + INTSTR}
            return {}  # any JSON value
        m = re.match(r"^list\[(.*)\]$", t)
        if m:
            return {"type": "array", "items": schema_of(cls_name, None, m.group(1))}
        m = re.match(r"^dict\(str, (.*)\)$", t)
        if m:
            if field in QUANTITY_MAPS and m.group(1) == "str":
                inner = {"$ref": "#/definitions/" + QUANTITY}
            elif (cls_name, field) in BYTE_MAPS:
                inner = {"type": "string", "format": "byte"}
            else:
                inner = schema_of(cls_name, None, m.group(1))
            return {"type": "object", "additionalProperties": inner}
        if t in names:
            return {"$ref": "#/definitions/" + names[t]}
        return {}

    for cls_name, name in names.items():
        cls = classes[cls_name]
        props = {}
        req = []
        for attr, t in cls.openapi_types.items():
            field = cls.attribute_map[attr]
            s = schema_of(cls_name, field, t)
            prop = cls.__dict__.get(attr)
            if isinstance(prop, property):
                d = description(prop)
                if d:
                    s["description"] = d
            if (cls_name, field) in PATCH_META:
                strategy, key = PATCH_META[(cls_name, field)]
                s["x-kubernetes-patch-strategy"] = strategy
                if key:
                    s["x-kubernetes-patch-merge-key"] = key
            props[field] = s
            if required(cls, attr):
                req.append(field)
        d = {"type": "object", "properties": props}
        if req:
            d["required"] = sorted(req)
        if name.startswith(META):
            if name == META + "Status":
                d["x-kubernetes-group-version-kind"] = [
                    {"group": "", "kind": "Status", "version": "v1"}]
        elif cls_name in kinds and "kind" in props and "apiVersion" in props:
            group, version = kinds[cls_name]
            local = split_name(cls_name)[2]
            d["x-kubernetes-group-version-kind"] = [
                {"group": group, "kind": local, "version": version}]
        definitions[name] = d

    for (group, version), target in ALIASES.items():
        src_pkg, dst_pkg = package(group, version), package(group, target)
        if any(n.startswith(dst_pkg) for n in definitions):
            continue
        text = json.dumps({n: s for n, s in definitions.items() if n.startswith(src_pkg)})
        text = text.replace(src_pkg, dst_pkg)
        text = text.replace('"version": "%s"' % version, '"version": "%s"' % target)
        definitions.update(json.loads(text))

    for name, fields in NEWER_FIELDS.items():
        for field, schema in fields.items():
            definitions[name]["properties"].setdefault(field, schema)

    definitions[INTSTR] = {"type": "string", "format": "int-or-string"}
    definitions[QUANTITY] = {"type": "string"}
    definitions[META + "Time"] = {"type": "string", "format": "date-time"}
    definitions[META + "MicroTime"] = {"type": "string", "format": "date-time"}
    definitions[META + "FieldsV1"] = {"type": "object"}
    definitions[RAW] = {"type": "object"}
    definitions[APIEXT + "CustomResourceSubresourceStatus"] = {"type": "object"}

    text = json.dumps(definitions, sort_keys=True, separators=(",", ":"))
    delim = "carrier_openapi"
    assert (")" + delim + '"') not in text
    with open(out_path, "w") as f:
        f.write("// Generated by cmake/gen_openapi.py from python3-kubernetes; do not edit.\n")
        f.write("namespace carrier::apiserver {\n")
        f.write("extern const char kOpenApiBuiltinDefinitions[];\n")
        f.write("const char kOpenApiBuiltinDefinitions[] = R\"%s(" % delim)
        f.write(text)
        f.write(")%s\";\n}  // namespace carrier::apiserver\n" % delim)


if __name__ == "__main__":
    main()
