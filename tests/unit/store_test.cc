// store_test.cc — the statefile: schema and migrations, batched writes committed before
// the loop sleeps, history queries and bounds, survival across runs, unclean-run detection,
// remembered admin state, and the failure policy (corrupt file, read-only directory or
// file, locked database, newer schema, file in use by a live supervisord): each leaves a
// disabled store that logs why and never blocks.
#include "supervisord/store/store.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "supervisord/store/db.h"
#include "supervisord/store/schema.h"
#include "tests/unit/temp_dir.h"

using store::HistoryEntry;
using store::InstanceRecord;
using store::Options;
using store::Store;

namespace {

struct Logs {
  std::vector<std::pair<int, std::string>> lines;
  store::LogFn fn() {
    return [this](int level, const std::string& text) { lines.emplace_back(level, text); };
  }
  bool contains(const std::string& needle) const {
    for (const auto& [level, text] : lines)
      if (text.find(needle) != std::string::npos) return true;
    return false;
  }
};

// A loop with the store's handles; close_store() closes them before the loop is closed.
struct Harness {
  uv_loop_t loop;
  Logs logs;
  std::unique_ptr<Store> store;
  Harness() { uv_loop_init(&loop); }
  ~Harness() {
    close_store(false);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  Status open(const std::string& path, Options o = {}) {
    store = std::make_unique<Store>(&loop);
    o.path = path;
    o.log = logs.fn();
    return store->open(std::move(o));
  }
  // One loop iteration that blocks briefly: the store's uv_prepare_t runs before it sleeps.
  void spin() {
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(
        &t, [](uv_timer_t*) {}, 1, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&t), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  void close_store(bool clean) {
    if (!store) return;
    bool closed = false;
    store->close(clean, [&closed] { closed = true; });
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed);
    store.reset();
  }
};

HistoryEntry entry(const std::string& group, const std::string& name, ProcessState from,
                   ProcessState to, int64_t time_ms = 0) {
  HistoryEntry h;
  h.time_ms = time_ms ? time_ms : store::wall_clock_ms();
  h.group = group;
  h.name = name;
  h.from = from;
  h.to = to;
  h.pid = 4242;
  return h;
}

int64_t count_rows(const std::string& path, const std::string& table) {
  store::Db db;
  REQUIRE(db.open(path, false));
  int64_t n = -1;
  REQUIRE(db.query_int("SELECT COUNT(*) FROM " + table, n));
  return n;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `check` in a child without root's override of file permissions; true if it passed.
bool as_unprivileged(const std::function<bool()>& check) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("resolve_statefile: none, default next to the pidfile, explicit") {
  CHECK(store::resolve_statefile("none", "/run/supervisord.pid") == "");
  CHECK(store::resolve_statefile("", "/run/supervisord.pid") == "/run/supervisord.state");
  CHECK(store::resolve_statefile("", "/tmp/x/daemon") == "/tmp/x/daemon.state");
  CHECK(store::resolve_statefile("/var/lib/s.db", "/run/supervisord.pid") == "/var/lib/s.db");
}

TEST_CASE("statefile none: disabled, every call is a cheap no-op") {
  Harness h;
  CHECK(h.open("").ok());
  CHECK_FALSE(h.store->enabled());
  h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
  h.store->set_admin_stopped("g", "a", true);
  CHECK(h.store->admin_stopped("g", "a"));  // mirrored in memory, not persisted
  auto rows = h.store->history("", 10);
  REQUIRE_FALSE(rows.ok());
  CHECK(rows.error().find("statefile=none") != std::string::npos);
}

TEST_CASE("fresh file: schema at the current version, WAL, this run recorded") {
  TempDir dir{"store_test"};
  Harness h;
  REQUIRE(h.open(dir.file("s.state")).ok());
  CHECK(h.store->enabled());
  CHECK_FALSE(h.store->previous_run().found);
  store::Db db;
  REQUIRE(db.open(dir.file("s.state"), false));
  int64_t version = 0;
  REQUIRE(db.query_int("PRAGMA user_version", version));
  CHECK(version == store::schema_version());
  int64_t runs = 0;
  REQUIRE(db.query_int("SELECT COUNT(*) FROM runs WHERE ended_ms IS NULL", runs));
  CHECK(runs == 1);
  CHECK(read_file(dir.file("s.state")).substr(0, 16) == std::string("SQLite format 3\0", 16));
}

TEST_CASE("writes are queued and committed by the prepare handle before the loop sleeps") {
  TempDir dir{"store_test"};
  Harness h;
  REQUIRE(h.open(dir.file("s.state")).ok());
  for (int i = 0; i < 1000; ++i)
    h.store->record_history(entry("g", "a", ProcessState::Starting, ProcessState::Running));
  CHECK(count_rows(dir.file("s.state"), "history") == 0);  // nothing written yet
  auto t0 = std::chrono::steady_clock::now();
  h.spin();
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(count_rows(dir.file("s.state"), "history") == 1000);
  MESSAGE("1000 history rows in one transaction: " << ms << " ms");
  CHECK(ms < 1000);
}

TEST_CASE("history: filters by process, group, bare name; last N oldest first") {
  TempDir dir{"store_test"};
  Harness h;
  REQUIRE(h.open(dir.file("s.state")).ok());
  int64_t t = 1'700'000'000'000;
  h.store->record_history(
      entry("web", "web_00", ProcessState::Stopped, ProcessState::Starting, t + 1));
  h.store->record_history(
      entry("web", "web_01", ProcessState::Stopped, ProcessState::Starting, t + 2));
  h.store->record_history(
      entry("web", "web_00", ProcessState::Starting, ProcessState::Running, t + 3));
  h.store->record_history(entry("db", "db", ProcessState::Stopped, ProcessState::Starting, t + 4));
  HistoryEntry fatal = entry("web", "web_00", ProcessState::Backoff, ProcessState::Fatal, t + 5);
  fatal.spawnerr = "can't find command 'nope'";
  fatal.exitstatus = -1;
  fatal.signal = 9;
  fatal.tries = 3;
  h.store->record_history(fatal);
  // history() commits what is queued first: no spin needed.
  auto all = h.store->history("", 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 5);
  CHECK(all->front().time_ms == t + 1);
  CHECK(all->back().to == ProcessState::Fatal);
  CHECK(all->back().spawnerr == "can't find command 'nope'");
  CHECK(all->back().signal == 9);
  CHECK(all->back().tries == 3);
  CHECK(all->back().exitstatus == -1);
  CHECK(all->back().pid == 4242);

  auto proc = h.store->history("web:web_00", 100);
  REQUIRE(proc.ok());
  CHECK(proc->size() == 3);
  auto last2 = h.store->history("web:web_00", 2);
  REQUIRE(last2.ok());
  REQUIRE(last2->size() == 2);
  CHECK(last2->at(0).to == ProcessState::Running);  // oldest of the two first
  CHECK(last2->at(1).to == ProcessState::Fatal);
  CHECK(h.store->history("web:*", 100)->size() == 4);
  CHECK(h.store->history("web:", 100)->size() == 4);
  CHECK(h.store->history("db", 100)->size() == 1);      // group or name
  CHECK(h.store->history("web_01", 100)->size() == 1);  // bare process name
  CHECK(h.store->history("nobody", 100)->empty());
  CHECK(h.store->history("", 0)->empty());
}

TEST_CASE("history survives a restart; the clean end is recorded") {
  TempDir dir{"store_test"};
  {
    Harness h;
    REQUIRE(h.open(dir.file("s.state")).ok());
    h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
    h.close_store(true);
  }
  Harness h;
  REQUIRE(h.open(dir.file("s.state")).ok());
  CHECK(h.store->previous_run().found);
  CHECK(h.store->previous_run().clean);
  CHECK(h.store->previous_run().pid == ::getpid());
  auto rows = h.store->history("g:a", 10);
  REQUIRE(rows.ok());
  CHECK(rows->size() == 1);
}

TEST_CASE("unclean end: the previous run's instances come back (child killed with SIGKILL)") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    Store s(&loop);
    if (!s.open(Options{path, false, 10, 10, {}}).ok()) ::_exit(1);
    InstanceRecord r{"web", "web_00", 1111, 1111, 98765, 2, 7, true};
    s.record_instance(r);
    s.record_history(entry("web", "web_00", ProcessState::Stopped, ProcessState::Starting));
    s.flush();
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    for (;;) ::pause();  // killed with SIGKILL while "running"
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);

  {
    // While that supervisord lives, a second one refuses the file.
    Harness h;
    CHECK_FALSE(h.open(path).ok());
    CHECK_FALSE(h.store->enabled());
    CHECK(h.logs.contains("in use by supervisord pid " + std::to_string(child)));
    CHECK(h.store->previous_instances().empty());
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);

  Harness h;
  REQUIRE(h.open(path).ok());
  CHECK(h.store->previous_run().found);
  CHECK_FALSE(h.store->previous_run().clean);
  CHECK(h.store->previous_run().pid == child);
  REQUIRE(h.store->previous_instances().size() == 1);
  const InstanceRecord& r = h.store->previous_instances()[0];
  CHECK(r.group == "web");
  CHECK(r.name == "web_00");
  CHECK(r.pid == 1111);
  CHECK(r.pgid == 1111);
  CHECK(r.start_ticks == 98765);
  CHECK(r.stopsignal == 2);
  CHECK(r.stopwaitsecs == 7);
  CHECK(r.stopasgroup);
  CHECK(h.logs.contains("did not shut down cleanly"));
  // This run's own record of the same process replaces the row; clearing the previous
  // run's rows leaves it.
  h.store->record_instance(InstanceRecord{"other", "o", 5, 5, 6, 15, 10, false});
  h.store->clear_previous_instances();
  h.spin();
  CHECK(h.store->previous_instances().empty());
  CHECK(count_rows(path, "instances") == 1);
}

TEST_CASE("instances: recorded, replaced, forgotten") {
  TempDir dir{"store_test"};
  Harness h;
  REQUIRE(h.open(dir.file("s.state")).ok());
  h.store->record_instance(InstanceRecord{"g", "a", 10, 10, 100, 15, 10, false});
  h.store->record_instance(InstanceRecord{"g", "a", 11, 11, 101, 15, 10, false});
  h.store->record_instance(InstanceRecord{"g", "b", 12, 12, 102, 15, 10, false});
  h.spin();
  CHECK(count_rows(dir.file("s.state"), "instances") == 2);
  h.store->forget_instance("g", "b");
  h.spin();
  CHECK(count_rows(dir.file("s.state"), "instances") == 1);
}

TEST_CASE("history is bounded by rows and by age (pruned at open and every 1000 inserts)") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  int64_t now = store::wall_clock_ms();
  {
    Harness h;
    Options o;
    o.history_max_rows = 50;
    o.history_max_age_s = 3600;
    REQUIRE(h.open(path, o).ok());
    for (int i = 0; i < 10; ++i)  // two hours old
      h.store->record_history(
          entry("g", "old", ProcessState::Stopped, ProcessState::Starting, now - 2 * 3600 * 1000));
    for (int i = 0; i < 1200; ++i)
      h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting, now));
    h.spin();
    CHECK(count_rows(path, "history") == 50);  // 1210 inserts reached the prune threshold
    for (int i = 0; i < 30; ++i)
      h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting, now));
    h.spin();
    CHECK(count_rows(path, "history") == 80);  // between two prunes
    h.close_store(true);
  }
  Harness h;
  Options o;
  o.history_max_rows = 50;
  REQUIRE(h.open(path, o).ok());
  CHECK(count_rows(path, "history") == 50);
  CHECK(h.store->history("g:old", 100)->empty());
}

TEST_CASE("remembered admin state and instance counts persist only with remember_state") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  Options remember;
  remember.remember_state = true;
  {
    Harness h;
    REQUIRE(h.open(path, remember).ok());
    h.store->set_admin_stopped("web", "web_01", true);
    h.store->set_admin_stopped("db", "db", true);
    h.store->set_instance_count("web", 6);
    h.close_store(true);
  }
  {
    Harness h;
    REQUIRE(h.open(path, remember).ok());
    CHECK(h.store->admin_stopped("web", "web_01"));
    CHECK(h.store->admin_stopped("db", "db"));
    CHECK_FALSE(h.store->admin_stopped("web", "web_00"));
    CHECK(h.store->instance_count("web") == 6);
    h.store->set_admin_stopped("db", "db", false);  // started again
    h.store->forget_group("web");                   // group removed by update
    h.close_store(true);
  }
  {
    Harness h;
    REQUIRE(h.open(path, remember).ok());
    CHECK(h.store->admin_stopped_set().empty());
    CHECK(h.store->instance_count("web") == 6);
    h.close_store(true);
  }
  Harness h;
  REQUIRE(h.open(path).ok());  // remember_state off: forgotten for good
  CHECK_FALSE(h.store->instance_count("web").has_value());
  h.close_store(true);
  Harness again;
  REQUIRE(again.open(path, remember).ok());
  CHECK_FALSE(again.store->instance_count("web").has_value());
}

TEST_CASE("corrupt file: moved aside and kept, a fresh one works, logged") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  std::string garbage(8192, 'x');
  write_file(path, garbage);
  Harness h;
  Status st = h.open(path);
  REQUIRE(st.ok());
  CHECK(h.store->enabled());
  REQUIRE(h.store->reset_info().has_value());
  const std::string moved = h.store->reset_info()->moved_to;
  CHECK(moved.rfind(path + ".corrupt-", 0) == 0);
  CHECK(h.store->reset_info()->reason.find("not a database") != std::string::npos);
  CHECK(read_file(moved) == garbage);  // the admin's file: kept, not destroyed
  CHECK(h.logs.contains("is corrupt (file is not a database): moved to " + moved));
  CHECK(h.logs.contains("crash recovery has no record"));
  CHECK_FALSE(h.logs.contains("supervising without persistent state"));
  CHECK_FALSE(h.store->previous_run().found);
  CHECK(h.store->previous_instances().empty());
  // The fresh file records as any other.
  h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
  h.spin();
  auto rows = h.store->history("", 10);
  REQUIRE(rows.ok());
  CHECK(rows->size() == 1);
  h.close_store(true);
  // The next start finds a sound file: nothing moved again.
  Harness again;
  REQUIRE(again.open(path).ok());
  CHECK_FALSE(again.store->reset_info().has_value());
  CHECK(again.store->previous_run().found);
}

TEST_CASE("corrupt file that cannot be moved aside: logged, store disabled, file untouched") {
  TempDir dir{"store_test"};
  std::string ro = dir.file("ro");
  REQUIRE(::mkdir(ro.c_str(), 0755) == 0);
  std::string path = ro + "/s.state";
  std::string garbage(8192, 'x');
  write_file(path, garbage);
  REQUIRE(::chmod(path.c_str(), 0666) == 0);
  REQUIRE(::chmod(ro.c_str(), 0555) == 0);  // no rename in here (for the unprivileged)
  REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
  bool ok = as_unprivileged([&] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    bool cannot_move = false, disabled_logged = false;
    Store s(&loop);
    Options o;
    o.path = path;
    o.log = [&](int, const std::string& text) {
      cannot_move = cannot_move || text.find("cannot move it aside") != std::string::npos;
      disabled_logged =
          disabled_logged || text.find("supervising without persistent state") != std::string::npos;
    };
    bool refused = !s.open(o).ok() && !s.enabled() && !s.reset_info();
    s.close(false, [] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    return refused && cannot_move && disabled_logged;
  });
  CHECK(ok);
  CHECK(read_file(path) == garbage);
}

TEST_CASE("a database corrupted behind our back: the failing commit disables the store") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  Harness h;
  REQUIRE(h.open(path).ok());
  h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
  h.spin();
  // Clobber the header of the main file and drop the WAL: the next write fails.
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  std::string junk(4096, 'z');
  REQUIRE(::pwrite(fd, junk.data(), junk.size(), 0) == static_cast<ssize_t>(junk.size()));
  ::close(fd);
  for (int i = 0; i < 200; ++i)
    h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
  h.spin();
  // Whatever sqlite makes of it (error or not), the loop went on and nothing crashed; if it
  // noticed, the store is disabled and says so.
  if (!h.store->enabled()) CHECK(h.logs.contains("persistent state disabled"));
}

TEST_CASE("read-only directory: cannot create the file, logged, disabled") {
  TempDir dir{"store_test"};
  std::string ro = dir.file("ro");
  REQUIRE(::mkdir(ro.c_str(), 0555) == 0);
  REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
  bool ok = as_unprivileged([&] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    bool logged = false;
    Store s(&loop);
    Options o;
    o.path = ro + "/s.state";
    o.log = [&logged](int level, const std::string& text) {
      logged = logged || (level >= 40 && text.find("cannot open") != std::string::npos);
    };
    bool refused = !s.open(o).ok() && !s.enabled();
    s.record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
    s.close(false, [] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    return refused && logged;
  });
  CHECK(ok);
}

TEST_CASE("read-only file: logged, disabled") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  {
    Harness h;
    REQUIRE(h.open(path).ok());
    h.close_store(true);
  }
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  REQUIRE(::chmod(dir.path.c_str(), 0555) == 0);
  bool ok = as_unprivileged([&] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    bool logged = false;
    Store s(&loop);
    Options o;
    o.path = path;
    o.log = [&logged](int level, const std::string&) { logged = logged || level >= 40; };
    bool refused = !s.open(o).ok() && !s.enabled();
    s.close(false, [] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    return refused && logged;
  });
  ::chmod(dir.path.c_str(), 0755);
  CHECK(ok);
}

TEST_CASE("locked at open: refused at once (never waits), logged") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  {
    Harness h;
    REQUIRE(h.open(path).ok());
    h.close_store(true);
  }
  store::Db other;
  REQUIRE(other.open(path, false));
  REQUIRE(other.exec("BEGIN EXCLUSIVE"));
  Harness h;
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(h.open(path).ok());
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(ms < 200);
  CHECK_FALSE(h.store->enabled());
  CHECK(h.logs.contains("locked"));
  REQUIRE(other.exec("ROLLBACK"));
}

TEST_CASE("locked while running: writes stay queued, retried, then committed in order") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  Harness h;
  REQUIRE(h.open(path).ok());
  store::Db other;
  REQUIRE(other.open(path, false));
  REQUIRE(other.exec("BEGIN IMMEDIATE"));
  h.store->record_history(entry("g", "a", ProcessState::Stopped, ProcessState::Starting));
  h.store->record_history(entry("g", "a", ProcessState::Starting, ProcessState::Running));
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(h.store->flush());
  auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(ms < 200);
  CHECK(h.store->enabled());
  CHECK(h.logs.contains("cannot write now"));
  REQUIRE(other.exec("COMMIT"));
  other.close();
  CHECK(h.store->flush());
  CHECK(h.logs.contains("writes resumed"));
  auto rows = h.store->history("g:a", 10);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  CHECK(rows->at(1).to == ProcessState::Running);
}

TEST_CASE("locked for long: the queue is bounded, the oldest history entries are dropped") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  Harness h;
  REQUIRE(h.open(path).ok());
  store::Db other;
  REQUIRE(other.open(path, false));
  REQUIRE(other.exec("BEGIN IMMEDIATE"));
  HistoryEntry first = entry("g", "a", ProcessState::Stopped, ProcessState::Starting);
  first.tries = 0;
  h.store->record_history(first);
  CHECK_FALSE(h.store->flush());  // the file is locked: entries from now on wait
  for (int i = 1; i < 10005; ++i) {
    HistoryEntry e = entry("g", "a", ProcessState::Stopped, ProcessState::Starting);
    e.tries = i;
    h.store->record_history(e);
  }
  CHECK_FALSE(h.store->flush());
  REQUIRE(other.exec("COMMIT"));
  other.close();
  CHECK(h.store->flush());
  // At 10,000 queued the oldest quarter went, in one step.
  CHECK(h.logs.contains("2500 history entries were dropped"));
  auto rows = h.store->history("g:a", 1);
  REQUIRE(rows.ok());
  CHECK(rows->at(0).tries == 10004);
  CHECK(count_rows(path, "history") == 10005 - 2500);
}

TEST_CASE("a burst on a writable file is committed whole, not cut at the lock bound") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  Harness h;
  REQUIRE(h.open(path).ok());
  // startAllProcesses of 10,000 records two entries each before the loop flushes.
  for (int i = 0; i < 20000; ++i) {
    HistoryEntry e = entry("g", "a", ProcessState::Stopped, ProcessState::Starting);
    e.tries = i;
    h.store->record_history(e);
  }
  CHECK(h.store->flush());
  CHECK_FALSE(h.logs.contains("dropped"));
  CHECK(count_rows(path, "history") == 20000);
}

TEST_CASE("a file from a newer supervisord is refused, not downgraded") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  {
    store::Db db;
    REQUIRE(db.open(path, true));
    REQUIRE(db.exec("PRAGMA user_version = 99"));
  }
  Harness h;
  CHECK_FALSE(h.open(path).ok());
  CHECK(h.logs.contains("newer"));
  store::Db db;
  REQUIRE(db.open(path, false));
  int64_t v = 0;
  REQUIRE(db.query_int("PRAGMA user_version", v));
  CHECK(v == 99);
}

TEST_CASE("migration from version 0 runs once, in one transaction") {
  TempDir dir{"store_test"};
  std::string path = dir.file("s.state");
  store::Db db;
  REQUIRE(db.open(path, true));
  store::MigrationResult r;
  REQUIRE(store::migrate(db, r));
  CHECK(r.from == 0);
  CHECK(r.to == store::schema_version());
  REQUIRE(store::migrate(db, r));
  CHECK(r.from == store::schema_version());  // already there: nothing to do
  // A step that fails leaves the version as it was.
  store::Db other;
  REQUIRE(other.open(dir.file("t.state"), true));
  REQUIRE(other.exec("CREATE TABLE history (x)"));  // collides with step 0
  CHECK_FALSE(store::migrate(other, r));
  int64_t v = -1;
  REQUIRE(other.query_int("PRAGMA user_version", v));
  CHECK(v == 0);
}
