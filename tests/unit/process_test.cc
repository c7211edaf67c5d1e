// process_test.cc — Process + spawn + reaper against real children from testchild: one test
// per important arc. The loop runs until a condition holds, with a deadline; every child is
// killed by pid / pgid and reaped before the test ends.
#include "supervisord/process/process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#ifndef TESTCHILD
#error "TESTCHILD (path of the testchild binary) must be defined by the build"
#endif

using S = ProcessState;

namespace {

bool alive(pid_t pid) {
  // A zombie still "exists" for kill(); /proc/<pid>/stat says Z. Reaped = gone.
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = fopen(path, "r");
  if (!f) return false;
  int ignored_pid = 0;
  char comm[256], state = '?';
  int n = fscanf(f, "%d %255s %c", &ignored_pid, comm, &state);
  fclose(f);
  return n == 3 && state != 'Z';
}

bool exists(pid_t pid) {
  return kill(pid, 0) == 0 || errno == EPERM;
}

std::shared_ptr<config::ProcessConfig> make_config(std::string command) {
  auto c = std::make_shared<config::ProcessConfig>();
  c->name = "child_00";
  c->group = "child";
  c->command = std::move(command);
  return c;
}

std::string child(std::string args) {
  return std::string(TESTCHILD) + " " + args;
}

struct Harness {
  uv_loop_t loop;
  std::unique_ptr<Reaper> reaper;
  std::unique_ptr<Process> proc;
  std::vector<std::pair<S, S>> changes;
  std::vector<std::pair<int, std::string>> logs;
  std::string out, err;
  std::set<pid_t> pids;  // every master and worker seen, for cleanup
  std::function<void(S, S)> on_change;

  Harness() {
    uv_loop_init(&loop);
    // Orphaned workers come back to us, as to supervisord.
    REQUIRE(Reaper::become_subreaper().ok());
    reaper = std::make_unique<Reaper>(&loop);
    REQUIRE(reaper->start().ok());
  }

  Process& make(std::shared_ptr<config::ProcessConfig> cfg, spawn::SpawnContext ctx = {}) {
    Process::Hooks hooks;
    hooks.on_state_change = [this](Process& p, S from, S to) {
      changes.emplace_back(from, to);
      if (p.pid() > 0) pids.insert(p.pid());
      if (on_change) on_change(from, to);
    };
    hooks.on_output = [this](Process&, bool is_stderr, std::string_view bytes) {
      (is_stderr ? err : out).append(bytes);
      std::istringstream lines{std::string(bytes)};
      for (std::string line; std::getline(lines, line);)
        if (line.rfind("worker ", 0) == 0) pids.insert(std::stoi(line.substr(7)));
    };
    hooks.on_log = [this](int level, std::string text) {
      if (text.rfind("spawned: ", 0) == 0) pids.insert(std::stoi(text.substr(text.rfind(' ') + 1)));
      logs.emplace_back(level, std::move(text));
    };
    proc = std::make_unique<Process>(&loop, *reaper, std::move(cfg),
                                     std::make_shared<const spawn::SpawnContext>(std::move(ctx)),
                                     std::move(hooks));
    return *proc;
  }

  // Runs the loop until pred() holds or the deadline passes; returns pred().
  template <class Pred>
  bool run_until(Pred pred, int deadline_ms = 10000) {
    bool expired = false;
    uv_timer_t deadline;
    uv_timer_init(&loop, &deadline);
    deadline.data = &expired;
    uv_timer_start(
        &deadline, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; },
        static_cast<uint64_t>(deadline_ms), 0);
    while (!pred() && !expired) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);  // let the close callback run before `deadline` goes
    return pred();
  }

  int count(S to) const {
    return static_cast<int>(
        std::count_if(changes.begin(), changes.end(), [&](auto c) { return c.second == to; }));
  }
  bool has_log(std::string_view text) const {
    return std::any_of(logs.begin(), logs.end(), [&](auto& l) { return l.second == text; });
  }
  bool ready() const { return out.find("ready\n") != std::string::npos; }
  std::vector<pid_t> workers() const {
    std::vector<pid_t> w;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("worker ", 0) == 0) w.push_back(std::stoi(line.substr(7)));
    return w;
  }

  ~Harness() {
    // No respawn of what the kill below ends (autorestart would start a new group).
    if (proc) proc->shutdown();
    if (proc && proc->pgid() > 0) kill(-proc->pgid(), SIGKILL);
    for (pid_t p : pids) {
      kill(-p, SIGKILL);  // a master leads its group
      kill(p, SIGKILL);
    }
    run_until([&] { return std::none_of(pids.begin(), pids.end(), exists); }, 5000);
    if (proc) proc->close([] {});
    reaper->close([] {});
    uv_run(&loop, UV_RUN_DEFAULT);
    proc.reset();
    reaper.reset();
    CHECK(uv_loop_close(&loop) == 0);
  }
};

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("spawn_to_running_after_startsecs_then_stop_with_term") {
  Harness h;
  auto cfg = make_config(child("sleep"));
  cfg->startsecs = 1;
  Process& p = h.make(cfg);
  int64_t t0 = steady_ms();
  REQUIRE(p.start().ok());
  CHECK(p.state() == S::Starting);
  CHECK(p.pid() > 0);
  CHECK(getpgid(p.pid()) == p.pid());  // leads its own process group
  REQUIRE(h.run_until([&] { return p.state() == S::Running; }));
  CHECK(steady_ms() - t0 >= cfg->startsecs * 1000);
  CHECK(
      h.has_log("success: child_00 entered RUNNING state, process has stayed up for > than 1 "
                "seconds (startsecs)"));
  CHECK(p.description(p.start_time() + 8) == "pid " + std::to_string(p.pid()) + ", uptime 0:00:08");
  CHECK(p.start().fault == Fault::AlreadyStarted);

  pid_t pid = p.pid();
  REQUIRE(p.stop().ok());
  CHECK(p.state() == S::Stopping);
  REQUIRE(h.run_until([&] { return p.state() == S::Stopped; }));
  CHECK(!alive(pid));
  CHECK(h.has_log("stopped: child_00 (terminated by SIGTERM)"));
  CHECK(p.exitstatus() == -1);
  CHECK(p.stop().fault == Fault::NotRunning);
}

TEST_CASE("early_exit_goes_backoff_then_fatal_after_startretries") {
  Harness h;
  auto cfg = make_config(child("exit 0"));
  cfg->startsecs = 1;
  cfg->startretries = 1;
  Process& p = h.make(cfg);
  p.autostart();
  REQUIRE(h.run_until([&] { return p.state() == S::Fatal; }));
  CHECK(h.count(S::Starting) == cfg->startretries + 1);
  CHECK(h.count(S::Backoff) == cfg->startretries + 1);
  CHECK(h.count(S::Fatal) == 1);
  CHECK(h.has_log("exited: child_00 (exit status 0; not expected)"));
  CHECK(h.has_log("gave up: child_00 entered FATAL state, too many start retries too quickly"));
  CHECK(p.spawnerr() == "Exited too quickly (process log may have details)");
  CHECK(p.description(0) == "Exited too quickly (process log may have details)");
}

TEST_CASE("autorestart_unexpected_restarts_on_unexpected_exit_only") {
  Harness h;
  auto cfg = make_config(child("exit 3 100"));
  cfg->startsecs = 0;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return h.count(S::Exited) >= 2; }));
  CHECK(h.has_log("exited: child_00 (exit status 3; not expected)"));
  CHECK(h.count(S::Starting) >= 2);
  REQUIRE(p.stop().ok());
  REQUIRE(h.run_until([&] { return is_stopped_state(p.state()); }));

  Harness e;
  auto ok_cfg = make_config(child("exit 0 100"));
  ok_cfg->startsecs = 0;
  Process& q = e.make(ok_cfg);
  REQUIRE(q.start().ok());
  REQUIRE(e.run_until([&] { return q.state() == S::Exited; }));
  CHECK(e.has_log("exited: child_00 (exit status 0; expected)"));
  CHECK(e.count(S::Starting) == 1);
  CHECK(q.expected());
}

TEST_CASE("stop_of_a_term_ignoring_child_escalates_to_sigkill") {
  Harness h;
  auto cfg = make_config(child("ignore-term"));
  cfg->startsecs = 1;  // RUNNING means the child has installed SIG_IGN
  cfg->stopwaitsecs = 1;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Running; }));
  pid_t pid = p.pid();
  int64_t t0 = steady_ms();
  REQUIRE(p.stop().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Stopped; }));
  CHECK(steady_ms() - t0 >= cfg->stopwaitsecs * 1000);
  CHECK(h.has_log("killing 'child_00' (" + std::to_string(pid) + ") with SIGKILL"));
  CHECK(h.has_log("stopped: child_00 (terminated by SIGKILL)"));
}

TEST_CASE("stopasgroup_stops_master_and_workers") {
  Harness h;
  auto cfg = make_config(child("workers 2"));
  cfg->startsecs = 0;
  cfg->stopasgroup = cfg->killasgroup = true;
  cfg->reap_group = false;  // Supervisor's own mechanism, alone
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return h.ready(); }));
  auto workers = h.workers();
  REQUIRE(workers.size() == 2);
  REQUIRE(p.stop().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Stopped; }));
  REQUIRE(h.run_until([&] { return std::none_of(workers.begin(), workers.end(), alive); }));
}

TEST_CASE("spawn_precheck_errors_have_supervisors_texts") {
  char dir[] = "/tmp/process_test_XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string plain = std::string(dir) + "/plain";
  close(open(plain.c_str(), O_CREAT | O_WRONLY, 0644));
  auto text = [](std::string command) {
    auto r = spawn::prepare(*make_config(std::move(command)), {}, environ);
    return r.ok() ? std::string("ok") : r.error();
  };
  CHECK(text("/nonexistent/bin") == "can't find command '/nonexistent/bin'");
  CHECK(text("no_such_command_xyz --x") == "can't find command 'no_such_command_xyz'");
  CHECK(text(dir) == "command at '" + std::string(dir) + "' is a directory");
  CHECK(text(plain) == "command at '" + plain + "' is not executable");
  CHECK(text("   ") == "command is empty");
  CHECK(text("sh -c 'unbalanced").rfind("can't parse command \"sh -c 'unbalanced\": ", 0) == 0);
  CHECK(spawn::precheck_fault("can't find command 'x'") == Fault::NoFile);
  CHECK(spawn::precheck_fault("command at '/' is a directory") == Fault::NotExecutable);
  unlink(plain.c_str());
  rmdir(dir);

  Harness h;
  Process& p = h.make(make_config("/nonexistent/bin"));
  CommandStatus s = p.start();
  CHECK(s.fault == Fault::NoFile);
  CHECK(s.detail == "can't find command '/nonexistent/bin'");
  CHECK(p.state() == S::Stopped);
}

TEST_CASE("spawn_failure_at_autostart_goes_backoff_then_fatal_with_the_error") {
  Harness h;
  auto cfg = make_config("/nonexistent/bin");
  cfg->startretries = 0;
  Process& p = h.make(cfg);
  p.autostart();
  CHECK(p.state() == S::Fatal);
  CHECK(p.spawnerr() == "can't find command '/nonexistent/bin'");
  CHECK(h.has_log("spawnerr: can't find command '/nonexistent/bin'"));
  CHECK(h.changes == std::vector<std::pair<S, S>>{{S::Stopped, S::Starting},
                                                  {S::Starting, S::Backoff},
                                                  {S::Backoff, S::Fatal}});
}

TEST_CASE("child_side_chdir_failure_reports_on_stderr_and_exits_127") {
  Harness h;
  auto cfg = make_config(child("sleep"));
  cfg->directory = "/nonexistent_dir_xyz";
  cfg->startretries = 0;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Fatal; }));
  CHECK(h.err ==
        "supervisor: couldn't chdir to /nonexistent_dir_xyz: ENOENT\n"
        "supervisor: child process was not spawned\n");
  CHECK(h.has_log("exited: child_00 (exit status 127; not expected)"));
}

TEST_CASE("child_environment_has_supervisor_variables_then_supervisord_then_program") {
  Harness h;
  auto cfg = make_config(child("env"));
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::False;
  cfg->environment = {{"B", "program"}, {"C", "c"}};
  spawn::SpawnContext ctx;
  ctx.server_url = "unix:///tmp/supervisor.sock";
  ctx.supervisord_environment = {{"A", "daemon"}, {"B", "daemon"}};
  Process& p = h.make(cfg, ctx);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until(
      [&] { return p.state() == S::Exited && h.out.find("C=c\n") != std::string::npos; }));
  for (std::string line :
       {"SUPERVISOR_ENABLED=1", "SUPERVISOR_SERVER_URL=unix:///tmp/supervisor.sock",
        "SUPERVISOR_PROCESS_NAME=child_00", "SUPERVISOR_GROUP_NAME=child", "A=daemon", "B=program",
        "C=c"})
    CHECK(h.out.find("\n" + line + "\n") != std::string::npos);
  CHECK(h.out.find("\nB=daemon\n") == std::string::npos);
}

TEST_CASE("program_serverurl_replaces_the_daemons_and_empty_means_none") {
  spawn::SpawnContext ctx;
  ctx.server_url = "unix:///tmp/supervisor.sock";
  for (auto [own, expect] : std::vector<std::pair<std::optional<std::string>, std::string>>{
           {std::nullopt, "\nSUPERVISOR_SERVER_URL=unix:///tmp/supervisor.sock\n"},
           {"http://127.0.0.1:9001", "\nSUPERVISOR_SERVER_URL=http://127.0.0.1:9001\n"},
           {"", ""}}) {
    Harness h;
    auto cfg = make_config(child("env"));
    cfg->startsecs = 0;
    cfg->autorestart = config::Autorestart::False;
    cfg->serverurl = own;
    cfg->environment = {{"LAST", "1"}};
    Process& p = h.make(cfg, ctx);
    REQUIRE(p.start().ok());
    REQUIRE(h.run_until(
        [&] { return p.state() == S::Exited && h.out.find("LAST=1\n") != std::string::npos; }));
    if (expect.empty())
      CHECK(h.out.find("SUPERVISOR_SERVER_URL=") == std::string::npos);
    else
      CHECK(h.out.find(expect) != std::string::npos);
  }
}

TEST_CASE("child_gets_clean_signals_fds_cwd_and_umask") {
  Harness h;
  auto cfg = make_config(child("sigstate"));
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::False;
  // Ignored in the daemon (an ignored disposition survives execve): default in the child,
  // also when it was default at an earlier spawn (the list of changes is read again; run
  // alone, this case makes the first spawn of the binary, so a stale list shows).
  struct sigaction old_term {
  }, old_pipe{}, dfl{}, ign{};
  dfl.sa_handler = SIG_DFL;
  ign.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &dfl, &old_term);
  sigaction(SIGPIPE, &dfl, &old_pipe);
  for (const struct sigaction* term : {&dfl, &ign}) {
    sigaction(SIGTERM, term, nullptr);
    spawn::refresh_signal_dispositions();
    Harness g;
    Process& q = g.make(cfg);
    REQUIRE(q.start().ok());
    REQUIRE(g.run_until(
        [&] { return q.state() == S::Exited && g.out.find("blocked=") != std::string::npos; }));
    CHECK(g.out == "SIGPIPE=ignored\nSIGXFSZ=ignored\nSIGTERM=default\nblocked=0\n");
  }
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  spawn::refresh_signal_dispositions();

  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until(
      [&] { return p.state() == S::Exited && h.out.find("blocked=") != std::string::npos; }));
  CHECK(h.out == "SIGPIPE=ignored\nSIGXFSZ=ignored\nSIGTERM=default\nblocked=0\n");

  Harness f;
  auto fds_cfg = make_config(child("fds"));
  fds_cfg->startsecs = 0;
  fds_cfg->autorestart = config::Autorestart::False;
  Process& q = f.make(fds_cfg);
  REQUIRE(q.start().ok());
  REQUIRE(
      f.run_until([&] { return q.state() == S::Exited && f.out.find('\n') != std::string::npos; }));
  CHECK(f.out == "0 1 2\n");

  Harness d;
  auto ids_cfg = make_config(child("ids"));
  ids_cfg->startsecs = 0;
  ids_cfg->autorestart = config::Autorestart::False;
  ids_cfg->directory = "/tmp";
  ids_cfg->umask = 027;
  Process& r = d.make(ids_cfg);
  REQUIRE(r.start().ok());
  REQUIRE(d.run_until(
      [&] { return r.state() == S::Exited && d.out.find("groups=") != std::string::npos; }));
  CHECK(d.out.rfind("cwd=/tmp\numask=027\n", 0) == 0);
}

TEST_CASE("output_of_stdout_and_stderr_reaches_the_hook_and_redirect_merges") {
  Harness h;
  auto cfg = make_config(child("spew 100000 both"));
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::False;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until(
      [&] { return p.state() == S::Exited && h.out.size() == 100000 && h.err.size() == 100000; }));

  Harness r;
  auto merged = make_config(child("spew 1000 both"));
  merged->startsecs = 0;
  merged->autorestart = config::Autorestart::False;
  merged->redirect_stderr = true;
  Process& q = r.make(merged);
  REQUIRE(q.start().ok());
  REQUIRE(r.run_until([&] { return q.state() == S::Exited && r.out.size() == 2000; }));
  CHECK(r.err.empty());
}

TEST_CASE("no_orphans_master_killed_with_workers_drains_the_group_before_restart") {
  Harness h;
  auto cfg = make_config(child("workers 3"));
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::True;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return h.ready(); }));
  auto workers = h.workers();
  REQUIRE(workers.size() == 3);
  pid_t master = p.pid();
  // At the moment of the restart, none of the old workers may be alive.
  int alive_at_restart = -1;
  h.on_change = [&](S from, S to) {
    if (from == S::Exited && to == S::Starting)
      alive_at_restart = static_cast<int>(std::count_if(workers.begin(), workers.end(), exists));
  };
  kill(master, SIGKILL);
  REQUIRE(h.run_until([&] { return alive_at_restart >= 0; }));
  CHECK(alive_at_restart == 0);
  auto drained = std::vector<std::pair<S, S>>{
      {S::Running, S::Stopping}, {S::Stopping, S::Exited}, {S::Exited, S::Starting}};
  CHECK(std::search(h.changes.begin(), h.changes.end(), drained.begin(), drained.end()) !=
        h.changes.end());
  CHECK(h.has_log("exited: child_00 (terminated by SIGKILL; not expected)"));
  REQUIRE(p.stop().ok());
  REQUIRE(h.run_until([&] { return is_stopped_state(p.state()); }));
}

TEST_CASE("no_orphans_term_ignoring_workers_get_sigkill_to_the_group") {
  Harness h;
  auto cfg = make_config(child("workers 2 ignore-term"));
  cfg->startsecs = 0;
  cfg->stopwaitsecs = 1;
  cfg->autorestart = config::Autorestart::False;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return h.ready(); }));
  auto workers = h.workers();
  pid_t master = p.pid();
  kill(master, SIGKILL);
  REQUIRE(h.run_until([&] { return p.state() == S::Exited; }));
  CHECK(std::none_of(workers.begin(), workers.end(), exists));
  CHECK(h.has_log("killing 'child_00' (" + std::to_string(master) + ") with SIGKILL"));
}

TEST_CASE("reap_group_false_leaves_workers_running_as_supervisor_does") {
  Harness h;
  auto cfg = make_config(child("workers 2"));
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::False;
  cfg->reap_group = false;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return h.ready(); }));
  auto workers = h.workers();
  kill(p.pid(), SIGKILL);
  REQUIRE(h.run_until([&] { return p.state() == S::Exited; }));
  CHECK(std::count_if(workers.begin(), workers.end(), alive) == 2);
  CHECK(h.changes.back() == std::pair<S, S>{S::Running, S::Exited});
}

TEST_CASE("write_stdin_and_signal_are_refused_when_not_running") {
  Harness h;
  Process& p = h.make(make_config(child("sleep")));
  CHECK(p.write_stdin("x").fault == Fault::NotRunning);
  CHECK(p.signal(SIGHUP).fault == Fault::NotRunning);
  REQUIRE(p.start().ok());
  CHECK(p.write_stdin("hello\n").ok());
  CHECK(p.signal(SIGCONT).ok());
}

TEST_CASE("description_texts_match_supervisor") {
  CHECK(format_uptime(8) == "0:00:08");
  CHECK(format_uptime(86400 + 2 * 3600 + 3 * 60 + 4) == "1 day, 2:03:04");
  CHECK(format_uptime(2 * 86400 + 1) == "2 days, 0:00:01");
  CHECK(format_uptime(23 * 3600 + 59 * 60 + 59) == "23:59:59");
  CHECK(format_uptime(400 * 86400 + 10 * 3600) == "400 days, 10:00:00");
  CHECK(format_uptime(-5) == "0:00:00");
  CHECK(process_description(S::Stopped, 0, 0, 0, 100, "", "x") == "Not started");
  CHECK(process_description(S::Fatal, 0, 5, 6, 100, "", "x") == "unknown error (try \"tail x\")");
  CHECK(process_description(S::Starting, 9, 5, 0, 100, "", "x").empty());
  // Stop time in local time, as %b %d %I:%M %p.
  time_t t = 1700000000;
  struct tm tm;
  localtime_r(&t, &tm);
  char want[64];
  strftime(want, sizeof want, "%b %d %I:%M %p", &tm);
  CHECK(process_description(S::Exited, 0, 1, t, t + 5, "", "x") == want);
}

namespace {

// How many of this process's descriptors are the pipe `ino`.
int pipe_ends_held(ino_t ino) {
  int n = 0;
  const std::string want = "pipe:[" + std::to_string(ino) + "]";
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(e.path(), ec).string() == want) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("stdin_is_opened_on_the_first_write_and_the_child_waits_until_then") {
  Harness h;
  auto cfg = make_config("/bin/sh -c 'read line; echo got:$line'");
  cfg->startsecs = 0;
  cfg->autorestart = config::Autorestart::False;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Running; }));
  struct stat st {};
  REQUIRE(::stat(("/proc/" + std::to_string(p.pid()) + "/fd/0").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(pipe_ends_held(st.st_ino) == 0);  // the daemon keeps no end of the child's stdin
  // Its read waits (a writer exists: its own fd 0), it does not see end of file.
  CHECK_FALSE(h.run_until([&] { return p.state() != S::Running; }, 200));
  REQUIRE(p.write_stdin("hi\n").ok());
  CHECK(pipe_ends_held(st.st_ino) == 1);
  REQUIRE(h.run_until([&] { return p.state() == S::Exited && h.out == "got:hi\n"; }));
  CHECK(pipe_ends_held(st.st_ino) == 0);  // gone with the process
}

TEST_CASE("a_channel_that_goes_nowhere_is_dev_null_without_a_pipe") {
  Harness h;
  auto cfg = make_config("/bin/sh -c 'echo out; echo err >&2; exec sleep 100'");
  cfg->startsecs = 0;
  cfg->stdout_log.file.kind = values::LogfileName::Kind::None;
  cfg->stderr_log.file.kind = values::LogfileName::Kind::None;
  Process& p = h.make(cfg);
  REQUIRE(p.start().ok());
  REQUIRE(h.run_until([&] { return p.state() == S::Running; }));
  const std::string fd = "/proc/" + std::to_string(p.pid()) + "/fd/";
  REQUIRE(h.run_until([&] {
    std::error_code ec;
    return std::filesystem::read_symlink(fd + "1", ec) == "/dev/null" &&
           std::filesystem::read_symlink(fd + "2", ec) == "/dev/null";
  }));
  CHECK(h.out.empty());
  CHECK(h.err.empty());

  Harness d;  // at loglevel=debug the daemon log shows output: pipes again
  spawn::SpawnContext ctx;
  ctx.output_to_daemon_log = true;
  Process& q = d.make(cfg, ctx);
  REQUIRE(q.start().ok());
  REQUIRE(d.run_until([&] { return d.out == "out\n" && d.err == "err\n"; }));
}

TEST_CASE("a_held_unix_socket_is_bound_once_and_unlinked_at_close") {
  std::string path = "/tmp/process_test_" + std::to_string(getpid()) + ".sock";
  ::unlink(path.c_str());
  {
    Harness h;
    auto cfg = make_config("/bin/sh -c 'exec sleep 100'");
    cfg->startsecs = 0;
    cfg->listen_socket = "unix://" + path;
    Process& p = h.make(cfg);
    REQUIRE(p.start().ok());
    REQUIRE(h.run_until([&] { return p.state() == S::Running; }));
    struct stat st {};
    REQUIRE(lstat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    // The child got it as fd 3 (sd_listen_fds).
    std::error_code ec;
    CHECK(std::filesystem::read_symlink("/proc/" + std::to_string(p.pid()) + "/fd/3", ec)
              .string()
              .rfind("socket:", 0) == 0);
  }
  struct stat st {};
  CHECK(lstat(path.c_str(), &st) != 0);  // the Harness closed the Process: path removed
}
