#include "registry/manifest.h"

#include <boost/json.hpp>

namespace carrier::registry {

namespace json = boost::json;

namespace {

std::string_view StringField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return it->value().get_string();
}

// Parses one descriptor's digest; kInvalidArgument naming `where` when it is malformed.
Result<Digest> DescriptorDigest(const json::value& v, std::string_view where) {
  if (!v.is_object()) return InvalidArgument(std::string(where) + " is not a descriptor");
  const auto& o = v.get_object();
  auto it = o.find("digest");
  if (it == o.end() || !it->value().is_string()) {
    return InvalidArgument(std::string(where) + " has no digest");
  }
  auto d = ParseDigest(it->value().get_string());
  if (!d.ok()) return InvalidArgument(std::string(where) + ": " + d.status().message());
  auto size = o.find("size");
  if (size != o.end() && !size->value().is_int64() && !size->value().is_uint64()) {
    return InvalidArgument(std::string(where) + " has a non-integer size");
  }
  return d;
}

bool NonDistributable(const json::object& o) {
  std::string_view mt = StringField(o, "mediaType");
  return mt.find("nondistributable") != std::string_view::npos ||
         mt.find("foreign") != std::string_view::npos || o.contains("urls");
}

}  // namespace

Result<ManifestInfo> ParseManifest(std::string_view content_type, std::string_view bytes) {
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(bytes.data(), bytes.size()), ec);
  if (ec || !doc.is_object()) return InvalidArgument("manifest is not a JSON object");
  const json::object& m = doc.get_object();
  ManifestInfo info;
  // Content-Type may carry parameters ("; charset=utf-8").
  std::string_view ct = content_type.substr(0, content_type.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  std::string_view field = StringField(m, "mediaType");
  if (m.contains("mediaType") && !m.at("mediaType").is_string()) {
    return InvalidArgument("mediaType is not a string");
  }
  if (!field.empty() && !ct.empty() && field != ct) {
    return InvalidArgument("mediaType " + std::string(field) + " does not match Content-Type " +
                           std::string(ct));
  }
  info.media_type = std::string(!ct.empty() ? ct : field);
  if (info.media_type.empty()) return InvalidArgument("manifest has no media type");
  auto version = m.find("schemaVersion");
  if (version != m.end() && !(version->value().is_int64() && version->value().get_int64() == 2)) {
    return InvalidArgument("schemaVersion must be 2");
  }
  if (auto it = m.find("config"); it != m.end()) {
    auto d = DescriptorDigest(it->value(), "config");
    if (!d.ok()) return d.status();
    info.blobs.push_back(*d);
    info.artifact_type = std::string(StringField(it->value().get_object(), "mediaType"));
  }
  for (std::string_view list : {"layers", "blobs"}) {
    auto it = m.find(list);
    if (it == m.end()) continue;
    if (!it->value().is_array()) return InvalidArgument(std::string(list) + " is not an array");
    for (const auto& layer : it->value().get_array()) {
      auto d = DescriptorDigest(layer, list);
      if (!d.ok()) return d.status();
      (NonDistributable(layer.get_object()) ? info.optional_blobs : info.blobs).push_back(*d);
    }
  }
  if (auto it = m.find("manifests"); it != m.end()) {
    if (!it->value().is_array()) return InvalidArgument("manifests is not an array");
    for (const auto& child : it->value().get_array()) {
      auto d = DescriptorDigest(child, "manifests");
      if (!d.ok()) return d.status();
      info.manifests.push_back(*d);
    }
  }
  if (auto it = m.find("subject"); it != m.end()) {
    auto d = DescriptorDigest(it->value(), "subject");
    if (!d.ok()) return d.status();
    info.subject = *d;
  }
  if (auto it = m.find("artifactType"); it != m.end()) {
    if (!it->value().is_string()) return InvalidArgument("artifactType is not a string");
    info.artifact_type = std::string(it->value().get_string());
  }
  if (auto it = m.find("annotations"); it != m.end()) {
    if (!it->value().is_object()) return InvalidArgument("annotations is not an object");
    info.annotations_json = json::serialize(it->value());
  }
  // An image manifest needs a config; an index needs its manifests list.
  bool image = info.media_type == kOciManifest || info.media_type == kDockerManifest;
  bool index = info.media_type == kOciIndex || info.media_type == kDockerManifestList;
  if (image && !m.contains("config")) return InvalidArgument("image manifest without config");
  if (index && !m.contains("manifests")) return InvalidArgument("index without manifests");
  if (index && !m.contains("artifactType")) info.artifact_type.clear();
  return info;
}

std::string ReferrerDescriptor(const ManifestInfo& info, const Digest& digest, uint64_t size) {
  json::object d;
  d["mediaType"] = info.media_type;
  d["digest"] = digest.ToString();
  d["size"] = size;
  if (!info.artifact_type.empty()) d["artifactType"] = info.artifact_type;
  if (!info.annotations_json.empty()) d["annotations"] = json::parse(info.annotations_json);
  return json::serialize(d);
}

}  // namespace carrier::registry
