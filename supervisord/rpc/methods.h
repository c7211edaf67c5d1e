// methods.h — the supervisor.* XML-RPC methods (supervisord.org api.html), registered into a
// Dispatcher. They call the Supervisor's public API and answer through Reply, later for
// calls that wait (start/stop with wait): the facade completes them from the instances.
#pragma once

#include <functional>
#include <memory>

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/rpc/dispatch.h"

class Supervisor;

namespace rpc {

struct DaemonHooks {
  std::function<void()> shutdown;  // begin an orderly shutdown (after the reply is sent)
  std::function<void()> restart;   // begin a restart (SIGHUP semantics)
  // Re-exec in place (extension): checks the new binary; success means the hand-over
  // starts after the reply, else the reason. May be empty (the method then fails).
  std::function<Status()> reexec;
  // Re-reads the config from disk (same path and CLI as at start).
  std::function<Result<std::shared_ptr<const config::Config>>()> reload;
  // REMOTE_COMMUNICATION events (events issue); may be empty.
  std::function<void(const std::string& type, const std::string& data)> remote_event;
};

void register_daemon_methods(Dispatcher& d, Supervisor& s, DaemonHooks hooks);
void register_process_methods(Dispatcher& d, Supervisor& s);
void register_log_methods(Dispatcher& d, Supervisor& s);

}  // namespace rpc
