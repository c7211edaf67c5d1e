// reaper.h — the only waitpid (docs/ARCHITECTURE.md#process-trees). One uv_signal_t for SIGCHLD
// drains waitpid(-1, WNOHANG) and hands each (pid, status) to the owner registered for that
// pid, or to the "unknown pid" callback (orphaned workers re-parented to us as subreaper).
// After a round that reaped anything, the group watchers run: processes draining their
// process group re-check kill(-pgid, 0) then — event-driven, no polling.
// Must not depend on: fsm, spawn, process (it knows pids, not processes).
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "supervisord/uvx/handle.h"

class Reaper {
 public:
  using ExitFn = std::function<void(pid_t pid, int wait_status)>;
  using WatcherFn = std::function<void()>;

  explicit Reaper(uv_loop_t* loop);
  ~Reaper();  // close() must have completed
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  Status start();                          // begin watching SIGCHLD
  void close(std::function<void()> done);  // closes the signal handle; `done` from its callback

  void watch(pid_t pid, ExitFn on_exit);  // one owner per pid; replaced if registered again
  void unwatch(pid_t pid);
  void on_unknown(ExitFn fn) { unknown_ = std::move(fn); }  // default: ignore

  uint64_t add_group_watcher(WatcherFn fn);
  void remove_group_watcher(uint64_t id);

  // Drain now (the SIGCHLD callback calls this; tests and spawn may too).
  void reap();
  // Handles (pid, wait_status) exactly as a reaped exit: its owner (or the unknown-pid
  // callback), then the group watchers. For a test's fake children (spawn::Spawner).
  void deliver(pid_t pid, int wait_status);

  // prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of our children come back to us.
  static Status become_subreaper();

 private:
  static void on_signal(uv_signal_t* handle, int signum);
  void dispatch(const std::vector<std::pair<pid_t, int>>& reaped);

  uv_loop_t* loop_;
  uvx::Handle<uv_signal_t> signal_;
  std::unordered_map<pid_t, ExitFn> owners_;
  ExitFn unknown_;
  std::map<uint64_t, WatcherFn> watchers_;
  uint64_t next_watcher_ = 1;
};
