#include "registry/mirror/registries_conf.h"

#include <algorithm>
#include <map>
#include <set>

namespace carrier::registry::mirror {
namespace {

// True when `location` is `scope` or lies under it on a '/' boundary.
bool UnderPrefix(std::string_view location, std::string_view scope) {
  return location == scope || (location.size() > scope.size() && location.starts_with(scope) &&
                               location[scope.size()] == '/');
}

// Scopes may also be "*.example.com": any host under that domain, any path.
bool InScope(std::string_view location, std::string_view scope) {
  if (scope.starts_with("*.")) {
    std::string_view host = location.substr(0, location.find('/'));
    host = host.substr(0, host.find(':'));
    return host.size() > scope.size() - 1 && host.ends_with(scope.substr(1));
  }
  return UnderPrefix(location, scope);
}

Status ValidateScope(const std::string& scope, std::string_view what) {
  std::string_view plain = scope;
  if (plain.starts_with("*.")) plain.remove_prefix(2);
  if (!IsValidMirrorLocation(plain)) {
    return InvalidArgument(std::string(what) + " scope \"" + scope.substr(0, 300) +
                           "\" is not host[:port][/repository] or *.domain");
  }
  return Status::Ok();
}

// Merges lists keeping every list's relative order where the lists agree: a topological
// order of "a comes right before b in some list", ties broken by first appearance. When the
// lists conflict the rest follows first appearance (the API leaves that order unspecified).
std::vector<std::string> MergeOrdered(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> nodes;
  std::map<std::string, size_t> index;
  for (const auto& list : lists) {
    for (const auto& item : list) {
      if (index.emplace(item, nodes.size()).second) nodes.push_back(item);
    }
  }
  std::vector<std::set<size_t>> next(nodes.size());
  std::vector<size_t> indegree(nodes.size(), 0);
  for (const auto& list : lists) {
    for (size_t i = 1; i < list.size(); ++i) {
      size_t a = index[list[i - 1]], b = index[list[i]];
      if (a != b && next[a].insert(b).second) ++indegree[b];
    }
  }
  std::vector<std::string> out;
  std::vector<bool> done(nodes.size(), false);
  std::set<size_t> ready;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (indegree[i] == 0) ready.insert(i);
  }
  while (out.size() < nodes.size()) {
    size_t pick;
    if (!ready.empty()) {
      pick = *ready.begin();
      ready.erase(ready.begin());
    } else {  // a cycle: take the earliest remaining
      pick = 0;
      while (done[pick]) ++pick;
    }
    done[pick] = true;
    out.push_back(nodes[pick]);
    for (size_t n : next[pick]) {
      if (!done[n] && indegree[n] > 0 && --indegree[n] == 0) ready.insert(n);
    }
  }
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string_view PullFromMirrorName(PullFromMirror p) {
  switch (p) {
    case PullFromMirror::kDigestOnly:
      return "digest-only";
    case PullFromMirror::kTagOnly:
      return "tag-only";
    case PullFromMirror::kAll:
      break;
  }
  return "all";
}

struct SourceMirrors {
  std::vector<std::vector<std::string>> digest_lists;
  std::vector<std::vector<std::string>> tag_lists;
  bool blocked = false;
};

}  // namespace

Result<RegistriesConfig> BuildRegistriesConfig(const std::vector<MirrorSet>& sets,
                                               const RegistriesOptions& options) {
  for (const std::string& scope : options.insecure_scopes) {
    CARRIER_RETURN_IF_ERROR(ValidateScope(scope, "insecure"));
  }
  for (const std::string& scope : options.blocked_scopes) {
    CARRIER_RETURN_IF_ERROR(ValidateScope(scope, "blocked"));
  }
  for (const std::string& registry : options.unqualified_search_registries) {
    if (!IsValidRegistryHost(registry)) {
      return InvalidArgument("unqualified search registry \"" + registry.substr(0, 300) +
                             "\" is not host[:port]");
    }
  }

  std::map<std::string, SourceMirrors> sources;  // ordered: entries come out sorted
  for (const MirrorSet& set : sets) {
    const bool tags = set.kind == MirrorSetKind::kImageTagMirrorSet;
    for (const MirrorRule& rule : set.rules) {
      if (rule.mirrors.empty() && !rule.never_contact_source) continue;
      SourceMirrors& s = sources[rule.source];
      if (!rule.mirrors.empty()) (tags ? s.tag_lists : s.digest_lists).push_back(rule.mirrors);
      s.blocked |= rule.never_contact_source;
    }
  }
  for (const std::string& scope : options.blocked_scopes) {
    if (!scope.starts_with("*.")) sources[scope].blocked = true;
  }
  for (const std::string& scope : options.insecure_scopes) {
    if (!scope.starts_with("*.")) sources[scope];
  }

  RegistriesConfig config;
  config.unqualified_search_registries = options.unqualified_search_registries;
  for (const auto& [location, s] : sources) {
    RegistryEntry entry;
    entry.location = location;
    entry.blocked = s.blocked;
    for (const std::string& scope : options.blocked_scopes) {
      if (scope.starts_with("*.") && InScope(location, scope)) entry.blocked = true;
    }
    const std::vector<std::string> digest = MergeOrdered(s.digest_lists);
    const std::vector<std::string> tag = MergeOrdered(s.tag_lists);
    entry.mirror_by_digest_only = !digest.empty() && tag.empty();
    for (const std::string& m : digest) {
      bool also_tag = std::find(tag.begin(), tag.end(), m) != tag.end();
      PullFromMirror pull = entry.mirror_by_digest_only ? PullFromMirror::kAll
                            : also_tag                  ? PullFromMirror::kAll
                                                        : PullFromMirror::kDigestOnly;
      entry.mirrors.push_back({m, false, pull});
    }
    for (const std::string& m : tag) {
      if (std::find(digest.begin(), digest.end(), m) == digest.end()) {
        entry.mirrors.push_back({m, false, PullFromMirror::kTagOnly});
      }
    }
    for (const std::string& scope : options.insecure_scopes) {
      entry.insecure |= InScope(entry.location, scope);
      for (MirrorEndpoint& m : entry.mirrors) m.insecure |= InScope(m.location, scope);
    }
    config.registries.push_back(std::move(entry));
  }
  return config;
}

std::string RenderRegistriesConf(const RegistriesConfig& config) {
  std::string out;
  if (!config.unqualified_search_registries.empty()) {
    out += "unqualified-search-registries = [";
    for (size_t i = 0; i < config.unqualified_search_registries.size(); ++i) {
      if (i > 0) out += ", ";
      out += Quoted(config.unqualified_search_registries[i]);
    }
    out += "]\n";
  }
  out += "short-name-mode = \"\"\n";
  for (const RegistryEntry& r : config.registries) {
    out += "\n[[registry]]\n";
    out += "  prefix = \"\"\n";
    out += "  location = " + Quoted(r.location) + "\n";
    if (r.insecure) out += "  insecure = true\n";
    if (r.blocked) out += "  blocked = true\n";
    if (r.mirror_by_digest_only) out += "  mirror-by-digest-only = true\n";
    for (const MirrorEndpoint& m : r.mirrors) {
      out += "\n  [[registry.mirror]]\n";
      out += "    location = " + Quoted(m.location) + "\n";
      if (m.insecure) out += "    insecure = true\n";
      if (m.pull_from_mirror != PullFromMirror::kAll) {
        out += "    pull-from-mirror = " + Quoted(PullFromMirrorName(m.pull_from_mirror)) + "\n";
      }
    }
  }
  return out;
}

std::vector<PullLocation> ResolvePullLocations(const RegistriesConfig& config,
                                               const ImageReference& image) {
  const std::string location = image.Location();
  const bool by_digest = image.digest.has_value();
  const std::string suffix =
      by_digest ? "@" + image.digest->ToString() : ":" + (image.tag.empty() ? "latest" : image.tag);

  const RegistryEntry* best = nullptr;
  for (const RegistryEntry& r : config.registries) {
    if (UnderPrefix(location, r.location) &&
        (best == nullptr || r.location.size() > best->location.size())) {
      best = &r;
    }
  }
  std::vector<PullLocation> out;
  if (best == nullptr) {
    out.push_back({location + suffix, false, false});
    return out;
  }
  const std::string rest = location.substr(best->location.size());
  for (const MirrorEndpoint& m : best->mirrors) {
    bool usable =
        by_digest
            ? (best->mirror_by_digest_only || m.pull_from_mirror != PullFromMirror::kTagOnly)
            : (!best->mirror_by_digest_only && m.pull_from_mirror != PullFromMirror::kDigestOnly);
    if (usable) out.push_back({m.location + rest + suffix, true, m.insecure});
  }
  if (!best->blocked) out.push_back({location + suffix, false, best->insecure});
  return out;
}

}  // namespace carrier::registry::mirror
