// handover_record.h — the record `supervisor.reexec` passes from the old image of the
// daemon to the new one (docs/ARCHITECTURE.md, "Re-exec in place"): a magic, a version,
// the payload's length and checksum, then the payload: the control sockets' listening
// descriptors and, per instance, its Process as an Adoption, spawn count, exit records,
// output tail and event-listener state. Pure: bytes in, values out (the unit tests and the
// libFuzzer target drive it); the descriptors it names are opened and closed elsewhere.
// Must not depend on: libuv, the Supervisor object, sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "supervisord/process/adoption.h"
#include "supervisord/process/diagnosis.h"

namespace handover {

// The version this build writes and the only one it reads. A new image asked (by the
// check run, --handover-version N) about another version says no, and the old image
// does not re-execute.
inline constexpr uint32_t kVersion = 1;

struct InstanceState {
  std::string group;
  std::string name;
  Adoption process;
  int spawns = 0;                            // times it entered STARTING
  std::vector<diagnosis::ExitRecord> exits;  // oldest first
  std::vector<std::string> tail;             // the output tail's lines, oldest first
  int listener_state = 0;                    // events::ListenerState; 0 = not a listener
};

struct Record {
  int64_t written_ms = 0;       // CLOCK_MONOTONIC ms when the old image wrote it
  std::string cgroup_root;      // the daemon's cgroup (cgroup::Manager::root), "" = none
  std::vector<int> server_fds;  // listening control sockets: UNIX servers, then TCP ones
  std::vector<InstanceState> instances;
};

std::string encode(const Record& record);
// Errors: "not a hand-over record" (magic), "hand-over record version N is not 1",
// "hand-over record truncated", "hand-over record checksum mismatch", or a field's
// "hand-over record: bad <field>".
Result<Record> decode(std::string_view bytes);

}  // namespace handover
