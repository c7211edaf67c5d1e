// recovery.h — crash recovery (docs/ARCHITECTURE.md#process-trees): the instances a previous
// supervisord recorded and that still live (same pid AND same start time; members of
// their process group started no earlier than the master) are stopped with their stop
// signal, then SIGKILL to the whole group after stopwaitsecs. `instance_done` runs as each
// instance's group is empty (or gave up), so that the caller starts that instance's
// successor then — not before its old master and workers are gone and their ports are
// free, and not later either: a slow group never holds up the others. `done` runs when
// every instance is done. The old processes are not our children: their
// exits are watched through pidfds (uv_poll_t), or a short timer where pidfd_open is
// missing. Every step is logged.
// Owns: its uv_timer_t / uv_poll_t handles and pidfds (closed before `done` runs).
// Must not depend on: sqlite, the Supervisor, process/ (it is given plain records).
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/store/records.h"

namespace store {

struct RecoveryOutcome {
  enum class Fate {
    Gone,      // nothing of it was alive (or the pid now names another process)
    Stopped,   // the stop signal was enough
    Killed,    // SIGKILL after stopwaitsecs
    Survived,  // still there after SIGKILL and a grace period (D state?): logged as error
  };
  InstanceRecord record;
  Fate fate = Fate::Gone;
  size_t processes = 0;  // master + workers found alive at the start
};
const char* fate_name(RecoveryOutcome::Fate fate);

class Recovery {
 public:
  using LogFn = std::function<void(int level, const std::string& text)>;
  using Done = std::function<void(const std::vector<RecoveryOutcome>&)>;
  using InstanceDone = std::function<void(const RecoveryOutcome&)>;

  // After SIGKILL, how long to wait for the group to disappear before giving up.
  static constexpr uint64_t kKillGraceMs = 5000;

  Recovery(uv_loop_t* loop, LogFn log);
  ~Recovery();  // run() must have called done, or close() must have completed
  Recovery(const Recovery&) = delete;
  Recovery& operator=(const Recovery&) = delete;

  // Starts on every instance at once; `instance_done` runs once per instance as it is
  // done (maybe before run() returns, for one with nothing alive; never from close()),
  // `done` exactly once (maybe before run() returns when nothing is alive), after all
  // handles are closed.
  void run(std::vector<InstanceRecord> instances, Done done, InstanceDone instance_done = {});
  bool finished() const { return finished_; }
  // One line for `supervisorctl why` (the daemon): "not run", "in progress: ...", or the
  // "done: ..." counts the log has.
  std::string summary() const;
  // Abandons the work (signals already sent stay sent); `closed` after handles closed.
  void close(std::function<void()> closed);

  // Test seam: pretend pidfd_open is missing, to exercise the timer fallback.
  void disable_pidfd_for_test() { use_pidfd_ = false; }

 private:
  struct Job;
  struct Watch;
  void start_job(Job& job);
  void refresh(Job& job);
  void on_stopwait(Job& job);
  void finish_job(Job& job, RecoveryOutcome::Fate fate);
  void unwatch(Job& job, pid_t pid);
  void handle_closed();
  void maybe_done();
  void log(int level, const std::string& text) const;

  uv_loop_t* loop_;
  LogFn log_;
  std::vector<std::unique_ptr<Job>> jobs_;
  Done done_;
  InstanceDone instance_done_;
  std::function<void()> closed_;
  int open_handles_ = 0;
  size_t jobs_left_ = 0;
  bool started_ = false;
  bool all_started_ = false;
  bool finished_ = false;
  bool closing_ = false;
  bool use_pidfd_ = true;
};

}  // namespace store
