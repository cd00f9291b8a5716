#pragma once
// Who is making a request, as authentication establishes it (Kubernetes' user.Info): the
// name, a uid when the authenticator knows one, groups, and extra attributes (scopes,
// the pod and node a service-account token is bound to, ...). Authorization, admission and
// field management all read it.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace carrier::apiserver {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;

  bool InGroup(std::string_view group) const;
};

}  // namespace carrier::apiserver
