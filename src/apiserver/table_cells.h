#pragma once
// The computed cells of the built-in types' Table columns, as Kubernetes' printers compute
// them (READY "1/2", PORT(S) "80/TCP", ROLES, the containers and images of a pod template,
// durations, ...). Each takes the whole object and returns the cell's text.

#include <boost/json/fwd.hpp>
#include <string>

namespace carrier::apiserver::cells {

using Cell = std::string (*)(const boost::json::object&);

std::string Age(const boost::json::object& obj);        // "5m" since creationTimestamp
std::string CreatedAt(const boost::json::object& obj);  // the creationTimestamp itself
std::string DataCount(const boost::json::object& obj);  // data + binaryData entries

std::string PodReady(const boost::json::object& pod);
std::string PodStatus(const boost::json::object& pod);
std::string PodRestarts(const boost::json::object& pod);
std::string PodNominatedNode(const boost::json::object& pod);
std::string PodReadinessGates(const boost::json::object& pod);  // "<none>" or "1/2"

std::string ServiceExternalIp(const boost::json::object& svc);
std::string ServicePorts(const boost::json::object& svc);
std::string ServiceSelector(const boost::json::object& svc);
std::string EndpointsList(const boost::json::object& ep);

std::string NodeStatus(const boost::json::object& node);
std::string NodeRoles(const boost::json::object& node);
std::string NodeInternalIp(const boost::json::object& node);
std::string NodeExternalIp(const boost::json::object& node);

std::string ReadyOfDesired(const boost::json::object& obj);  // readyReplicas/spec.replicas
std::string TemplateContainers(const boost::json::object& workload);
std::string TemplateImages(const boost::json::object& workload);
std::string WorkloadSelector(const boost::json::object& workload);
std::string DaemonSetNodeSelector(const boost::json::object& ds);

std::string JobStatus(const boost::json::object& job);
std::string JobCompletions(const boost::json::object& job);
std::string JobDuration(const boost::json::object& job);
std::string CronJobActive(const boost::json::object& cj);
std::string CronJobLastSchedule(const boost::json::object& cj);

std::string ServiceAccountSecrets(const boost::json::object& sa);
std::string EventLastSeen(const boost::json::object& ev);
std::string EventObject(const boost::json::object& ev);
std::string BindingRole(const boost::json::object& binding);
std::string BindingUsers(const boost::json::object& binding);
std::string BindingGroups(const boost::json::object& binding);
std::string BindingServiceAccounts(const boost::json::object& binding);
std::string PdbMinAvailable(const boost::json::object& pdb);
std::string PdbMaxUnavailable(const boost::json::object& pdb);
std::string RevisionController(const boost::json::object& rev);
std::string WebhookCount(const boost::json::object& config);
std::string CsrRequestedDuration(const boost::json::object& csr);  // "<none>" or "24h"
std::string CsrCondition(const boost::json::object& csr);          // "Approved,Issued"

}  // namespace carrier::apiserver::cells
