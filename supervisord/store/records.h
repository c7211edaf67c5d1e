// records.h — the rows the store keeps, as plain values: one history entry per process
// state change, one instance record per live master (crash recovery), and the previous
// run's summary. Shared by the store, the recovery and the RPC method file.
// Must not depend on: sqlite, uv.h, process/, the Supervisor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/states.h"

namespace store {

struct HistoryEntry {
  int64_t time_ms = 0;  // wall clock, ms since the epoch
  std::string group;
  std::string name;
  ProcessState from = ProcessState::Stopped;
  ProcessState to = ProcessState::Stopped;
  pid_t pid = 0;         // the master's pid (0 when there is none)
  int exitstatus = 0;    // last exit code; -1 when killed by a signal
  int signal = 0;        // the signal that killed it, 0 = none or unknown
  std::string spawnerr;  // "" = none
  int tries = 0;         // Supervisor's backoff counter
  // Extension (cgroups): processes of the instance's cgroup the kernel's OOM killer ended
  // during the run this change ended (memory.events oom_kill); 0 otherwise.
  int64_t oom_kills = 0;
};

// One live instance: enough to find it again after supervisord died, and to stop it the
// way its program asked (stop signal, stopwaitsecs) even if the program left the config.
struct InstanceRecord {
  std::string group;
  std::string name;
  pid_t pid = 0;
  pid_t pgid = 0;            // each instance leads its own group (pgid == pid)
  uint64_t start_ticks = 0;  // /proc/PID/stat field 22
  int stopsignal = 15;
  int stopwaitsecs = 10;
  bool stopasgroup = false;
};

struct PreviousRun {
  bool found = false;     // the statefile knew an earlier run
  bool clean = true;      // that run recorded its orderly end
  bool same_boot = true;  // start ticks are only comparable within one boot
  pid_t pid = 0;          // that supervisord's pid
  int64_t started_ms = 0;
};

}  // namespace store
