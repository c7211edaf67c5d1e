// main.cc — supervisord's entry point: argv, the config, then runs of the daemon until
// one ends in shutdown (SIGHUP / restart start another run in the same process).
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/text_io.h"
#include "supervisord/config/check.h"
#include "supervisord/config/loader.h"
#include "supervisord/config/sample.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/run/daemon.h"
#include "supervisord/run/handover.h"
#include "supervisord/startup/cli.h"

namespace {

constexpr const char* kVersion = "4.2.5";  // what Supervisor's tools expect to read

int usage_error(const std::string& argv0, const std::string& message) {
  textio::write_all(2, startup::cli_error_text(argv0, message));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: a package upgrade may replace the file while this runs.
  handover::Self self = handover::resolve_self(argc, argv);
  std::string argv0 = argc > 0 ? argv[0] : "supervisord";
  auto cli = startup::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (!cli) return usage_error(argv0, cli.error());
  if (cli->help) {
    textio::write_all(1, startup::cli_usage(argv0));
    return 0;
  }
  if (cli->version) {
    textio::write_all(1, std::string(kVersion) + "\n");
    return 0;
  }
  if (cli->sample_config) {
    textio::write_all(1, config::sample_config());
    return 0;
  }

  config::LoadOptions lo;
  lo.config_path = cli->config_path;
  lo.argv0 = argv0;
  for (const auto& [key, o] : cli->overrides) lo.overrides[key] = {o.flag, o.value};

  if (cli->check_config && cli->handover_version != 0 &&
      cli->handover_version != static_cast<int>(handover::kVersion)) {
    textio::write_all(2, "cannot read hand-over record version " +
                             std::to_string(cli->handover_version) + " (this build reads " +
                             std::to_string(handover::kVersion) + ")\n");
    return 3;
  }
  // Re-exec in place: the previous image's record. One this build cannot read leaves the
  // programs to the state file's crash recovery (they are stopped and started anew).
  std::optional<handover::Record> record;
  std::string record_error;
  if (cli->handover_fd >= 0) {
    auto r = handover::read(cli->handover_fd);
    if (r) {
      record = std::move(*r);
    } else {
      // The descriptors it named are unknown: let go of all of them (the control
      // sockets bind again, the programs' pipes close; recovery stops the programs).
      record_error = r.error();
      ::close_range(3, ~0U, 0);
    }
  }

  if (cli->check_config) {
    std::string out, err;
    int rc = config::run_check_config(lo, cli->json, out, err, [](const config::Config& c) {
      return cgroup::Manager::describe(c.supervisord.cgroups);
    });
    textio::write_all(1, out);
    textio::write_all(2, err);
    return rc;
  }

  bool first = true;
  for (;;) {
    auto loaded = config::load(lo);
    if (!loaded) return usage_error(argv0, loaded.error());
    RunInput in{std::make_shared<const config::Config>(std::move(*loaded)),
                lo,
                first,
                argv0,
                self,
                std::move(record),
                std::exchange(record_error, "")};
    record.reset();
    int exit_code = 0;
    RunOutcome how = run_daemon(in, exit_code);
    if (exit_code != 0 || how == RunOutcome::Shutdown) return exit_code;
    first = false;
  }
}
