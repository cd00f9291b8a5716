#pragma once
// ControllerRevisions of the StatefulSet and DaemonSet controllers, as Kubernetes keeps them:
// one apps/v1 ControllerRevision per distinct pod template, named <owner>-<hash>, owned by
// its controller, labelled with the template's labels and controller.kubernetes.io/hash,
// `revision` numbered from 1, and `data` the strategic merge patch kubectl applies on
// `rollout undo`: {"spec":{"template":{...,"$patch":"replace"}}}. Going back to an older
// template gives its revision the next number; history beyond revisionHistoryLimit goes,
// oldest first, except revisions still in use.

#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

#include "controllers/objects.h"

namespace carrier::controllers::revisions {

struct Revision {
  StoredObject read;
  std::string name;
  int64_t number = 0;
};

// The revisions `owner` (of `owner_kind`) controls, by number.
Result<std::vector<Revision>> List(storage::Store& store, const std::string& cluster,
                                   const boost::json::object& owner, std::string_view owner_kind);

// The revision data of a pod template, and the template a revision holds.
boost::json::value DataOf(const boost::json::value& pod_template);
boost::json::value TemplateOf(const Revision& revision);
// The hash Kubernetes puts in the revision's name (and DaemonSet pods' labels).
std::string HashOf(const boost::json::value& data, int64_t collision_count);

// The revision holding `pod_template`: found in `revisions` (renumbered when older than the
// newest) or created. kAlreadyExists when the name is taken by a different revision: the
// caller raises status.collisionCount and tries again. A created revision joins `revisions`.
Result<Revision> Ensure(storage::Store& store, const std::string& cluster, const boost::json::object& owner,
                         std::string_view owner_kind, const boost::json::value& pod_template,
                         int64_t collision_count, std::vector<Revision>& revisions);

// Deletes the oldest revisions not named in `live` while more than `limit` of them remain.
Status Trim(storage::Store& store, const std::vector<Revision>& revisions, const std::set<std::string>& live,
            int64_t limit);

}  // namespace carrier::controllers::revisions
