// supervisor.h — the facade: the one API over the process table that every surface (the
// XML-RPC methods, the event listeners, the state store, the zero-downtime drivers, the
// daemon's run loop) uses. It owns the groups of the running config and their instances,
// the daemon state (RUNNING / RESTARTING / SHUTDOWN) and the Bus on which everything that
// happens is published. It offers:
// - commands over a name (start, stop, signal, restart) with a completion and a
//   structured outcome, answered in Supervisor's order for the group forms;
// - lookups (find a group, an instance by namespec, every instance by name);
// - apply(): the one path that changes running groups (update, add/remove a group, scale,
//   remembered instance counts at start), down to the instance;
// - ordered autostart and shutdown (by priority), log reopening, closing;
// - start-order dependencies (depends_on, an extension): an instance whose dependencies
//   are not all RUNNING waits, says why, and starts when they are; shutdown stops
//   dependents first.
// Knows nothing of HTTP or XML-RPC (rpc/ maps outcomes to answers) and nothing of
// fork/exec (process/ does that).
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/faults.h"
#include "common/states.h"
#include "supervisord/config/diff.h"
#include "supervisord/config/model.h"
#include "supervisord/process/bus.h"
#include "supervisord/process/group.h"
#include "supervisord/process/instance.h"
#include "supervisord/uvx/handle.h"

namespace logs {
class DaemonLog;
}

class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, Reaper& reaper, logs::DaemonLog& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Everything that happens, typed. Subscribe before set_config to hear the first groups.
  Bus& bus() { return bus_; }

  // ---- config and state ----
  // Installs the first config: every group is added (not started).
  void set_config(std::shared_ptr<const config::Config> config, std::string server_url);
  // The last config read (reloadConfig's): what add/update/scale take groups from.
  const config::Config& config() const { return *config_; }
  std::shared_ptr<const config::Config> config_ptr() const { return config_; }
  // Makes `next` the last config read and says how its groups differ from the running
  // ones (Supervisor's reloadConfig). Nothing starts or stops.
  config::Diff reread(std::shared_ptr<const config::Config> next);

  SupervisorState state() const { return state_; }
  void set_state(SupervisorState s);

  // ---- lookups ----
  // Groups in runtime order: priority, ties in the order they were added.
  const std::vector<std::unique_ptr<Group>>& groups() const { return groups_; }
  Group* find_group(const std::string& name) const;
  // "group:name" (or "name" for the group of that name): null unless it names one process.
  std::shared_ptr<Instance> find(const std::string& namespec) const;
  // The instance `name` of group `group` (as events and history name them), or null.
  std::shared_ptr<Instance> find(const std::string& group, const std::string& name) const;
  // Every instance, ordered by (group, name) as getAllProcessInfo lists them.
  std::vector<const Instance*> instances_by_name() const;

  // ---- commands ----
  // What a command names: one process by namespec ("g:n"; "g:*" and "g:" mean the
  // group), a group by name, or every process.
  struct Selector {
    enum class Kind { Namespec, Group, All };
    Kind kind = Kind::All;
    std::string text;
    static Selector namespec(std::string s) { return {Kind::Namespec, std::move(s)}; }
    static Selector group(std::string s) { return {Kind::Group, std::move(s)}; }
    static Selector all() { return {}; }
  };
  // One process's result in a group form. `status.detail` is its "group:name".
  struct Each {
    std::string group;
    std::string name;
    CommandStatus status;
  };
  // `status`: the call's own failure (SHUTDOWN_STATE, BAD_NAME: detail = the name asked
  // for) or, for one process, its result. `many`: a group form; `each` holds one result
  // per process it chose, in Supervisor's answer order (see answer_order()).
  struct Outcome {
    CommandStatus status;
    bool many = false;
    std::vector<Each> each;
  };
  using Completion = std::function<void(Outcome)>;

  // startProcess/startProcessGroup/startAllProcesses: those not STARTING, RUNNING or
  // BACKOFF; with `wait`, completes when each is RUNNING (or failed).
  void start(const Selector& sel, bool wait, Completion done);
  // stop*: those STARTING, RUNNING or BACKOFF; with `wait`, completes when each stopped.
  void stop(const Selector& sel, bool wait, Completion done);
  // signal*: those STARTING, RUNNING or STOPPING; to the master pid only.
  void signal(const Selector& sel, int sig, Completion done);
  // stop (waiting), then start (waiting): `supervisorctl restart` in one call.
  void restart(const Selector& sel, Completion done);
  // Stops every running process of a group (all at once), then calls done.
  void stop_group(const std::string& name, std::function<void()> done);
  // Calls done once every one of `instances` is stopped (or has left its group).
  static void when_stopped(const std::vector<std::shared_ptr<Instance>>& instances,
                           std::function<void()> done);

  // ---- applying a config ----
  struct ApplyOptions {
    std::vector<std::string> only;  // group names; empty = every group of the diff
    bool autostart = true;          // added instances autostart (if the daemon runs)
    bool start_added = false;       // added instances start whatever autostart says
  };
  // The one path that changes running groups, from a diff of config() against them
  // (reread() makes both): removed groups are stopped, then removed; a changed group is
  // updated in place down to the instance (removed and reconfigured instances stopped,
  // then replaced; untouched ones keep running); added groups are added. One group at a
  // time, in Supervisor's order (removed, changed, added). `done` gets the lines
  // `supervisorctl update` prints.
  void apply(const config::Diff& diff, ApplyOptions options,
             std::function<void(std::vector<std::string> lines)> done);

  // ---- the daemon's run ----
  // Starts every autostart process that was never started, walking groups by priority;
  // `skip` (remembered admin state) keeps a process stopped.
  void autostart(const std::function<bool(const Instance&)>& skip = {});
  // Stops every group one at a time in descending priority, then calls done.
  void stop_all_ordered(std::function<void()> done);
  void reopen_logs();
  // Closes every instance's handles (all must be stopped); `done` once all closed.
  void close(std::function<void()> done);

  // ---- start-order dependencies (extension) ----
  // The running instances `inst`'s depends_on names, and those whose depends_on names it.
  std::vector<std::shared_ptr<Instance>> dependencies(const Instance& inst) const;
  std::vector<std::shared_ptr<Instance>> dependents(const Instance& inst) const;
  // "waiting for db (FATAL), cache (STARTING)": the dependencies not RUNNING; "" if none.
  std::string blocked_by(const Instance& inst) const;

  uv_loop_t* loop() const { return loop_; }
  logs::DaemonLog& log() { return log_; }
  // Tests: instances made from now on fork and signal through `spawner` (no fork).
  void use_spawner(spawn::Spawner* spawner) { spawner_ = spawner; }
  // Extension: instances made from now on start in their own cgroup (not owned; null = none).
  void use_cgroups(cgroup::Manager* cgroups) { cgroups_ = cgroups; }

 private:
  // A command's answer for one instance: now, or a check run on the instance's state
  // changes until it gives one (null instance: it left its group).
  struct Answer {
    std::optional<CommandStatus> now;
    std::function<std::optional<CommandStatus>(const Instance*)> check;
  };
  // `name`: what fault details name (the namespec asked for, or "group:name").
  using Command = std::function<Answer(Instance&, const std::string& name)>;
  // `deps_first`: a group form runs dependencies before their dependents.
  void run_command(const Selector& sel, bool (*eligible)(ProcessState), const Command& one,
                   Completion done, bool deps_first = false);
  void add_group(std::shared_ptr<const config::GroupConfig> gc, const ApplyOptions& options);
  void remove_group(const std::string& name);
  void update_group(const config::ProcessDiff& diff,
                    std::shared_ptr<const config::GroupConfig> next, const ApplyOptions& options,
                    std::function<void()> done);
  std::shared_ptr<Instance> make_instance(std::shared_ptr<const config::ProcessConfig> pc);
  void fit_limits();  // RLIMIT_NOFILE / RLIMIT_NPROC toward what config_ needs
  void stop_next_group(std::shared_ptr<std::vector<std::string>> order, std::function<void()> done);
  void close_instances(std::vector<std::shared_ptr<Instance>> instances,
                       std::function<void()> done);
  void autostart_slice();
  static constexpr uint64_t kAutostartSliceNs = 2'000'000;
  // Dependencies: what each running instance's depends_on says (from the last config
  // applied, as an update applies them without replacing the instance).
  struct Depends {
    std::vector<std::string> items;
    bool bind = false;
  };
  const Depends* depends_of(const Instance& inst) const;
  void refresh_dependencies();
  // The autostart of one instance, or its start command's first step: now, or once its
  // dependencies are RUNNING. `pull`: start stopped dependencies first (a start command).
  void autostart_one(const std::shared_ptr<Instance>& inst);
  CommandStatus start_one(const std::shared_ptr<Instance>& inst);
  void wait_for_dependencies(const std::shared_ptr<Instance>& inst);
  bool recheck(const std::weak_ptr<Instance>& waiter, uint64_t epoch);
  void bind_to_dependencies(const std::shared_ptr<Instance>& inst);
  bool dependency_failed(const Instance& inst) const;
  bool cancel_wait(Instance& inst);
  // A stop of `inst` once each of `first` (its dependents) has stopped; success at once.
  CommandStatus stop_after(Instance& inst, const std::vector<std::shared_ptr<Instance>>& first);
  std::vector<std::shared_ptr<Instance>> selected(const Selector& sel) const;
  void shutdown_with_dependents(std::vector<std::shared_ptr<Instance>> instances,
                                std::function<void()> done);

  uv_loop_t* loop_;
  Reaper& reaper_;
  logs::DaemonLog& log_;
  Bus bus_;
  std::shared_ptr<const config::Config> config_;
  std::string server_url_;
  SupervisorState state_ = SupervisorState::Running;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<std::weak_ptr<Instance>> autostart_queue_;  // see autostart_slice()
  size_t autostart_next_ = 0;
  uvx::Handle<uv_idle_t> autostart_idle_;
  spawn::Spawner* spawner_ = nullptr;  // null: the real one
  cgroup::Manager* cgroups_ = nullptr;
  // What the last instance made was given (see make_instance).
  std::shared_ptr<const spawn::SpawnContext> spawn_context_;
  int closing_ = 0;                         // instances whose handles are still closing
  std::map<std::string, Depends> depends_;  // by namespec; empty: no dependencies at all
  struct Waiter {
    std::weak_ptr<Instance> inst;
    uint64_t epoch = 0;
  };
  std::map<const Instance*, Waiter> waiting_;  // instances waiting for their dependencies
  std::map<const Instance*, Waiter> bound_;    // depends_on_bind: the live binding
  uint64_t epoch_ = 0;
  bool any_depends_ = false;  // some config read had a depends_on: gating is on
};
