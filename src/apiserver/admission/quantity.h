#pragma once
// Kubernetes resource quantities ("100m", "2", "1.5", "128Mi", "1G", "1e3") as numbers, for
// LimitRanger and ResourceQuota, and back to a short canonical text ("500m", "1Gi", "3").

#include <optional>
#include <string>
#include <string_view>

namespace carrier::apiserver::admission {

std::optional<long double> ParseQuantity(std::string_view text);
std::string FormatQuantity(long double value);

}  // namespace carrier::apiserver::admission
