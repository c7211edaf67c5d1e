// handover.h — re-exec in place (`supervisor.reexec`, docs/ARCHITECTURE.md "Re-exec in
// place"): the daemon replaces its own image with the binary it was started from, under
// its running programs (same pid, so they stay its children). The one module that writes
// the hand-over record (reading the facade, the instances, the RPC server and the event
// pools through their interfaces) and the one that restores it (Instance::adopt, the
// pools' restore_listener). The record's bytes are handover_record.h's.
// Must not depend on: XML-RPC, HTTP; nothing depends on it but run/daemon.cc and main.cc.
#pragma once

#include <uv.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "supervisord/run/handover_record.h"

class Supervisor;
namespace rpc {
class Server;
}
namespace events {
class EventSystem;
}
namespace cgroup {
class Manager;
}

namespace handover {

// The binary this process runs, read from /proc/self/exe once at start-up (before a
// package manager can replace the file) without " (deleted)", and its argv without the
// --handover-fd this module adds. Never a path given over RPC.
struct Self {
  std::string exe;
  std::vector<std::string> argv;
};
Self resolve_self(int argc, char** argv);

// Runs `exe -c config_path --check-config --handover-version kVersion` and waits (10 s at
// most): success when it exits 0, else the reason ("...: exit status 3: <its last line>").
Status check(const std::string& exe, const std::string& config_path);

// Refuses while a surge restart has two masters in an instance: the record holds one
// process per instance, and the draining one would be left running unowned.
Status no_surge_running(const Supervisor& supervisor);

// The record of the running daemon; `now_ms` is the loop's uv_now.
Record collect(const Supervisor& supervisor, const rpc::Server& server, events::EventSystem& events,
               const cgroup::Manager& cgroups, int64_t now_ms);

// Writes the record to a memfd, clears FD_CLOEXEC on it and every descriptor it names,
// and execve's `self` with `--handover-fd N` appended. Returns only when the execve
// failed, with every descriptor as it was.
Status exec(const Self& self, const Record& record);

// In the new image: the record in `fd` (which is closed), or why it cannot be read.
Result<Record> read(int fd);

// Adopts every recorded instance that the loaded config still has (same group and name)
// and restores the event listeners' protocol state. Returns the (group, name) adopted;
// for the others the descriptors are closed and the store's crash recovery stops their
// processes as a dead daemon's.
// `cgroup_root` is where the record's cgroup_root is now (cgroup::Manager::reuse_root).
std::set<std::pair<std::string, std::string>> adopt(
    const Record& record, const std::string& cgroup_root, Supervisor& supervisor,
    events::EventSystem& events, const std::function<void(const std::string&)>& warn);

// Closes every descriptor the record names (a record the config no longer matches).
void close_all(const Record& record);

}  // namespace handover
