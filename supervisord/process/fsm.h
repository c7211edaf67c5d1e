// fsm.h — Supervisor's process state machine (http://supervisord.org/subprocess.html) as a
// PURE state x event table: (facts, event, config) -> (next facts, actions). Time arrives
// inside the event (now_ms); there is no clock, no I/O, no libuv here. The runtime
// (process.h) performs the actions and feeds their outcomes back as events.
// Must not depend on: uv.h, spawn/reaper/process, the Supervisor object, logging sinks.
//
// NO ORPHANS (ProcessConfig::reap_group, default true): when the master exits
// while members of its process group (pgid = master pid) still live, the instance is
// "draining": it is shown as STOPPING (the state clients already read as "on its way
// down, not restartable yet"), the stop signal goes to -pgid, the stopwait timer sends
// SIGKILL to -pgid (repeating), and only the `GroupEmpty` event completes the exit —
// EXITED / BACKOFF / STOPPED plus autorestart, decided as if the master had just exited
// (too-quickly is measured at the master's exit time). With reap_group=false the table is
// Supervisor 4.2.5's exactly.
//
// ONE STOP DEADLINE (`stop_deadline_ms`): a stop gives the whole tree stopwaitsecs from
// the stop signal. With reap_group the stopwait timer's SIGKILL goes to -pgid (master and
// workers at once), and a drain that begins while a stop is under way keeps the stop's
// deadline instead of starting a new stopwaitsecs (a master and a worker that both ignore
// SIGTERM used to take 2 x stopwaitsecs). A master that exits by itself starts the drain's
// own deadline: the group's stop signal is sent then, stopwaitsecs before its SIGKILL.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/states.h"
#include "supervisord/config/model.h"

namespace fsm {

// Supervisor's log levels (the numbers its loggers use).
enum LogLevel : int { kCrit = 50, kError = 40, kWarn = 30, kInfo = 20, kDebug = 10 };

// How the last run of an instance ended, as data: the daemon log's diagnosis, `why`, the
// history and the exit records read this value; no code recovers it from log text.
struct ExitInfo {
  enum class Kind : uint8_t {
    None,         // no run has ended yet
    Stopped,      // a stop (or kill) signal was sent, then it went away: STOPPED
    Exited,       // it exited on its own after its start succeeded: EXITED
    FailedStart,  // it exited before its start succeeded (startsecs, ready=): BACKOFF
    Unhealthy,    // liveness probes failed, it was stopped to be restarted: EXITED
  };
  Kind kind = Kind::None;
  int wait_status = 0;     // the master's raw waitpid status
  bool expected = false;   // its exit code is in exitcodes
  int64_t started_ms = 0;  // its spawn (wall clock, ms since epoch)
  int64_t ended_ms = 0;    // when the master and its process group were gone

  int code() const;    // the exit code; -1 when a signal ended it (Supervisor's exitstatus)
  int signal() const;  // the signal that ended it; 0 when it exited
  bool core_dumped() const;
  int64_t lived_ms() const { return ended_ms > started_ms ? ended_ms - started_ms : 0; }
  bool operator==(const ExitInfo&) const = default;
};
std::string_view exit_kind_name(ExitInfo::Kind k);  // "stopped", "exited", ...

// Everything the table knows about one instance between events.
struct Facts {
  ProcessState state = ProcessState::Stopped;
  pid_t pid = 0;             // master pid while it lives; 0 otherwise
  pid_t pgid = 0;            // process group of the last master (= its pid); kept while draining
  pid_t run_pid = 0;         // the master of the last run, kept after it ended (events and
                             // history name the pid that ended); 0 when a spawn failed
  int backoff = 0;           // Supervisor's counter; `tries` in events
  int64_t laststart_ms = 0;  // wall clock, ms since epoch; 0 = never started
  int64_t laststop_ms = 0;   // 0 = never stopped
  std::string spawnerr;      // "" = none
  int exitstatus = 0;        // last exit code, -1 if killed by a signal
  bool expected = true;      // last EXITED was an expected exit
  bool killing = false;      // a stop (or kill) signal was sent: the next exit means STOPPED
  bool administrative_stop = false;
  bool shutting_down = false;  // after Shutdown: no autorestart, no backoff retry
  // NO ORPHANS drain: the master is gone, its group is not.
  bool draining = false;
  int drain_wait_status = 0;  // the master's raw wait status, replayed on GroupEmpty
  int64_t drain_exit_ms = 0;  // when the master exited
  ProcessState drain_from = ProcessState::Stopped;  // state when the master exited
  // When the tree must be gone: the first stop signal's time + stopwaitsecs (wall clock,
  // ms); 0 = no stop signal sent since the last spawn or exit.
  int64_t stop_deadline_ms = 0;
  // Readiness extension (ProcessConfig::ready): the ready deadline passed, the group was
  // killed; the exit ends the start as failed (BACKOFF).
  bool ready_failed = false;
  // Liveness extension: probes failed, the stop signal went out; the exit is a restart.
  bool unhealthy = false;
  ExitInfo last_exit;  // the last run that ended (kind None until one has)

  bool operator==(const Facts&) const = default;
};

enum class EventKind : int {
  Start,        // admin start (startProcess)
  Autostart,    // supervisord walks its groups: spawn if autostart and never started
  Stop,         // admin stop (stopProcess)
  Shutdown,     // supervisord is stopping everything: BACKOFF -> FATAL, others stop
  Signal,       // signalProcess: `signal` to the master pid only
  Spawned,      // runtime forked the master: `pid`
  SpawnFailed,  // runtime could not spawn: `error` is the spawnerr text
  Exit,  // reaper: master `pid` exited with `wait_status`; `group_alive` = kill(-pgid,0) found
         // someone
  GroupEmpty,      // runtime: kill(-pgid,0) failed with ESRCH while draining
  StartsecsTimer,  // the startsecs timer fired
  BackoffTimer,    // the backoff delay elapsed
  StopwaitTimer,   // stopwaitsecs elapsed without an exit
  KillFailed,      // kill() failed with something other than ESRCH: `error`
  Ready,           // extension: READY=1 from the instance or its readiness probe succeeded
  Unhealthy,       // extension: liveness_failures probes in a row failed
  Upgraded,        // extension (follow_upgrade): the master exited, `pid` is its successor
};
inline constexpr int kEventCount = 16;
std::string_view event_name(EventKind e);

struct Event {
  EventKind kind = EventKind::Start;
  int64_t now_ms = 0;        // wall clock, ms since epoch
  pid_t pid = 0;             // Spawned, Exit
  int wait_status = 0;       // Exit: raw waitpid status
  bool group_alive = false;  // Exit
  int signal = 0;            // Signal
  std::string error;         // SpawnFailed, KillFailed
};

enum class TimerId : int { Startsecs, Backoff, Stopwait };
inline constexpr int kTimerCount = 3;
std::string_view timer_name(TimerId t);

struct Action {
  // Exit: the run described by the step's facts.last_exit ended (after its log line).
  enum class Kind { Spawn, Signal, ArmTimer, CancelTimer, Log, StateChange, Exit };
  Kind kind = Kind::Log;
  pid_t target = 0;                           // Signal: pid, or -pgid for the group
  int signal = 0;                             // Signal
  TimerId timer = TimerId::Startsecs;         // ArmTimer / CancelTimer
  int64_t delay_ms = 0;                       // ArmTimer
  int level = kInfo;                          // Log
  std::string text;                           // Log
  ProcessState from = ProcessState::Stopped;  // StateChange
  ProcessState to = ProcessState::Stopped;

  bool operator==(const Action&) const = default;
};

// Why a command event was refused; the runtime maps these to Supervisor's faults.
enum class Refusal { None, AlreadyStarted, NotRunning, UnknownState };

struct Step {
  Facts facts;                  // the next facts
  std::vector<Action> actions;  // to perform in order
  Refusal refusal = Refusal::None;
  std::string_view cell;  // name of the table cell that handled the event
};

// The table. Every (state, event) pair is a named cell, "nothing" included.
Step step(const Facts& facts, const Event& event, const config::ProcessConfig& config);
std::string_view cell_name(ProcessState state, EventKind event);

// "exit status 3" / "terminated by SIGKILL (core dumped)" and the code (-1 for signals),
// as Supervisor's decode_wait_status.
struct DecodedExit {
  int code = 0;
  std::string text;
};
DecodedExit decode_wait_status(int wait_status);

}  // namespace fsm
