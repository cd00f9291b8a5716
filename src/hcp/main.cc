// `hcp`: the hosted control planes CLI, as the OpenShift documents describe it, against the
// management cluster of the kubeconfig (--kubeconfig, else KUBECONFIG, else ~/.kube/config):
//   hcp create cluster none|agent   HostedCluster, NodePool, pull-secret and SSH key Secrets
//   hcp create nodepool none|agent  a NodePool of an existing HostedCluster
//   hcp create kubeconfig           prints a HostedCluster's admin kubeconfig
//   hcp destroy cluster none|agent  deletes the HostedCluster and what hcp created for it
//   hcp version                     client version, latest supported and server versions
#include <CLI/CLI.hpp>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/yaml_json.h"
#include "base/base64.h"
#include "base/files.h"
#include "carrier/version.h"
#include "client/rest_client.h"
#include "hcp/manifests.h"
#include "hcp/objects.h"

namespace carrier::hcp {
namespace {

namespace json = boost::json;

int Fail(const std::string& message) {
  std::cerr << "hcp: " << message << "\n";
  return 1;
}
int Fail(const Status& status) { return Fail(status.message()); }

Result<client::RestClient> Connect(const std::string& kubeconfig) {
  auto config = client::LoadKubeconfig(kubeconfig);
  if (!config.ok()) return config.status();
  return client::RestClient(std::move(*config));
}

// The host of the management API, the default address of NodePort-published services:
// reachable from the management host without DNS changes.
std::string ServerHost(const client::RestClient& api) {
  std::string s = api.config().server;
  s = s.substr(s.find("://") + 3);
  s = s.substr(0, s.find('/'));
  if (!s.empty() && s.front() == '[') return s.substr(1, s.find(']') - 1);
  return s.substr(0, s.rfind(':'));
}

Result<std::string> ReadFlagFile(const std::string& flag, const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return Status(Code::kInvalidArgument, flag + ": cannot read " + path + ": " + text.status().message());
  return text;
}

struct Globals {
  std::string kubeconfig;
};

struct CreateClusterFlags {
  ClusterOptions options;
  std::string pull_secret_file, ssh_key_file, trust_bundle_file, image_sources_file;
  std::string agent_namespace_on_none;  // set only to report that it does not apply
  bool render = false, render_sensitive = false, wait = false;
  int wait_timeout_seconds = 600;
};

int RunCreateCluster(const Globals& g, CreateClusterFlags& f) {
  if (!f.agent_namespace_on_none.empty()) {
    return Fail("--agent-namespace applies to `hcp create cluster agent` only, not to platform None");
  }
  ClusterOptions& o = f.options;
  if (!f.pull_secret_file.empty()) {
    auto text = ReadFlagFile("--pull-secret", f.pull_secret_file);
    if (!text.ok()) return Fail(text.status());
    o.pull_secret = *text;
  }
  std::string ssh_file = f.ssh_key_file;
  if (ssh_file.empty() && o.platform == "Agent") {
    // The Agent CLI's default.
    if (const char* home = std::getenv("HOME")) {
      std::string def = std::string(home) + "/.ssh/id_rsa.pub";
      if (std::filesystem::exists(def)) ssh_file = def;
    }
  }
  if (!ssh_file.empty()) {
    auto text = ReadFlagFile("--ssh-key", ssh_file);
    if (!text.ok()) return Fail(text.status());
    o.ssh_public_key = *text;
  }
  if (!f.trust_bundle_file.empty()) {
    auto text = ReadFlagFile("--additional-trust-bundle", f.trust_bundle_file);
    if (!text.ok()) return Fail(text.status());
    o.additional_trust_bundle = *text;
  }
  if (!f.image_sources_file.empty()) {
    auto text = ReadFlagFile("--image-content-sources", f.image_sources_file);
    if (!text.ok()) return Fail(text.status());
    auto sources = ParseImageContentSources(*text);
    if (!sources.ok()) return Fail(sources.status());
    o.image_content_sources = std::move(*sources);
  }
  if (Status st = Validate(o); !st.ok()) return Fail(st);

  if (f.render) {
    if (o.api_server_address.empty()) o.api_server_address = "127.0.0.1";
    bool first = true;
    for (json::object& object : ClusterManifests(o)) {
      if (object.at("kind") == "Secret" && !f.render_sensitive) {
        for (auto& [key, value] : object.at("data").as_object()) value = "<redacted: --render-sensitive shows it>";
      }
      std::cout << (first ? "" : "---\n") << api::JsonToYaml(object);
      first = false;
    }
    return 0;
  }
  auto api = Connect(g.kubeconfig);
  if (!api.ok()) return Fail(api.status());
  if (o.api_server_address.empty()) o.api_server_address = ServerHost(*api);
  for (const json::object& object : ClusterManifests(o)) {
    if (Status st = Create(*api, object); !st.ok()) {
      return Fail(std::string(object.at("kind").as_string()) + " " +
                  std::string(object.at("metadata").at("name").as_string()) + ": " + st.message());
    }
  }
  std::cout << "hostedcluster.hypershift.openshift.io/" << o.name << " created in namespace "
            << o.namespace_ << "\n";
  if (!f.wait) return 0;
  Status ready = WaitForCondition(*api, o.namespace_, o.name, "Available",
                                  std::chrono::seconds(f.wait_timeout_seconds));
  if (!ready.ok()) return Fail(ready);
  std::cout << "hostedcluster.hypershift.openshift.io/" << o.name << " is Available\n";
  return 0;
}

void AddCreateCluster(CLI::App& create, Globals& g) {
  CLI::App* cluster = create.add_subcommand("cluster", "Create a HostedCluster");
  cluster->require_subcommand(1);
  for (const char* platform : {"none", "agent"}) {
    auto f = std::make_shared<CreateClusterFlags>();
    f->options.platform = std::string(platform) == "none" ? "None" : "Agent";
    CLI::App* c = cluster->add_subcommand(platform, std::string("Create a HostedCluster on platform ") +
                                                        f->options.platform);
    ClusterOptions& o = f->options;
    c->add_option("--name", o.name, "Name of the HostedCluster")->required();
    c->add_option("--namespace", o.namespace_, "Namespace of the HostedCluster")->capture_default_str();
    c->add_option("--pull-secret", f->pull_secret_file, "File with the pull secret")->required();
    c->add_option("--release-image", o.release_image, "Release image (default: the latest supported release)");
    c->add_option("--base-domain", o.base_domain, "Base domain of the cluster");
    c->add_option("--api-server-address", o.api_server_address,
                  "Address of the published services (default: the management API's host)");
    c->add_option("--ssh-key", f->ssh_key_file, "File with the SSH public key for the nodes");
    c->add_option("--node-pool-replicas", o.node_pool_replicas,
                  "Replicas of the default NodePool (below 0: no NodePool)")->capture_default_str();
    if (o.platform == "Agent") {
      c->add_option("--agent-namespace", o.agent_namespace, "Namespace where the Agents live")->required();
    } else {
      c->add_option("--agent-namespace", f->agent_namespace_on_none, "Not for platform None")
          ->group("");  // accepted only to say it does not apply
    }
    c->add_option("--control-plane-availability-policy", o.control_plane_availability_policy,
                  "HighlyAvailable or SingleReplica")->capture_default_str();
    c->add_option("--etcd-storage-class", o.etcd_storage_class, "Storage class of etcd's volume");
    c->add_option("--cluster-cidr", o.cluster_cidr, "Pod network")->capture_default_str();
    c->add_option("--service-cidr", o.service_cidr, "Service network")->capture_default_str();
    c->add_option("--additional-trust-bundle", f->trust_bundle_file, "File with extra CA certificates for the nodes");
    c->add_option("--image-content-sources", f->image_sources_file, "YAML file with mirrors: [{source, mirrors}]");
    c->add_flag("--render", f->render, "Print the manifests instead of creating them");
    c->add_flag("--render-sensitive", f->render_sensitive, "With --render, include secret data");
    c->add_flag("--wait", f->wait, "Wait until the HostedCluster is Available");
    c->add_option("--timeout", f->wait_timeout_seconds, "Seconds --wait waits")->capture_default_str();
    c->callback([&g, f] { std::exit(RunCreateCluster(g, *f)); });
  }
}

void AddCreateNodePool(CLI::App& create, Globals& g) {
  CLI::App* nodepool = create.add_subcommand("nodepool", "Create a NodePool");
  nodepool->require_subcommand(1);
  for (const char* platform : {"none", "agent"}) {
    auto o = std::make_shared<NodePoolOptions>();
    o->platform = std::string(platform) == "none" ? "None" : "Agent";
    CLI::App* c = nodepool->add_subcommand(platform, "Create a NodePool on platform " + o->platform);
    c->add_option("--cluster-name", o->cluster_name, "The HostedCluster")->required();
    c->add_option("--name", o->name, "Name of the NodePool")->required();
    c->add_option("--namespace", o->namespace_, "Namespace of the HostedCluster")->capture_default_str();
    c->add_option("--node-count", o->node_count, "Nodes")->capture_default_str()->check(CLI::NonNegativeNumber);
    c->add_option("--release-image", o->release_image, "Release image (default: the HostedCluster's)");
    if (o->platform == "Agent") {
      c->add_option("--agentLabelSelector", o->agent_label_selector, "Agents to use, e.g. size=medium");
    }
    c->callback([&g, o] {
      auto api = Connect(g.kubeconfig);
      if (!api.ok()) std::exit(Fail(api.status()));
      auto hc = Get(*api, PathOf("HostedCluster", o->namespace_, o->cluster_name));
      if (!hc.ok()) std::exit(Fail(hc.status()));
      if (!*hc) std::exit(Fail("hostedcluster " + o->namespace_ + "/" + o->cluster_name + " not found"));
      if (o->release_image.empty()) {
        const json::value* image = (**hc).at("spec").as_object().if_contains("release");
        if (image && image->is_object() && image->as_object().contains("image")) {
          o->release_image = std::string(image->as_object().at("image").as_string());
        }
      }
      if (Status st = Create(*api, NodePoolManifest(*o)); !st.ok()) std::exit(Fail(st));
      std::cout << "nodepool.hypershift.openshift.io/" << o->name << " created\n";
      std::exit(0);
    });
  }
}

void AddCreateKubeconfig(CLI::App& create, Globals& g) {
  auto name = std::make_shared<std::string>();
  auto ns = std::make_shared<std::string>("clusters");
  CLI::App* c = create.add_subcommand("kubeconfig", "Print a HostedCluster's admin kubeconfig");
  c->add_option("--name", *name, "The HostedCluster")->required();
  c->add_option("--namespace", *ns, "Its namespace")->capture_default_str();
  c->callback([&g, name, ns] {
    auto api = Connect(g.kubeconfig);
    if (!api.ok()) std::exit(Fail(api.status()));
    auto hc = Get(*api, PathOf("HostedCluster", *ns, *name));
    if (!hc.ok()) std::exit(Fail(hc.status()));
    if (!*hc) std::exit(Fail("hostedcluster " + *ns + "/" + *name + " not found"));
    std::string secret_name;
    if (const auto* status = (**hc).if_contains("status"); status && status->is_object()) {
      if (const auto* k = status->as_object().if_contains("kubeconfig"); k && k->is_object()) {
        if (const auto* n = k->as_object().if_contains("name"); n && n->is_string()) secret_name = n->as_string();
      }
    }
    if (secret_name.empty()) {
      std::exit(Fail("hostedcluster " + *ns + "/" + *name + " has no kubeconfig yet (status.kubeconfig is unset)"));
    }
    auto secret = Get(*api, PathOf("Secret", *ns, secret_name));
    if (!secret.ok()) std::exit(Fail(secret.status()));
    const json::value* data = *secret ? (**secret).if_contains("data") : nullptr;
    const json::value* kubeconfig = data && data->is_object() ? data->as_object().if_contains("kubeconfig") : nullptr;
    auto decoded = kubeconfig && kubeconfig->is_string() ? Base64Decode(kubeconfig->as_string()) : std::nullopt;
    if (!decoded) std::exit(Fail("secret " + *ns + "/" + secret_name + " holds no kubeconfig"));
    std::cout << *decoded;
    std::exit(0);
  });
}

void AddDestroyCluster(CLI::App& app, Globals& g) {
  CLI::App* destroy = app.add_subcommand("destroy", "Destroy hosted control plane resources");
  destroy->require_subcommand(1);
  CLI::App* cluster = destroy->add_subcommand("cluster", "Destroy a HostedCluster");
  cluster->require_subcommand(1);
  for (const char* platform : {"none", "agent"}) {
    auto name = std::make_shared<std::string>();
    auto ns = std::make_shared<std::string>("clusters");
    auto grace = std::make_shared<int>(600);
    CLI::App* c = cluster->add_subcommand(platform, "Destroy a HostedCluster");
    c->add_option("--name", *name, "The HostedCluster")->required();
    c->add_option("--namespace", *ns, "Its namespace")->capture_default_str();
    c->add_option("--cluster-grace-period", *grace, "Seconds to wait for the deletion to finish")->capture_default_str();
    c->callback([&g, name, ns, grace] {
      auto api = Connect(g.kubeconfig);
      if (!api.ok()) std::exit(Fail(api.status()));
      const std::string path = PathOf("HostedCluster", *ns, *name);
      if (Status st = Delete(*api, path); !st.ok()) std::exit(Fail(st));
      // The HostedCluster's finalizer removes its node pools, control plane and hosted cluster.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*grace);
      for (;;) {
        auto hc = Get(*api, path);
        if (!hc.ok()) std::exit(Fail(hc.status()));
        if (!*hc) break;
        if (std::chrono::steady_clock::now() >= deadline) {
          std::exit(Fail("hostedcluster " + *ns + "/" + *name + " is still being deleted after the grace period"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      for (const std::string& secret : {*name + "-pull-secret", *name + "-ssh-key"}) {
        if (Status st = Delete(*api, PathOf("Secret", *ns, secret)); !st.ok()) std::exit(Fail(st));
      }
      std::cout << "hostedcluster.hypershift.openshift.io/" << *name << " destroyed\n";
      std::exit(0);
    });
  }
}

void AddVersion(CLI::App& app, Globals& g) {
  CLI::App* c = app.add_subcommand("version", "Print the client and server versions");
  c->callback([&g] {
    std::cout << "Client Version: carrier/hcp: " << kVersion << ". Latest supported OCP: "
              << kLatestSupportedVersion << "\n";
    auto api = Connect(g.kubeconfig);
    if (!api.ok()) std::exit(Fail(api.status()));
    auto version = Get(*api, "/version");
    if (!version.ok()) std::exit(Fail(version.status()));
    if (*version && (**version).contains("gitVersion")) {
      std::cout << "Server Version: " << std::string((**version).at("gitVersion").as_string()) << "\n";
    }
    auto cm = Get(*api, PathOf("ConfigMap", "hypershift", "supported-versions"));
    if (!cm.ok()) std::exit(Fail(cm.status()));
    std::string supported = "unknown (no supported-versions ConfigMap in namespace hypershift)";
    if (*cm) {
      const json::value* data = (**cm).if_contains("data");
      const json::value* versions = data && data->is_object() ? data->as_object().if_contains("supported-versions") : nullptr;
      boost::system::error_code ec;
      json::value doc = versions && versions->is_string() ? json::parse(versions->as_string(), ec) : json::value();
      if (!ec && doc.is_object() && doc.as_object().contains("versions") && doc.at("versions").is_array()) {
        supported.clear();
        for (const auto& v : doc.at("versions").as_array()) {
          if (v.is_string()) supported += (supported.empty() ? "" : ", ") + std::string(v.as_string());
        }
      }
    }
    std::cout << "Server Supports OCP Versions: " << supported << "\n";
    std::exit(0);
  });
}

}  // namespace
}  // namespace carrier::hcp

int main(int argc, char** argv) {
  using namespace carrier::hcp;
  CLI::App app{"hcp: create and manage hosted control planes (Carrier)", "hcp"};
  app.require_subcommand(1);
  static Globals globals;
  app.add_option("--kubeconfig", globals.kubeconfig, "The management cluster's kubeconfig");
  CLI::App* create = app.add_subcommand("create", "Create hosted control plane resources");
  create->require_subcommand(1);
  AddCreateCluster(*create, globals);
  AddCreateNodePool(*create, globals);
  AddCreateKubeconfig(*create, globals);
  AddDestroyCluster(app, globals);
  AddVersion(app, globals);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
