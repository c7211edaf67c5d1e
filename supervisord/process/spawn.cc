// spawn.cc — pre-check, environment, fork/exec. After fork() the child only touches memory
// prepared here and calls async-signal-safe functions (dup2, setpgid, sigaction, close,
// open, setgroups, setgid, setuid, chdir, umask, execve, write, _exit).
#include "supervisord/process/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "common/pystr.h"
#include "common/values.h"

namespace spawn {

Fault precheck_fault(std::string_view spawnerr) {
  return spawnerr.starts_with("can't find command") ? Fault::NoFile : Fault::NotExecutable;
}

namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// dict.update(): a repeated key keeps its place and takes the new value.
void put(Env& env, const std::string& key, const std::string& value) {
  for (auto& kv : env)
    if (kv.first == key) {
      kv.second = value;
      return;
    }
  env.emplace_back(key, value);
}

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t colon = p.find(':', start);
    out.push_back(p.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

// As Supervisor: PATH from the config environment if it sets PATH, else supervisord's
// $PATH if non-empty, else /bin:/usr/bin:/usr/local/bin.
std::vector<std::string> search_path(const config::ProcessConfig& config,
                                     const SpawnContext& context, const Env& parent) {
  std::optional<std::string> configured;
  for (const auto& kv : context.supervisord_environment)
    if (kv.first == "PATH") configured = kv.second;
  for (const auto& kv : config.environment)
    if (kv.first == "PATH") configured = kv.second;
  if (configured) return split_path(*configured);
  for (const auto& kv : parent)
    if (kv.first == "PATH" && !kv.second.empty()) return split_path(kv.second);
  return {"/bin", "/usr/bin", "/usr/local/bin"};
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

Result<UserSwitch> prepare_user(const values::UserId& user) {
  UserSwitch u;
  u.uid = user.uid;
  u.gid = user.gid;
  u.allowed = getuid() == 0;
  // initgroups() equivalent, done here because getgrouplist reads files (not fork-safe).
  u.groups.push_back(user.gid);
  if (!user.name.empty()) {
    int n = 64;
    std::vector<gid_t> list(n);
    while (getgrouplist(user.name.c_str(), user.gid, list.data(), &n) < 0) list.resize(n);
    list.resize(n);
    for (gid_t g : list)
      if (std::find(u.groups.begin(), u.groups.end(), g) == u.groups.end()) u.groups.push_back(g);
  }
  return u;
}

const char* errno_name(int e) {
  const char* n = strerrorname_np(e);  // a pointer into a static table: safe after fork
  return n ? n : "EUNKNOWN";
}

// ---- the child -------------------------------------------------------------------------

void put_str(const char* s) {
  ssize_t ignored = write(2, s, strlen(s));
  (void)ignored;
}

[[noreturn]] void child_fail(const char* prefix, const char* detail) {
  put_str("supervisor: ");
  put_str(prefix);
  put_str(detail);
  put_str("\n");
  put_str("supervisor: child process was not spawned\n");
  _exit(127);
}

void move_fd(int from, int to) {
  if (from == to) {
    int flags = fcntl(to, F_GETFD);
    fcntl(to, F_SETFD, flags & ~FD_CLOEXEC);
  } else {
    dup2(from, to);
  }
}

// The signals whose disposition the child must change before exec, and to what: those
// that are not SIG_DFL in the daemon (its handlers, what it inherited ignored), and SIGPIPE
// and SIGXFSZ, which the child keeps ignored. Read at the first spawn, by when the daemon
// has installed its handlers (run/daemon.cc does so before anything starts), and again by
// refresh_signal_dispositions(): 2-8 calls in the child instead of one per signal (64
// sigactions were ~0.2 ms of each respawn on this VM, ~3.5 us each).
struct SignalChanges {
  bool read = false;
  int count = 0;
  int sig[NSIG];
  bool ignore[NSIG];
};

SignalChanges signal_list;

const SignalChanges& signal_changes() {
  SignalChanges& c = signal_list;
  if (c.read) return c;
  c.read = true;
  c.count = 0;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction now;
    if (sigaction(sig, nullptr, &now) != 0) continue;  // glibc's own (32, 33)
    bool ignore = sig == SIGPIPE || sig == SIGXFSZ;
    bool caught = (now.sa_flags & SA_SIGINFO) != 0;
    if (!caught && now.sa_handler == (ignore ? SIG_IGN : SIG_DFL)) continue;
    c.sig[c.count] = sig;
    c.ignore[c.count] = ignore;
    ++c.count;
  }
  return c;
}

struct ChildArgs {
  const ExecPlan* plan;
  char* const* argv;
  char* const* envp;
  int in, out, err;                  // child ends
  int listen_fd;                     // -1 = none; becomes fd 3
  char* listen_pid;                  // the digits of "LISTEN_PID=..." in envp, or null
  const std::vector<int>* open_fds;  // fallback for close_range
  const SignalChanges* signals;
  // > 0: the child shares our fd table (CLONE_FILES) and first unshares it keeping only
  // the fds below this one (where in/out/err/listen_fd were put). 0: it has its own copy.
  int unshare_below = 0;
  bool in_cgroup = false;  // cloned straight into plan->cgroup_procs' cgroup (clone3)
  std::string setuid_prefix;
  std::string chdir_prefix;
  std::string exec_prefix;
  std::string cgroup_prefix;
};

[[noreturn]] void run_child(const ChildArgs& a) {
  const ExecPlan& p = *a.plan;
  // Our own fd table, holding only fds 0 .. unshare_below-1: nothing before this line may
  // touch a descriptor (the table is still the parent's).
  if (a.unshare_below > 0 &&
      close_range(static_cast<unsigned>(a.unshare_below), ~0U, CLOSE_RANGE_UNSHARE) != 0)
    child_fail(a.exec_prefix.c_str(), errno_name(errno));
  // Own process group: signals to supervisord's group (Ctrl-C) do not reach the child,
  // and the instance's workers can be found and killed as -pgid.
  setpgid(0, 0);
  move_fd(a.in, 0);
  move_fd(a.out, 1);
  move_fd(p.redirect_stderr ? a.out : a.err, 2);
  int first_closed = 3;
  if (a.listen_fd >= 0) {  // socket activation: fd 3, LISTEN_PID = our pid
    move_fd(a.listen_fd, 3);
    first_closed = 4;
    if (a.listen_pid) {
      char digits[16];
      int n = 0;
      for (unsigned v = static_cast<unsigned>(getpid()); v; v /= 10)
        digits[n++] = static_cast<char>('0' + v % 10);
      for (int i = 0; i < n; ++i) a.listen_pid[i] = digits[n - 1 - i];
      a.listen_pid[n] = '\0';
    }
  }
  if (close_range(static_cast<unsigned>(first_closed), ~0U, 0) != 0)
    for (int fd : *a.open_fds)  // kernels before 5.9: the list the parent made
      if (fd >= first_closed) close(fd);
  // Into the instance's cgroup before the exec: nothing of the program ever runs outside it.
  if (!p.cgroup_procs.empty() && !a.in_cgroup) {
    int fd = open(p.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) child_fail(a.cgroup_prefix.c_str(), errno_name(errno));
    close(fd);
  }

  // Dispositions: default everywhere, but SIGPIPE and SIGXFSZ stay ignored as Supervisor's
  // children observe (ignored survives exec). Only the signals whose disposition differs
  // from that are touched (signal_changes). Then unblock what the parent blocked around
  // the clone: by now every fd of ours is closed, so a handler installed after the list
  // was made that ran here would find none of its descriptors (execve resets it anyway).
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  for (int i = 0; i < a.signals->count; ++i) {
    sa.sa_handler = a.signals->ignore[i] ? SIG_IGN : SIG_DFL;
    sigaction(a.signals->sig[i], &sa, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  if (p.user) {
    const UserSwitch& u = *p.user;
    if (u.uid != getuid()) {
      if (!u.allowed) child_fail(a.setuid_prefix.c_str(), "Can't drop privilege as nonroot user");
      // Raw system calls: glibc's wrappers would broadcast the change to the threads of the
      // parent, whose memory this child shares until it execs.
      if (syscall(SYS_setgroups, u.groups.size(), u.groups.data()) != 0)
        child_fail(a.setuid_prefix.c_str(), "Could not set groups of effective user");
      if (syscall(SYS_setgid, u.gid) != 0)
        child_fail(a.setuid_prefix.c_str(), "Could not set group id of effective user");
      if (syscall(SYS_setuid, u.uid) != 0) child_fail(a.setuid_prefix.c_str(), errno_name(errno));
    }
  }
  if (p.directory && chdir(p.directory->c_str()) != 0)
    child_fail(a.chdir_prefix.c_str(), errno_name(errno));
  if (p.umask) umask(*p.umask);
  execve(p.filename.c_str(), a.argv, a.envp);
  child_fail(a.exec_prefix.c_str(), errno_name(errno));
}

// AddressSanitizer keeps shadow state for the stack the child runs on, in memory the child
// shares with us; children that exec never unwind their frames, and the next child trips
// over the poison they left. Sanitizer builds fork instead (the clone path runs in every
// other build's tests).
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_WITH_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_WITH_FORK 1
#endif
#endif

// close_range(2) exists from Linux 5.9; before that the parent lists its fds for the child.
bool have_close_range() {
  static const bool yes = close_range(~0U - 1, ~0U, 0) == 0 || errno != ENOSYS;
  return yes;
}

#ifndef SPAWN_WITH_FORK
int child_entry(void* args) {
  run_child(*static_cast<const ChildArgs*>(args));
}

// Copying the fd table at each spawn costs O(open fds): with 10,000 processes (20,000
// pipe ends) the kernel's dup_fd was a third of the daemon's CPU in startAllProcesses
// (perf record). Instead the child shares our table and unshares it itself, keeping only
// the fds below a few low "slots" reserved here at the first spawn, where the parent
// places the child's pipe ends just for the clone.
struct Slots {
  int devnull = -1;
  int fd[4] = {-1, -1, -1, -1};  // stdin, stdout, stderr, listen socket
  int top = 0;                   // 1 + the highest slot
  bool ok = false;
};

Slots& slots() {
  static Slots s = [] {
    Slots r;
    if (!have_close_range()) return r;
    r.devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (r.devnull < 0) return r;
    for (int& f : r.fd) {
      f = fcntl(r.devnull, F_DUPFD_CLOEXEC, 3);
      if (f < 0) return r;
      r.top = std::max(r.top, f + 1);
    }
    r.ok = true;
    return r;
  }();
  return s;
}

// Puts `fd` into slot i for the child (-1 stays -1); returns the child's number for it.
int occupy(Slots& s, int i, int fd) {
  if (fd < 0) return -1;
  return dup3(fd, s.fd[i], O_CLOEXEC) < 0 ? -2 : s.fd[i];
}

// Back to /dev/null: the parent keeps no copy of the child's ends.
void vacate(Slots& s) {
  for (int f : s.fd) (void)dup3(s.devnull, f, O_CLOEXEC);
}

// The child runs on this stack while the parent waits (CLONE_VFORK); the loop is the only
// thread that spawns. run_child's frames are small: no allocation, no stdio.
alignas(64) char child_stack[64 * 1024];

#if defined(__x86_64__)
#define SPAWN_CLONE3 1
// clone3(2)'s argument (the kernel's struct clone_args, version 2: with `cgroup`).
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;  // CLONE_INTO_CGROUP, Linux 5.7
bool clone3_works = true;                              // false after ENOSYS

// clone3 running fn(arg) in the child on args->stack, as glibc's clone() does for clone(2):
// glibc has no such wrapper for clone3. The child never returns here (fn execs or exits;
// its return value would be the exit status).
pid_t clone3_run(CloneArgs* args, int (*fn)(void*), void* arg) {
  long ret;
  register long fn_reg __asm__("r12") = reinterpret_cast<long>(fn);
  register long arg_reg __asm__("r13") = reinterpret_cast<long>(arg);
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r13, %%rdi\n\t"
      "call *%%r12\n\t"
      "mov %%eax, %%edi\n\t"
      "mov %[exit_nr], %%eax\n\t"
      "syscall\n\t"
      "hlt\n\t"
      "1:"
      : "=a"(ret)
      : "0"(static_cast<long>(SYS_clone3)), "D"(args), "S"(sizeof(CloneArgs)), "r"(fn_reg),
        "r"(arg_reg), [exit_nr] "i"(SYS_exit)
      : "rcx", "r11", "memory");
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return static_cast<pid_t>(ret);
}
#endif
#endif

std::vector<int> list_open_fds() {
  std::vector<int> fds;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') fds.push_back(atoi(e->d_name));
    closedir(d);
  }
  return fds;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void close_all(std::initializer_list<int> fds) {
  for (int fd : fds)
    if (fd >= 0) close(fd);
}

}  // namespace

Result<ExecPlan> prepare(const config::ProcessConfig& config, const SpawnContext& context,
                         char* const* parent_environ) {
  auto args = values::shlex_split(config.command);
  if (!args.ok())
    return Result<ExecPlan>::fail("can't parse command " + pystr::repr(config.command) + ": " +
                                  args.error());
  if (args->empty()) return Result<ExecPlan>::fail("command is empty");

  Env env;
  for (char* const* e = parent_environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    put(env, std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }

  ExecPlan plan;
  plan.process_name = config.name;
  plan.argv = std::move(*args);
  const std::string& program = plan.argv[0];
  struct stat st;
  bool found = false;
  if (program.find('/') != std::string::npos) {
    plan.filename = program;
    found = stat(program.c_str(), &st) == 0;
  } else {
    plan.filename = program;
    for (const std::string& dir : search_path(config, context, env)) {
      std::string candidate = join_path(dir, program);
      if (stat(candidate.c_str(), &st) == 0) {
        plan.filename = candidate;
        found = true;
        break;
      }
    }
  }
  const std::string r = pystr::repr(plan.filename);
  if (!found) return Result<ExecPlan>::fail("can't find command " + r);
  if (S_ISDIR(st.st_mode)) return Result<ExecPlan>::fail("command at " + r + " is a directory");
  if (!(st.st_mode & 0111)) return Result<ExecPlan>::fail("command at " + r + " is not executable");
  if (access(plan.filename.c_str(), X_OK) != 0)
    return Result<ExecPlan>::fail("no permission to run command " + r);

  put(env, "SUPERVISOR_ENABLED", "1");
  // The program's own serverurl= when set ('' = none), else the daemon's.
  const std::string& url = config.serverurl ? *config.serverurl : context.server_url;
  if (!url.empty()) put(env, "SUPERVISOR_SERVER_URL", url);
  put(env, "SUPERVISOR_PROCESS_NAME", config.name);
  put(env, "SUPERVISOR_GROUP_NAME", config.group);
  for (const auto& kv : context.supervisord_environment) put(env, kv.first, kv.second);
  for (const auto& kv : config.environment) put(env, kv.first, kv.second);
  for (auto& kv : env) plan.env.push_back(kv.first + "=" + kv.second);

  plan.directory = config.directory;
  plan.umask = config.umask;
  plan.redirect_stderr = config.redirect_stderr;
  if (!context.output_to_daemon_log) {
    plan.stdout_null = config.stdout_log.goes_nowhere();
    plan.stderr_null = !config.redirect_stderr && config.stderr_log.goes_nowhere();
  }
  plan.stdin_on_demand = config.kind != config::ProgramKind::EventListener;
  if (config.kind == config::ProgramKind::EventListener) plan.stdout_null = false;  // the protocol
  if (config.user) {
    auto u = prepare_user(*config.user);
    if (!u.ok()) return Result<ExecPlan>::fail(u.error());
    plan.user = std::move(*u);
  }
  return plan;
}

void refresh_signal_dispositions() {
  signal_list.read = false;
}

void set_env(ExecPlan& plan, const std::string& key, const std::string& value) {
  std::string prefix = key + "=";
  for (auto& kv : plan.env)
    if (kv.starts_with(prefix)) {
      kv = prefix + value;
      return;
    }
  plan.env.push_back(prefix + value);
}

std::string fd_limit_hint() {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return "";
  auto text = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
  };
  return ": out of file descriptors (RLIMIT_NOFILE soft " + text(rl.rlim_cur) + ", hard " +
         text(rl.rlim_max) + "): raise minfds= in [supervisord] or the hard limit";
}

bool out_of_fds(std::string_view spawn_error) {
  return spawn_error.find(": out of file descriptors (RLIMIT_NOFILE") != std::string_view::npos;
}

int open_stdin_of(pid_t pid, ino_t ino) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd/0";
  int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -errno;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_ino != ino) {
    ::close(fd);
    return -ENOENT;
  }
  return fd;
}

namespace {

// fds[1] = /dev/null for writing, fds[0] = -1: a channel without a pipe.
bool open_null(int fds[2]) {
  fds[0] = -1;
  fds[1] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  return fds[1] >= 0;
}

// stdin on demand (ExecPlan::stdin_on_demand): replaces both ends of `in` by one
// read-write descriptor of the same pipe, returning the pipe's inode; 0 if /proc is not
// there (the write end is then kept, as before).
ino_t stdin_read_write(int in[2]) {
  const std::string path = "/proc/self/fd/" + std::to_string(in[0]);
  int rw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (rw < 0) return 0;
  struct stat st {};
  if (fstat(rw, &st) != 0) {
    ::close(rw);
    return 0;
  }
  close_all({in[0], in[1]});
  in[0] = rw;
  in[1] = -1;
  return st.st_ino;
}

}  // namespace

Result<Child> fork_exec(const ExecPlan& plan) {
  const std::string quoted = "'" + plan.process_name + "'";
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  bool piped =
      pipe2(in, O_CLOEXEC) == 0 &&
      (plan.stdout_null ? open_null(out) : pipe2(out, O_CLOEXEC) == 0) &&
      (plan.redirect_stderr || (plan.stderr_null ? open_null(err) : pipe2(err, O_CLOEXEC) == 0));
  if (!piped) {
    int e = errno;
    close_all({in[0], in[1], out[0], out[1], err[0], err[1]});
    if (e == EMFILE)
      return Result<Child>::fail("too many open files to spawn " + quoted + fd_limit_hint());
    if (e == ENFILE)
      return Result<Child>::fail("too many open files to spawn " + quoted +
                                 " (the system's file table is full: fs.file-max)");
    return Result<Child>::fail("unknown error making dispatchers for " + quoted + ": " +
                               errno_name(e));
  }
  ino_t stdin_ino = plan.stdin_on_demand ? stdin_read_write(in) : 0;

  std::vector<char*> argv = c_strings(plan.argv);
  std::vector<std::string> env = plan.env;
  if (plan.listen_fd >= 0) {
    auto put_env = [&env](const std::string& k, const std::string& v) {
      for (auto& e : env)
        if (e.starts_with(k + "=")) return void(e = k + "=" + v);
      env.push_back(k + "=" + v);
    };
    put_env("LISTEN_FDS", "1");
    put_env("LISTEN_PID", "0000000000000");
    put_env("LISTEN_FDNAMES", "supervisord");
  }
  std::vector<char*> envp = c_strings(env);
  std::vector<int> open_fds = have_close_range() ? std::vector<int>{} : list_open_fds();
  // LISTEN_PID's value is a placeholder wide enough for any pid; the child writes its pid.
  char* listen_pid = nullptr;
  if (plan.listen_fd >= 0)
    for (char* e : envp)
      if (e && std::string_view(e).starts_with("LISTEN_PID=")) listen_pid = e + 11;
  ChildArgs a{&plan,
              argv.data(),
              envp.data(),
              in[0],
              out[1],
              err[1],
              plan.listen_fd,
              listen_pid,
              &open_fds,
              &signal_changes(),
              0,
              false,
              "couldn't setuid to " + (plan.user ? std::to_string(plan.user->uid) : "") + ": ",
              "couldn't chdir to " + plan.directory.value_or("") + ": ",
              "couldn't exec " + plan.argv[0] + ": ",
              "couldn't join cgroup " + plan.cgroup_procs + ": "};

  // vfork semantics, as posix_spawn: the child shares our memory (no page tables to copy,
  // no copy-on-write faults on either side) and runs at once on this CPU while we wait
  // for its execve. Measured (bench/README.md, respawn): fork() here cost ~1 ms between
  // the fork and the exec, this costs what posix_spawn does (~0.15 ms).
  // Every signal is blocked across the clone so that no handler of ours (libuv's) runs in
  // the child, on our memory, before it has reset the dispositions.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
#ifdef SPAWN_WITH_FORK
  // Wait, as vfork does, until the child has its fds in place (it closes everything from
  // fd 3 on before exec, `done[1]` with it): stdin on demand opens /proc/PID/fd/0 at once.
  int done[2] = {-1, -1};
  bool synced = pipe2(done, O_CLOEXEC) == 0;
  pid_t pid = fork();
  if (pid == 0) run_child(a);
  if (synced) {
    ::close(done[1]);
    char c;
    while (pid > 0 && ::read(done[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::close(done[0]);
  }
#else
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  Slots& sl = slots();
  bool slotted = false;
  if (sl.ok) {
    int in_fd = occupy(sl, 0, a.in), out_fd = occupy(sl, 1, a.out), err_fd = occupy(sl, 2, a.err);
    int listen = occupy(sl, 3, a.listen_fd);
    if (in_fd != -2 && out_fd != -2 && err_fd != -2 && listen != -2) {
      a.in = in_fd;
      a.out = out_fd;
      a.err = err_fd;
      a.listen_fd = listen;
      a.unshare_below = sl.top;
      flags |= CLONE_FILES;
      slotted = true;
    } else {
      vacate(sl);
    }
  }
  pid_t pid = -1;
  int clone_errno = 0;
#ifdef SPAWN_CLONE3
  // Straight into the instance's cgroup: moving the child there (its write to cgroup.procs)
  // cost ~0.5 ms per spawn on this kernel (a migration waits for an RCU grace period).
  if (!plan.cgroup_procs.empty() && clone3_works) {
    std::string_view dir = plan.cgroup_procs;
    dir.remove_suffix(std::string_view("/cgroup.procs").size());
    int cgroup_fd = ::open(std::string(dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup_fd >= 0) {
      CloneArgs ca{};
      ca.flags = static_cast<uint64_t>(flags & ~0xff) | kCloneIntoCgroup;
      ca.exit_signal = SIGCHLD;
      ca.stack = reinterpret_cast<uint64_t>(child_stack);
      ca.stack_size = sizeof child_stack;
      ca.cgroup = static_cast<uint64_t>(cgroup_fd);
      a.in_cgroup = true;
      pid = clone3_run(&ca, child_entry, &a);
      clone_errno = errno;
      a.in_cgroup = false;
      if (pid < 0 && clone_errno == ENOSYS) clone3_works = false;
      ::close(cgroup_fd);
    }
  }
  // Otherwise (no cgroup, a kernel before 5.7, clone3 refused): the child joins it itself.
  if (pid < 0)
#endif
  {
    pid = clone(child_entry, child_stack + sizeof child_stack, flags, &a);
    clone_errno = errno;
  }
  if (slotted) vacate(sl);
  errno = clone_errno;
#endif
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  close_all({in[0], out[1], err[1]});
  if (pid < 0) {
    close_all({in[1], out[0], err[0]});
    if (fork_errno == EAGAIN)
      return Result<Child>::fail("Too many processes in process table to spawn " + quoted);
    return Result<Child>::fail("unknown error during fork for " + quoted + ": " +
                               errno_name(fork_errno));
  }
#ifdef SPAWN_WITH_FORK
  // Also set the group from the parent: a signal to -pid right after fork must not miss.
  // (A vfork-like clone returns when the child has exec'd: its own setpgid came first.)
  setpgid(pid, pid);
#endif
  // Fresh pipe ends (or /proc reopens) have no status flags to keep: one call each.
  for (int fd : {in[1], out[0], err[0]})
    if (fd >= 0) fcntl(fd, F_SETFL, O_NONBLOCK);
  return Child{pid, in[1], out[0], err[0], stdin_ino};
}

int Spawner::kill(pid_t pid, int sig) {
  return ::kill(pid, sig);
}

Spawner& real_spawner() {
  static Spawner* real = new Spawner;  // never destroyed: no exit-time order to get wrong
  return *real;
}

}  // namespace spawn
