// instance.h — one supervised process as the rest of the daemon sees it: its Process (the
// fsm driver), its two child logs, the tail of its output and its last exits (crash
// diagnosis), its spawn count, and the calls waiting on it. Publishes every happening on
// the Bus. Only the facade (Supervisor) creates, replaces and closes instances; everyone
// else reads them through this interface and acts through the facade or the commands
// below.
// Must not depend on: the Supervisor object, RPC, the store, the event listeners.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "supervisord/config/model.h"
#include "supervisord/process/bus.h"
#include "supervisord/process/diagnosis.h"
#include "supervisord/process/process.h"
#include "supervisord/process/proctree.h"

namespace logs {
class ChildLog;
class DaemonLog;
}  // namespace logs

class Instance {
 public:
  // What every instance of a daemon shares; read by the constructor (the instance keeps
  // the bus and the log).
  struct Context {
    uv_loop_t* loop;
    Reaper& reaper;
    Bus& bus;
    logs::DaemonLog& log;
    std::shared_ptr<const spawn::SpawnContext> spawn;
    const config::SupervisordConfig& supervisord;  // childlogdir, identifier, strip_ansi
  };

  Instance(const Context& context, std::shared_ptr<const config::ProcessConfig> config);
  ~Instance();  // close() must have completed
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // The process's facts (state, pid, config, ...). Read-only: act through the commands.
  const Process& process() const { return *process_; }
  const std::string& name() const { return process_->name(); }
  const std::string& group() const { return process_->group(); }
  ProcessState state() const { return process_->state(); }
  const config::ProcessConfig& config() const { return process_->config(); }

  // Commands: Process's, with the same answers (process.h). A stop or shutdown also stops
  // a surge's draining master.
  CommandStatus start() { return process_->start(); }
  CommandStatus stop();
  CommandStatus signal(int sig) { return process_->signal(sig); }
  CommandStatus write_stdin(std::string_view bytes) { return process_->write_stdin(bytes); }
  void autostart() { process_->autostart(); }
  void shutdown();

  // Surge (extension): the replacement starts next to the RUNNING master on the same held
  // socket and becomes the process (its pid and states are the instance's); the old master
  // is set aside as the draining one, still reaped and logged here but not published on the
  // Bus. FAILED when not RUNNING or already surging; the Process's start answers otherwise.
  CommandStatus begin_surge();
  // The surge's outcome: `keep` (the replacement is RUNNING) stops the old master
  // gracefully; otherwise the replacement is stopped and, when the old master still runs,
  // it is the process again.
  void end_surge(bool keep);
  // The old master while it drains (null = none): its pid, state and stop are its own.
  const Process* draining() const { return draining_.get(); }
  // Dependencies extension: the facade says why this instance waits ("" = not waiting);
  // calls waiting on it are told (its watches run).
  void set_waiting(std::string text);

  // The channel's log ("": none; a NONE log still serves events and capture).
  const std::string& log_path(bool is_stderr) const;
  Status clear_logs();  // clearProcessLogs: both current files
  void reopen_logs();   // SIGUSR2

  // Crash diagnosis (extension): the last lines of stderr (stdout when redirected) and
  // the last ended runs, oldest first.
  const diagnosis::OutputTail& tail() const { return tail_; }
  const std::vector<diagnosis::ExitRecord>& exits() const { return exits_; }
  int restarts() const { return spawns_ > 0 ? spawns_ - 1 : 0; }
  int spawns() const { return spawns_; }  // times it entered STARTING

  // Re-exec in place (supervisor.reexec): takes over the process the previous image ran
  // (Process::adopt) with its spawn count, exit records and output tail. Nothing is
  // published: for the rest of the daemon nothing happened.
  void adopt(const Adoption& a, int spawns, std::vector<diagnosis::ExitRecord> exits,
             const std::vector<std::string>& tail);
  // The processes of this instance besides its master, sorted, alive in `snap`: the
  // master's descendants and the rest of its process group, and when contained every
  // member of its cgroup (also what left the group: setsid, a double fork; and after the
  // master exited, while the group drains). The one answer for the tree RPC, the web
  // page and the metrics.
  std::vector<pid_t> workers(const proctree::Snapshot& snap) const;

  // A call waiting on this instance: run now, then after each of its state changes (after
  // the Bus's subscribers) until it returns true. It gets null once the instance has left
  // its group (retire()), and must then finish.
  using Watch = std::function<bool(const Instance*)>;
  void watch(Watch w);
  // The instance leaves its group: every watch runs once more, with null, and is dropped.
  void retire();

  // Closes every handle (the process must be stopped); `done` once all are closed.
  void close(std::function<void()> done);

 private:
  std::unique_ptr<logs::ChildLog> make_log(const Context& context, const std::string& name,
                                           const config::LogConfig& lc, bool is_stderr);
  void on_state_change(ProcessState from, ProcessState to);
  void on_output(bool is_stderr, std::string_view bytes);
  void on_exit(const fsm::ExitInfo& e);
  void run_watches();
  void drained();
  void close_process();
  static constexpr size_t kMaxExitRecords = 10;

  Bus& bus_;
  logs::DaemonLog& log_;
  std::unique_ptr<logs::ChildLog> stdout_log_;
  std::unique_ptr<logs::ChildLog> stderr_log_;
  std::unique_ptr<Process> process_;
  // Surge: the old master while it drains, Processes closing after their drain, and a
  // close() that waits for both.
  std::unique_ptr<Process> draining_;
  int disposing_ = 0;
  std::function<void()> close_done_;
  int spawns_ = 0;  // times it entered STARTING
  diagnosis::OutputTail tail_;
  std::vector<diagnosis::ExitRecord> exits_;  // bounded by kMaxExitRecords
  std::vector<Watch> watches_;
  bool running_watches_ = false;
  bool rerun_watches_ = false;
  bool retired_ = false;
};
