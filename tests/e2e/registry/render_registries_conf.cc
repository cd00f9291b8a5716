// Test tool: renders containers-registries.conf from IDMS/ITMS/ICSP objects so that the
// end-to-end tests can hand it to skopeo (--registries-conf), the real consumer.
// Usage: render_registries_conf <objects.yaml> [--insecure <scope>]... [--blocked <scope>]...
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "registry/mirror/registries_conf.h"

int main(int argc, char** argv) {
  using namespace carrier::registry::mirror;
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <objects.yaml> [--insecure s]... [--blocked s]...\n";
    return 2;
  }
  RegistriesOptions options;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--insecure") {
      options.insecure_scopes.push_back(argv[i + 1]);
    } else if (flag == "--blocked") {
      options.blocked_scopes.push_back(argv[i + 1]);
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  auto sets = ParseMirrorSets(text.str());
  if (!sets.ok()) {
    std::cerr << sets.status().ToString() << "\n";
    return 1;
  }
  auto config = BuildRegistriesConfig(*sets, options);
  if (!config.ok()) {
    std::cerr << config.status().ToString() << "\n";
    return 1;
  }
  std::cout << RenderRegistriesConf(*config);
  return 0;
}
