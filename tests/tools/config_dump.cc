// config_dump.cc — test-only stand-in for `supervisord -c FILE --check-config [--json]`
// until main.cc wires run_check_config; the config differential drives it.
// Usage: config_dump [--json] FILE
#include <iostream>
#include <string>

#include "supervisord/config/check.h"

int main(int argc, char** argv) {
  config::LoadOptions options;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else {
      options.config_path = arg;
    }
  }
  options.argv0 = argv[0];
  std::string out, err;
  int rc = config::run_check_config(options, json, out, err);
  std::cout << out;
  std::cerr << err;
  return rc;
}
