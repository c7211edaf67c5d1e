// describe.h — how a process is described to a client: getProcessInfo's `description`
// and Python's str(timedelta). Pure functions of their arguments.
// Must not depend on: libuv, Process, the Supervisor object.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/states.h"

// getProcessInfo's `description` ("pid 42, uptime 0:00:08", "Not started", ...) from its fields.
std::string process_description(ProcessState state, pid_t pid, int64_t start_s, int64_t stop_s,
                                int64_t now_s, const std::string& spawnerr,
                                const std::string& name);
// Python's str(timedelta(seconds=s)): "0:00:08", "1 day, 2:03:04", "2 days, 0:00:01".
std::string format_uptime(int64_t seconds);
