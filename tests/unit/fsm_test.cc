// fsm_test.cc — the pure process table: every (state, event) cell, then the named arcs of
// Supervisor's transitions (supervisord.org subprocess.html) and the NO ORPHANS drain.
#include "supervisord/process/fsm.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>

using fsm::Action;
using fsm::Event;
using fsm::EventKind;
using fsm::Facts;
using fsm::Refusal;
using fsm::Step;
using fsm::TimerId;
using S = ProcessState;

namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // an arbitrary wall-clock instant (ms)

int exit_status(int code) {
  return (code & 0xff) << 8;
}  // as waitpid reports exit(code)
int signal_status(int sig) {
  return sig & 0x7f;
}  // as waitpid reports death by sig

config::ProcessConfig base_config() {
  config::ProcessConfig c;
  c.name = "web_00";
  c.group = "web";
  c.command = "/bin/true";
  return c;
}

Event ev(EventKind k, int64_t now = kT0) {
  Event e;
  e.kind = k;
  e.now_ms = now;
  return e;
}
Event exit_ev(pid_t pid, int status, int64_t now, bool group_alive = false) {
  Event e = ev(EventKind::Exit, now);
  e.pid = pid;
  e.wait_status = status;
  e.group_alive = group_alive;
  return e;
}
Event spawned(pid_t pid, int64_t now) {
  Event e = ev(EventKind::Spawned, now);
  e.pid = pid;
  return e;
}

std::vector<std::string> logs(const Step& s) {
  std::vector<std::string> out;
  for (const Action& a : s.actions)
    if (a.kind == Action::Kind::Log) out.push_back(a.text);
  return out;
}
bool has_log(const Step& s, std::string_view text, int level = -1) {
  return std::any_of(s.actions.begin(), s.actions.end(), [&](const Action& a) {
    return a.kind == Action::Kind::Log && a.text == text && (level < 0 || a.level == level);
  });
}
std::vector<std::pair<S, S>> changes(const Step& s) {
  std::vector<std::pair<S, S>> out;
  for (const Action& a : s.actions)
    if (a.kind == Action::Kind::StateChange) out.emplace_back(a.from, a.to);
  return out;
}
const Action* find(const Step& s, Action::Kind k) {
  for (const Action& a : s.actions)
    if (a.kind == k) return &a;
  return nullptr;
}
const Action* armed(const Step& s, TimerId t) {
  for (const Action& a : s.actions)
    if (a.kind == Action::Kind::ArmTimer && a.timer == t) return &a;
  return nullptr;
}
int count(const Step& s, Action::Kind k) {
  return static_cast<int>(std::count_if(s.actions.begin(), s.actions.end(),
                                        [&](const Action& a) { return a.kind == k; }));
}

// Canonical facts for each state, as the runtime would hold them.
Facts facts_in(S state) {
  Facts f;
  f.state = state;
  f.laststart_ms = state == S::Stopped ? 0 : kT0 - 5000;
  if (state == S::Starting || state == S::Running || state == S::Stopping || state == S::Unknown) {
    f.pid = 100;
    f.pgid = 100;
  }
  if (state == S::Stopping) f.killing = true;
  if (state == S::Backoff) f.backoff = 1;
  return f;
}

Event canonical(EventKind k) {
  Event e = ev(k);
  switch (k) {
    case EventKind::Signal:
      e.signal = SIGHUP;
      break;
    case EventKind::Spawned:
      e.pid = 200;
      break;
    case EventKind::SpawnFailed:
      e.error = "can't find command '/nope'";
      break;
    case EventKind::Exit:
      e.pid = 100;
      e.wait_status = exit_status(0);
      break;
    case EventKind::KillFailed:
      e.error = "EPERM";
      break;
    default:
      break;
  }
  return e;
}

constexpr std::array<S, 8> kAllStates = {S::Stopped,  S::Starting, S::Running, S::Backoff,
                                         S::Stopping, S::Exited,   S::Fatal,   S::Unknown};

// Runs a step and keeps the facts: a tiny driver for arc tests.
struct Driver {
  config::ProcessConfig cfg = base_config();
  Facts f;
  Step last;
  Step& on(const Event& e) {
    last = fsm::step(f, e, cfg);
    f = last.facts;
    return last;
  }
};

}  // namespace

// ---- every cell ------------------------------------------------------------------------

TEST_CASE("every_cell_of_the_table_has_a_name_and_a_defined_next_state") {
  // Next state for canonical facts x canonical event; columns in EventKind order:
  // Start Autostart Stop Shutdown Signal Spawned SpawnFailed Exit GroupEmpty
  // StartsecsTimer BackoffTimer StopwaitTimer KillFailed Ready Unhealthy Upgraded
  const std::array<std::array<S, fsm::kEventCount>, 8> expected = {{
      /* STOPPED  */ {S::Starting, S::Starting, S::Stopped, S::Stopped, S::Stopped, S::Stopped,
                      S::Stopped, S::Stopped, S::Stopped, S::Stopped, S::Stopped, S::Stopped,
                      S::Stopped, S::Stopped, S::Stopped, S::Stopped},
      /* STARTING */
      {S::Starting, S::Starting, S::Stopping, S::Stopping, S::Starting, S::Starting, S::Backoff,
       S::Exited, S::Starting, S::Running, S::Starting, S::Starting, S::Unknown, S::Starting,
       S::Starting, S::Starting},
      /* RUNNING  */
      {S::Running, S::Running, S::Stopping, S::Stopping, S::Running, S::Running, S::Running,
       S::Exited, S::Running, S::Running, S::Running, S::Running, S::Unknown, S::Running,
       S::Stopping, S::Running},
      /* BACKOFF  */
      {S::Backoff, S::Backoff, S::Stopped, S::Fatal, S::Backoff, S::Backoff, S::Backoff, S::Backoff,
       S::Backoff, S::Backoff, S::Starting, S::Backoff, S::Backoff, S::Backoff, S::Backoff,
       S::Backoff},
      /* STOPPING */
      {S::Stopping, S::Stopping, S::Stopping, S::Stopping, S::Stopping, S::Stopping, S::Stopping,
       S::Stopped, S::Stopping, S::Stopping, S::Stopping, S::Stopping, S::Unknown, S::Stopping,
       S::Stopping, S::Stopping},
      /* EXITED   */
      {S::Starting, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited,
       S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited, S::Exited},
      /* FATAL    */
      {S::Starting, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal,
       S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal, S::Fatal},
      /* UNKNOWN  */
      {S::Unknown, S::Unknown, S::Unknown, S::Unknown, S::Unknown, S::Unknown, S::Unknown,
       S::Exited, S::Unknown, S::Unknown, S::Unknown, S::Unknown, S::Unknown, S::Unknown,
       S::Unknown, S::Unknown},
  }};
  config::ProcessConfig cfg = base_config();
  for (size_t si = 0; si < kAllStates.size(); ++si) {
    for (int ei = 0; ei < fsm::kEventCount; ++ei) {
      S state = kAllStates[si];
      auto kind = static_cast<EventKind>(ei);
      CAPTURE(state_name(state));
      CAPTURE(fsm::event_name(kind));
      Facts in = facts_in(state);
      Step s = fsm::step(in, canonical(kind), cfg);
      CHECK(!s.cell.empty());
      CHECK(s.cell == fsm::cell_name(state, kind));
      CHECK(s.facts.state == expected[si][ei]);
      // State changes chain from the old state to the new one, one arc at a time.
      S cur = state;
      for (auto [from, to] : changes(s)) {
        CHECK(from == cur);
        CHECK(from != to);
        cur = to;
      }
      CHECK(cur == s.facts.state);
      // A refused command changes nothing.
      if (s.refusal != Refusal::None) {
        CHECK(s.actions.empty());
        CHECK(s.facts == in);
      }
      // A "nothing" cell is exactly nothing.
      if (s.cell == "nothing") {
        CHECK(s.actions.empty());
        CHECK(s.facts == in);
      }
      for (const Action& a : s.actions)
        if (a.kind == Action::Kind::ArmTimer) CHECK(a.delay_ms > 0);
    }
  }
}

TEST_CASE("commands_are_refused_with_supervisors_faults") {
  config::ProcessConfig cfg = base_config();
  auto refusal = [&](S state, EventKind k) {
    return fsm::step(facts_in(state), canonical(k), cfg).refusal;
  };
  CHECK(refusal(S::Starting, EventKind::Start) == Refusal::AlreadyStarted);
  CHECK(refusal(S::Running, EventKind::Start) == Refusal::AlreadyStarted);
  CHECK(refusal(S::Backoff, EventKind::Start) == Refusal::AlreadyStarted);
  CHECK(refusal(S::Unknown, EventKind::Start) == Refusal::UnknownState);
  for (S s : {S::Stopped, S::Exited, S::Fatal, S::Unknown, S::Stopping})
    CHECK(refusal(s, EventKind::Stop) == Refusal::NotRunning);
  for (S s : {S::Stopped, S::Exited, S::Fatal, S::Backoff, S::Unknown})
    CHECK(refusal(s, EventKind::Signal) == Refusal::NotRunning);
  for (S s : {S::Stopped, S::Exited, S::Fatal})
    CHECK(refusal(s, EventKind::Start) == Refusal::None);
}

// ---- arcs ------------------------------------------------------------------------------

TEST_CASE("stopped_to_starting_to_running_when_startsecs_timer_fires") {
  Driver d;
  d.cfg.startsecs = 3;
  Step s = d.on(ev(EventKind::Start));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Stopped, S::Starting}});
  CHECK(find(s, Action::Kind::Spawn) != nullptr);
  CHECK(d.f.laststart_ms == kT0);
  s = d.on(spawned(4242, kT0 + 2));
  CHECK(has_log(s, "spawned: 'web_00' with pid 4242", fsm::kInfo));
  REQUIRE(armed(s, TimerId::Startsecs) != nullptr);
  CHECK(armed(s, TimerId::Startsecs)->delay_ms == 3000);
  CHECK(d.f.pid == 4242);
  CHECK(d.f.pgid == 4242);
  s = d.on(ev(EventKind::StartsecsTimer, kT0 + 3002));
  CHECK(d.f.state == S::Running);
  CHECK(has_log(s,
                "success: web_00 entered RUNNING state, process has stayed up for > than 3 "
                "seconds (startsecs)",
                fsm::kInfo));
}

TEST_CASE("startsecs_zero_enters_running_at_spawn") {
  Driver d;
  d.cfg.startsecs = 0;
  d.on(ev(EventKind::Start));
  Step s = d.on(spawned(7, kT0));
  CHECK(d.f.state == S::Running);
  CHECK(armed(s, TimerId::Startsecs) == nullptr);
}

TEST_CASE("starting_to_backoff_when_exit_before_startsecs_whatever_the_code") {
  Driver d;
  d.cfg.startsecs = 5;
  d.on(ev(EventKind::Start));
  d.on(spawned(10, kT0));
  Step s = d.on(exit_ev(10, exit_status(0), kT0 + 4999));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Starting, S::Backoff}});
  CHECK(has_log(s, "exited: web_00 (exit status 0; not expected)", fsm::kWarn));
  CHECK(d.f.spawnerr == "Exited too quickly (process log may have details)");
  CHECK(d.f.backoff == 1);
  CHECK(d.f.pid == 0);
  REQUIRE(armed(s, TimerId::Backoff) != nullptr);
  CHECK(armed(s, TimerId::Backoff)->delay_ms == 1000);
}

TEST_CASE("backoff_delay_grows_then_fatal_after_startretries") {
  Driver d;
  d.cfg.startretries = 3;
  d.on(ev(EventKind::Start));
  int64_t now = kT0;
  int spawns = 1;
  std::vector<int64_t> delays;
  for (pid_t pid = 1; d.f.state == S::Starting; ++pid) {
    d.on(spawned(pid, now));
    Step s = d.on(exit_ev(pid, exit_status(1), now + 10));
    if (const Action* a = armed(s, TimerId::Backoff)) {
      delays.push_back(a->delay_ms);
      now += 10 + a->delay_ms;
      d.on(ev(EventKind::BackoffTimer, now));
      ++spawns;
    }
  }
  CHECK(delays == std::vector<int64_t>{1000, 2000, 3000});
  CHECK(spawns == d.cfg.startretries + 1);
  CHECK(d.f.state == S::Fatal);
  CHECK(has_log(d.last, "gave up: web_00 entered FATAL state, too many start retries too quickly",
                fsm::kInfo));
  CHECK(changes(d.last) ==
        std::vector<std::pair<S, S>>{{S::Starting, S::Backoff}, {S::Backoff, S::Fatal}});
  CHECK(d.f.spawnerr == "Exited too quickly (process log may have details)");
}

TEST_CASE("spawn_failure_to_backoff_with_the_spawn_error_text") {
  Driver d;
  d.on(ev(EventKind::Start));
  Event e = ev(EventKind::SpawnFailed);
  e.error = "can't find command 'nosuch'";
  Step s = d.on(e);
  CHECK(d.f.state == S::Backoff);
  CHECK(d.f.spawnerr == "can't find command 'nosuch'");
  CHECK(has_log(s, "spawnerr: can't find command 'nosuch'", fsm::kInfo));
}

TEST_CASE("running_to_exited_expected_does_not_restart_with_autorestart_unexpected") {
  Driver d;
  d.f = facts_in(S::Running);
  Step s = d.on(exit_ev(100, exit_status(0), kT0));
  CHECK(d.f.state == S::Exited);
  CHECK(d.f.expected);
  CHECK(d.f.exitstatus == 0);
  CHECK(has_log(s, "exited: web_00 (exit status 0; expected)", fsm::kInfo));
  CHECK(find(s, Action::Kind::Spawn) == nullptr);
  CHECK(d.f.laststop_ms == kT0);
}

TEST_CASE("running_to_exited_to_starting_on_unexpected_exit_immediately") {
  Driver d;
  d.f = facts_in(S::Running);
  d.f.backoff = 2;
  Step s = d.on(exit_ev(100, exit_status(3), kT0));
  CHECK(changes(s) ==
        std::vector<std::pair<S, S>>{{S::Running, S::Exited}, {S::Exited, S::Starting}});
  CHECK(has_log(s, "exited: web_00 (exit status 3; not expected)", fsm::kWarn));
  CHECK(find(s, Action::Kind::Spawn) != nullptr);
  CHECK(d.f.backoff == 0);
  CHECK(d.f.laststart_ms == kT0);
}

TEST_CASE("exit_code_is_kept_for_getprocessinfo_until_the_respawn_clears_it") {
  Driver d;
  d.cfg.autorestart = config::Autorestart::False;
  d.f = facts_in(S::Running);
  d.on(exit_ev(100, exit_status(3), kT0));
  CHECK(d.f.exitstatus == 3);
  CHECK(!d.f.expected);
  CHECK(d.f.spawnerr == "Bad exit code 3");
}

TEST_CASE("autorestart_true_restarts_on_expected_exit_and_false_never") {
  Driver d;
  d.cfg.autorestart = config::Autorestart::True;
  d.f = facts_in(S::Running);
  d.on(exit_ev(100, exit_status(0), kT0));
  CHECK(d.f.state == S::Starting);

  Driver n;
  n.cfg.autorestart = config::Autorestart::False;
  n.f = facts_in(S::Running);
  n.on(exit_ev(100, signal_status(SIGKILL), kT0));
  CHECK(n.f.state == S::Exited);
  CHECK(n.f.exitstatus == -1);
  CHECK(has_log(n.last, "exited: web_00 (terminated by SIGKILL; not expected)", fsm::kWarn));
}

TEST_CASE("starting_exit_after_startsecs_passes_through_running_to_exited") {
  Driver d;
  d.on(ev(EventKind::Start));
  d.on(spawned(5, kT0));
  Step s = d.on(exit_ev(5, exit_status(0), kT0 + 1000));
  CHECK(changes(s) ==
        std::vector<std::pair<S, S>>{{S::Starting, S::Running}, {S::Running, S::Exited}});
}

TEST_CASE("autostart_spawns_only_if_never_started") {
  Driver d;
  d.on(ev(EventKind::Autostart));
  CHECK(d.f.state == S::Starting);
  Driver again;
  again.f.laststart_ms = kT0 - 1;
  again.on(ev(EventKind::Autostart));
  CHECK(again.f.state == S::Stopped);
  Driver off;
  off.cfg.autostart = false;
  off.on(ev(EventKind::Autostart));
  CHECK(off.f.state == S::Stopped);
}

TEST_CASE("running_to_stopping_sends_stopsignal_to_pid_then_stopped") {
  Driver d;
  d.cfg.stopsignal = SIGINT;
  d.cfg.stopwaitsecs = 7;
  d.f = facts_in(S::Running);
  Step s = d.on(ev(EventKind::Stop));
  const Action* sig = find(s, Action::Kind::Signal);
  REQUIRE(sig != nullptr);
  CHECK(sig->target == 100);
  CHECK(sig->signal == SIGINT);
  CHECK(armed(s, TimerId::Stopwait)->delay_ms == 7000);
  CHECK(d.f.state == S::Stopping);
  s = d.on(exit_ev(100, signal_status(SIGINT), kT0 + 5));
  CHECK(d.f.state == S::Stopped);
  CHECK(has_log(s, "stopped: web_00 (terminated by SIGINT)", fsm::kWarn));
  CHECK(d.f.exitstatus == -1);
}

TEST_CASE("stopped_log_is_info_when_exit_code_is_expected") {
  Driver d;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop));
  Step s = d.on(exit_ev(100, exit_status(0), kT0));
  CHECK(has_log(s, "stopped: web_00 (exit status 0)", fsm::kInfo));
}

TEST_CASE("stopasgroup_signals_the_process_group") {
  Driver d;
  d.cfg.stopasgroup = d.cfg.killasgroup = true;
  d.f = facts_in(S::Running);
  Step s = d.on(ev(EventKind::Stop));
  CHECK(find(s, Action::Kind::Signal)->target == -100);
}

TEST_CASE("stopping_escalates_to_sigkill_every_stopwaitsecs") {
  Driver d;
  d.cfg.killasgroup = true;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop));
  for (int round = 0; round < 2; ++round) {
    Step s = d.on(ev(EventKind::StopwaitTimer));
    CHECK(has_log(s, "killing 'web_00' (100) with SIGKILL", fsm::kWarn));
    const Action* sig = find(s, Action::Kind::Signal);
    REQUIRE(sig != nullptr);
    CHECK(sig->signal == SIGKILL);
    CHECK(sig->target == -100);
    CHECK(armed(s, TimerId::Stopwait) != nullptr);
    CHECK(d.f.state == S::Stopping);
  }
}

TEST_CASE("backoff_to_stopped_on_stop_without_a_signal") {
  Driver d;
  d.f = facts_in(S::Backoff);
  Step s = d.on(ev(EventKind::Stop));
  CHECK(d.f.state == S::Stopped);
  CHECK(count(s, Action::Kind::Signal) == 0);
  CHECK(count(s, Action::Kind::CancelTimer) == 1);
}

TEST_CASE("shutdown_turns_backoff_into_fatal_and_stops_restarts") {
  Driver d;
  d.f = facts_in(S::Backoff);
  d.on(ev(EventKind::Shutdown));
  CHECK(d.f.state == S::Fatal);

  Driver r;
  r.cfg.autorestart = config::Autorestart::True;
  r.f = facts_in(S::Running);
  Step s = r.on(ev(EventKind::Shutdown));
  CHECK(r.f.state == S::Stopping);
  CHECK(find(s, Action::Kind::Signal) != nullptr);
  r.on(exit_ev(100, exit_status(0), kT0));
  CHECK(r.f.state == S::Stopped);

  Driver e;
  e.cfg.autorestart = config::Autorestart::True;
  e.f = facts_in(S::Exited);
  e.on(ev(EventKind::Shutdown));
  e.f.state = S::Running;  // a process that exits during shutdown is not restarted
  e.f.pid = 9;
  e.on(exit_ev(9, exit_status(1), kT0));
  CHECK(e.f.state == S::Exited);
}

TEST_CASE("signal_goes_to_the_master_pid_only") {
  Driver d;
  d.cfg.stopasgroup = true;
  d.f = facts_in(S::Running);
  Event e = ev(EventKind::Signal);
  e.signal = SIGUSR1;
  Step s = d.on(e);
  CHECK(find(s, Action::Kind::Signal)->target == 100);
  CHECK(d.f.state == S::Running);
}

TEST_CASE("kill_failure_enters_unknown") {
  Driver d;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop));
  Event e = ev(EventKind::KillFailed);
  e.error = "EPERM";
  Step s = d.on(e);
  CHECK(d.f.state == S::Unknown);
  CHECK(logs(s).size() == 1);
}

// ---- NO ORPHANS ------------------------------------------------------------------------

TEST_CASE("master_exit_with_live_group_drains_as_stopping_until_group_empty") {
  Driver d;
  d.cfg.stopwaitsecs = 4;
  d.f = facts_in(S::Running);
  Step s = d.on(exit_ev(100, signal_status(SIGKILL), kT0, /*group_alive=*/true));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Running, S::Stopping}});
  CHECK(find(s, Action::Kind::Signal)->target == -100);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGTERM);
  CHECK(armed(s, TimerId::Stopwait)->delay_ms == 4000);
  CHECK(find(s, Action::Kind::Spawn) == nullptr);
  CHECK(d.f.draining);
  CHECK(d.f.pid == 0);

  s = d.on(ev(EventKind::StopwaitTimer, kT0 + 4000));
  CHECK(find(s, Action::Kind::Signal)->target == -100);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGKILL);
  CHECK(d.f.state == S::Stopping);

  // An admin start during the drain is refused: the old workers are not gone yet.
  CHECK(fsm::step(d.f, ev(EventKind::Start), d.cfg).refusal == Refusal::AlreadyStarted);

  s = d.on(ev(EventKind::GroupEmpty, kT0 + 4100));
  CHECK(changes(s) ==
        std::vector<std::pair<S, S>>{{S::Stopping, S::Exited}, {S::Exited, S::Starting}});
  CHECK(has_log(s, "exited: web_00 (terminated by SIGKILL; not expected)", fsm::kWarn));
  CHECK(find(s, Action::Kind::Spawn) != nullptr);
  CHECK(!d.f.draining);
}

TEST_CASE("drain_of_a_too_quick_master_ends_in_backoff_measured_at_master_exit") {
  Driver d;
  d.cfg.startsecs = 2;
  d.on(ev(EventKind::Start));
  d.on(spawned(100, kT0));
  d.on(exit_ev(100, exit_status(0), kT0 + 500, true));
  CHECK(d.f.state == S::Stopping);
  Step s = d.on(ev(EventKind::GroupEmpty, kT0 + 9000));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Stopping, S::Backoff}});
  CHECK(d.f.spawnerr == "Exited too quickly (process log may have details)");
}

TEST_CASE("stop_during_drain_ends_in_stopped_without_restart") {
  Driver d;
  d.cfg.autorestart = config::Autorestart::True;
  d.f = facts_in(S::Running);
  d.on(exit_ev(100, exit_status(1), kT0, true));
  Step s = d.on(ev(EventKind::Stop));
  CHECK(s.refusal == Refusal::None);
  d.on(ev(EventKind::GroupEmpty));
  CHECK(d.f.state == S::Stopped);
}

TEST_CASE("stopped_master_with_live_workers_drains_before_stopped") {
  Driver d;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop));
  Step s = d.on(exit_ev(100, signal_status(SIGTERM), kT0, true));
  CHECK(d.f.state == S::Stopping);
  CHECK(find(s, Action::Kind::Signal)->target == -100);
  d.on(ev(EventKind::GroupEmpty));
  CHECK(d.f.state == S::Stopped);
  CHECK(has_log(d.last, "stopped: web_00 (terminated by SIGTERM)", fsm::kWarn));
}

// ONE STOP DEADLINE: a master and a worker that both ignore SIGTERM are gone
// stopwaitsecs after the stop signal, not 2 x stopwaitsecs (the drain used to start its
// own clock after the master's SIGKILL).
TEST_CASE("stop_deadline_covers_master_and_group_sigkill_to_the_group_at_stopwaitsecs") {
  Driver d;
  d.cfg.stopwaitsecs = 4;
  d.f = facts_in(S::Running);
  Step s = d.on(ev(EventKind::Stop, kT0));
  CHECK(find(s, Action::Kind::Signal)->target == 100);  // the stop signal: master only
  CHECK(armed(s, TimerId::Stopwait)->delay_ms == 4000);
  CHECK(d.f.stop_deadline_ms == kT0 + 4000);
  s = d.on(ev(EventKind::StopwaitTimer, kT0 + 4000));
  const Action* kill = find(s, Action::Kind::Signal);
  REQUIRE(kill != nullptr);
  CHECK(kill->signal == SIGKILL);
  CHECK(kill->target == -100);  // reap_group: the whole tree at once
  CHECK(has_log(s, "killing 'web_00' (100) with SIGKILL", fsm::kWarn));
  // The master dies of it; a worker not yet reaped: no second stopwaitsecs.
  s = d.on(exit_ev(100, signal_status(SIGKILL), kT0 + 4010, /*group_alive=*/true));
  CHECK(d.f.draining);
  for (const Action& a : s.actions)
    if (a.kind == Action::Kind::Signal) CHECK(a.signal == SIGKILL);
  d.on(ev(EventKind::GroupEmpty, kT0 + 4020));
  CHECK(d.f.state == S::Stopped);
  CHECK(d.f.stop_deadline_ms == 0);
}

TEST_CASE("drain_during_a_stop_keeps_the_stop_deadline") {
  Driver d;
  d.cfg.stopwaitsecs = 4;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop, kT0));
  // The master obeys after 1 s, its worker does not: the worker gets the stop signal and
  // the 3 s that are left, not 4 more.
  Step s = d.on(exit_ev(100, signal_status(SIGTERM), kT0 + 1000, true));
  CHECK(find(s, Action::Kind::Signal)->target == -100);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGTERM);
  CHECK(armed(s, TimerId::Stopwait)->delay_ms == 3000);
  s = d.on(ev(EventKind::StopwaitTimer, kT0 + 4000));
  CHECK(find(s, Action::Kind::Signal)->target == -100);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGKILL);
}

TEST_CASE("master_exiting_by_itself_gives_its_group_a_full_stopwaitsecs") {
  // Not a stop: the group's stop signal goes out at the master's exit, so that is when
  // its stopwaitsecs starts (today's semantics, kept).
  Driver d;
  d.cfg.stopwaitsecs = 4;
  d.f = facts_in(S::Running);
  Step s = d.on(exit_ev(100, exit_status(1), kT0 + 60000, true));
  CHECK(armed(s, TimerId::Stopwait)->delay_ms == 4000);
  CHECK(d.f.stop_deadline_ms == kT0 + 64000);
  // An admin stop during that drain does not restart the clock.
  s = d.on(ev(EventKind::Stop, kT0 + 61000));
  CHECK(armed(s, TimerId::Stopwait) == nullptr);
  CHECK(d.f.stop_deadline_ms == kT0 + 64000);
}

TEST_CASE("reap_group_false_sigkill_goes_to_the_master_only_as_supervisor") {
  Driver d;
  d.cfg.reap_group = false;
  d.f = facts_in(S::Running);
  d.on(ev(EventKind::Stop, kT0));
  Step s = d.on(ev(EventKind::StopwaitTimer, kT0 + 10000));
  CHECK(find(s, Action::Kind::Signal)->target == 100);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGKILL);
}

TEST_CASE("reap_group_false_exits_at_once_as_supervisor_does") {
  Driver d;
  d.cfg.reap_group = false;
  d.f = facts_in(S::Running);
  Step s = d.on(exit_ev(100, signal_status(SIGKILL), kT0, true));
  CHECK(changes(s) ==
        std::vector<std::pair<S, S>>{{S::Running, S::Exited}, {S::Exited, S::Starting}});
  CHECK(!d.f.draining);
}

TEST_CASE("exit_of_an_unknown_pid_is_ignored") {
  Driver d;
  d.f = facts_in(S::Running);
  Step s = d.on(exit_ev(999, exit_status(0), kT0));
  CHECK(s.actions.empty());
  CHECK(d.f.state == S::Running);
}

// ---- readiness and liveness extensions -------------------------------------------------

TEST_CASE("with_ready_starting_waits_for_ready_not_startsecs") {
  Driver d;
  d.cfg.ready = "notify";
  d.cfg.ready_timeout = 30;
  d.on(ev(EventKind::Start));
  Step s = d.on(spawned(4242, kT0));
  REQUIRE(armed(s, TimerId::Startsecs) != nullptr);
  CHECK(armed(s, TimerId::Startsecs)->delay_ms == 30000);
  s = d.on(ev(EventKind::Ready, kT0 + 500));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Starting, S::Running}});
  CHECK(find(s, Action::Kind::CancelTimer) != nullptr);
  CHECK(has_log(s, "success: web_00 entered RUNNING state, process is ready (ready=notify)"));
  // A second READY=1 while RUNNING is nothing.
  CHECK(d.on(ev(EventKind::Ready, kT0 + 600)).actions.empty());
}

TEST_CASE("without_ready_a_ready_event_changes_nothing") {
  Driver d;
  d.on(ev(EventKind::Start));
  d.on(spawned(4242, kT0));
  Step s = d.on(ev(EventKind::Ready, kT0 + 10));
  CHECK(s.actions.empty());
  CHECK(d.f.state == S::Starting);
}

TEST_CASE("starting_to_backoff_when_ready_deadline_passes_the_group_is_killed") {
  Driver d;
  d.cfg.ready = "tcp://127.0.0.1:9";
  d.cfg.ready_timeout = 2;
  d.on(ev(EventKind::Start));
  d.on(spawned(4242, kT0));
  Step s = d.on(ev(EventKind::StartsecsTimer, kT0 + 2000));
  CHECK(d.f.state == S::Starting);
  REQUIRE(find(s, Action::Kind::Signal) != nullptr);
  CHECK(find(s, Action::Kind::Signal)->target == -4242);
  CHECK(find(s, Action::Kind::Signal)->signal == SIGKILL);
  s = d.on(exit_ev(4242, signal_status(SIGKILL), kT0 + 2001));
  CHECK(d.f.state == S::Backoff);
  CHECK(d.f.spawnerr == "not ready within 2 seconds (ready_timeout)");
  CHECK(armed(s, TimerId::Backoff) != nullptr);
  // The retry starts clean.
  d.on(ev(EventKind::BackoffTimer, kT0 + 3001));
  CHECK(d.f.state == S::Starting);
  CHECK(!d.f.ready_failed);
}

TEST_CASE("with_ready_an_exit_before_ready_is_a_failed_start_however_late") {
  Driver d;
  d.cfg.ready = "notify";
  d.cfg.startsecs = 1;
  d.on(ev(EventKind::Start));
  d.on(spawned(4242, kT0));
  d.on(exit_ev(4242, exit_status(0), kT0 + 10000));
  CHECK(d.f.state == S::Backoff);
}

TEST_CASE("running_to_stopping_to_starting_when_liveness_fails") {
  Driver d;
  d.cfg.ready = "http://127.0.0.1:9/health";
  d.cfg.autorestart = config::Autorestart::Unexpected;
  d.on(ev(EventKind::Start));
  d.on(spawned(4242, kT0));
  d.on(ev(EventKind::Ready, kT0 + 100));
  Step s = d.on(ev(EventKind::Unhealthy, kT0 + 5000));
  CHECK(changes(s) == std::vector<std::pair<S, S>>{{S::Running, S::Stopping}});
  CHECK(find(s, Action::Kind::Signal)->target == 4242);
  CHECK(armed(s, TimerId::Stopwait) != nullptr);
  // Even a SIGKILL after stopwaitsecs keeps it a restart, and exit 0 is not "expected".
  d.on(ev(EventKind::StopwaitTimer, kT0 + 15000));
  s = d.on(exit_ev(4242, exit_status(0), kT0 + 15001));
  CHECK(changes(s) ==
        std::vector<std::pair<S, S>>{{S::Stopping, S::Exited}, {S::Exited, S::Starting}});
  CHECK(find(s, Action::Kind::Spawn) != nullptr);
}

namespace {
// Pid 4242, ready at kT0 + 100, its liveness probes failed at kT0 + 5000: stopping.
Driver restarting_for_liveness() {
  Driver d;
  d.cfg.ready = "tcp://127.0.0.1:9";
  d.on(ev(EventKind::Start));
  d.on(spawned(4242, kT0));
  d.on(ev(EventKind::Ready, kT0 + 100));
  d.on(ev(EventKind::Unhealthy, kT0 + 5000));
  return d;
}
}  // namespace

TEST_CASE("stop_while_restarting_for_liveness_ends_in_stopped") {
  Driver d = restarting_for_liveness();
  Step s = d.on(ev(EventKind::Stop, kT0 + 5001));
  CHECK(s.refusal == Refusal::None);
  d.on(exit_ev(4242, exit_status(0), kT0 + 5002));
  CHECK(d.f.state == S::Stopped);
}

TEST_CASE("decode_wait_status_matches_supervisor_texts") {
  CHECK(fsm::decode_wait_status(exit_status(2)).text == "exit status 2");
  CHECK(fsm::decode_wait_status(exit_status(2)).code == 2);
  CHECK(fsm::decode_wait_status(signal_status(SIGHUP)).text == "terminated by SIGHUP");
  CHECK(fsm::decode_wait_status(signal_status(SIGSEGV) | 0x80).text ==
        "terminated by SIGSEGV (core dumped)");
}

// ---- structured exits ------------------------------------------------------------------

namespace {
// Where the Exit action is among a step's actions, or -1.
int index_of(const Step& s, Action::Kind k, int nth = 0) {
  for (size_t i = 0; i < s.actions.size(); ++i)
    if (s.actions[i].kind == k && nth-- == 0) return static_cast<int>(i);
  return -1;
}
}  // namespace

TEST_CASE("a_killed_master_that_is_restarted_keeps_its_run_time_and_signal") {
  Driver d;
  d.cfg.autorestart = config::Autorestart::True;
  d.on(ev(EventKind::Start));
  d.on(spawned(100, kT0));
  d.on(ev(EventKind::StartsecsTimer, kT0 + 1000));
  Step s = d.on(exit_ev(100, signal_status(SIGKILL), kT0 + 2000));
  // The restart in the same step overwrote laststart and exitstatus, not the exit record.
  CHECK(d.f.state == S::Starting);
  CHECK(d.f.laststart_ms == kT0 + 2000);
  CHECK(d.f.last_exit.kind == fsm::ExitInfo::Kind::Exited);
  CHECK(d.f.last_exit.code() == -1);
  CHECK(d.f.last_exit.signal() == SIGKILL);
  CHECK(!d.f.last_exit.core_dumped());
  CHECK(d.f.last_exit.lived_ms() == 2000);
  // Announced once, after Supervisor's log line and before the restart.
  CHECK(count(s, Action::Kind::Exit) == 1);
  CHECK(index_of(s, Action::Kind::Log) < index_of(s, Action::Kind::Exit));
  CHECK(index_of(s, Action::Kind::Exit) < index_of(s, Action::Kind::StateChange, 1));
  CHECK(index_of(s, Action::Kind::Exit) < index_of(s, Action::Kind::Spawn));
}

TEST_CASE("each_way_a_run_ends_has_its_kind") {
  using K = fsm::ExitInfo::Kind;
  Driver stopped;
  stopped.f = facts_in(S::Running);
  stopped.on(ev(EventKind::Stop, kT0));
  stopped.on(ev(EventKind::StopwaitTimer, kT0 + 10000));
  stopped.on(exit_ev(100, signal_status(SIGKILL), kT0 + 10001));
  CHECK(stopped.f.last_exit.kind == K::Stopped);
  CHECK(stopped.f.last_exit.signal() == SIGKILL);
  CHECK(stopped.f.last_exit.lived_ms() == 15001);  // facts_in started it 5 s before kT0

  Driver quick;
  quick.cfg.startsecs = 1;
  quick.on(ev(EventKind::Start));
  quick.on(spawned(100, kT0));
  Step s = quick.on(exit_ev(100, exit_status(2), kT0 + 300));
  CHECK(quick.f.last_exit.kind == K::FailedStart);
  CHECK(quick.f.last_exit.code() == 2);
  CHECK(quick.f.exitstatus == 0);  // Supervisor's exitstatus stays 0 for a failed start
  CHECK(quick.f.last_exit.lived_ms() == 300);
  CHECK(count(s, Action::Kind::Exit) == 1);

  Driver expected;
  expected.f = facts_in(S::Running);
  expected.on(exit_ev(100, exit_status(0), kT0));
  CHECK(expected.f.last_exit.kind == K::Exited);
  CHECK(expected.f.last_exit.expected);

  Driver cored;
  cored.cfg.autorestart = config::Autorestart::False;
  cored.f = facts_in(S::Running);
  cored.on(exit_ev(100, signal_status(SIGSEGV) | 0x80, kT0));
  CHECK(cored.f.last_exit.signal() == SIGSEGV);
  CHECK(cored.f.last_exit.core_dumped());
  CHECK(!cored.f.last_exit.expected);

  Driver sick = restarting_for_liveness();
  sick.on(exit_ev(4242, signal_status(SIGTERM), kT0 + 5002));
  CHECK(sick.f.last_exit.kind == K::Unhealthy);
  CHECK(sick.f.last_exit.signal() == SIGTERM);
}

TEST_CASE("a_drained_run_ends_when_its_group_is_gone") {
  Driver d;
  d.f = facts_in(S::Running);  // spawned at kT0 - 5000
  d.on(exit_ev(100, signal_status(SIGKILL), kT0, /*group_alive=*/true));
  CHECK(d.f.last_exit.kind == fsm::ExitInfo::Kind::None);  // not ended while workers live
  Step s = d.on(ev(EventKind::GroupEmpty, kT0 + 4100));
  CHECK(count(s, Action::Kind::Exit) == 1);
  CHECK(d.f.last_exit.signal() == SIGKILL);
  CHECK(d.f.last_exit.lived_ms() == 9100);
}

// ---- follow_upgrade (extension) ----------------------------------------------------------

TEST_CASE("upgraded: the successor becomes the master, same state, no exit, no timer") {
  config::ProcessConfig cfg = base_config();
  for (S state : {S::Running, S::Starting}) {
    Facts f = facts_in(state);
    Event e = ev(EventKind::Upgraded);
    e.pid = 250;
    Step s = fsm::step(f, e, cfg);
    CHECK(s.cell == "upgrade_adopts_successor");
    CHECK(s.facts.pid == 250);
    CHECK(s.facts.pgid == f.pgid);  // the successor stays in the instance's process group
    CHECK(s.facts.state == state);
    CHECK(changes(s).empty());
    CHECK(count(s, Action::Kind::Exit) == 0);
    CHECK(count(s, Action::Kind::ArmTimer) == 0);
    CHECK(has_log(s, "upgraded: web_00 pid 100 -> pid 250", fsm::kInfo));
  }
  // Anywhere else (a stop under way, nothing running) it changes nothing.
  for (S state : {S::Stopping, S::Stopped, S::Backoff, S::Exited}) {
    Event e = ev(EventKind::Upgraded);
    e.pid = 250;
    Step s = fsm::step(facts_in(state), e, cfg);
    CHECK(s.facts.pid == facts_in(state).pid);
    CHECK(s.actions.empty());
  }
}
