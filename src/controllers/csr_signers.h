#pragma once
// The built-in kubernetes.io signers Carrier signs for, and the constraints Kubernetes
// documents for each (what the approving and signing controllers check):
//   kube-apiserver-client          usages include "client auth", and only "digital
//                                  signature", "key encipherment", "client auth"
//   kube-apiserver-client-kubelet  O exactly system:nodes, CN system:node:<name>, usages
//                                  "digital signature" + "client auth" (+ "key
//                                  encipherment"), no subjectAltNames
//   kubelet-serving                O exactly system:nodes, CN system:node:<name>, usages
//                                  "digital signature" + "server auth" (+ "key
//                                  encipherment"), at least one DNS or IP subjectAltName and
//                                  no email or URI ones

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/x509.h"

namespace carrier::controllers::signers {

inline constexpr std::string_view kKubeApiServerClient = "kubernetes.io/kube-apiserver-client";
inline constexpr std::string_view kKubeletClient = "kubernetes.io/kube-apiserver-client-kubelet";
inline constexpr std::string_view kKubeletServing = "kubernetes.io/kubelet-serving";

bool IsBuiltIn(std::string_view signer);

// Ok when `request` with `usages` meets `signer`'s constraints; else kInvalidArgument with
// the reason (the message of the Failed condition).
Status Validate(std::string_view signer, const x509::ParsedCertificateRequest& request,
                const std::vector<std::string>& usages);

}  // namespace carrier::controllers::signers
