// supervisor.h — the top object of the daemon: the process groups of the running config,
// the daemon state (RUNNING / RESTARTING / SHUTDOWN), ordered start and shutdown
// (by priority), applying a reload, and waiters that RPC calls use to be answered when
// processes reach a state (no polling: waiters are re-checked on every state change).
// Knows nothing of HTTP or XML-RPC (rpc/ calls this API) and nothing of fork/exec
// (process/ does that).
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/states.h"
#include "supervisord/config/diff.h"
#include "supervisord/config/model.h"
#include "supervisord/diagnosis.h"
#include "supervisord/logs/child_log.h"
#include "supervisord/process/process.h"

namespace logs {
class DaemonLog;
}

class Supervisor;

// One live process and its output capture.
struct ProcessSlot {
  std::unique_ptr<Process> process;
  std::unique_ptr<logs::ChildLog> stdout_log;
  std::unique_ptr<logs::ChildLog> stderr_log;
  int spawns = 0;  // times it entered STARTING; restarts = spawns - 1
  // Crash diagnostics (extension): the last lines of stderr (stdout when redirected)
  // and the last exits, bounded, for `supervisorctl why`.
  diagnosis::OutputTail tail;
  std::vector<diagnosis::ExitRecord> exits;  // oldest first; empty until the first exit
};

struct Group {
  std::shared_ptr<const config::GroupConfig> config;
  // In process priority order. Shared so that a waiting RPC call can hold a weak
  // reference that survives the group's removal.
  std::vector<std::shared_ptr<ProcessSlot>> slots;
  const std::string& name() const { return config->name; }
  std::shared_ptr<ProcessSlot> find(const std::string& process_name) const;
};

class Supervisor {
 public:
  // A waiter is re-evaluated after every process state change (and once when added);
  // it returns true when it is done and can be dropped.
  using Waiter = std::function<bool()>;

  Supervisor(uv_loop_t* loop, Reaper& reaper, logs::DaemonLog& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Installs the first config: every group is added (not started).
  void set_config(std::shared_ptr<const config::Config> config, std::string server_url);
  const config::Config& config() const { return *config_; }
  std::shared_ptr<const config::Config> config_ptr() const { return config_; }

  SupervisorState state() const { return state_; }
  void set_state(SupervisorState s) { state_ = s; }

  // Groups in runtime order: priority, ties in the order they were added.
  const std::vector<std::unique_ptr<Group>>& groups() const { return groups_; }
  Group* find_group(const std::string& name);

  // Starts every autostart process that was never started, walking groups by priority;
  // `skip` (remembered admin state) keeps a process stopped.
  void autostart(const std::function<bool(const Process&)>& skip = {});

  // Group management for update / addProcessGroup / removeProcessGroup.
  bool add_group(const std::string& name);     // from the current config; false if unknown
  bool remove_group(const std::string& name);  // caller checked all are stopped
  void replace_config(std::shared_ptr<const config::Config> next);  // reload: keep groups

  // Our `update` (extension, Supervisor#177/#591): applies a changed group in place, down
  // to the instance. Removed and changed processes are stopped (all at once), then removed
  // or replaced; added ones are created and autostarted; untouched ones keep running.
  // `done` gets nothing: the caller prints the group's line.
  void update_group(const config::ProcessDiff& diff,
                    std::shared_ptr<const config::GroupConfig> next, std::function<void()> done);
  // Stops every running process of a group (all at once), then calls done.
  void stop_group(const std::string& name, std::function<void()> done);

  // Stops every group one at a time in descending priority, then calls done.
  void stop_all_ordered(std::function<void()> done);

  void add_waiter(Waiter w);
  void reopen_logs();
  // Closes every process's handles (all must be stopped); `done` once all closed.
  void close(std::function<void()> done);
  // Every process state change, after the Supervisor's own bookkeeping (events, store).
  using StateListener = std::function<void(Process&, ProcessState from, ProcessState to)>;
  void add_state_listener(StateListener l) { listeners_.push_back(std::move(l)); }

  // The event system's view (events/): groups added (after insertion, before autostart)
  // and removed (before their processes close), every output chunk, PROCESS_LOG data and
  // PROCESS_COMMUNICATION captures. Each may be empty.
  struct EventTaps {
    std::function<void(const Group&, bool added)> group_changed;
    std::function<void(Process&, bool is_stderr, std::string_view bytes)> output;
    std::function<void(Process&, bool is_stderr, std::string_view data)> log_event;
    std::function<void(Process&, bool is_stderr, std::string data)> capture_event;
  };
  void set_event_taps(EventTaps taps) { taps_ = std::move(taps); }

  uv_loop_t* loop() const { return loop_; }
  logs::DaemonLog& log() { return log_; }

 private:
  std::unique_ptr<Group> make_group(std::shared_ptr<const config::GroupConfig> gc);
  void fit_limits();  // RLIMIT_NOFILE / RLIMIT_NPROC toward what config_ needs
  std::shared_ptr<ProcessSlot> make_slot(std::shared_ptr<const config::ProcessConfig> pc);
  void on_state_change(ProcessSlot& slot, Process& p, ProcessState from, ProcessState to);
  void record_exit(ProcessSlot& slot, const fsm::ExitInfo& e);
  static constexpr size_t kMaxExitRecords = 10;
  void run_waiters();
  void stop_next_group(std::shared_ptr<std::vector<std::string>> order, std::function<void()> done);
  void close_group(std::unique_ptr<Group> group, std::function<void()> done);
  void autostart_slice();
  static constexpr uint64_t kAutostartSliceNs = 2'000'000;

  uv_loop_t* loop_;
  Reaper& reaper_;
  logs::DaemonLog& log_;
  std::shared_ptr<const config::Config> config_;
  std::string server_url_;
  SupervisorState state_ = SupervisorState::Running;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<Waiter> waiters_;
  bool running_waiters_ = false;
  bool rerun_waiters_ = false;
  std::vector<StateListener> listeners_;
  std::vector<std::weak_ptr<ProcessSlot>> autostart_queue_;  // see autostart_slice()
  size_t autostart_next_ = 0;
  uv_idle_t* autostart_idle_ = nullptr;
  EventTaps taps_;
  int closing_ = 0;  // groups whose handles are still closing
};
