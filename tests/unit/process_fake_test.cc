// process_fake_test.cc — Process behind FakeSpawner: the fsm's arcs as the driver performs
// them, without forking. Exits are delivered through Reaper::deliver, signals are recorded;
// the loop runs a bounded number of turns (the timers are real: startsecs, backoff and
// stopwaitsecs of 1 s, so this file takes a few seconds). The same arcs against real
// children are in process_test.cc.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/process/process.h"
#include "supervisord/uvx/handle.h"
#include "tests/unit/fake_spawner.h"

using S = ProcessState;

namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

struct Harness {
  uv_loop_t loop;
  std::unique_ptr<Reaper> reaper;
  std::unique_ptr<FakeSpawner> fake;
  std::unique_ptr<Process> proc;
  std::vector<std::pair<S, S>> changes;
  std::vector<std::string> logs;
  std::string out, err;

  Harness() {
    uv_loop_init(&loop);
    reaper = std::make_unique<Reaper>(&loop);  // not started: no real child to reap
    fake = std::make_unique<FakeSpawner>(&loop, *reaper);
  }

  // A process "fake_00" of /bin/true (prepare() still finds and checks it; nothing runs
  // it) with the options `set` gives.
  Process& make(const std::function<void(config::ProcessConfig&)>& set) {
    auto cfg = std::make_shared<config::ProcessConfig>();
    cfg->name = "fake_00";
    cfg->group = "fake";
    cfg->command = "/bin/true";
    set(*cfg);
    Process::Hooks hooks;
    hooks.on_state_change = [this](Process&, S from, S to) { changes.emplace_back(from, to); };
    hooks.on_output = [this](Process&, bool is_stderr, std::string_view bytes) {
      (is_stderr ? err : out).append(bytes);
    };
    hooks.on_log = [this](int, std::string text) { logs.push_back(std::move(text)); };
    spawn::SpawnContext ctx;
    ctx.spawner = fake.get();
    proc = std::make_unique<Process>(&loop, *reaper, std::move(cfg),
                                     std::make_shared<const spawn::SpawnContext>(ctx),
                                     std::move(hooks));
    return *proc;
  }

  // Runs loop turns until pred() holds: at most `turns` of them, and a deadline timer
  // makes sure no turn waits longer than `deadline_ms` in all.
  template <class Pred>
  bool turn_until(Pred pred, int turns = 50, uint64_t deadline_ms = 5000) {
    return ::turn_until(&loop, pred, turns, deadline_ms);
  }

  bool has_log(const std::string& text) const {
    return std::find(logs.begin(), logs.end(), text) != logs.end();
  }
  std::vector<S> states() const {
    std::vector<S> s;
    for (auto [from, to] : changes) s.push_back(to);
    return s;
  }

  ~Harness() {
    if (proc) {
      proc->shutdown();  // no restart of what ends below
      if (proc->pid() > 0) fake->exit(proc->pid(), FakeSpawner::killed_by(SIGKILL));
      proc->close([] {});
    }
    reaper->close([] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    proc.reset();
    fake.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uvx::open_handles(&loop).empty());
    CHECK(uv_loop_close(&loop) == 0);
  }
};

}  // namespace

TEST_CASE("start_spawns_a_fake_child_starting_then_running_after_startsecs") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) { c.startsecs = 1; });
  int64_t t0 = steady_ms();
  REQUIRE(p.start().ok());
  CHECK(p.state() == S::Starting);
  REQUIRE(h.fake->spawned.size() == 1);
  CHECK(h.fake->spawned[0].argv == std::vector<std::string>{"/bin/true"});
  CHECK(p.pid() == FakeSpawner::kFirstPid);
  CHECK(h.has_log("spawned: 'fake_00' with pid 5000000"));
  // Its output reaches the hook through the real pipe.
  std::string line = "hello from a fake\n";
  REQUIRE(write(h.fake->output_fd(p.pid(), false), line.data(), line.size()) ==
          static_cast<ssize_t>(line.size()));
  REQUIRE(h.turn_until([&] { return p.state() == S::Running; }));
  CHECK(steady_ms() - t0 >= 950);  // startsecs, not sooner
  CHECK(h.out == line);
  CHECK(h.states() == std::vector<S>{S::Starting, S::Running});
  CHECK(
      h.has_log("success: fake_00 entered RUNNING state, process has stayed up for > than 1 "
                "seconds (startsecs)"));
  CHECK(h.fake->sent.empty());
}

TEST_CASE("stop_sends_sigterm_to_the_pid_and_its_exit_makes_it_stopped") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) { c.startsecs = 0; });  // RUNNING at once
  REQUIRE(p.start().ok());
  REQUIRE(p.state() == S::Running);
  pid_t pid = p.pid();
  REQUIRE(p.stop().ok());
  CHECK(p.state() == S::Stopping);
  REQUIRE(h.fake->sent.size() == 1);
  CHECK(h.fake->sent[0].target == pid);
  CHECK(h.fake->sent[0].sig == SIGTERM);
  REQUIRE(h.turn_until([&] { return p.state() == S::Stopped; }, 5));
  CHECK(!h.fake->alive(pid));
  CHECK(p.pid() == 0);
  CHECK(h.has_log("stopped: fake_00 (terminated by SIGTERM)"));
  CHECK(h.states() == std::vector<S>{S::Starting, S::Running, S::Stopping, S::Stopped});
}

TEST_CASE("an_exit_before_startsecs_goes_backoff_then_respawns") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) { c.startsecs = 1; });
  REQUIRE(p.start().ok());
  pid_t first = p.pid();
  h.fake->exit(first, FakeSpawner::exited(3));
  CHECK(p.state() == S::Backoff);
  CHECK(p.backoff() == 1);
  CHECK(h.has_log("exited: fake_00 (exit status 3; not expected)"));
  // The backoff timer (1 s for the first retry) spawns again.
  REQUIRE(h.turn_until([&] { return h.fake->spawned.size() == 2; }));
  CHECK(p.state() == S::Starting);
  CHECK(p.pid() == first + 1);
  CHECK(h.fake->alive(p.pid()));
}

TEST_CASE("startretries_exhausted_goes_fatal") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) {
    c.startsecs = 1;
    c.startretries = 1;
  });
  REQUIRE(p.start().ok());
  h.fake->exit(p.pid(), FakeSpawner::exited(1));
  REQUIRE(h.turn_until([&] { return h.fake->spawned.size() == 2; }));
  h.fake->exit(p.pid(), FakeSpawner::exited(1));  // the retry fails too
  CHECK(p.state() == S::Fatal);
  CHECK(h.has_log("gave up: fake_00 entered FATAL state, too many start retries too quickly"));
  CHECK(h.states() == std::vector<S>{S::Starting, S::Backoff, S::Starting, S::Backoff, S::Fatal});
  CHECK(h.fake->sent.empty());
}

TEST_CASE("a_child_ignoring_sigterm_gets_sigkill_to_its_group_after_stopwaitsecs") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) {
    c.startsecs = 0;
    c.stopwaitsecs = 1;
  });
  h.fake->term_kills = false;
  REQUIRE(p.start().ok());
  pid_t pid = p.pid();
  int64_t t0 = steady_ms();
  REQUIRE(p.stop().ok());
  CHECK(h.fake->targets_of(SIGTERM) == std::vector<pid_t>{pid});
  REQUIRE(h.turn_until([&] { return p.state() == S::Stopped; }));
  CHECK(steady_ms() - t0 >= 950);
  // reap_group (the default): the whole group, as -pgid.
  CHECK(h.fake->targets_of(SIGKILL) == std::vector<pid_t>{-pid});
  CHECK(h.has_log("stopped: fake_00 (terminated by SIGKILL)"));
}

TEST_CASE("a_spawn_error_is_spawn_error_and_backoff_with_the_error_text") {
  Harness h;
  Process& p = h.make([](config::ProcessConfig& c) { c.startretries = 0; });
  h.fake->fail_next = "too many open files to spawn 'fake_00'";
  CommandStatus st = p.start();
  CHECK(st.fault == Fault::SpawnError);
  CHECK(p.spawnerr() == "too many open files to spawn 'fake_00'");
  CHECK(h.fake->spawned.empty());
  CHECK(h.has_log("spawnerr: too many open files to spawn 'fake_00'"));
}
