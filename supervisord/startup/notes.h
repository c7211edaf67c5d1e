// startup/notes.h — what start-up has to say before the daemon log is open. Privileges
// are dropped first (so the log file belongs to the configured user) and the rlimits are
// raised next; their messages wait here and are logged once the log is open, in
// Supervisor's order: the criticals, the config's warnings, then the infos.
// Owns: nothing but the two lists. Must not depend on the log or the config.
#pragma once

#include <string>
#include <vector>

namespace startup {

struct EarlyNotes {
  std::vector<std::string> critical;
  std::vector<std::string> info;
};

}  // namespace startup
