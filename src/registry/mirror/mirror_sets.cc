#include "registry/mirror/mirror_sets.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "registry/reference.h"

namespace carrier::registry::mirror {
namespace {

constexpr size_t kMaxInputSize = 8 << 20;

struct KindInfo {
  std::string_view kind;
  std::string_view api_version;
  std::string_view rules_field;
  MirrorSetKind value;
};

constexpr KindInfo kKinds[] = {
    {"ImageDigestMirrorSet", "config.openshift.io/v1", "imageDigestMirrors",
     MirrorSetKind::kImageDigestMirrorSet},
    {"ImageTagMirrorSet", "config.openshift.io/v1", "imageTagMirrors",
     MirrorSetKind::kImageTagMirrorSet},
    {"ImageContentSourcePolicy", "operator.openshift.io/v1alpha1", "repositoryDigestMirrors",
     MirrorSetKind::kImageContentSourcePolicy},
};

// A first pass over the events, before any node is built. It refuses aliases (with them a
// small document can stand for an exponentially large one) and stops yaml-cpp 0.7's
// LoadAll from looping forever, allocating, on input such as "{}," (it keeps reporting a
// new document at the same position).
class Screen final : public YAML::EventHandler {
 public:
  Status status;
  size_t next_start = 0;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (status.ok() && static_cast<size_t>(mark.pos) < next_start) {
      status = InvalidArgument("mirror policy is not valid YAML or JSON: unexpected text at line " +
                               std::to_string(mark.line + 1) + ", column " +
                               std::to_string(mark.column + 1));
    }
    next_start = static_cast<size_t>(mark.pos) + 1;
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    if (status.ok()) {
      status = InvalidArgument("mirror policy uses a YAML alias (line " +
                               std::to_string(mark.line + 1) + "); aliases are not supported");
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws YAML::Exception for malformed input, like YAML::LoadAll.
Result<std::vector<YAML::Node>> LoadDocuments(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  Screen screen;
  while (screen.status.ok() && parser.HandleNextDocument(screen)) {
  }
  if (!screen.status.ok()) return screen.status;
  return YAML::LoadAll(text);
}

Result<std::string> ScalarField(const YAML::Node& node, const std::string& field,
                                const std::string& where, bool required) {
  YAML::Node value = node[field];
  if (!value || value.IsNull()) {
    if (required) return InvalidArgument(where + ": " + field + " is required");
    return std::string();
  }
  if (!value.IsScalar()) return InvalidArgument(where + ": " + field + " must be a string");
  return value.Scalar();
}

Result<MirrorRule> ParseRule(const YAML::Node& node, const KindInfo& kind,
                             const std::string& where) {
  if (!node.IsMap()) return InvalidArgument(where + " must be an object");
  MirrorRule rule;
  Result<std::string> source = ScalarField(node, "source", where, true);
  if (!source.ok()) return source.status();
  rule.source = *source;
  if (!IsValidMirrorLocation(rule.source)) {
    return InvalidArgument(where + ".source \"" + rule.source.substr(0, 300) +
                           "\" is not host[:port][/repository]");
  }
  YAML::Node mirrors = node["mirrors"];
  if (mirrors && !mirrors.IsNull()) {
    if (!mirrors.IsSequence()) return InvalidArgument(where + ".mirrors must be a list");
    for (size_t i = 0; i < mirrors.size(); ++i) {
      const std::string mwhere = where + ".mirrors[" + std::to_string(i) + "]";
      if (!mirrors[i].IsScalar()) return InvalidArgument(mwhere + " must be a string");
      const std::string& mirror = mirrors[i].Scalar();
      if (!IsValidMirrorLocation(mirror)) {
        return InvalidArgument(mwhere + " \"" + mirror.substr(0, 300) +
                               "\" is not host[:port][/repository]");
      }
      // A repeated mirror adds nothing; the first position counts.
      if (std::find(rule.mirrors.begin(), rule.mirrors.end(), mirror) == rule.mirrors.end()) {
        rule.mirrors.push_back(mirror);
      }
    }
  }
  Result<std::string> policy = ScalarField(node, "mirrorSourcePolicy", where, false);
  if (!policy.ok()) return policy.status();
  if (!policy->empty()) {
    if (kind.value == MirrorSetKind::kImageContentSourcePolicy) {
      return InvalidArgument(where + ": mirrorSourcePolicy is not a field of " +
                             std::string(kind.kind));
    }
    if (*policy == "NeverContactSource") {
      rule.never_contact_source = true;
    } else if (*policy != "AllowContactingSource") {
      return InvalidArgument(where + ".mirrorSourcePolicy \"" + policy->substr(0, 64) +
                             "\" must be AllowContactingSource or NeverContactSource");
    }
  }
  return rule;
}

Status ParseObject(const YAML::Node& node, const std::string& where, std::vector<MirrorSet>& out) {
  if (!node.IsMap()) return InvalidArgument(where + " is not an object");
  Result<std::string> kind_name = ScalarField(node, "kind", where, true);
  if (!kind_name.ok()) return kind_name.status();
  Result<std::string> api_version = ScalarField(node, "apiVersion", where, true);
  if (!api_version.ok()) return api_version.status();

  if (*kind_name == "List" || kind_name->ends_with("List")) {
    YAML::Node items = node["items"];
    if (!items || items.IsNull()) return Status::Ok();
    if (!items.IsSequence()) return InvalidArgument(where + ".items must be a list");
    for (size_t i = 0; i < items.size(); ++i) {
      CARRIER_RETURN_IF_ERROR(
          ParseObject(items[i], where + ".items[" + std::to_string(i) + "]", out));
    }
    return Status::Ok();
  }
  const KindInfo* kind = nullptr;
  for (const KindInfo& k : kKinds) {
    if (k.kind == *kind_name) kind = &k;
  }
  if (kind == nullptr) {
    return InvalidArgument(where + ": kind \"" + kind_name->substr(0, 64) +
                           "\" is not ImageDigestMirrorSet, ImageTagMirrorSet or "
                           "ImageContentSourcePolicy");
  }
  if (*api_version != kind->api_version) {
    return InvalidArgument(where + ": " + std::string(kind->kind) + " has apiVersion " +
                           std::string(kind->api_version) + ", not \"" +
                           api_version->substr(0, 64) + "\"");
  }
  MirrorSet set;
  set.kind = kind->value;
  if (YAML::Node metadata = node["metadata"]; metadata && metadata.IsMap()) {
    Result<std::string> name = ScalarField(metadata, "name", where + ".metadata", false);
    if (!name.ok()) return name.status();
    set.name = *name;
  }
  const std::string object = std::string(kind->kind) + " \"" + set.name + "\"";
  YAML::Node spec = node["spec"];
  if (!spec || spec.IsNull()) {
    out.push_back(std::move(set));
    return Status::Ok();
  }
  if (!spec.IsMap()) return InvalidArgument(object + ": spec must be an object");
  YAML::Node rules = spec[std::string(kind->rules_field)];
  if (rules && !rules.IsNull()) {
    if (!rules.IsSequence()) {
      return InvalidArgument(object + ": spec." + std::string(kind->rules_field) +
                             " must be a list");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      Result<MirrorRule> rule = ParseRule(
          rules[i], *kind,
          object + ": spec." + std::string(kind->rules_field) + "[" + std::to_string(i) + "]");
      if (!rule.ok()) return rule.status();
      set.rules.push_back(std::move(rule).value());
    }
  }
  out.push_back(std::move(set));
  return Status::Ok();
}

}  // namespace

bool IsValidMirrorLocation(std::string_view location) {
  size_t slash = location.find('/');
  if (!IsValidRegistryHost(location.substr(0, slash))) return false;
  return slash == std::string_view::npos || IsValidRepositoryName(location.substr(slash + 1));
}

Result<std::vector<MirrorSet>> ParseMirrorSets(std::string_view text) {
  if (text.size() > kMaxInputSize)
    return InvalidArgument("mirror policy input is larger than 8 MiB");
  std::vector<MirrorSet> out;
  try {
    Result<std::vector<YAML::Node>> loaded = LoadDocuments(std::string(text));
    if (!loaded.ok()) return loaded.status();
    const std::vector<YAML::Node>& documents = *loaded;
    for (size_t i = 0; i < documents.size(); ++i) {
      if (documents[i].IsNull()) continue;  // empty document between "---" separators
      CARRIER_RETURN_IF_ERROR(ParseObject(documents[i], "document " + std::to_string(i + 1), out));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("mirror policy is not valid YAML or JSON: ") + e.what());
  }
  return out;
}

}  // namespace carrier::registry::mirror
