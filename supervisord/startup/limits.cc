// startup/limits.cc — see limits.h.
#include "supervisord/startup/limits.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace limits {
namespace {

constexpr int kInfo = 20, kWarn = 30;

std::string number(rlim_t v) {
  return v == RLIM_INFINITY ? "unlimited" : std::to_string(v);
}

// Raises the soft limit of `resource` to min(hard, need) when it is below need.
void raise_toward_hard(int resource, const char* name, int64_t need, const std::string& why,
                       const std::string& how, const Log& log) {
  struct rlimit rl {};
  if (getrlimit(resource, &rl) != 0 || need <= 0) return;
  const rlim_t want = static_cast<rlim_t>(need);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rlim_t to = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) ? want : rl.rlim_max;
    if (to > rl.rlim_cur) {
      struct rlimit next = rl;
      next.rlim_cur = to;
      if (setrlimit(resource, &next) == 0) {
        log(kInfo, std::string("Increased ") + name + " soft limit from " + number(rl.rlim_cur) +
                       " to " + number(to) + " (" + why + ")");
        rl = next;
      } else {
        log(kWarn, std::string("cannot raise ") + name + " to " + number(to) + ": " +
                       std::strerror(errno));
      }
    }
  }
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
    log(kWarn, std::string(name) + " hard limit " + number(rl.rlim_max) + " is too low: " + why +
                   ", some may fail to spawn; " + how);
}

}  // namespace

Status raise_limit(int resource, int64_t minimum, const char* name, startup::EarlyNotes& notes) {
  struct rlimit rl;
  if (::getrlimit(resource, &rl) != 0) return Status::success();
  if (rl.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(rl.rlim_cur) < minimum) {
    struct rlimit want = rl;
    want.rlim_cur = static_cast<rlim_t>(minimum);
    if (rl.rlim_max != RLIM_INFINITY && static_cast<int64_t>(rl.rlim_max) < minimum)
      want.rlim_max = static_cast<rlim_t>(minimum);
    if (::setrlimit(resource, &want) != 0)
      return Status::fail(std::string("The minimum number of ") + name +
                          " required to run this process is " + std::to_string(minimum) +
                          " as per the config; the current limit could not be raised (" +
                          std::strerror(errno) + ")");
    notes.info.push_back(std::string("Increased ") +
                         (resource == RLIMIT_NOFILE ? "RLIMIT_NOFILE" : "RLIMIT_NPROC") +
                         " limit to " + std::to_string(minimum));
  }
  return Status::success();
}

void fit(const config::Config& config, const Log& log) {
  config::ResourceEstimate e = config::estimate_resources(config);
  raise_toward_hard(RLIMIT_NOFILE, "RLIMIT_NOFILE", e.fds_busy,
                    "the config needs about " + std::to_string(e.fds_busy) +
                        " file descriptors with every process running and logging",
                    "raise it (LimitNOFILE= in the systemd unit, ulimit -Hn) or, as root, set "
                    "minfds= in [supervisord]",
                    log);
  // Every master plus room for their workers; RLIMIT_NPROC counts the whole user's tasks.
  const int64_t tasks = e.processes * 2 + 64;
  raise_toward_hard(
      RLIMIT_NPROC, "RLIMIT_NPROC", tasks,
      "the config starts " + std::to_string(e.processes) + " processes",
      "raise it (LimitNPROC=, ulimit -Hu) or, as root, set minprocs= in [supervisord]", log);
}

}  // namespace limits
