// process.h — one supervised instance at runtime: feeds libuv happenings (reaped exits,
// timers, pipe bytes) into the pure fsm and performs the actions it returns (spawn, kill,
// arm/cancel timers, publish state changes and log lines). Owns its uv_timer_t's and the
// parent ends of its pipes (each a uvx::Handle: closed before freed, in its callback).
// Zero-downtime extensions, each only when configured: the instance's NOTIFY_SOCKET
// (a datagram socket + uv_poll_t), its readiness/liveness Probe and probe timer, and the
// listening socket= it passes to every start as fd 3 (bound once, kept across restarts).
// Must not depend on: the Supervisor object, config loading, log files, RPC, the store.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/faults.h"
#include "common/states.h"
#include "supervisord/config/endpoint.h"
#include "supervisord/config/model.h"
#include "supervisord/process/adoption.h"
#include "supervisord/process/describe.h"
#include "supervisord/process/fsm.h"
#include "supervisord/process/reaper.h"
#include "supervisord/process/spawn.h"
#include "supervisord/uvx/handle.h"
#include "supervisord/zero_downtime/probe.h"

// The answer to a command, in the RPC's fault vocabulary (common/faults.h). `detail` empty
// for ALREADY_STARTED / NOT_RUNNING / SPAWN_ERROR / ABNORMAL_TERMINATION: the RPC handler
// puts the name the client asked for there, as Supervisor does.
struct CommandStatus {
  Fault fault = Fault::Success;
  std::string detail;
  bool ok() const { return fault == Fault::Success; }
  static CommandStatus success() { return {}; }
};

class Process {
 public:
  struct Hooks {
    // Every state change, in order (fsm arcs; never from == to).
    std::function<void(Process&, ProcessState from, ProcessState to)> on_state_change;
    // Bytes read from the child's stdout (or stderr) pipe, as they come.
    std::function<void(Process&, bool is_stderr, std::string_view bytes)> on_output;
    // Supervisor's log lines; level CRIT 50 ERRO 40 WARN 30 INFO 20 DEBG 10.
    std::function<void(int level, std::string text)> on_log;
    // A run ended (after Supervisor's log line for it, before any restart).
    std::function<void(Process&, const fsm::ExitInfo&)> on_exit;
  };

  Process(uv_loop_t* loop, Reaper& reaper, std::shared_ptr<const config::ProcessConfig> config,
          std::shared_ptr<const spawn::SpawnContext> context, Hooks hooks);
  ~Process();  // close() must have completed
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // startProcess: pre-check (NO_FILE / NOT_EXECUTABLE with the spawnerr text), then
  // ALREADY_STARTED (STARTING/RUNNING/BACKOFF), FAILED "<name> is in an unknown process
  // state", ABNORMAL_TERMINATION (STOPPING), SPAWN_ERROR (the spawn failed at once).
  // Success means "spawned"; waiting for RUNNING is the caller's (watch on_state_change).
  CommandStatus start();
  // stopProcess: NOT_RUNNING unless STARTING/RUNNING/BACKOFF (BACKOFF -> STOPPED at once).
  CommandStatus stop();
  // signalProcess: to the master pid only; NOT_RUNNING unless STARTING/RUNNING/STOPPING.
  CommandStatus signal(int sig);
  // sendProcessStdin: NOT_RUNNING if no master or it is being stopped; NO_FILE on EPIPE.
  CommandStatus write_stdin(std::string_view bytes);
  // supervisord's autostart walk: spawns if autostart and never started.
  void autostart();
  // supervisord is shutting down: BACKOFF -> FATAL, STARTING/RUNNING stop, no restarts.
  void shutdown();
  // Closes every handle; `done` runs once all close callbacks have. The process must be
  // in a stopped state with no live master (else its pid is simply forgotten).
  void close(std::function<void()> done);

  // Re-exec in place (supervisor.reexec, process/adoption.h): this process as data (its
  // descriptors stay open and owned here), and the reverse in the new image: a process
  // built in the recorded state, watching the recorded pid, reading the recorded pipes and
  // with its timers at their recorded deadlines, instead of spawning. Only on a process
  // that never ran in this image.
  Adoption handover() const;
  void adopt(const Adoption& a);

  // getProcessInfo material (http://supervisord.org/api.html, "Process Control").
  const config::ProcessConfig& config() const { return *config_; }
  const std::string& name() const { return config_->name; }
  const std::string& group() const { return config_->group; }
  ProcessState state() const { return facts_.state; }
  pid_t pid() const { return facts_.pid; }
  pid_t pgid() const { return facts_.pgid; }
  int64_t start_time() const { return facts_.laststart_ms / 1000; }  // epoch s, 0 = never
  int64_t stop_time() const { return facts_.laststop_ms / 1000; }
  const std::string& spawnerr() const { return facts_.spawnerr; }
  int exitstatus() const { return facts_.exitstatus; }
  const fsm::ExitInfo& last_exit() const { return facts_.last_exit; }
  int backoff() const { return facts_.backoff; }  // `tries` in PROCESS_STATE events
  bool expected() const { return facts_.expected; }
  const fsm::Facts& facts() const { return facts_; }
  std::string description(int64_t now_s) const;
  // Readiness extension: the last STATUS= text of this start ("" = none).
  const std::string& status_text() const { return text(&Texts::status_text); }
  const std::string& notify_socket() const { return text(&Texts::notify_path); }  // "@..." or ""
  // Dependencies extension: why a stopped process has not started yet ("waiting for db
  // (FATAL)"; "" = it is not waiting). Set by the facade; the description shows it.
  const std::string& waiting() const { return text(&Texts::waiting); }
  void set_waiting(std::string text) { set_text(&Texts::waiting, std::move(text)); }
  // Surge extension: a new Process for the same instance (config, spawn context, hooks)
  // that takes over the held listening socket; it runs in the instance's other cgroup
  // (cgroup::Manager::prepare's variant), so stopping one never signals the other.
  std::unique_ptr<Process> successor();
  // The held listening socket moves here from `from` (a surge given up moves it back).
  void take_listen(Process& from);
  // Surge extension: a note the description shows ("draining pid 1234"; "" = none).
  void set_surge_note(std::string text) { set_text(&Texts::surge_note, std::move(text)); }
  // Extension (cgroups): the current run's cgroup directory ("" = not contained).
  const std::string& cgroup_dir() const { return cgroup_dir_; }
  // Processes of the cgroup the kernel's OOM killer ended during the run whose master
  // exited last (memory.events oom_kill, counted from the spawn).
  int64_t last_oom_kills() const { return last_oom_kills_; }

 private:
  static constexpr int kStdin = 0, kStdout = 1, kStderr = 2;  // pipes_ indexes
  struct Pipe;
  uint64_t next_pause(Pipe& p);
  uvx::Handle<uv_timer_t> new_timer();
  uv_timer_t* fsm_timer(fsm::TimerId id);
  static uv_timer_cb timer_callback(fsm::TimerId id);
  void run(fsm::Event event, fsm::Step* out = nullptr);
  void perform(const fsm::Action& action);
  void do_spawn();
  void warn_if_out_of_fds(const std::string& error);
  void do_signal(pid_t target, int sig);
  void on_exit(pid_t pid, int wait_status);
  void check_group();
  bool group_alive(pid_t pgid);
  void sync_group_watcher();
  void join_cgroup(spawn::ExecPlan& plan);
  void leave_cgroup();
  int64_t oom_kills_now() const;
  int64_t run_oom_kills() const;
  void remove_released_cgroup();
  void open_pipe(int fd, int which);
  Pipe* attach_pipe(int fd, int which);
  int stdin_fd_ = -1;    // our end of the child's stdin until write_stdin attaches a handle
  ino_t stdin_ino_ = 0;  // stdin on demand (spawn::ExecPlan::stdin_on_demand): the pipe
  void drain_pipes();
  void close_pipe(int which);
  // Every handle of ours closes through here, so close() knows when the last one is done;
  // `then` runs from the close callback.
  template <class T>
  void close_handle(uvx::Handle<T>& handle, std::function<void()> then = {}) {
    if (!handle) return;
    ++pending_closes_;
    handle.close([this, then = std::move(then)] {
      if (then) then();
      handle_closed();
    });
  }
  void handle_closed();
  // extensions
  Status open_notify();
  Status watch_notify(int fd);
  int pipe_fd(int which) const;  // the parent end's descriptor, -1 when not open
  void on_notify();
  bool from_instance(pid_t sender) const;
  Status open_listen();
  void sync_probe();
  void probe_tick();
  fsm::Event event(fsm::EventKind kind) const;
  spawn::Spawner& spawner() const {
    return context_->spawner ? *context_->spawner : spawn::real_spawner();
  }

  uv_loop_t* loop_;
  Reaper& reaper_;
  std::shared_ptr<const config::ProcessConfig> config_;
  // Shared by the instances made from the same daemon settings (not copied: its server URL
  // and [supervisord] environment were ~110 bytes of every Process).
  std::shared_ptr<const spawn::SpawnContext> context_;
  Hooks hooks_;
  fsm::Facts facts_;
  std::array<uvx::Handle<uv_timer_t>, fsm::kTimerCount> timers_;
  std::array<Pipe*, 3> pipes_{};  // stdin, stdout, stderr
  // Events produced by actions, run in order after the current step. A vector, not a
  // deque: libstdc++'s deque allocates ~600 bytes even empty, per process.
  std::vector<fsm::Event> queue_;
  bool running_ = false;
  uint64_t group_watcher_ = 0;
  // Extension (cgroups): this run's cgroup, and an inotify watch on its cgroup.events
  // while the instance drains (the kernel says when the last member leaves).
  std::string cgroup_dir_;
  // The cgroup of a run that just ended, removed when the current run() returns unless
  // a spawn in it (autorestart) takes it again: no rmdir + mkdir per respawn.
  std::string cgroup_released_;
  uvx::Handle<uv_fs_event_t> cgroup_watch_;
  bool cgroup_warned_ = false;
  int64_t oom_base_ = 0;
  int64_t last_oom_kills_ = 0;
  int pending_closes_ = 0;
  bool closing_ = false;
  // start()'s plan for the spawn it causes; null between starts (on the heap: an ExecPlan
  // is ~250 bytes, and a process spends its life not being started).
  std::unique_ptr<spawn::ExecPlan> prepared_;
  std::function<void()> close_done_;

  // The kind of config_->ready (a tcp/http probe keeps its parsed target itself), and the
  // parsed config_->listen_socket if set and valid: on the heap, as most programs have none
  // (two Endpoints inline were 168 bytes of every Process).
  config::Endpoint::Kind ready_kind_ = config::Endpoint::Kind::None;
  std::unique_ptr<config::Endpoint> listen_;
  uvx::Handle<uv_poll_t> notify_;  // the NOTIFY_SOCKET's datagram socket, notify_fd_
  int notify_fd_ = -1;
  int listen_fd_ = -1;
  std::unique_ptr<Probe> probe_;
  uvx::Handle<uv_timer_t> probe_timer_;
  // Output coalescing: after a read that emptied a pipe, reading pauses for
  // kOutputPauseMs so a chatty child's small writes are read as one chunk (one wake-up
  // and one log write per pause instead of one per line).
  uvx::Handle<uv_timer_t> output_timer_;
  void resume_output();
  void start_reading(Pipe* p);
  static constexpr uint64_t kOutputPauseMs = 2;
  static constexpr int kOutputPipeBytes = 1 << 20;
  int probe_phase_ = 0;  // 0 off, 1 readiness (STARTING), 2 liveness (RUNNING)
  int probe_failures_ = 0;
  // The texts of the extensions, which most processes never set: on the heap from the
  // first one set (five strings inline were 160 bytes of every Process).
  struct Texts {
    std::string notify_path;     // the NOTIFY_SOCKET's address, "@..."
    std::string status_text;     // readiness: the last STATUS= of this start
    std::string waiting;         // dependencies: why it has not started yet
    std::string surge_note;      // surge: what the description adds while the old one drains
    std::string cgroup_variant;  // surge: appended to the cgroup's name ("" or "~surge")
  };
  std::unique_ptr<Texts> texts_;
  const std::string& text(std::string Texts::*field) const;  // "" when none was set
  void set_text(std::string Texts::*field, std::string value);
};
