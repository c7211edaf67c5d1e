// loader.h — INI files -> immutable config::Config, as Supervisor reads them: config search order,
// [include] globs, [DEFAULT], %(name)s expansion with exactly Supervisor's names per option,
// numprocs fan-out, groups, eventlisteners, fcgi-programs, servers, CLI overrides.
// Every error is one message "file:line: [section] option: <Supervisor's text>" followed by
// the source line and a caret. Depends on common/ini, common/expand, common/values and
// config/schema; knows nothing of processes at run time, logging or the event loop.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "supervisord/config/model.h"

namespace config {

struct LoadOptions {
  // -c FILE. Empty: Supervisor's default search list (find_config_file(argv0)).
  std::string config_path;
  std::string argv0 = "supervisord";
  // supervisord command line values by [supervisord] option key ("logfile" -> {"-l",
  // "/x.log"}, "nodaemon" -> {"-n", "true"}); they win over the file, as in Supervisor, and are
  // not %-expanded. A bad one fails with "invalid value for -l '10xb': <why>" (flag as given;
  // empty flag: the schema row's). Same shape as startup/cli.h's CliOverride.
  struct Override {
    std::string flag;
    std::string value;
  };
  std::map<std::string, Override> overrides;
  // supervisord's environment, for ENV_* (absent: the process environment, `environ`).
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;
  std::optional<std::string> host_name;  // %(host_node_name)s; absent: uname -n
  std::optional<int> cpu_count;          // %(cpu_count)d extension; absent: online CPUs
  std::optional<std::string> cwd;        // for relative logfile/pidfile; absent: getcwd()
};

// The first existing file of Supervisor's default list for this argv[0], or Supervisor's
// "No config file found at default paths (...)" error text.
Result<std::string> find_config_file(const std::string& argv0);

// Reads, expands, validates. Parse-time warnings (AUTO log without rollover, unknown
// options, includes matching nothing, ...) land in Config::warnings.
Result<Config> load(const LoadOptions& options);

// Extension (runtime scaling). What a group can be rescaled by: its one [program:x]
// section's name and the numprocs written there; nullopt when it is not made of exactly one
// [program:x] section (eventlistener pools, fcgi-programs, [group:x] of several programs).
struct ScaleBase {
  std::string program;
  int numprocs = 1;
};
std::optional<ScaleBase> scale_base(const GroupConfig& group);

// `group` as load() made it had its [program:x] section said numprocs=`count`, from the text
// that was loaded (no file is read): process names, process_num from numprocs_start, and
// every per-process option expanded again. %(numprocs)d and ProcessConfig::numprocs stay the
// file's, so the processes the file itself makes compare equal to the loaded ones (and
// keep their shared ProcessConfig). Errors are the loader's texts (process_name without
// %(process_num) for count > 1, ...).
Result<std::shared_ptr<const GroupConfig>> rescale(const GroupConfig& group, int count);

}  // namespace config
