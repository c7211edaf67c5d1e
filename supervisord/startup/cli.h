// startup/cli.h — supervisord's command line (supervisord.org running.html), parsed like
// Python's getopt: `-cFILE`, `-c FILE`, `--configuration=FILE`, `--configuration FILE`.
// Values are kept as text keyed by the [supervisord] option they override; the config
// loader types them and reports a bad one as `invalid value for -y '10xb': ...`.
// Owns: argv, the -h text and the "Error: ... / For help" text. Must not depend on config
// files, the config model or anything that runs (the loop, processes, logs).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace startup {

struct CliOverride {
  std::string flag;   // as Supervisor names it in errors: "-y" (short form)
  std::string value;  // "true" for the flag-only options
};

struct CliOptions {
  std::string config_path;                       // -c; empty: default search list
  std::map<std::string, CliOverride> overrides;  // [supervisord] option -> value
  bool help = false;
  bool version = false;
  // Extensions.
  bool check_config = false;   // --check-config
  bool json = false;           // --json (with --check-config)
  bool sample_config = false;  // --sample-config
  // Re-exec in place (supervisor.reexec): the hand-over record's descriptor in the new
  // image (-1: none), and the record version a check run is asked about (0: none).
  int handover_fd = -1;
  int handover_version = 0;
};

// Error text without the "Error: " prefix, e.g. "option --bogus not recognized".
Result<CliOptions> parse_cli(const std::vector<std::string>& args);

// The -h text (stdout, exit 0).
std::string cli_usage(const std::string& argv0);

// What a bad command line (or a config refused at start-up) prints on stderr before
// exiting 2: "Error: <message>\nFor help, use <argv0> -h\n".
std::string cli_error_text(const std::string& argv0, const std::string& message);

}  // namespace startup
