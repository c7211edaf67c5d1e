// states.h — process and supervisor states with Supervisor's names and codes
// (http://supervisord.org/subprocess.html, "Process States"). Shared by daemon and client.
#pragma once

#include <optional>
#include <string_view>

enum class ProcessState : int {
  Stopped = 0,
  Starting = 10,
  Running = 20,
  Backoff = 30,
  Stopping = 40,
  Exited = 100,
  Fatal = 200,
  Unknown = 1000,
};

enum class SupervisorState : int {
  Fatal = 2,
  Running = 1,
  Restarting = 0,
  Shutdown = -1,
};

constexpr std::string_view state_name(ProcessState s) {
  switch (s) {
    case ProcessState::Stopped:
      return "STOPPED";
    case ProcessState::Starting:
      return "STARTING";
    case ProcessState::Running:
      return "RUNNING";
    case ProcessState::Backoff:
      return "BACKOFF";
    case ProcessState::Stopping:
      return "STOPPING";
    case ProcessState::Exited:
      return "EXITED";
    case ProcessState::Fatal:
      return "FATAL";
    case ProcessState::Unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

constexpr std::string_view state_name(SupervisorState s) {
  switch (s) {
    case SupervisorState::Fatal:
      return "FATAL";
    case SupervisorState::Running:
      return "RUNNING";
    case SupervisorState::Restarting:
      return "RESTARTING";
    case SupervisorState::Shutdown:
      return "SHUTDOWN";
  }
  return "UNKNOWN";
}

// STOPPED_STATES, RUNNING_STATES, SIGNALLABLE_STATES of states.py.
constexpr bool is_stopped_state(ProcessState s) {
  return s == ProcessState::Stopped || s == ProcessState::Exited || s == ProcessState::Fatal ||
         s == ProcessState::Unknown;
}
constexpr bool is_running_state(ProcessState s) {
  return s == ProcessState::Running || s == ProcessState::Backoff || s == ProcessState::Starting;
}
constexpr bool is_signallable_state(ProcessState s) {
  return s == ProcessState::Running || s == ProcessState::Starting || s == ProcessState::Stopping;
}

std::optional<ProcessState> process_state_from_code(int code);
