// supervisor_test.cc — the Supervisor facade behind FakeSpawner (no fork): commands over a
// namespec and their outcomes, the group forms' answer order, waiting calls completed by
// the instances they wait on, apply() for update / add / remove / scale, the bus, shutdown.
// Configs are real INI text through config::load; timers are real (startsecs=1 where a
// test needs a STARTING phase), the loop runs a bounded number of turns.
#include "supervisord/supervisor.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisord/config/loader.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/uvx/handle.h"
#include "tests/unit/fake_spawner.h"

namespace fs = std::filesystem;
using S = ProcessState;
using Outcome = Supervisor::Outcome;
using Selector = Supervisor::Selector;

namespace {

struct Harness {
  fs::path dir;
  uv_loop_t loop;
  logs::DaemonLog log;
  std::unique_ptr<Reaper> reaper;
  std::unique_ptr<FakeSpawner> fake;
  std::unique_ptr<Supervisor> sup;
  std::vector<std::string> changes;  // "g:n FROM->TO" from the bus
  std::vector<std::string> groups;   // "+g" / "-g" from the bus

  Harness() {
    char tmpl[] = "/tmp/supervisor_test.XXXXXX";
    dir = mkdtemp(tmpl);
    uv_loop_init(&loop);
    log.set_level(logs::kLevelCritical);
    reaper = std::make_unique<Reaper>(&loop);  // not started: no real child to reap
    fake = std::make_unique<FakeSpawner>(&loop, *reaper);
    sup = std::make_unique<Supervisor>(&loop, *reaper, log);
    sup->use_spawner(fake.get());
    sup->bus().subscribe<happened::StateChange>([this](const happened::StateChange& e) {
      changes.push_back(e.instance.group() + ":" + e.instance.name() + " " +
                        std::string(state_name(e.from)) + "->" + std::string(state_name(e.to)));
    });
    sup->bus().subscribe<happened::GroupChange>([this](const happened::GroupChange& e) {
      groups.push_back((e.added ? "+" : "-") + e.group.name());
    });
  }
  ~Harness() {
    bool closed = false;
    sup->close([&] { closed = true; });
    turn_until([&] { return closed; });
    sup.reset();
    fake.reset();
    CHECK(close_reaper_and_loop(&loop, *reaper));
    fs::remove_all(dir);
  }

  std::shared_ptr<const config::Config> load(const std::string& programs) {
    fs::path conf = dir / "supervisord.conf";
    std::ofstream(conf) << "[supervisord]\nlogfile=" << (dir / "d.log").string()
                        << "\nchildlogdir=" << dir.string() << "\n"
                        << programs;
    config::LoadOptions lo;
    lo.config_path = conf.string();
    auto r = config::load(lo);
    REQUIRE_MESSAGE(r.ok(), r.error());
    return std::make_shared<config::Config>(std::move(*r));
  }

  template <class Pred>
  bool turn_until(Pred pred, int turns = 200, uint64_t deadline_ms = 5000) {
    return ::turn_until(&loop, pred, turns, deadline_ms);
  }

  // Runs a command and waits (bounded) for its completion.
  template <class Cmd>
  Outcome run(Cmd cmd) {
    std::optional<Outcome> got;
    cmd([&](Outcome o) { got = std::move(o); });
    REQUIRE(turn_until([&] { return got.has_value(); }));
    return *got;
  }

  S state(const std::string& spec) {
    auto i = sup->find(spec);
    REQUIRE(i);
    return i->state();
  }
  pid_t pid(const std::string& spec) { return sup->find(spec)->process().pid(); }
};

const char* kTwo =
    "[program:web]\ncommand=/bin/true\nprocess_name=%(program_name)s_%(process_num)d\n"
    "numprocs=2\nautostart=false\nstartsecs=0\n";

std::vector<std::string> names_of(const Outcome& o) {
  std::vector<std::string> v;
  for (auto& e : o.each) v.push_back(e.group + ":" + e.name);
  return v;
}

}  // namespace

TEST_CASE("start and stop one process by namespec: outcome, states, faults") {
  Harness h;
  h.sup->set_config(h.load(kTwo), "");
  CHECK(h.groups == std::vector<std::string>{"+web"});
  Outcome o = h.run([&](auto done) { h.sup->start(Selector::namespec("web:web_0"), true, done); });
  CHECK(o.status.ok());
  CHECK_FALSE(o.many);
  CHECK(h.state("web:web_0") == S::Running);
  CHECK(h.state("web:web_1") == S::Stopped);
  CHECK(h.fake->spawned.size() == 1);

  // Starting it again: ALREADY_STARTED naming what was asked for.
  o = h.run([&](auto done) { h.sup->start(Selector::namespec("web:web_0"), true, done); });
  CHECK(o.status.fault == Fault::AlreadyStarted);
  CHECK(o.status.detail == "web:web_0");

  // Unknown names: BAD_NAME with the text given.
  o = h.run([&](auto done) { h.sup->start(Selector::namespec("web:nope"), true, done); });
  CHECK(o.status.fault == Fault::BadName);
  CHECK(o.status.detail == "web:nope");
  o = h.run([&](auto done) { h.sup->stop(Selector::group("nogroup"), true, done); });
  CHECK(o.status.fault == Fault::BadName);

  // stop with wait completes once the fake child died of the SIGTERM.
  pid_t pid = h.pid("web:web_0");
  o = h.run([&](auto done) { h.sup->stop(Selector::namespec("web:web_0"), true, done); });
  CHECK(o.status.ok());
  CHECK(h.state("web:web_0") == S::Stopped);
  CHECK(h.fake->targets_of(SIGTERM) == std::vector<pid_t>{pid});
  o = h.run([&](auto done) { h.sup->stop(Selector::namespec("web:web_0"), true, done); });
  CHECK(o.status.fault == Fault::NotRunning);
}

TEST_CASE("a waiting start completes when its instance is RUNNING, not before") {
  Harness h;
  h.sup->set_config(h.load("[program:slow]\ncommand=/bin/true\nautostart=false\nstartsecs=1\n"),
                    "");
  std::optional<Outcome> got;
  h.sup->start(Selector::namespec("slow"), true, [&](Outcome o) { got = std::move(o); });
  CHECK_FALSE(got);
  CHECK(h.state("slow:slow") == S::Starting);
  REQUIRE(h.turn_until([&] { return got.has_value(); }, 200, 5000));
  CHECK(got->status.ok());
  CHECK(h.state("slow:slow") == S::Running);

  // Without wait the answer comes at once, in STARTING.
  h.run([&](auto done) { h.sup->stop(Selector::namespec("slow"), true, done); });
  got.reset();
  h.sup->start(Selector::namespec("slow"), false, [&](Outcome o) { got = std::move(o); });
  REQUIRE(got);
  CHECK(got->status.ok());
  CHECK(h.state("slow:slow") == S::Starting);
}

TEST_CASE("a start that exits before startsecs fails the waiting call") {
  Harness h;
  h.sup->set_config(h.load("[program:crash]\ncommand=/bin/true\nautostart=false\nstartsecs=5\n"
                           "startretries=0\n"),
                    "");
  std::optional<Outcome> got;
  h.sup->start(Selector::namespec("crash"), true, [&](Outcome o) { got = std::move(o); });
  REQUIRE(h.state("crash:crash") == S::Starting);
  h.fake->exit(h.pid("crash:crash"), FakeSpawner::exited(1));
  REQUIRE(h.turn_until([&] { return got.has_value(); }));
  // Supervisor's spawnerr "Exited too quickly" makes it SPAWN_ERROR, naming what was asked.
  CHECK(got->status.fault == Fault::SpawnError);
  CHECK(got->status.detail == "crash");
  CHECK(h.state("crash:crash") == S::Fatal);
  // The exit was recorded as data (diagnosis) and published on the bus.
  auto inst = h.sup->find("crash:crash");
  REQUIRE(inst->exits().size() == 1);
  CHECK(inst->exits()[0].exit.code() == 1);
}

TEST_CASE("group forms: one result per eligible process, answered in group order") {
  Harness h;
  h.sup->set_config(h.load(kTwo), "");
  Outcome o = h.run([&](auto done) { h.sup->start(Selector::group("web"), true, done); });
  CHECK(o.status.ok());
  CHECK(o.many);
  CHECK(names_of(o) == std::vector<std::string>{"web:web_0", "web:web_1"});
  for (auto& e : o.each) CHECK(e.status.ok());

  // "web:*" is the group form too; RUNNING ones are not eligible for start.
  o = h.run([&](auto done) { h.sup->start(Selector::namespec("web:*"), true, done); });
  CHECK(o.many);
  CHECK(o.each.empty());

  // signal: to each master, results in order; a stopped one is not chosen.
  h.run([&](auto done) { h.sup->stop(Selector::namespec("web:web_1"), true, done); });
  h.fake->term_kills = false;
  o = h.run([&](auto done) { h.sup->signal(Selector::all(), SIGHUP, done); });
  CHECK(names_of(o) == std::vector<std::string>{"web:web_0"});
  CHECK(h.fake->targets_of(SIGHUP) == std::vector<pid_t>{h.pid("web:web_0")});
}

TEST_CASE("group stop: those stopped at once first, then the others as they stop") {
  Harness h;
  h.sup->set_config(
      h.load("[program:a]\ncommand=/bin/true\nautostart=false\nstartsecs=0\npriority=1\n"
             "[program:b]\ncommand=/bin/true\nautostart=false\nstartsecs=0\npriority=2\n"),
      "");
  h.run([&](auto done) { h.sup->start(Selector::all(), true, done); });
  REQUIRE(h.state("a:a") == S::Running);
  REQUIRE(h.state("b:b") == S::Running);
  // a ignores SIGTERM until the test kills it; b dies of it on the next turn.
  h.fake->term_kills = false;
  std::optional<Outcome> got;
  h.sup->stop(Selector::all(), true, [&](Outcome o) { got = std::move(o); });
  pid_t a = h.pid("a:a"), b = h.pid("b:b");
  h.fake->exit(b, FakeSpawner::killed_by(SIGTERM));
  CHECK_FALSE(got);
  // More than Supervisor's 50 ms re-check apart: b's answer comes before a's.
  uvx::Handle<uv_timer_t> pause;
  REQUIRE(pause.init(&h.loop, uv_timer_init).ok());
  bool paused = false;
  pause->data = &paused;
  uv_timer_start(
      pause.get(), [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, 80, 0);
  REQUIRE(h.turn_until([&] { return paused; }));
  CHECK_FALSE(got);
  h.fake->exit(a, FakeSpawner::killed_by(SIGTERM));
  REQUIRE(h.turn_until([&] { return got.has_value(); }));
  CHECK(names_of(*got) == std::vector<std::string>{"b:b", "a:a"});
}

TEST_CASE("commands refuse with SHUTDOWN_STATE unless the daemon runs") {
  Harness h;
  h.sup->set_config(h.load(kTwo), "");
  h.sup->set_state(SupervisorState::Shutdown);
  Outcome o = h.run([&](auto done) { h.sup->start(Selector::all(), true, done); });
  CHECK(o.status.fault == Fault::ShutdownState);
  CHECK(h.fake->spawned.empty());
}

TEST_CASE("apply: update adds, removes and replaces down to the instance") {
  Harness h;
  h.sup->set_config(h.load(std::string(kTwo) +
                           "[program:old]\ncommand=/bin/true\nautostart=false\nstartsecs=0\n"),
                    "");
  h.run([&](auto done) { h.sup->start(Selector::all(), true, done); });
  pid_t kept = h.pid("web:web_0");
  pid_t old_pid = h.pid("old:old");
  h.groups.clear();

  // web grows to 3 (web_0/web_1 untouched), old goes, new comes.
  config::Diff df = h.sup->reread(
      h.load("[program:web]\ncommand=/bin/true\nprocess_name=%(program_name)s_%(process_num)d\n"
             "numprocs=3\nautostart=false\nstartsecs=0\n"
             "[program:new]\ncommand=/bin/true\nstartsecs=0\n"));
  CHECK(df.added == std::vector<std::string>{"new"});
  CHECK(df.changed == std::vector<std::string>{"web"});
  CHECK(df.removed == std::vector<std::string>{"old"});
  // reread alone changes nothing that runs.
  CHECK(h.state("old:old") == S::Running);

  std::optional<std::vector<std::string>> lines;
  h.sup->apply(df, {}, [&](std::vector<std::string> l) { lines = std::move(l); });
  REQUIRE(h.turn_until([&] { return lines.has_value(); }));
  CHECK(*lines == std::vector<std::string>{"old: stopped", "old: removed process group",
                                           "web: updated process group",
                                           "new: added process group"});
  CHECK(h.fake->targets_of(SIGTERM) == std::vector<pid_t>{old_pid});
  CHECK(h.pid("web:web_0") == kept);
  CHECK_FALSE(h.sup->find("old:old"));
  CHECK(h.state("web:web_2") == S::Stopped);  // autostart=false
  REQUIRE(h.turn_until([&] { return h.state("new:new") == S::Running; }));
  CHECK(h.groups == std::vector<std::string>{"-old", "+new"});
}

TEST_CASE("apply: scale-like options start what is added, whatever autostart says") {
  Harness h;
  h.sup->set_config(h.load(kTwo), "");
  auto next = h.load(
      "[program:web]\ncommand=/bin/true\nprocess_name=%(program_name)s_%(process_num)d\n"
      "numprocs=3\nautostart=false\nstartsecs=0\n");
  config::Diff df = h.sup->reread(next);
  Supervisor::ApplyOptions options;
  options.only = {"web", "ghost"};
  options.start_added = true;
  std::optional<std::vector<std::string>> lines;
  h.sup->apply(df, options, [&](std::vector<std::string> l) { lines = std::move(l); });
  REQUIRE(h.turn_until([&] { return lines.has_value(); }));
  CHECK(lines->front() == "ERROR: no such group: ghost");
  REQUIRE(h.turn_until([&] { return h.state("web:web_2") == S::Running; }));
  CHECK(h.state("web:web_0") == S::Stopped);
}

TEST_CASE("a waiting call on an instance that is removed is answered, not lost") {
  Harness h;
  h.sup->set_config(h.load("[program:slow]\ncommand=/bin/true\nautostart=false\nstartsecs=5\n"),
                    "");
  std::optional<Outcome> got;
  h.sup->start(Selector::namespec("slow"), true, [&](Outcome o) { got = std::move(o); });
  REQUIRE(h.state("slow:slow") == S::Starting);
  // The group goes (its process stopped first by apply).
  config::Diff df = h.sup->reread(h.load(""));
  std::optional<std::vector<std::string>> lines;
  h.sup->apply(df, {}, [&](std::vector<std::string> l) { lines = std::move(l); });
  REQUIRE(h.turn_until([&] { return lines.has_value() && got.has_value(); }));
  CHECK(got->status.fault == Fault::AbnormalTermination);
  CHECK_FALSE(h.sup->find("slow:slow"));
}

TEST_CASE("restart: stop then start, one call") {
  Harness h;
  h.sup->set_config(h.load(kTwo), "");
  h.run([&](auto done) { h.sup->start(Selector::group("web"), true, done); });
  pid_t before = h.pid("web:web_1");
  Outcome o = h.run([&](auto done) { h.sup->restart(Selector::namespec("web:web_1"), done); });
  CHECK(o.status.ok());
  CHECK(h.state("web:web_1") == S::Running);
  CHECK(h.pid("web:web_1") != before);
}

TEST_CASE("ordered shutdown: groups by descending priority, each waited for") {
  Harness h;
  h.sup->set_config(h.load("[program:first]\ncommand=/bin/true\nstartsecs=0\npriority=1\n"
                           "[program:last]\ncommand=/bin/true\nstartsecs=0\npriority=9\n"),
                    "");
  h.sup->autostart();
  REQUIRE(h.turn_until(
      [&] { return h.state("first:first") == S::Running && h.state("last:last") == S::Running; }));
  h.changes.clear();
  bool done = false;
  h.sup->set_state(SupervisorState::Shutdown);
  h.sup->stop_all_ordered([&] { done = true; });
  REQUIRE(h.turn_until([&] { return done; }));
  CHECK(h.changes ==
        std::vector<std::string>{"last:last RUNNING->STOPPING", "last:last STOPPING->STOPPED",
                                 "first:first RUNNING->STOPPING", "first:first STOPPING->STOPPED"});
}

TEST_CASE("an exit names the master that ended, even when the restart follows at once") {
  // Events (PROCESS_STATE_EXITED's pid) and history read run_pid at the state change,
  // after the fsm already began the restart in the same step.
  Harness h;
  h.sup->set_config(h.load("[program:again]\ncommand=/bin/true\nautostart=false\nstartsecs=0\n"
                           "autorestart=true\n"),
                    "");
  std::vector<std::pair<std::string, pid_t>> seen;
  h.sup->bus().subscribe<happened::StateChange>([&](const happened::StateChange& e) {
    seen.emplace_back(std::string(state_name(e.to)), e.instance.process().facts().run_pid);
  });
  h.run([&](auto done) { h.sup->start(Selector::namespec("again"), true, done); });
  pid_t first = h.pid("again:again");
  h.fake->exit(first, FakeSpawner::exited(3));
  REQUIRE(h.turn_until([&] { return h.pid("again:again") != 0 && h.pid("again:again") != first; }));
  auto exited = std::find_if(seen.begin(), seen.end(), [](auto& s) { return s.first == "EXITED"; });
  REQUIRE(exited != seen.end());
  CHECK(exited->second == first);
  CHECK(h.sup->find("again:again")->process().facts().run_pid == h.pid("again:again"));
}

// ---- start-order dependencies (extension) ----

namespace {

const char* kChain =
    "[program:db]\ncommand=/bin/true\nstartsecs=1\nstartretries=0\n"
    "[program:cache]\ncommand=/bin/true\nstartsecs=0\ndepends_on=db\n"
    "[program:app]\ncommand=/bin/true\nstartsecs=0\ndepends_on=cache\npriority=1\n";

// The position of a bus line in h.changes (changes.size() if absent).
size_t at(const Harness& h, const std::string& line) {
  return static_cast<size_t>(std::find(h.changes.begin(), h.changes.end(), line) -
                             h.changes.begin());
}

}  // namespace

TEST_CASE("depends_on: autostart waits for each dependency to be RUNNING, in chain order") {
  Harness h;
  h.sup->set_config(h.load(kChain), "");
  h.sup->autostart();
  // app has the lowest priority number but waits, and says for what.
  CHECK(h.state("app:app") == S::Stopped);
  CHECK(h.sup->find("app:app")->process().description(0) ==
        "waiting for cache (STOPPED, waiting for db (STARTING))");
  CHECK(h.sup->find("cache:cache")->process().description(0) == "waiting for db (STARTING)");
  CHECK(h.state("db:db") == S::Starting);
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  CHECK(at(h, "db:db STARTING->RUNNING") < at(h, "cache:cache STOPPED->STARTING"));
  CHECK(at(h, "cache:cache STARTING->RUNNING") < at(h, "app:app STOPPED->STARTING"));
  CHECK(h.sup->find("app:app")->process().waiting().empty());

  // Shutdown: dependents first, whatever the priorities say.
  h.changes.clear();
  bool done = false;
  h.sup->set_state(SupervisorState::Shutdown);
  h.sup->stop_all_ordered([&] { done = true; });
  REQUIRE(h.turn_until([&] { return done; }));
  CHECK(at(h, "app:app STOPPING->STOPPED") < at(h, "cache:cache RUNNING->STOPPING"));
  CHECK(at(h, "cache:cache STOPPING->STOPPED") < at(h, "db:db RUNNING->STOPPING"));
}

TEST_CASE("depends_on: stop all stops dependents first, waiting or not") {
  Harness h;
  h.sup->set_config(h.load(kChain), "");
  h.sup->autostart();
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  h.changes.clear();
  Outcome o = h.run([&](auto done) { h.sup->stop(Selector::all(), true, done); });
  REQUIRE(o.each.size() == 3);
  for (auto& e : o.each) CHECK(e.status.ok());
  CHECK(at(h, "app:app STOPPING->STOPPED") < at(h, "cache:cache RUNNING->STOPPING"));
  CHECK(at(h, "cache:cache STOPPING->STOPPED") < at(h, "db:db RUNNING->STOPPING"));
  CHECK(at(h, "db:db STOPPING->STOPPED") < h.changes.size());

  // wait=false answers at once; the order holds all the same.
  o = h.run([&](auto done) { h.sup->start(Selector::all(), true, done); });
  h.changes.clear();
  o = h.run([&](auto done) { h.sup->stop(Selector::all(), false, done); });
  REQUIRE(o.each.size() == 3);
  for (auto& e : o.each) CHECK(e.status.ok());
  CHECK(h.state("db:db") == S::Running);
  REQUIRE(h.turn_until([&] { return h.state("db:db") == S::Stopped; }));
  CHECK(at(h, "app:app STOPPING->STOPPED") < at(h, "cache:cache RUNNING->STOPPING"));
  CHECK(at(h, "cache:cache STOPPING->STOPPED") < at(h, "db:db RUNNING->STOPPING"));
}

TEST_CASE("depends_on: a group stop orders its members; a dependent outside keeps running") {
  Harness h;
  h.sup->set_config(h.load("[program:db]\ncommand=/bin/true\nstartsecs=0\n"
                           "[program:cache]\ncommand=/bin/true\nstartsecs=0\ndepends_on=g:db\n"
                           "[program:app]\ncommand=/bin/true\nstartsecs=0\ndepends_on=g:cache\n"
                           "[group:g]\nprograms=db,cache\n"),
                    "");
  h.sup->autostart();
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  h.changes.clear();
  Outcome o = h.run([&](auto done) { h.sup->stop(Selector::group("g"), true, done); });
  REQUIRE(o.each.size() == 2);
  CHECK(at(h, "g:cache STOPPING->STOPPED") < at(h, "g:db RUNNING->STOPPING"));
  CHECK(h.state("app:app") == S::Running);
}

TEST_CASE("depends_on: a FATAL dependency leaves dependents waiting; they start after it") {
  Harness h;
  h.sup->set_config(h.load(kChain), "");
  h.sup->autostart();
  h.fake->exit(h.pid("db:db"), FakeSpawner::exited(1));
  REQUIRE(h.turn_until([&] { return h.state("db:db") == S::Fatal; }));
  CHECK(h.sup->find("cache:cache")->process().description(0) == "waiting for db (FATAL)");
  CHECK(h.sup->blocked_by(*h.sup->find("cache:cache")) == "waiting for db (FATAL)");
  // start app pulls db in again; when db fails again, the waiting call fails and app
  // keeps waiting.
  std::optional<Outcome> got;
  h.sup->start(Selector::namespec("app"), true, [&](Outcome o) { got = std::move(o); });
  REQUIRE(h.state("db:db") == S::Starting);
  CHECK_FALSE(got);
  h.fake->exit(h.pid("db:db"), FakeSpawner::exited(1));
  REQUIRE(h.turn_until([&] { return got.has_value(); }));
  CHECK(got->status.fault == Fault::AbnormalTermination);
  CHECK(h.sup->find("app:app")->process().description(0) ==
        "waiting for cache (STOPPED, waiting for db (FATAL))");
  // Starting db (fixed) brings up the chain.
  Outcome o = h.run([&](auto done) { h.sup->start(Selector::namespec("db"), true, done); });
  CHECK(o.status.ok());
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  CHECK(h.state("cache:cache") == S::Running);
}

TEST_CASE("depends_on: start of a dependent starts its stopped dependencies first") {
  Harness h;
  h.sup->set_config(h.load(std::string("[DEFAULT]\nautostart=false\n") + kChain), "");
  Outcome o = h.run([&](auto done) { h.sup->start(Selector::namespec("app"), true, done); });
  CHECK(o.status.ok());
  CHECK(h.state("db:db") == S::Running);
  CHECK(h.state("cache:cache") == S::Running);
  CHECK(h.state("app:app") == S::Running);
  CHECK(at(h, "db:db STARTING->RUNNING") < at(h, "cache:cache STOPPED->STARTING"));

  // stop db: app and cache keep running (no binding) ...
  o = h.run([&](auto done) { h.sup->stop(Selector::namespec("db"), true, done); });
  CHECK(o.status.ok());
  CHECK(h.state("cache:cache") == S::Running);
  // ... and start all orders dependencies first.
  h.run([&](auto done) { h.sup->stop(Selector::all(), true, done); });
  o = h.run([&](auto done) { h.sup->start(Selector::all(), true, done); });
  CHECK(names_of(o) == std::vector<std::string>{"db:db", "cache:cache", "app:app"});
  for (auto& e : o.each) CHECK(e.status.ok());
}

TEST_CASE("depends_on_bind: a dependency's restart restarts its dependent") {
  Harness h;
  h.sup->set_config(h.load("[program:db]\ncommand=/bin/true\nstartsecs=0\n"
                           "[program:app]\ncommand=/bin/true\nstartsecs=0\ndepends_on=db\n"
                           "depends_on_bind=true\n"),
                    "");
  h.sup->autostart();
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  pid_t app = h.pid("app:app");
  Outcome o = h.run([&](auto done) { h.sup->restart(Selector::namespec("db"), done); });
  CHECK(o.status.ok());
  REQUIRE(
      h.turn_until([&] { return h.state("app:app") == S::Running && h.pid("app:app") != app; }));
  // Stopping the dependency stops it and leaves it waiting; a stop of app ends the wait.
  h.run([&](auto done) { h.sup->stop(Selector::namespec("db"), true, done); });
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Stopped; }));
  CHECK(h.sup->find("app:app")->process().description(0) == "waiting for db (STOPPED)");
  o = h.run([&](auto done) { h.sup->stop(Selector::namespec("app"), true, done); });
  CHECK(o.status.ok());
  CHECK(h.sup->find("app:app")->process().waiting().empty());
  h.run([&](auto done) { h.sup->start(Selector::namespec("db"), true, done); });
  CHECK(h.state("app:app") == S::Stopped);
}

TEST_CASE("depends_on: update adds a dependency without restarting the program") {
  Harness h;
  const std::string db = "[program:db]\ncommand=/bin/true\nstartsecs=0\nautostart=false\n";
  h.sup->set_config(h.load(db + "[program:app]\ncommand=/bin/true\nstartsecs=0\n"), "");
  h.sup->autostart();
  REQUIRE(h.turn_until([&] { return h.state("app:app") == S::Running; }));
  pid_t app = h.pid("app:app");
  config::Diff df =
      h.sup->reread(h.load(db + "[program:app]\ncommand=/bin/true\nstartsecs=0\ndepends_on=db\n"));
  CHECK(df.changed.empty());
  bool applied = false;
  h.sup->apply(df, {}, [&](std::vector<std::string>) { applied = true; });
  REQUIRE(h.turn_until([&] { return applied; }));
  CHECK(h.pid("app:app") == app);
  REQUIRE(h.sup->dependencies(*h.sup->find("app:app")).size() == 1);
  CHECK(h.sup->dependents(*h.sup->find("db:db")).size() == 1);
  // The new dependency counts from now on: a restart of app pulls db in first.
  Outcome o = h.run([&](auto done) { h.sup->restart(Selector::namespec("app"), done); });
  CHECK(o.status.ok());
  CHECK(h.state("db:db") == S::Running);
}

TEST_CASE("instances_by_name: groups by name, instances by name, whatever the priorities") {
  Harness h;
  // Runtime order is by priority (zeta first); names sort otherwise. web's instances are
  // made in process_num order, which is not name order past 9 (web_10 < web_2).
  h.sup->set_config(h.load("[program:zeta]\ncommand=/bin/true\nautostart=false\npriority=1\n"
                           "[program:web]\ncommand=/bin/true\nautostart=false\nnumprocs=12\n"
                           "process_name=%(program_name)s_%(process_num)d\n"
                           "[program:alpha]\ncommand=/bin/true\nautostart=false\npriority=999\n"),
                    "");
  std::vector<std::string> got;
  for (const Instance* i : h.sup->instances_by_name()) got.push_back(i->group() + ":" + i->name());
  std::vector<std::string> want = {"alpha:alpha", "web:web_0", "web:web_1", "web:web_10",
                                   "web:web_11",  "web:web_2", "web:web_3", "web:web_4",
                                   "web:web_5",   "web:web_6", "web:web_7", "web:web_8",
                                   "web:web_9",   "zeta:zeta"};
  CHECK(got == want);
}

TEST_CASE("find in a big group: every instance by name, across priorities and updates") {
  Harness h;
  // Over the size where a group looks names up in its index; two priorities so that adds
  // land in the middle of the group's order, not only at its end.
  auto conf = [&](int a, int b) {
    std::string text = "[program:a]\ncommand=/bin/true\nautostart=false\npriority=5\nnumprocs=" +
                       std::to_string(a) + "\nprocess_name=%(program_name)s_%(process_num)d\n";
    if (b > 0)
      text += "[program:b]\ncommand=/bin/true\nautostart=false\npriority=1\nnumprocs=" +
              std::to_string(b) + "\nprocess_name=%(program_name)s_%(process_num)d\n";
    return h.load(text + "[group:g]\nprograms=a" + (b > 0 ? ",b" : "") + "\n");
  };
  auto all_found = [&](int a, int b) {
    for (int i = 0; i < a; ++i)
      if (!h.sup->find("g:a_" + std::to_string(i))) return false;
    for (int i = 0; i < b; ++i)
      if (!h.sup->find("g:b_" + std::to_string(i))) return false;
    return !h.sup->find("g:a_" + std::to_string(a)) && !h.sup->find("g:a_") &&
           (b > 0 || !h.sup->find("g:b_0"));
  };
  h.sup->set_config(conf(20, 20), "");
  CHECK(all_found(20, 20));
  for (auto [a, b] : {std::pair{25, 20}, std::pair{25, 0}, std::pair{30, 7}}) {
    std::optional<std::vector<std::string>> lines;
    h.sup->apply(h.sup->reread(conf(a, b)), {},
                 [&](std::vector<std::string> l) { lines = std::move(l); });
    REQUIRE(h.turn_until([&] { return lines.has_value(); }));
    CHECK_MESSAGE(all_found(a, b), a, " ", b);
    CHECK(h.sup->find("g:a_3")->name() == "a_3");
  }
}
