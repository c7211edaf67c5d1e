// resource_limits.h — the daemon's resource limits against what its config needs: the soft
// RLIMIT_NOFILE and RLIMIT_NPROC are raised toward their hard limits when the config's
// estimate (config::estimate_resources) is above them, at start-up and whenever a new
// config is applied. Supervisor's minfds/minprocs (which may also raise the hard limit,
// as root) are applied before this, by the daemon's start-up.
#pragma once

#include <functional>
#include <string>

#include "supervisord/config/model.h"

namespace limits {

// level: 20 INFO (a limit was raised), 30 WARN (the hard limit is below the estimate).
using Log = std::function<void(int level, const std::string& text)>;

void fit(const config::Config& config, const Log& log);

}  // namespace limits
