#include "apiserver/user_info.h"

#include <algorithm>

namespace carrier::apiserver {

bool UserInfo::InGroup(std::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

}  // namespace carrier::apiserver
