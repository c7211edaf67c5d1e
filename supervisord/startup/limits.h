// startup/limits.h — the daemon's own resource limits, the one place that calls setrlimit
// on supervisord itself. Two rules:
//  - raise_limit: Supervisor's minfds/minprocs, once at the first start (not on a restart),
//    raising the hard limit too when allowed (root); failing is fatal, as in Supervisor.
//  - fit (extension): the soft RLIMIT_NOFILE and RLIMIT_NPROC raised toward their hard
//    limits when the config's estimate (config::estimate_resources) is above them, at
//    start-up and whenever a new config is applied (the Supervisor calls it); never fatal.
// Both live here because they act on the same two limits of the same process, and fit's
// warnings name minfds=/minprocs= as the way out.
// Must not depend on the loop, processes or the daemon log (callers get notes or a Log).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/startup/notes.h"

namespace limits {

// Raises the soft `resource` (RLIMIT_NOFILE or RLIMIT_NPROC) limit to `minimum` when below
// it. `name` is Supervisor's word for it in the error ("file descriptors").
Status raise_limit(int resource, int64_t minimum, const char* name, startup::EarlyNotes& notes);

// level: 20 INFO (a limit was raised), 30 WARN (the hard limit is below the estimate).
using Log = std::function<void(int level, const std::string& text)>;

void fit(const config::Config& config, const Log& log);

}  // namespace limits
