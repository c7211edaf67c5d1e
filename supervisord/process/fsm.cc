// fsm.cc — the table itself. Each cell is a small function; the table below names every
// (state, event) pair. Texts of log lines are Supervisor 4.2.5's, word for word.
#include "supervisord/process/fsm.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <string>

#include "common/values.h"

namespace fsm {

std::string_view event_name(EventKind e) {
  switch (e) {
    case EventKind::Start:
      return "start";
    case EventKind::Autostart:
      return "autostart";
    case EventKind::Stop:
      return "stop";
    case EventKind::Shutdown:
      return "shutdown";
    case EventKind::Signal:
      return "signal";
    case EventKind::Spawned:
      return "spawned";
    case EventKind::SpawnFailed:
      return "spawn_failed";
    case EventKind::Exit:
      return "exit";
    case EventKind::GroupEmpty:
      return "group_empty";
    case EventKind::StartsecsTimer:
      return "startsecs_timer";
    case EventKind::BackoffTimer:
      return "backoff_timer";
    case EventKind::StopwaitTimer:
      return "stopwait_timer";
    case EventKind::KillFailed:
      return "kill_failed";
    case EventKind::Ready:
      return "ready";
    case EventKind::Unhealthy:
      return "unhealthy";
    case EventKind::Upgraded:
      return "upgraded";
  }
  return "?";
}

std::string_view timer_name(TimerId t) {
  switch (t) {
    case TimerId::Startsecs:
      return "startsecs";
    case TimerId::Backoff:
      return "backoff";
    case TimerId::Stopwait:
      return "stopwait";
  }
  return "?";
}

DecodedExit decode_wait_status(int st) {
  if (WIFEXITED(st)) {
    int code = WEXITSTATUS(st);
    return {code, "exit status " + std::to_string(code)};
  }
  if (WIFSIGNALED(st)) {
    std::string text = "terminated by " + values::signal_name(WTERMSIG(st));
    if (WCOREDUMP(st)) text += " (core dumped)";
    return {-1, text};
  }
  char buf[64];
  snprintf(buf, sizeof buf, "unknown termination cause 0x%04x", static_cast<unsigned>(st));
  return {-1, buf};
}

int ExitInfo::code() const {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

int ExitInfo::signal() const {
  return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
}

bool ExitInfo::core_dumped() const {
  return WIFSIGNALED(wait_status) && WCOREDUMP(wait_status);
}

std::string_view exit_kind_name(ExitInfo::Kind k) {
  switch (k) {
    case ExitInfo::Kind::None:
      return "none";
    case ExitInfo::Kind::Stopped:
      return "stopped";
    case ExitInfo::Kind::Exited:
      return "exited";
    case ExitInfo::Kind::FailedStart:
      return "failed start";
    case ExitInfo::Kind::Unhealthy:
      return "unhealthy";
  }
  return "?";
}

namespace {

Action make(Action::Kind kind) {
  Action a;
  a.kind = kind;
  return a;
}

constexpr std::string_view kTooQuickly = "Exited too quickly (process log may have details)";

// The working copy of one step: cells read `in`/`ev`/`cfg` and write `out`.
struct Ctx {
  const Event& ev;
  const config::ProcessConfig& cfg;
  Step out;
  Facts& f() { return out.facts; }
  const std::string& name() const { return cfg.name; }

  void push(Action a) { out.actions.push_back(std::move(a)); }
  void log(int level, std::string text) {
    Action a = make(Action::Kind::Log);
    a.level = level;
    a.text = std::move(text);
    push(std::move(a));
  }
  void arm(TimerId t, int64_t ms) {
    Action a = make(Action::Kind::ArmTimer);
    a.timer = t;
    a.delay_ms = ms;
    push(std::move(a));
  }
  void cancel(TimerId t) {
    Action a = make(Action::Kind::CancelTimer);
    a.timer = t;
    push(std::move(a));
  }
  void send(pid_t target, int sig) {
    Action a = make(Action::Kind::Signal);
    a.target = target;
    a.signal = sig;
    push(std::move(a));
  }
  // The one place a state changes: every arc reaches the hooks as one StateChange action.
  // Entering BACKOFF bumps the counter, as Supervisor's change_state does.
  void change(ProcessState to) {
    if (to == f().state) return;
    Action a = make(Action::Kind::StateChange);
    a.from = f().state;
    a.to = to;
    f().state = to;
    if (to == ProcessState::Backoff) f().backoff += 1;
    push(std::move(a));
  }
};

void refuse(Ctx& c, Refusal r) {
  c.out.refusal = r;
}

// STOPPED/EXITED/FATAL/BACKOFF -> STARTING, then the runtime answers Spawned/SpawnFailed.
void begin_spawn(Ctx& c) {
  Facts& f = c.f();
  f.killing = false;
  f.administrative_stop = false;
  f.ready_failed = false;
  f.unhealthy = false;
  f.spawnerr.clear();
  f.exitstatus = 0;
  f.stop_deadline_ms = 0;
  f.laststart_ms = c.ev.now_ms;
  c.change(ProcessState::Starting);
  c.push(make(Action::Kind::Spawn));
}

void promote_to_running(Ctx& c) {
  c.f().backoff = 0;
  c.change(ProcessState::Running);
  c.log(kInfo, "success: " + c.name() +
                   " entered RUNNING state, process has stayed up for > than " +
                   std::to_string(c.cfg.startsecs) + " seconds (startsecs)");
}

// In BACKOFF after a failed start: retry after `backoff` seconds, or give up.
void retry_or_give_up(Ctx& c) {
  Facts& f = c.f();
  if (f.shutting_down) {  // stop_all would turn this BACKOFF into FATAL at once
    f.backoff = 0;
    c.change(ProcessState::Fatal);
  } else if (f.backoff > c.cfg.startretries) {
    f.backoff = 0;
    c.change(ProcessState::Fatal);
    c.log(kInfo,
          "gave up: " + c.name() + " entered FATAL state, too many start retries too quickly");
  } else {
    c.arm(TimerId::Backoff, int64_t{f.backoff} * 1000);
  }
}

// The master is gone and nothing of its group is left: decide as Supervisor's finish().
// Every branch records the run in facts.last_exit and announces it (Action::Exit) right
// after Supervisor's log line, before any restart.
void finish_exit(Ctx& c, int wait_status, int64_t exit_ms, ProcessState from) {
  Facts& f = c.f();
  DecodedExit d = decode_wait_status(wait_status);
  bool expected =
      std::find(c.cfg.exitcodes.begin(), c.cfg.exitcodes.end(), d.code) != c.cfg.exitcodes.end();
  f.last_exit = ExitInfo{ExitInfo::Kind::None, wait_status, expected, f.laststart_ms, c.ev.now_ms};
  auto ended = [&](ExitInfo::Kind kind) {
    f.last_exit.kind = kind;
    c.push(make(Action::Kind::Exit));
  };
  f.laststop_ms = c.ev.now_ms;
  f.pid = 0;
  f.pgid = 0;
  f.stop_deadline_ms = 0;
  c.cancel(TimerId::Startsecs);
  c.cancel(TimerId::Stopwait);
  if (f.killing) {
    f.killing = false;
    f.exitstatus = d.code;
    c.change(ProcessState::Stopped);
    c.log(expected ? kInfo : kWarn, "stopped: " + c.name() + " (" + d.text + ")");
    ended(ExitInfo::Kind::Stopped);
    return;
  }
  if (f.unhealthy) {  // liveness restart: always "unexpected", autorestart decides
    f.unhealthy = false;
    f.backoff = 0;
    f.exitstatus = d.code;
    f.expected = false;
    f.spawnerr = "liveness probe failed " + std::to_string(c.cfg.liveness_failures) + " times";
    c.change(ProcessState::Exited);
    c.log(kWarn, "exited: " + c.name() + " (" + d.text + "; liveness probe failed)");
    ended(ExitInfo::Kind::Unhealthy);
    if (c.cfg.autorestart != config::Autorestart::False && !f.shutting_down) begin_spawn(c);
    return;
  }
  // With ready= a start is done only when ready: any exit before that is a failed start.
  bool too_quickly =
      !c.cfg.ready.empty() || exit_ms - f.laststart_ms < int64_t{c.cfg.startsecs} * 1000;
  if (from == ProcessState::Starting && (too_quickly || f.ready_failed)) {
    f.exitstatus = 0;  // Supervisor keeps None here; getProcessInfo shows 0
    f.spawnerr = f.ready_failed ? "not ready within " + std::to_string(c.cfg.ready_timeout) +
                                      " seconds (ready_timeout)"
                                : std::string(kTooQuickly);
    f.ready_failed = false;
    f.expected = false;
    c.change(ProcessState::Backoff);
    c.log(kWarn, "exited: " + c.name() + " (" + d.text + "; not expected)");
    ended(ExitInfo::Kind::FailedStart);
    retry_or_give_up(c);
    return;
  }
  f.backoff = 0;
  f.exitstatus = d.code;
  f.expected = expected;
  // Exit after startsecs but before the startsecs timer was handled: STARTING -> RUNNING
  // first, as Supervisor does, so the arc RUNNING -> EXITED stays the only way to EXITED.
  if (c.f().state == ProcessState::Starting) c.change(ProcessState::Running);
  if (expected) {
    c.change(ProcessState::Exited);
    c.log(kInfo, "exited: " + c.name() + " (" + d.text + "; expected)");
  } else {
    f.spawnerr = "Bad exit code " + std::to_string(d.code);
    c.change(ProcessState::Exited);
    c.log(kWarn, "exited: " + c.name() + " (" + d.text + "; not expected)");
  }
  ended(ExitInfo::Kind::Exited);
  bool restart = c.cfg.autorestart == config::Autorestart::True ||
                 (c.cfg.autorestart == config::Autorestart::Unexpected && !expected);
  if (restart && !f.shutting_down) begin_spawn(c);  // immediately, no delay, no limit
}

// The stop signal just went out: the whole tree has stopwaitsecs from now (ONE STOP
// DEADLINE in fsm.h).
void start_stop_clock(Ctx& c) {
  int64_t wait_ms = int64_t{c.cfg.stopwaitsecs} * 1000;
  c.f().stop_deadline_ms = c.ev.now_ms + wait_ms;
  c.arm(TimerId::Stopwait, wait_ms);
}

// The master's process group: the master's pid, except after follow_upgrade adopted a
// successor (it stays in the group the first master made).
pid_t group_of(const Facts& f) {
  return f.pgid > 0 ? f.pgid : f.pid;
}

// The deadline passed: SIGKILL to what is left. With reap_group the whole process group
// (master and workers at once: nothing of the tree outlives the deadline); otherwise as
// Supervisor, the master, or its group with killasgroup. Repeats every stopwaitsecs.
void kill_tree(Ctx& c) {
  Facts& f = c.f();
  bool group = f.draining || c.cfg.killasgroup || c.cfg.reap_group;
  pid_t id = f.draining ? f.pgid : f.pid;
  if (id == 0) return;
  pid_t target = group ? -group_of(f) : id;
  c.log(kWarn, "killing '" + c.name() + "' (" + std::to_string(id) + ") with SIGKILL");
  c.log(kDebug, "killing " + c.name() + " (pid " + std::to_string(id) + ") " +
                    (group ? "process group " : "") + "with signal SIGKILL");
  f.killing = f.killing || (!f.draining && !f.unhealthy);
  c.send(target, SIGKILL);
  c.arm(TimerId::Stopwait, int64_t{c.cfg.stopwaitsecs} * 1000);
}

// Send the stop signal (RUNNING/STARTING -> STOPPING).
void send_stop(Ctx& c) {
  Facts& f = c.f();
  f.administrative_stop = true;
  f.killing = true;
  c.cancel(TimerId::Startsecs);
  bool group = c.cfg.stopasgroup;
  c.log(kDebug, "killing " + c.name() + " (pid " + std::to_string(f.pid) + ") " +
                    (group ? "process group " : "") + "with signal " +
                    values::signal_name(c.cfg.stopsignal));
  c.change(ProcessState::Stopping);
  c.send(group ? -group_of(f) : f.pid, c.cfg.stopsignal);
  start_stop_clock(c);
}

// NO ORPHANS: the master exited, its group did not.
void begin_drain(Ctx& c) {
  Facts& f = c.f();
  f.draining = true;
  f.drain_wait_status = c.ev.wait_status;
  f.drain_exit_ms = c.ev.now_ms;
  f.drain_from = f.state;
  f.pid = 0;
  c.cancel(TimerId::Startsecs);
  c.log(kInfo, "waiting for process group " + std::to_string(f.pgid) + " of " + c.name() +
                   " to exit (master " + decode_wait_status(c.ev.wait_status).text + ")");
  c.change(ProcessState::Stopping);
  if (f.stop_deadline_ms == 0) {
    // The master exited by itself: the group's stop signal goes out now, and with it
    // starts the group's stopwaitsecs.
    c.send(-f.pgid, c.cfg.stopsignal);
    start_stop_clock(c);
  } else if (c.ev.now_ms < f.stop_deadline_ms) {
    // A stop is under way: the workers get the stop signal (without stopasgroup only the
    // master had it) but no new clock — the stop's deadline holds for the whole tree.
    c.send(-f.pgid, c.cfg.stopsignal);
    c.arm(TimerId::Stopwait, f.stop_deadline_ms - c.ev.now_ms);
  } else {
    kill_tree(c);  // the master went at (or after) the deadline: the rest goes now
  }
}

// ---- cells -----------------------------------------------------------------------------

void nothing(Ctx&) {}
void start_spawns(Ctx& c) {
  begin_spawn(c);
}
void start_refused_already_started(Ctx& c) {
  refuse(c, Refusal::AlreadyStarted);
}
void start_refused_unknown_state(Ctx& c) {
  refuse(c, Refusal::UnknownState);
}
void refused_not_running(Ctx& c) {
  refuse(c, Refusal::NotRunning);
}

void autostart_spawns_if_never_started(Ctx& c) {
  if (c.cfg.autostart && c.f().laststart_ms == 0 && !c.f().shutting_down) begin_spawn(c);
}

void stop_sends_stopsignal(Ctx& c) {
  send_stop(c);
}

void stop_backoff_to_stopped_without_signal(Ctx& c) {
  c.log(kDebug, "Attempted to kill " + c.name() + ", which is in BACKOFF state.");
  c.cancel(TimerId::Backoff);
  c.change(ProcessState::Stopped);
}

// STOPPING: Supervisor answers NOT_RUNNING. While draining, an admin stop is recorded so
// that the drained exit ends in STOPPED (no autorestart): the signals are already going.
void stop_in_stopping(Ctx& c) {
  if ((c.f().draining || c.f().unhealthy) && !c.f().killing) {
    c.f().unhealthy = false;
    c.f().killing = true;
    c.f().administrative_stop = true;
    return;
  }
  refuse(c, Refusal::NotRunning);
}

void shutdown_stops(Ctx& c) {
  c.f().shutting_down = true;
  send_stop(c);
}
void shutdown_backoff_to_fatal(Ctx& c) {
  c.f().shutting_down = true;
  c.f().backoff = 0;
  c.cancel(TimerId::Backoff);
  c.change(ProcessState::Fatal);
}
void shutdown_marks_no_restart(Ctx& c) {
  c.f().shutting_down = true;
}

void signal_sent_to_master(Ctx& c) {
  Facts& f = c.f();
  if (f.pid == 0) return refuse(c, Refusal::NotRunning);  // draining: no master to signal
  c.log(kDebug, "sending " + c.name() + " (pid " + std::to_string(f.pid) + ") sig " +
                    values::signal_name(c.ev.signal));
  c.send(f.pid, c.ev.signal);
}

void spawned_arms_startsecs(Ctx& c) {
  Facts& f = c.f();
  f.pid = c.ev.pid;
  f.pgid = c.ev.pid;  // the child called setpgid(0,0)
  f.run_pid = c.ev.pid;
  f.spawnerr.clear();
  c.log(kInfo, "spawned: '" + c.name() + "' with pid " + std::to_string(c.ev.pid));
  if (!c.cfg.ready.empty()) {  // readiness extension: the timer is the ready deadline
    c.arm(TimerId::Startsecs, int64_t{c.cfg.ready_timeout} * 1000);
  } else if (c.cfg.startsecs <= 0) {
    promote_to_running(c);
  } else {
    c.arm(TimerId::Startsecs, int64_t{c.cfg.startsecs} * 1000);
  }
}

void spawn_failed_to_backoff(Ctx& c) {
  c.f().run_pid = 0;  // this run had no master
  c.f().spawnerr = c.ev.error;
  c.log(kInfo, "spawnerr: " + c.ev.error);
  c.change(ProcessState::Backoff);
  retry_or_give_up(c);
}

void exit_of_master(Ctx& c) {
  Facts& f = c.f();
  if (c.ev.pid != f.pid || f.pid == 0) return;  // not ours (stale or a worker)
  if (c.cfg.reap_group && c.ev.group_alive) return begin_drain(c);
  finish_exit(c, c.ev.wait_status, c.ev.now_ms, f.state);
}

// UNKNOWN: kill() failed earlier; the exit still tells us the process is gone.
void exit_in_unknown_records_exit(Ctx& c) {
  Facts& f = c.f();
  if (c.ev.pid != f.pid || f.pid == 0) return;
  DecodedExit d = decode_wait_status(c.ev.wait_status);
  f.pid = 0;
  f.pgid = 0;
  f.stop_deadline_ms = 0;
  f.exitstatus = d.code;
  f.laststop_ms = c.ev.now_ms;
  c.change(ProcessState::Exited);
  c.log(kWarn, "exited: " + c.name() + " (" + d.text + "; not expected)");
}

void group_empty_completes_exit(Ctx& c) {
  Facts& f = c.f();
  if (!f.draining) return;
  f.draining = false;
  finish_exit(c, f.drain_wait_status, f.drain_exit_ms, f.drain_from);
}

void startsecs_elapsed_to_running(Ctx& c) {
  Facts& f = c.f();
  if (f.pid == 0) return;
  if (c.cfg.ready.empty()) return promote_to_running(c);
  // ready= deadline: a silent instance is a failed start. Kill its whole group (it leads
  // one); the exit ends in BACKOFF.
  if (f.ready_failed) return;
  f.ready_failed = true;
  c.log(kWarn, "not ready: " + c.name() + " did not become ready within " +
                   std::to_string(c.cfg.ready_timeout) + " seconds (ready_timeout), killing it");
  c.send(-group_of(f), SIGKILL);
}

void ready_promotes_to_running(Ctx& c) {
  Facts& f = c.f();
  if (f.pid == 0 || f.ready_failed || c.cfg.ready.empty()) return;
  f.backoff = 0;
  c.cancel(TimerId::Startsecs);
  c.change(ProcessState::Running);
  c.log(kInfo, "success: " + c.name() +
                   " entered RUNNING state, process is ready (ready=" + c.cfg.ready + ")");
}

// RUNNING, liveness probes failed: stop it like an admin stop, but the exit restarts it.
void unhealthy_restarts(Ctx& c) {
  Facts& f = c.f();
  if (f.pid == 0) return;
  f.unhealthy = true;
  bool group = c.cfg.stopasgroup;
  c.log(kWarn, "unhealthy: " + c.name() + " failed " + std::to_string(c.cfg.liveness_failures) +
                   " liveness probes in a row, restarting it");
  c.change(ProcessState::Stopping);
  c.send(group ? -group_of(f) : f.pid, c.cfg.stopsignal);
  start_stop_clock(c);
}

void backoff_elapsed_respawns(Ctx& c) {
  if (c.f().backoff <= c.cfg.startretries && !c.f().shutting_down) begin_spawn(c);
}

void stopwait_elapsed_sends_sigkill(Ctx& c) {
  kill_tree(c);
}

void kill_failed_to_unknown(Ctx& c) {
  Facts& f = c.f();
  c.log(kCrit,
        "unknown problem killing " + c.name() + " (" + std::to_string(f.pid) + "):" + c.ev.error);
  f.killing = false;
  f.stop_deadline_ms = 0;
  c.cancel(TimerId::Stopwait);
  c.change(ProcessState::Unknown);
}

// STARTING/RUNNING, follow_upgrade: the master exited after starting its successor (gunicorn's
// USR2), which is now ours: it is the master. Same state, same process group; no exit, no
// restart.
void upgrade_adopts_successor(Ctx& c) {
  Facts& f = c.f();
  if (f.pid == 0 || c.ev.pid <= 0 || c.ev.pid == f.pid) return;
  c.log(kInfo, "upgraded: " + c.name() + " pid " + std::to_string(f.pid) + " -> pid " +
                   std::to_string(c.ev.pid));
  f.pid = c.ev.pid;
}

// ---- the table -------------------------------------------------------------------------

using Handler = void (*)(Ctx&);
struct Cell {
  std::string_view name;
  Handler fn;
};

// clang-format off
#define CELL(fn) Cell{#fn, fn}
// clang-format on
constexpr Cell kNothing = CELL(nothing);
constexpr Cell kStart = CELL(start_spawns);
constexpr Cell kAlready = CELL(start_refused_already_started);
constexpr Cell kNotRunning = CELL(refused_not_running);
constexpr Cell kShutdownMark = CELL(shutdown_marks_no_restart);
constexpr Cell kSignal = CELL(signal_sent_to_master);
constexpr Cell kExit = CELL(exit_of_master);
constexpr Cell kKillFailed = CELL(kill_failed_to_unknown);
constexpr Cell kReady = CELL(ready_promotes_to_running);
constexpr Cell kUnhealthy = CELL(unhealthy_restarts);
constexpr Cell kUpgraded = CELL(upgrade_adopts_successor);

// clang-format off
// Rows: states in kStates order; columns: EventKind order.
constexpr std::array<ProcessState, 8> kStates = {
    ProcessState::Stopped, ProcessState::Starting, ProcessState::Running, ProcessState::Backoff,
    ProcessState::Stopping, ProcessState::Exited, ProcessState::Fatal, ProcessState::Unknown};

//                 Start     Autostart                               Stop                                          Shutdown                              Signal       Spawned                          SpawnFailed                       Exit                                 GroupEmpty                         StartsecsTimer                        BackoffTimer                      StopwaitTimer                           KillFailed  Ready   Unhealthy  Upgraded
constexpr Cell kTable[8][kEventCount] = {
    /* STOPPED  */ {kStart, CELL(autostart_spawns_if_never_started), kNotRunning, kShutdownMark, kNotRunning, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing},
    /* STARTING */ {kAlready, kNothing, CELL(stop_sends_stopsignal), CELL(shutdown_stops), kSignal, CELL(spawned_arms_startsecs), CELL(spawn_failed_to_backoff), kExit, kNothing, CELL(startsecs_elapsed_to_running), kNothing, kNothing, kKillFailed, kReady, kNothing, kUpgraded},
    /* RUNNING  */ {kAlready, kNothing, CELL(stop_sends_stopsignal), CELL(shutdown_stops), kSignal, kNothing, kNothing, kExit, kNothing, kNothing, kNothing, kNothing, kKillFailed, kNothing, kUnhealthy, kUpgraded},
    /* BACKOFF  */ {kAlready, kNothing, CELL(stop_backoff_to_stopped_without_signal), CELL(shutdown_backoff_to_fatal), kNotRunning, kNothing, kNothing, kNothing, kNothing, kNothing, CELL(backoff_elapsed_respawns), kNothing, kNothing, kNothing, kNothing, kNothing},
    /* STOPPING */ {kAlready, kNothing, CELL(stop_in_stopping), kShutdownMark, kSignal, kNothing, kNothing, kExit, CELL(group_empty_completes_exit), kNothing, kNothing, CELL(stopwait_elapsed_sends_sigkill), kKillFailed, kNothing, kNothing, kNothing},
    /* EXITED   */ {kStart, kNothing, kNotRunning, kShutdownMark, kNotRunning, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing},
    /* FATAL    */ {kStart, kNothing, kNotRunning, kShutdownMark, kNotRunning, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing},
    /* UNKNOWN  */ {CELL(start_refused_unknown_state), kNothing, kNotRunning, kShutdownMark, kNotRunning, kNothing, kNothing, CELL(exit_in_unknown_records_exit), kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing, kNothing},
};
// clang-format on
#undef CELL

int row(ProcessState s) {
  for (size_t i = 0; i < kStates.size(); ++i)
    if (kStates[i] == s) return static_cast<int>(i);
  return 7;  // not a real state: treat as UNKNOWN
}

}  // namespace

std::string_view cell_name(ProcessState state, EventKind event) {
  return kTable[row(state)][static_cast<int>(event)].name;
}

Step step(const Facts& facts, const Event& event, const config::ProcessConfig& config) {
  Ctx c{event, config, Step{facts, {}, Refusal::None, {}}};
  const Cell& cell = kTable[row(facts.state)][static_cast<int>(event.kind)];
  c.out.cell = cell.name;
  cell.fn(c);
  return std::move(c.out);
}

}  // namespace fsm
