// startup/privileges.h — [supervisord] user=: the daemon gives up root once, after the
// config is loaded and before the rlimits, the log and any socket are touched (so what it
// creates belongs to that user), as Supervisor does (supervisord.org configuration.html,
// "user"). Owns: the process's own uid, gid and supplementary groups.
// Must not depend on the loop, the daemon log (it reports through EarlyNotes), processes.
#pragma once

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/startup/notes.h"

namespace startup {

// No user=: as root, a critical note that privileges stay. user= is the current uid:
// nothing. Else initgroups/setgid/setuid, or Supervisor's error text (the daemon exits 2).
Status drop_privileges(const config::SupervisordConfig& sd, EarlyNotes& notes);

}  // namespace startup
