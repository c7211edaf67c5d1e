// startup/daemonize.h — leaving the terminal and saying where the daemon is: the single
// fork of Supervisor's daemonize (the parent exits at once, the child chdirs to
// directory=, points 0/1/2 at /dev/null, leads a new session and takes umask=), and the
// pidfile written after it (supervisord.org running.html). Owns: the fork of the daemon
// itself (not of children) and the pidfile's content.
// Must not depend on the Supervisor, processes, RPC or the store; the loop only to tell
// libuv about the fork.
#pragma once

#include <uv.h>

#include <string>

#include "supervisord/config/model.h"
#include "supervisord/logs/daemon_log.h"

namespace startup {

// Returns in the child only (the parent _exits 0); a failed fork is logged and the daemon
// goes on in the foreground, as Supervisor's does.
void daemonize(uv_loop_t* loop, const config::SupervisordConfig& sd, logs::DaemonLog& log);

// "<pid>\n" into `path`; a failure is logged (CRIT) and not fatal.
void write_pidfile(const std::string& path, logs::DaemonLog& log);
// At exit: the pidfile goes (one already gone is fine).
void remove_pidfile(const std::string& path);

}  // namespace startup
