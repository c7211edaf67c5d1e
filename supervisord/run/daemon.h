// daemon.h — one run of supervisord: build the rooms from a loaded config (daemon log,
// reaper, supervisor, RPC servers, signal handlers), daemonize on the first run, run the
// loop until shutdown or restart (docs/ARCHITECTURE.md). main.cc only parses argv and calls
// run() again while a restart is requested.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "supervisord/config/loader.h"
#include "supervisord/config/model.h"
#include "supervisord/run/handover.h"

enum class RunOutcome { Shutdown, Restart };

struct RunInput {
  std::shared_ptr<const config::Config> config;
  config::LoadOptions load_options;  // to re-read the config for reloadConfig
  bool first_run = true;
  std::string argv0;
  handover::Self self;  // what supervisor.reexec re-executes (resolved once by main)
  // Re-exec in place: the previous image's record; this run adopts its instances instead
  // of daemonizing and starting them.
  std::optional<handover::Record> handover;
  std::string handover_error;  // a record was given but could not be read: why
};

// Returns how the run ended; on a startup error prints "Error: ..." and returns exit 2
// through `exit_code` (and RunOutcome::Shutdown).
RunOutcome run_daemon(const RunInput& input, int& exit_code);
