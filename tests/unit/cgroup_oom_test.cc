// cgroup_oom_test.cc — an OOM kill in an instance's cgroup, seen where an ended run is
// reported: the exit record (`why`), the history entry of the state store, and the
// PROCESS_STATE event (one extra key:value token). The daemon's Supervisor, store observer
// and event system run behind FakeSpawner (no fork) and a fake cgroup tree (plain files:
// the test writes memory.events and cgroup.events as the kernel would). Also the tree
// memory read from memory.current.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/config/loader.h"
#include "supervisord/events/event_system.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/process/proctree.h"
#include "supervisord/store/observer.h"
#include "supervisord/store/proc_stat.h"
#include "supervisord/store/store.h"
#include "supervisord/supervisor.h"
#include "tests/unit/fake_spawner.h"
#include "tests/unit/temp_dir.h"

namespace {

void put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

struct Harness {
  TempDir tmp{"cgroup_oom"};
  uv_loop_t loop;
  logs::DaemonLog log;
  std::unique_ptr<Reaper> reaper;
  std::unique_ptr<FakeSpawner> fake;
  cgroup::Manager cgroups;
  std::unique_ptr<Supervisor> sup;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::Observer> observer;
  std::unique_ptr<events::EventSystem> events;
  std::vector<std::string> payloads;  // PROCESS_STATE_* payloads, in order

  Harness() {
    uv_loop_init(&loop);
    log.set_level(logs::kLevelCritical);
    // The fake host: tmp/mnt is the cgroup2 mount, the daemon is in /svc, with the memory
    // controller.
    std::string own = tmp.file("mnt") + "/svc";
    std::filesystem::create_directories(own);
    put(own + "/cgroup.controllers", "memory");
    put(own + "/cgroup.subtree_control", "");
    put(tmp.file("mountinfo"), "40 30 0:37 / " + tmp.file("mnt") + " rw - cgroup2 cgroup2 rw\n");
    put(tmp.file("cgroup"), "0::/svc\n");
    cgroup::Probe probe{tmp.file("mountinfo"), tmp.file("cgroup"), 4242};
    cgroups = cgroup::Manager::detect(true, probe);
    REQUIRE(cgroups.contained());

    reaper = std::make_unique<Reaper>(&loop);
    fake = std::make_unique<FakeSpawner>(&loop, *reaper);
    sup = std::make_unique<Supervisor>(&loop, *reaper, log);
    sup->use_spawner(fake.get());
    sup->use_cgroups(&cgroups);
    store = std::make_unique<store::Store>(&loop);
    store::Options so;
    so.path = tmp.file("s.state");
    REQUIRE(store->open(std::move(so)).ok());
    observer = std::make_unique<store::Observer>(*sup, *store, false);
    events = std::make_unique<events::EventSystem>(&loop, *sup, log);
    events->attach();
    events->bus().subscribe({events::EventType::ProcessState},
                            [this](const events::EventPtr& e) { payloads.push_back(e->payload); });
  }
  ~Harness() {
    events->close();
    bool closed = false;
    sup->close([&] { closed = true; });
    turn_until([&] { return closed; });
    observer.reset();
    bool store_closed = false;
    store->close(true, [&] { store_closed = true; });
    turn_until([&] { return store_closed; });
    events.reset();
    sup.reset();
    fake.reset();
    CHECK(close_reaper_and_loop(&loop, *reaper));
  }

  template <class Pred>
  bool turn_until(Pred pred) {
    return ::turn_until(&loop, pred, 200, 5000);
  }

  void load(const std::string& programs) {
    std::string conf = tmp.file("supervisord.conf");
    put(conf, "[supervisord]\nlogfile=" + tmp.file("d.log") + "\nchildlogdir=" + tmp.path + "\n" +
                  programs);
    config::LoadOptions lo;
    lo.config_path = conf;
    auto r = config::load(lo);
    REQUIRE_MESSAGE(r.ok(), r.error());
    sup->set_config(std::make_shared<config::Config>(std::move(*r)), "");
  }

  Instance& start(const std::string& spec) {
    std::shared_ptr<Instance> i = sup->find(spec);
    REQUIRE(i);
    bool done = false;
    sup->start(Supervisor::Selector::namespec(spec), true,
               [&](Supervisor::Outcome) { done = true; });
    REQUIRE(turn_until([&] { return done && i->state() == ProcessState::Running; }));
    return *i;
  }

  std::vector<store::HistoryEntry> history(const std::string& spec) {
    REQUIRE(store->flush());
    auto h = store->history(spec, 100);
    REQUIRE(h.ok());
    return *h;
  }
};

const char* kMem =
    "[program:mem]\ncommand=/bin/true\nautostart=false\nautorestart=false\nstartsecs=0\n"
    "memory_max=64MB\n";

}  // namespace

TEST_CASE("an OOM kill ends the run: the exit record, history and event say so") {
  Harness h;
  h.load(kMem);
  Instance& i = h.start("mem");
  std::string dir = i.process().cgroup_dir();
  REQUIRE_FALSE(dir.empty());
  CHECK(slurp(dir + "/memory.max") == "67108864");

  // The kernel's OOM killer ends the master: memory.events counts it, then SIGKILL.
  put(dir + "/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
  h.fake->exit(i.process().pid(), FakeSpawner::killed_by(SIGKILL));
  REQUIRE(h.turn_until([&] { return i.state() == ProcessState::Exited; }));
  CHECK(i.process().last_oom_kills() == 1);
  REQUIRE_FALSE(i.exits().empty());
  CHECK(i.exits().back().meaning.starts_with("OOM killer: 1 process of its cgroup"));
  REQUIRE_FALSE(h.payloads.empty());
  CHECK(h.payloads.back().starts_with("processname:mem groupname:mem from_state:RUNNING "));
  CHECK(h.payloads.back().ends_with(" expected:0 pid:" + std::to_string(FakeSpawner::kFirstPid) +
                                    " oom_kills:1"));
  auto hist = h.history("mem");
  REQUIRE_FALSE(hist.empty());
  CHECK(hist.back().to == ProcessState::Exited);
  CHECK(hist.back().signal == SIGKILL);
  CHECK(hist.back().oom_kills == 1);

  // The next run counts from its own start: an ordinary exit is Supervisor's payload.
  Instance& again = h.start("mem");
  h.fake->exit(again.process().pid(), FakeSpawner::exited(0));
  REQUIRE(h.turn_until([&] { return again.state() == ProcessState::Exited; }));
  CHECK(again.process().last_oom_kills() == 0);
  CHECK(
      h.payloads.back().ends_with(" expected:1 pid:" + std::to_string(FakeSpawner::kFirstPid + 1)));
  CHECK(h.history("mem").back().oom_kills == 0);
}

TEST_CASE("a worker OOM-killed while the group drains counts for the run") {
  Harness h;
  h.load(kMem);
  Instance& i = h.start("mem");
  std::string dir = i.process().cgroup_dir();
  REQUIRE_FALSE(dir.empty());
  // The master exits; a worker that left its process group is still in the cgroup.
  put(dir + "/cgroup.events", "populated 1\nfrozen 0\n");
  h.fake->exit(i.process().pid(), FakeSpawner::exited(0));
  REQUIRE(h.turn_until([&] { return i.state() == ProcessState::Stopping; }));
  CHECK(i.process().last_oom_kills() == 0);
  // The OOM killer ends the worker: the cgroup empties (inotify on cgroup.events).
  put(dir + "/memory.events", "oom 1\noom_kill 1\n");
  put(dir + "/cgroup.events", "populated 0\nfrozen 0\n");
  REQUIRE(h.turn_until([&] { return i.state() == ProcessState::Exited; }));
  CHECK(i.process().last_oom_kills() == 1);
  CHECK(i.exits().back().meaning.starts_with("OOM killer: 1 process"));
  CHECK(h.payloads.back().ends_with(" oom_kills:1"));
  CHECK(h.history("mem").back().oom_kills == 1);
}

TEST_CASE("tree memory: memory.current of the cgroup where it is, RSS from /proc otherwise") {
  TempDir tmp{"cgroup_mem"};
  // A child that only waits: its RSS holds still between the readings (RSS is read live,
  // from statm, while this test process's own heap moves).
  pid_t self = ::fork();
  REQUIRE(self >= 0);
  if (self == 0) {
    ::pause();
    ::_exit(0);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{self};
  for (int i = 0; i < 5000; ++i) {  // until it sleeps in pause() (bounded: 5 s)
    auto st = store::read_proc_stat(self);
    if (st && st->state == 'S') break;
    ::usleep(1000);
  }
  proctree::Snapshot snap = proctree::Snapshot::take();
  auto plain = proctree::tree_memory(snap, self, {});
  CHECK(plain.rss_kb > 0);
  CHECK(plain.cgroup_kb == -1);
  CHECK(plain.memory_kb() == plain.rss_kb);
  CHECK(plain.rss_kb == snap.find(self)->rss_kb);  // outside a cgroup: the scan's stat
  // In a cgroup the RSS is read per member from statm (summed counters, as /metrics does);
  // one without the memory controller has no memory.current: that RSS is the figure.
  const int64_t statm_kb = store::ProcDir().rss_pages(self) * (sysconf(_SC_PAGESIZE) / 1024);
  CHECK(statm_kb > 0);
  CHECK(proctree::tree_memory(snap, self, {}, tmp.path).memory_kb() == statm_kb);
  put(tmp.file("memory.current"), "104857600\n");  // 100 MiB, page cache and escaped members
  auto cg = proctree::tree_memory(snap, self, {}, tmp.path);
  CHECK(cg.cgroup_kb == 102400);
  CHECK(cg.memory_kb() == 102400);
  CHECK(cg.rss_kb == statm_kb);  // RSS and PSS stay what /proc says
}
