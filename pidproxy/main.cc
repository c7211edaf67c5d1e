// pidproxy PIDFILE COMMAND [ARG...] — runs COMMAND and passes the signals supervisord
// sends (HUP, INT, QUIT, USR1, USR2, TERM) to the pid written in PIDFILE, for programs
// whose real worker is not the process supervisord started (mysqld_safe and mysqld).
// What a user sees is Supervisor 4.2.5's pidproxy (usage text, messages, exit statuses,
// the 5-second cadence of its exit after COMMAND ends); see man/pidproxy.1 and
// http://supervisord.org/subprocess.html#pidproxy-program. Unlike it, this one sleeps
// until a signal or that exit deadline comes instead of waking every 5 seconds, never
// signals a process group because the pidfile says 0 or a negative number, and says on
// stderr why COMMAND could not be executed.
#include <poll.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "common/pyspace.h"
#include "common/text_io.h"
#include "common/values.h"

namespace {

// In ascending order: when several are pending, Python runs their handlers in this order.
constexpr int kForwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM};
// Supervisor's pidproxy has COMMAND's exit noticed by a waitpid every 5 seconds (counted
// from the start) and exits at that moment; the same moment is kept here.
constexpr int64_t kExitPeriodNs = 5'000'000'000;

volatile sig_atomic_t g_pending[NSIG];

void note_signal(int sig) {
  g_pending[sig] = 1;
}

bool ends_proxy(int sig) {
  return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}

void fail(const std::string& message) {
  textio::write_all(2, "pidproxy: " + message + "\n");
}

int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// The name Python's sys.argv[0] would show: the path this program was executed by (a
// script's interpreter gets that path, not the caller's argv[0]).
std::string invoked_as(const char* argv0) {
  const auto execfn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
  return execfn != nullptr ? execfn : argv0;
}

std::string usage(const std::string& self) {
  return "pidproxy -- run command and proxy signals to it via its pidfile.\n\n"
         "This executable runs a command and then monitors a pidfile.  When this\n"
         "executable receives a signal, it sends the same signal to the pid\n"
         "in the pidfile.\n\n"
         "Usage: " +
         self + " <pidfile name> <command> [<cmdarg1> ...]\n\n";
}

// Reads the pidfile when a signal comes and passes the signal on. Returns the exit status
// when the proxy must exit now.
std::optional<int> forward(int sig, const std::string& pidfile) {
  const std::optional<std::string> text = textio::read_file(pidfile);
  int64_t pid = 0;
  const values::IntStatus parsed =
      text ? values::python_int(*text, 10, pid) : values::IntStatus::Invalid;
  // As Python's os.kill: a number that is no pid_t ends the proxy with status 1 (there
  // with a traceback), and so does a kill that fails (below).
  if (parsed == values::IntStatus::Overflow || pid > INT_MAX || pid < INT_MIN) {
    fail(pidfile + ": " + std::string(pyspace::strip(*text)) + " is out of range for a pid");
    return 1;
  }
  if (parsed == values::IntStatus::Invalid || pid <= 0) {
    // Not read, not a number: Supervisor's pidproxy says so on stdout and carries on,
    // whatever the signal. 0 or a negative number would make kill(2) signal a process
    // group (-1: every process); Supervisor's would do that, this one refuses.
    textio::write_all(1, "Can't read child pidfile " + pidfile + "!\n");
    if (parsed == values::IntStatus::Ok)
      fail(pidfile + ": " + std::to_string(pid) + " is not a process id; nothing signalled");
    return std::nullopt;
  }
  if (kill(static_cast<pid_t>(pid), sig) != 0) {
    fail("cannot send " + values::signal_name(sig) + " to pid " + std::to_string(pid) + " (from " +
         pidfile + "): " + std::strerror(errno));
    return 1;
  }
  if (ends_proxy(sig)) return 0;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    textio::write_all(1, usage(invoked_as(argv[0])));
    return 1;
  }
  const std::string pidfile = argv[1];
  // No PATH search: relative to the current directory, normalised as os.path.abspath.
  const std::string command = values::absolute_path(argv[2]);

  // Python ignores these two from its start, and the command inherits that.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  // Handled signals are blocked except inside ppoll, so none is missed between a check
  // of g_pending and the wait. The command gets the mask we were started with; exec
  // resets the handlers to the default.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : kForwarded) sigaddset(&handled, sig);
  sigaddset(&handled, SIGCHLD);
  sigset_t started_with;
  sigprocmask(SIG_BLOCK, &handled, &started_with);
  struct sigaction sa {};
  sa.sa_handler = note_signal;
  sa.sa_mask = handled;
  for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
  sigaction(SIGCHLD, &sa, nullptr);
  // Signals blocked when we started stay blocked (as under Python), but SIGCHLD, which
  // Python never needed (it polls), must get through.
  sigset_t waiting = started_with;
  sigdelset(&waiting, SIGCHLD);

  const pid_t child = fork();
  if (child < 0) {
    fail(std::string("cannot fork: ") + std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &started_with, nullptr);
    execv(command.c_str(), argv + 2);
    // Supervisor's child exits 127 silently; the status is the same, the reason is said.
    fail("cannot execute " + command + ": " + std::strerror(errno));
    _exit(127);
  }
  const int64_t started = now_ns();
  std::optional<int64_t> exit_at;  // set once COMMAND has been reaped

  for (;;) {
    for (int sig : kForwarded) {
      if (!g_pending[sig]) continue;
      g_pending[sig] = 0;
      if (const std::optional<int> status = forward(sig, pidfile)) return *status;
    }
    if (g_pending[SIGCHLD]) {
      g_pending[SIGCHLD] = 0;
      // Reap everything: children this process had before it was exec'd included.
      for (pid_t pid; (pid = waitpid(-1, nullptr, WNOHANG)) > 0;) {
        if (pid != child) continue;
        const int64_t ran = now_ns() - started;
        const int64_t periods =
            ran <= kExitPeriodNs ? 1 : (ran + kExitPeriodNs - 1) / kExitPeriodNs;
        exit_at = started + periods * kExitPeriodNs;
      }
    }
    timespec timeout{};
    if (exit_at) {
      const int64_t left = *exit_at - now_ns();
      if (left <= 0) return 0;
      timeout = {static_cast<time_t>(left / 1'000'000'000),
                 static_cast<long>(left % 1'000'000'000)};
    }
    ppoll(nullptr, 0, exit_at ? &timeout : nullptr, &waiting);
  }
}
