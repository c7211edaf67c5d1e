// store_recovery_test.cc — crash recovery against real children from testchild: recorded
// instances that still live are stopped (stop signal, then SIGKILL to the group after
// stopwaitsecs), workers included; a pid whose start time differs is left alone; `done`
// runs once every group is empty and all handles are closed. Every child is killed by pid
// and reaped before a test ends.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "supervisord/store/proc_stat.h"
#include "supervisord/store/recovery.h"

#ifndef TESTCHILD
#error "TESTCHILD (path of the testchild binary) must be defined by the build"
#endif

using store::InstanceRecord;
using store::Recovery;
using store::RecoveryOutcome;
using Fate = RecoveryOutcome::Fate;

namespace {

bool alive(pid_t pid) {
  auto st = store::read_proc_stat(pid);
  return st && st->alive();
}

// A "previous run" instance: testchild in its own process group, as spawn makes them.
struct Child {
  pid_t pid = 0;
  std::vector<pid_t> workers;
  InstanceRecord record;
};

std::set<pid_t> g_started;  // everything to kill and reap at the end

Child spawn_child(std::vector<std::string> args, int stopwaitsecs = 2, bool stopasgroup = false) {
  int out[2], execd[2];
  REQUIRE(::pipe(out) == 0);
  REQUIRE(::pipe2(execd, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Until the exec the child runs doctest's signal handlers: a stop signal arriving then
    // must end it as it would end the program, not report a "crashed" test from the copy.
    ::signal(SIGTERM, SIG_DFL);
    ::close(execd[0]);
    ::setpgid(0, 0);
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    std::string exe = TESTCHILD;
    argv.push_back(exe.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(out[1]);
  ::close(execd[1]);
  char ignored;
  ssize_t got;
  do got = ::read(execd[0], &ignored, 1);  // end of file: the exec has happened
  while (got < 0 && errno == EINTR);
  ::close(execd[0]);
  Child c;
  c.pid = pid;
  g_started.insert(pid);
  if (args[0] == "workers" || args[0] == "ignore-term") {
    // "worker <pid>" lines, then "ready" (ignore-term: once SIGTERM is ignored).
    std::string text;
    char buf[256];
    while (text.find("ready\n") == std::string::npos) {
      ssize_t n = ::read(out[0], buf, sizeof buf);
      REQUIRE(n > 0);
      text.append(buf, static_cast<size_t>(n));
    }
    size_t at = 0;
    while ((at = text.find("worker ", at)) != std::string::npos) {
      pid_t w = static_cast<pid_t>(std::atoi(text.c_str() + at + 7));
      c.workers.push_back(w);
      g_started.insert(w);
      at += 7;
    }
  }
  ::close(out[0]);
  // The start time is the fork's (exec keeps it): the record is valid at once.
  auto st = store::read_proc_stat(pid);
  REQUIRE(st);
  c.record.group = "grp";
  c.record.name = "inst_" + std::to_string(pid);
  c.record.pid = pid;
  c.record.pgid = pid;
  c.record.start_ticks = st->start_ticks;
  c.record.stopsignal = SIGTERM;
  c.record.stopwaitsecs = stopwaitsecs;
  c.record.stopasgroup = stopasgroup;
  return c;
}

void cleanup() {
  for (pid_t p : g_started) {
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, WNOHANG);
  }
  for (pid_t p : g_started) ::waitpid(p, nullptr, 0);  // ours: masters (workers were re-parented)
  g_started.clear();
}

struct Run {
  std::vector<RecoveryOutcome> outcomes;
  std::vector<std::string> logs;
  double seconds = 0;
  bool done = false;
  bool logged(const std::string& needle) const {
    for (auto& l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

Run recover(std::vector<InstanceRecord> records, bool pidfd = true) {
  Run run;
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    Recovery r(&loop, [&run](int, const std::string& text) { run.logs.push_back(text); });
    if (!pidfd) r.disable_pidfd_for_test();
    auto t0 = std::chrono::steady_clock::now();
    r.run(std::move(records), [&](const std::vector<RecoveryOutcome>& o) {
      run.outcomes = o;
      run.done = true;
    });
    uv_run(&loop, UV_RUN_DEFAULT);  // returns when every handle is closed
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.finished());
  }
  CHECK(uv_loop_close(&loop) == 0);  // nothing left open
  return run;
}

}  // namespace

TEST_CASE("parse_proc_stat: comm with spaces and parentheses") {
  auto st = store::parse_proc_stat(
      "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 98765 1000 10 "
      "18446744073709551615");
  REQUIRE(st);
  CHECK(st->pid == 1234);
  CHECK(st->state == 'S');
  CHECK(st->ppid == 1);
  CHECK(st->pgid == 1234);
  CHECK(st->start_ticks == 98765);
  CHECK(st->cpu_ticks == 12);  // utime + stime
  CHECK(st->rss_pages == 10);
  CHECK_FALSE(store::parse_proc_stat("garbage"));
}

TEST_CASE("ProcDir: stat and statm of a pid, relative to one descriptor of /proc") {
  const store::ProcDir proc;
  REQUIRE(proc.fd() >= 0);
  auto st = proc.stat(getpid());
  REQUIRE(st);
  CHECK(st->pid == getpid());
  CHECK(st->ppid == getppid());
  CHECK(st->rss_pages > 0);
  // statm's resident count is the RSS of stat: the same within what the test touched since.
  int64_t pages = proc.rss_pages(getpid());
  CHECK(pages > st->rss_pages / 2);
  CHECK(pages < st->rss_pages * 2);
  // A zombie has no memory; a reaped pid has no files.
  pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  siginfo_t info{};
  REQUIRE(waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) == 0);
  CHECK(proc.rss_pages(child) == 0);
  CHECK(proc.stat(child)->state == 'Z');
  REQUIRE(waitpid(child, nullptr, 0) == child);
  CHECK(proc.rss_pages(child) == -1);
  CHECK_FALSE(proc.stat(child));
}

TEST_CASE("nothing recorded: done at once, no handles") {
  Run run = recover({});
  CHECK(run.done);
  CHECK(run.outcomes.empty());
}

TEST_CASE("a recorded pid that is gone, or names another process now, is left alone") {
  Child c = spawn_child({"sleep"});
  InstanceRecord reused = c.record;
  reused.start_ticks += 1;  // same pid, other start time: not ours
  InstanceRecord gone = c.record;
  gone.pid = gone.pgid = 999999;  // beyond pid_max's default
  Run run = recover({reused, gone});
  REQUIRE(run.done);
  REQUIRE(run.outcomes.size() == 2);
  CHECK(run.outcomes[0].fate == Fate::Gone);
  CHECK(run.outcomes[1].fate == Fate::Gone);
  CHECK(alive(c.pid));  // never signalled
  CHECK(run.logged("is no longer running"));
  cleanup();
}

TEST_CASE("a live master is stopped with its stop signal; done after it is gone") {
  Child c = spawn_child({"sleep"}, 60);
  Run run = recover({c.record});
  REQUIRE(run.outcomes.size() == 1);
  CHECK(run.outcomes[0].fate == Fate::Stopped);
  CHECK(run.outcomes[0].processes == 1);
  CHECK_FALSE(alive(c.pid));
  // Woken by the exit, not by stopwaitsecs (60 s): a bound far from both, so that a
  // loaded machine cannot fail it and a wait for the deadline cannot pass it.
  CHECK(run.seconds < 30);
  CHECK(run.logged("left running by the previous supervisord; sending SIGTERM to its master"));
  CHECK(run.logged("crash recovery: done: 1 stopped, 0 killed, 0 already gone, 0 survived"));
  MESSAGE("stop of one master: " << run.seconds * 1000 << " ms");
  cleanup();
}

TEST_CASE("master and workers: the workers left by the master get the stop signal too") {
  Child c = spawn_child({"workers", "3"}, 60);
  REQUIRE(c.workers.size() == 3);
  Run run = recover({c.record});
  REQUIRE(run.outcomes.size() == 1);
  CHECK(run.outcomes[0].fate == Fate::Stopped);
  CHECK(run.outcomes[0].processes == 4);
  CHECK_FALSE(alive(c.pid));
  for (pid_t w : c.workers) CHECK_FALSE(alive(w));
  CHECK(store::group_members(c.pid).empty());
  CHECK(run.seconds < 30);  // not by stopwaitsecs (60 s)
  CHECK(run.logged("master exited, sending SIGTERM to the 3 process(es) left in group"));
  cleanup();
}

TEST_CASE("workers that ignore the stop signal: SIGKILL to the group after stopwaitsecs") {
  Child c = spawn_child({"workers", "2", "ignore-term"}, 1);
  Run run = recover({c.record});
  REQUIRE(run.outcomes.size() == 1);
  CHECK(run.outcomes[0].fate == Fate::Killed);
  CHECK_FALSE(alive(c.pid));
  for (pid_t w : c.workers) CHECK_FALSE(alive(w));
  CHECK(run.seconds >= 0.9);  // SIGKILL only once stopwaitsecs (1 s) ran out
  CHECK(run.logged("SIGKILL to process group " + std::to_string(c.pid)));
  cleanup();
}

TEST_CASE("a master that ignores SIGTERM is killed; stopasgroup sends to the group") {
  Child stubborn = spawn_child({"ignore-term"}, 1);
  Child grouped = spawn_child({"workers", "2"}, 10, /*stopasgroup=*/true);
  Run run = recover({stubborn.record, grouped.record});
  REQUIRE(run.outcomes.size() == 2);
  CHECK(run.outcomes[0].fate == Fate::Killed);
  CHECK(run.outcomes[1].fate == Fate::Stopped);
  CHECK(run.logged("to its process group"));
  CHECK_FALSE(alive(stubborn.pid));
  CHECK_FALSE(alive(grouped.pid));
  for (pid_t w : grouped.workers) CHECK_FALSE(alive(w));
  cleanup();
}

TEST_CASE("orphaned workers whose master already died are found by their group") {
  Child c = spawn_child({"workers", "2"}, 10);
  ::kill(c.pid, SIGKILL);
  ::waitpid(c.pid, nullptr, 0);  // reaped: the pid is free, the group lives on
  for (pid_t w : c.workers) REQUIRE(alive(w));
  Run run = recover({c.record});
  REQUIRE(run.outcomes.size() == 1);
  CHECK(run.outcomes[0].fate == Fate::Stopped);
  CHECK(run.outcomes[0].processes == 2);
  for (pid_t w : c.workers) CHECK_FALSE(alive(w));
  CHECK(run.logged("master gone"));
  cleanup();
}

TEST_CASE("without pidfd the group is re-read from a short timer, same outcome") {
  Child c = spawn_child({"workers", "2"}, 10);
  Run run = recover({c.record}, /*pidfd=*/false);
  REQUIRE(run.outcomes.size() == 1);
  CHECK(run.outcomes[0].fate == Fate::Stopped);
  for (pid_t w : c.workers) CHECK_FALSE(alive(w));
  cleanup();
}

TEST_CASE("four instances with workers at once (the seed scenario's shape)") {
  std::vector<Child> cs;
  std::vector<InstanceRecord> records;
  for (int i = 0; i < 4; ++i) {
    cs.push_back(spawn_child({"workers", "4"}, 5));
    records.push_back(cs.back().record);
  }
  Run run = recover(records);
  REQUIRE(run.outcomes.size() == 4);
  for (auto& o : run.outcomes) CHECK(o.fate == Fate::Stopped);
  for (auto& c : cs) {
    CHECK_FALSE(alive(c.pid));
    for (pid_t w : c.workers) CHECK_FALSE(alive(w));
  }
  MESSAGE("4 masters x 4 workers stopped in " << run.seconds * 1000 << " ms");
  cleanup();
}

TEST_CASE("instance_done: each instance as its own group goes; a slow one holds up no other") {
  Child slow = spawn_child({"ignore-term"}, 120);  // would take 120 s to be killed
  Child fast = spawn_child({"sleep"}, 120);
  Child gone = spawn_child({"sleep"});
  ::kill(gone.pid, SIGKILL);
  ::waitpid(gone.pid, nullptr, 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<std::pair<std::string, double>> order;  // name, seconds since run()
  bool returned = false, gone_before_return = false, done = false;
  {
    Recovery r(&loop, nullptr);
    auto t0 = std::chrono::steady_clock::now();
    r.run(
        {slow.record, fast.record, gone.record},
        [&](const std::vector<RecoveryOutcome>&) { done = true; },
        [&](const RecoveryOutcome& o) {
          double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          order.emplace_back(o.record.name, t);
          if (o.record.pid == gone.pid) gone_before_return = !returned;
          // The fast one is done: end the slow one by pid so that the test stays short.
          if (o.record.pid == fast.pid) ::kill(slow.pid, SIGKILL);
          CHECK_FALSE(done);
        });
    returned = true;
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  CHECK(uv_loop_close(&loop) == 0);
  CHECK(done);
  CHECK(gone_before_return);  // nothing alive: reported at once
  REQUIRE(order.size() == 3);
  // gone and fast (in either order: fast may die within run() too), then slow.
  CHECK(order[2].first == slow.record.name);
  for (int i = 0; i < 2; ++i) {
    CHECK(order[i].first != slow.record.name);
    CHECK(order[i].second < 60);  // not held up by the slow one's 120 s
  }
  cleanup();
}

TEST_CASE("close() abandons the work and closes every handle") {
  Child c = spawn_child({"ignore-term"}, 30);
  uv_loop_t loop;
  uv_loop_init(&loop);
  bool done = false, closed = false;
  {
    Recovery r(&loop, nullptr);
    bool instance_done = false;
    r.run(
        {c.record}, [&](const std::vector<RecoveryOutcome>&) { done = true; },
        [&](const RecoveryOutcome&) { instance_done = true; });
    r.close([&] { closed = true; });
    CHECK_FALSE(instance_done);  // abandoned work starts nothing
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  CHECK(closed);
  CHECK_FALSE(done);
  CHECK(uv_loop_close(&loop) == 0);
  cleanup();
}
