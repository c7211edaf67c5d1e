// rollout.h — zero-downtime operations on an instance group, driven through the
// Supervisor's public API (extension, see supervisord.conf.5 EXTENSIONS): a rolling
// restart (or surge restart: new next to old) that restarts `batch` processes at a time and waits
// until each replacement is RUNNING (ready, with ready=) before touching the next; a replacement
// that fails to start (BACKOFF, FATAL, or an exit) ends the roll and leaves the remaining old
// processes running. Owns one uv_timer_t (the pause between batches), closed before it is freed;
// keeps itself alive until done. Must not depend on: HTTP/XML-RPC, the store, fork/exec.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/config/model.h"

class Supervisor;

struct RolloutResult {
  bool ok = true;
  std::vector<std::string> lines;  // "my_app:my_app_00: restarted", "... ERROR (...)"
};

// `names` are process names of `group`, restarted in the order given. With `surge`, each
// replacement starts next to its old master (Instance::begin_surge) instead of after it:
// once the replacement is RUNNING the old master is stopped, and the next batch waits
// until it is gone; a replacement that fails is stopped and its old master kept.
void rolling_restart(Supervisor& s, const std::string& group, std::vector<std::string> names,
                     int batch, int pause_ms, std::function<void(RolloutResult)> done,
                     bool surge = false);
