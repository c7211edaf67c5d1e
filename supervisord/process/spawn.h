// spawn.h — fork/exec of one process (see docs/ARCHITECTURE.md): the parent-side
// pre-check with Supervisor's spawnerr texts, and the fork itself. Everything the child
// needs (argv, envp, paths, group list, error texts) is prepared before fork; the child
// makes only async-signal-safe calls. Owns no libuv handle and never calls waitpid (the
// reaper does). Must not depend on: uv.h, fsm, process, the Supervisor object.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/faults.h"
#include "common/result.h"
#include "supervisord/config/model.h"

namespace cgroup {
class Manager;
}

namespace spawn {

class Spawner;

// What supervisord adds to every child's environment, beyond its own environ, and who
// makes the children.
struct SpawnContext {
  std::string server_url;  // SUPERVISOR_SERVER_URL; "" = none (no HTTP server)
  std::vector<std::pair<std::string, std::string>>
      supervisord_environment;  // [supervisord] environment=
  // loglevel=debug: the daemon log shows every chunk of output, so no channel goes nowhere.
  bool output_to_daemon_log = false;
  // Who forks and signals; null = the real one (real_spawner()). Not owned: it outlives
  // every Process given this context. Unit tests pass a fake (no fork).
  Spawner* spawner = nullptr;
  // Extension: each start in its own cgroup when this is contained. Not owned; null = no.
  cgroup::Manager* cgroups = nullptr;

  bool operator==(const SpawnContext&) const = default;
};

// The switch to `user=` in the child: setgroups(groups), setgid(gid), setuid(uid).
struct UserSwitch {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // primary gid first, then every group listing the user
  bool allowed = true;        // false: supervisord is not root (child reports it and exits)
};

// The exec, fully prepared in the parent.
struct ExecPlan {
  std::string process_name;
  std::string filename;  // resolved through PATH
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::optional<std::string> directory;
  std::optional<mode_t> umask;
  std::optional<UserSwitch> user;  // absent: keep supervisord's uid
  bool redirect_stderr = false;
  // A channel whose output goes nowhere (logfile NONE, no syslog, no events, no capture)
  // gets /dev/null instead of a pipe: a file descriptor less in the daemon per process.
  bool stdout_null = false;
  bool stderr_null = false;
  // stdin on demand (every program but event listeners, whose stdin is written at once):
  // the child's fd 0 is the pipe opened read-write, so its reads block as under
  // Supervisor (a writer exists), and the daemon keeps no end of it. The first
  // sendProcessStdin opens the pipe again through /proc/PID/fd/0 (see Child::stdin_ino).
  bool stdin_on_demand = false;
  // Extension (socket=): a listening socket passed as fd 3. With it, env gets LISTEN_FDS=1
  // and LISTEN_PID=<the child's pid> (written in the child, the pid is known only there).
  int listen_fd = -1;
  // Extension (cgroups): the instance's cgroup.procs; the child moves itself there (writes
  // "0") before anything else of it runs. "" = stay in supervisord's cgroup.
  std::string cgroup_procs;
};

// The children get default signal dispositions (SIGPIPE and SIGXFSZ ignored) by changing
// those the daemon's differ in, read at the first spawn: call this after changing one.
void refresh_signal_dispositions();

// Adds `key=value` to plan.env, replacing an existing key.
void set_env(ExecPlan& plan, const std::string& key, const std::string& value);

// Pre-check (parse, PATH search, stat) and environment. Errors carry Supervisor's
// spawnerr texts: "can't find command 'x'", "command at '/x' is a directory", ...
// `parent_environ` is supervisord's environ (null-terminated), passed in for testing.
Result<ExecPlan> prepare(const config::ProcessConfig& config, const SpawnContext& context,
                         char* const* parent_environ);

// startProcess's fault for a pre-check error, as Supervisor's: NO_FILE for a missing
// command, NOT_EXECUTABLE for the others.
Fault precheck_fault(std::string_view spawnerr);

// The parent ends of the child's pipes: non-blocking, close-on-exec. stdout_fd/stderr_fd
// are -1 for a channel that goes to /dev/null (stderr also when redirected to stdout).
// stdin_fd is -1 when stdin is on demand: stdin_ino then names the pipe, to be sure that
// /proc/PID/fd/0 is still it when the first write opens it.
struct Child {
  pid_t pid = 0;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  ino_t stdin_ino = 0;
};

// ": out of file descriptors (RLIMIT_NOFILE soft N, hard M): raise ...": the limits and
// how to raise them, appended to "too many open files" errors.
std::string fd_limit_hint();
// Whether a spawn error is that one (the daemon ran out of descriptors).
bool out_of_fds(std::string_view spawn_error);

// Opens the write side of the pipe that is fd 0 of `pid` (O_NONBLOCK, O_CLOEXEC) if it is
// still the pipe `ino`; -errno otherwise (-ENOENT when fd 0 is something else now).
int open_stdin_of(pid_t pid, ino_t ino);

// Pipes + fork + exec. The child leads its own process group (setpgid(0,0)). Errors are
// Supervisor's parent-side texts ("too many open files to spawn 'x'", ...); child-side
// failures arrive later as exit status 127 with `supervisor: ...` lines on its stderr.
Result<Child> fork_exec(const ExecPlan& plan);

// The seam between a Process and the kernel: every child it makes and every signal it
// sends (kill, killpg, the kill(-pgid, 0) probe of a draining group) goes through one.
// The real one forks and calls kill(2); a test's fake hands out pids of its own.
class Spawner {
 public:
  virtual ~Spawner() = default;
  virtual Result<Child> spawn(const ExecPlan& plan) { return fork_exec(plan); }
  // As kill(2): 0, or -1 with errno set.
  virtual int kill(pid_t pid, int sig);
};

// The real spawner (fork_exec and kill(2)); one per process, never destroyed.
Spawner& real_spawner();

}  // namespace spawn
