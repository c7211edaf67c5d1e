// adoption.h — a running Process as data, for `supervisor.reexec` (the daemon replaces its
// own image under its running programs): what Process::handover() reads out of a live
// process and Process::adopt() builds one from instead of spawning. The descriptors are
// the old image's, still open in the new one (same pid, FD_CLOEXEC cleared just before the
// execve); deadlines are absolute CLOCK_MONOTONIC milliseconds (libuv's uv_now), which an
// exec does not reset.
// Must not depend on: libuv, the Supervisor object, the run room (it only holds values).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "supervisord/process/fsm.h"

struct Adoption {
  fsm::Facts facts;
  // When each fsm timer (fsm::TimerId order) fires; 0 = not armed.
  std::array<int64_t, fsm::kTimerCount> deadline_ms{};
  int stdin_fd = -1;  // our end of the child's stdin pipe (-1: none open)
  uint64_t stdin_ino = 0;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int notify_fd = -1;  // the NOTIFY_SOCKET datagram socket
  int listen_fd = -1;  // the held socket= listener
  std::string notify_path;
  std::string status_text;
  std::string cgroup_dir;
  int64_t oom_base = 0;
};
