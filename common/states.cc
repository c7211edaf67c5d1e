#include "common/states.h"

std::optional<ProcessState> process_state_from_code(int code) {
  switch (code) {
    case 0:
      return ProcessState::Stopped;
    case 10:
      return ProcessState::Starting;
    case 20:
      return ProcessState::Running;
    case 30:
      return ProcessState::Backoff;
    case 40:
      return ProcessState::Stopping;
    case 100:
      return ProcessState::Exited;
    case 200:
      return ProcessState::Fatal;
    case 1000:
      return ProcessState::Unknown;
    default:
      return std::nullopt;
  }
}
