#include "apiserver/table_cells.h"

#include <boost/json.hpp>
#include <chrono>
#include <initializer_list>

#include "api/label_selector.h"
#include "apiserver/csr_strategy.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver::cells {

namespace json = boost::json;

namespace {

const json::value* At(const json::object& obj, std::initializer_list<std::string_view> path) {
  const json::value* v = nullptr;
  const json::object* o = &obj;
  for (auto key : path) {
    if (o == nullptr) return nullptr;
    v = o->if_contains(key);
    if (v == nullptr) return nullptr;
    o = v->if_object();
  }
  return v;
}

std::string StringAt(const json::object& obj, std::initializer_list<std::string_view> path) {
  const json::value* v = At(obj, path);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t IntAt(const json::object& obj, std::initializer_list<std::string_view> path,
              int64_t fallback = 0) {
  const json::value* v = At(obj, path);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return fallback;
}

size_t SizeOf(const json::value* v) {
  if (v == nullptr) return 0;
  if (auto* o = v->if_object()) return o->size();
  if (auto* a = v->if_array()) return a->size();
  return 0;
}

const json::array& ArrayAt(const json::object& obj, std::initializer_list<std::string_view> path) {
  static const json::array empty;
  const json::value* v = At(obj, path);
  return v && v->is_array() ? v->get_array() : empty;
}

std::string OrNone(std::string s) { return s.empty() ? "<none>" : s; }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ",";
    out += p;
  }
  return out;
}

std::string ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

// The containers of a workload's pod template (spec.template.spec.containers; a CronJob's
// spec.jobTemplate.spec.template...).
const json::array& TemplateContainerList(const json::object& w) {
  const json::array& direct = ArrayAt(w, {"spec", "template", "spec", "containers"});
  if (!direct.empty()) return direct;
  return ArrayAt(w, {"spec", "jobTemplate", "spec", "template", "spec", "containers"});
}

std::string ContainerField(const json::object& w, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& c : TemplateContainerList(w)) {
    if (const auto* o = c.if_object()) out.push_back(StringAt(*o, {field}));
  }
  return OrNone(Join(out));
}

std::string DurationText(std::chrono::seconds d) {
  // Kubernetes' HumanDuration-like short form used by kubectl (e.g. "5s", "3m", "2h", "4d").
  auto s = d.count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 3600 * 3) return std::to_string(s / 60) + "m";
  if (s < 86400 * 2) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::optional<std::chrono::system_clock::time_point> ParseTime(const std::string& rfc3339) {
  std::tm tm{};
  if (rfc3339.size() < 19 || !strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string AgeOf(const std::string& rfc3339) {
  if (rfc3339.empty()) return "<unknown>";
  return HumanAgeSince(rfc3339, std::chrono::system_clock::now());
}

bool ConditionTrue(const json::object& obj, std::string_view type) {
  for (const auto& c : ArrayAt(obj, {"status", "conditions"})) {
    const auto* o = c.if_object();
    if (o && StringAt(*o, {"type"}) == type && StringAt(*o, {"status"}) == "True") return true;
  }
  return false;
}

std::string SelectorText(const json::value* selector) {
  if (selector == nullptr || !selector->is_object()) return "<none>";
  auto parsed = api::LabelSelector::FromJson(*selector);
  return parsed.ok() ? OrNone(parsed->ToString()) : "<none>";
}

std::string MapText(const json::value* map) {
  std::vector<std::string> out;
  if (map && map->is_object()) {
    for (const auto& kv : map->get_object()) {
      out.push_back(std::string(kv.key()) + "=" + ScalarText(kv.value()));
    }
  }
  return OrNone(Join(out));
}

std::string SubjectsOfKind(const json::object& binding, std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& s : ArrayAt(binding, {"subjects"})) {
    const auto* o = s.if_object();
    if (o == nullptr || StringAt(*o, {"kind"}) != kind) continue;
    std::string name = StringAt(*o, {"name"});
    if (kind == "ServiceAccount") name = StringAt(*o, {"namespace"}) + "/" + name;
    out.push_back(name);
  }
  return Join(out);
}

}  // namespace

std::string Age(const json::object& obj) { return AgeOf(StringAt(obj, {"metadata", "creationTimestamp"})); }
std::string CreatedAt(const json::object& obj) { return StringAt(obj, {"metadata", "creationTimestamp"}); }

std::string DataCount(const json::object& obj) {
  return std::to_string(SizeOf(obj.if_contains("data")) + SizeOf(obj.if_contains("binaryData")));
}

std::string PodReady(const json::object& pod) {
  size_t total = SizeOf(At(pod, {"spec", "containers"}));
  size_t ready = 0;
  for (const auto& s : ArrayAt(pod, {"status", "containerStatuses"})) {
    const auto* o = s.if_object();
    const json::value* r = o ? o->if_contains("ready") : nullptr;
    if (r && r->is_bool() && r->get_bool()) ++ready;
  }
  return std::to_string(ready) + "/" + std::to_string(total);
}

std::string PodStatus(const json::object& pod) {
  if (At(pod, {"metadata", "deletionTimestamp"})) return "Terminating";
  std::string reason = StringAt(pod, {"status", "reason"});
  if (!reason.empty()) return reason;
  // A waiting or terminated container's reason says more than the phase.
  for (const auto& s : ArrayAt(pod, {"status", "containerStatuses"})) {
    const auto* o = s.if_object();
    if (o == nullptr) continue;
    std::string waiting = StringAt(*o, {"state", "waiting", "reason"});
    if (!waiting.empty() && waiting != "ContainerCreating") return waiting;
    std::string terminated = StringAt(*o, {"state", "terminated", "reason"});
    if (!terminated.empty()) return terminated;
  }
  std::string phase = StringAt(pod, {"status", "phase"});
  return phase.empty() ? "Pending" : phase;
}

std::string PodRestarts(const json::object& pod) {
  int64_t restarts = 0;
  for (const auto& s : ArrayAt(pod, {"status", "containerStatuses"})) {
    if (const auto* o = s.if_object()) restarts += IntAt(*o, {"restartCount"});
  }
  return std::to_string(restarts);
}

std::string PodNominatedNode(const json::object& pod) {
  return OrNone(StringAt(pod, {"status", "nominatedNodeName"}));
}

std::string PodReadinessGates(const json::object& pod) {
  const json::array& gates = ArrayAt(pod, {"spec", "readinessGates"});
  if (gates.empty()) return "<none>";
  size_t ready = 0;
  for (const auto& g : gates) {
    const auto* o = g.if_object();
    if (o && ConditionTrue(pod, StringAt(*o, {"conditionType"}))) ++ready;
  }
  return std::to_string(ready) + "/" + std::to_string(gates.size());
}

std::string ServiceExternalIp(const json::object& svc) {
  std::vector<std::string> ips;
  for (const auto& ing : ArrayAt(svc, {"status", "loadBalancer", "ingress"})) {
    if (const auto* o = ing.if_object()) {
      std::string ip = StringAt(*o, {"ip"});
      ips.push_back(ip.empty() ? StringAt(*o, {"hostname"}) : ip);
    }
  }
  for (const auto& ip : ArrayAt(svc, {"spec", "externalIPs"})) {
    if (ip.is_string()) ips.emplace_back(ip.get_string());
  }
  const std::string type = StringAt(svc, {"spec", "type"});
  if (type == "ExternalName") return OrNone(StringAt(svc, {"spec", "externalName"}));
  if (ips.empty()) return type == "LoadBalancer" ? "<pending>" : "<none>";
  return Join(ips);
}

std::string ServicePorts(const json::object& svc) {
  std::vector<std::string> out;
  for (const auto& p : ArrayAt(svc, {"spec", "ports"})) {
    const auto* o = p.if_object();
    if (o == nullptr) continue;
    std::string protocol = StringAt(*o, {"protocol"});
    std::string text = std::to_string(IntAt(*o, {"port"}));
    if (int64_t node_port = IntAt(*o, {"nodePort"})) text += ":" + std::to_string(node_port);
    out.push_back(text + "/" + (protocol.empty() ? "TCP" : protocol));
  }
  return OrNone(Join(out));
}

std::string ServiceSelector(const json::object& svc) { return MapText(At(svc, {"spec", "selector"})); }

std::string EndpointsList(const json::object& ep) {
  std::vector<std::string> all;
  for (const auto& subset : ArrayAt(ep, {"subsets"})) {
    const auto* s = subset.if_object();
    if (s == nullptr) continue;
    const json::array& ports = ArrayAt(*s, {"ports"});
    for (const auto& addr : ArrayAt(*s, {"addresses"})) {
      const auto* a = addr.if_object();
      if (a == nullptr) continue;
      std::string ip = StringAt(*a, {"ip"});
      if (ports.empty()) {
        all.push_back(ip);
        continue;
      }
      for (const auto& port : ports) {
        if (const auto* p = port.if_object()) all.push_back(ip + ":" + std::to_string(IntAt(*p, {"port"})));
      }
    }
  }
  if (all.empty()) return "<none>";
  // kubectl shows three and counts the rest.
  std::vector<std::string> shown(all.begin(), all.begin() + std::min<size_t>(3, all.size()));
  std::string text = Join(shown);
  if (all.size() > 3) text += " + " + std::to_string(all.size() - 3) + " more...";
  return text;
}

std::string NodeStatus(const json::object& node) {
  std::string status = "Unknown";
  for (const auto& c : ArrayAt(node, {"status", "conditions"})) {
    const auto* o = c.if_object();
    if (o && StringAt(*o, {"type"}) == "Ready") {
      status = StringAt(*o, {"status"}) == "True" ? "Ready" : "NotReady";
    }
  }
  if (auto* u = At(node, {"spec", "unschedulable"}); u && u->is_bool() && u->get_bool()) {
    status += ",SchedulingDisabled";
  }
  return status;
}

std::string NodeRoles(const json::object& node) {
  std::vector<std::string> roles;
  if (const json::value* labels = At(node, {"metadata", "labels"}); labels && labels->is_object()) {
    constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    for (const auto& kv : labels->get_object()) {
      std::string_view key = kv.key();
      if (key.substr(0, kPrefix.size()) == kPrefix && key.size() > kPrefix.size()) {
        roles.emplace_back(key.substr(kPrefix.size()));
      } else if (key == "kubernetes.io/role" && kv.value().is_string()) {
        roles.emplace_back(kv.value().get_string());
      }
    }
  }
  return OrNone(Join(roles));
}

namespace {
std::string NodeAddress(const json::object& node, std::string_view type) {
  for (const auto& a : ArrayAt(node, {"status", "addresses"})) {
    const auto* o = a.if_object();
    if (o && StringAt(*o, {"type"}) == type) return StringAt(*o, {"address"});
  }
  return "<none>";
}
}  // namespace

std::string NodeInternalIp(const json::object& node) { return NodeAddress(node, "InternalIP"); }
std::string NodeExternalIp(const json::object& node) { return NodeAddress(node, "ExternalIP"); }

std::string ReadyOfDesired(const json::object& obj) {
  int64_t desired = IntAt(obj, {"spec", "replicas"}, 1);
  return std::to_string(IntAt(obj, {"status", "readyReplicas"})) + "/" + std::to_string(desired);
}

std::string TemplateContainers(const json::object& w) { return ContainerField(w, "name"); }
std::string TemplateImages(const json::object& w) { return ContainerField(w, "image"); }
std::string WorkloadSelector(const json::object& w) { return SelectorText(At(w, {"spec", "selector"})); }
std::string DaemonSetNodeSelector(const json::object& ds) {
  return MapText(At(ds, {"spec", "template", "spec", "nodeSelector"}));
}

std::string JobStatus(const json::object& job) {
  if (ConditionTrue(job, "Failed")) return "Failed";
  if (ConditionTrue(job, "Complete")) return "Complete";
  if (ConditionTrue(job, "Suspended")) return "Suspended";
  if (ConditionTrue(job, "FailureTarget")) return "FailureTarget";
  if (ConditionTrue(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  if (At(job, {"metadata", "deletionTimestamp"})) return "Terminating";
  return "Running";
}

std::string JobCompletions(const json::object& job) {
  const int64_t succeeded = IntAt(job, {"status", "succeeded"});
  if (const json::value* c = At(job, {"spec", "completions"}); c && c->is_int64()) {
    return std::to_string(succeeded) + "/" + std::to_string(c->get_int64());
  }
  int64_t parallelism = IntAt(job, {"spec", "parallelism"}, 1);
  return std::to_string(succeeded) + "/1" + (parallelism > 1 ? " of " + std::to_string(parallelism) : "");
}

std::string JobDuration(const json::object& job) {
  auto start = ParseTime(StringAt(job, {"status", "startTime"}));
  if (!start) return "";
  auto end = ParseTime(StringAt(job, {"status", "completionTime"}));
  auto until = end ? *end : std::chrono::system_clock::now();
  return DurationText(std::chrono::duration_cast<std::chrono::seconds>(until - *start));
}

std::string CronJobActive(const json::object& cj) {
  return std::to_string(SizeOf(At(cj, {"status", "active"})));
}

std::string CronJobLastSchedule(const json::object& cj) {
  std::string last = StringAt(cj, {"status", "lastScheduleTime"});
  return last.empty() ? "<none>" : AgeOf(last);
}

std::string ServiceAccountSecrets(const json::object& sa) {
  return std::to_string(SizeOf(sa.if_contains("secrets")));
}

std::string EventLastSeen(const json::object& ev) {
  std::string t = StringAt(ev, {"lastTimestamp"});
  if (t.empty()) t = StringAt(ev, {"eventTime"});
  if (t.empty()) t = StringAt(ev, {"metadata", "creationTimestamp"});
  return t.empty() ? "<unknown>" : AgeOf(t);
}

std::string EventObject(const json::object& ev) {
  std::string kind = StringAt(ev, {"involvedObject", "kind"});
  for (char& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return kind + "/" + StringAt(ev, {"involvedObject", "name"});
}

std::string BindingRole(const json::object& binding) {
  return StringAt(binding, {"roleRef", "kind"}) + "/" + StringAt(binding, {"roleRef", "name"});
}
std::string BindingUsers(const json::object& b) { return SubjectsOfKind(b, "User"); }
std::string BindingGroups(const json::object& b) { return SubjectsOfKind(b, "Group"); }
std::string BindingServiceAccounts(const json::object& b) { return SubjectsOfKind(b, "ServiceAccount"); }

std::string PdbMinAvailable(const json::object& pdb) {
  const json::value* v = At(pdb, {"spec", "minAvailable"});
  return v ? ScalarText(*v) : "N/A";
}
std::string PdbMaxUnavailable(const json::object& pdb) {
  const json::value* v = At(pdb, {"spec", "maxUnavailable"});
  return v ? ScalarText(*v) : "N/A";
}

std::string RevisionController(const json::object& rev) {
  for (const auto& ref : ArrayAt(rev, {"metadata", "ownerReferences"})) {
    const auto* o = ref.if_object();
    const json::value* controller = o ? o->if_contains("controller") : nullptr;
    if (!controller || !controller->is_bool() || !controller->get_bool()) continue;
    std::string kind = StringAt(*o, {"kind"});
    for (char& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string api_version = StringAt(*o, {"apiVersion"});
    std::string group = api_version.find('/') == std::string::npos
                            ? ""
                            : api_version.substr(0, api_version.find('/'));
    return kind + (group.empty() ? "" : "." + group) + "/" + StringAt(*o, {"name"});
  }
  return "<none>";
}

std::string WebhookCount(const json::object& config) {
  return std::to_string(SizeOf(config.if_contains("webhooks")));
}

std::string CsrRequestedDuration(const json::object& csr) {
  const json::value* e = At(csr, {"spec", "expirationSeconds"});
  if (e == nullptr || !e->is_int64()) return "<none>";
  // Kubernetes prints it as a HumanDuration, the same form as an age.
  const std::chrono::system_clock::time_point start{};
  return HumanAgeSince(Rfc3339(start), start + std::chrono::seconds(e->get_int64()));
}

std::string CsrCondition(const json::object& csr) { return csr::ConditionText(csr); }

}  // namespace carrier::apiserver::cells
