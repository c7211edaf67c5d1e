// handover.cc — see handover.h.
#include "supervisord/run/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include "supervisord/events/event_system.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/process/fsm.h"
#include "supervisord/process/group.h"
#include "supervisord/process/instance.h"
#include "supervisord/rpc/server.h"
#include "supervisord/supervisor.h"

extern char** environ;

namespace handover {
namespace {

constexpr const char* kFdFlag = "--handover-fd";
constexpr int kCheckTimeoutMs = 10'000;

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::vector<char*> c_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Every descriptor the record hands over.
std::vector<int> fds_of(const Record& r) {
  std::vector<int> fds = r.server_fds;
  for (const auto& s : r.instances) {
    const Adoption& a = s.process;
    for (int fd : {a.stdin_fd, a.stdout_fd, a.stderr_fd, a.notify_fd, a.listen_fd})
      if (fd >= 0) fds.push_back(fd);
  }
  return fds;
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  size_t nl = text.rfind('\n', end);
  size_t start = nl == std::string::npos ? 0 : nl + 1;
  return text.substr(start, end + 1 - start);
}

}  // namespace

Self resolve_self(int argc, char** argv) {
  Self self;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    self.exe.assign(buf, static_cast<size_t>(n));
    const std::string deleted = " (deleted)";
    if (self.exe.size() > deleted.size() &&
        self.exe.compare(self.exe.size() - deleted.size(), deleted.size(), deleted) == 0)
      self.exe.resize(self.exe.size() - deleted.size());
  }
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == kFdFlag && i + 1 < argc) {
      ++i;
      continue;
    }
    if (a.rfind(std::string(kFdFlag) + "=", 0) == 0) continue;
    self.argv.push_back(std::move(a));
  }
  return self;
}

Status check(const std::string& exe, const std::string& config_path) {
  if (exe.empty()) return Status::fail("the daemon's own binary is not known (/proc/self/exe)");
  if (::access(exe.c_str(), X_OK) != 0) return Status::fail(exe + ": " + strerror(errno));
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::fail(std::string("pipe: ") + strerror(errno));
  std::vector<std::string> args = {
      exe, "-c", config_path, "--check-config", "--handover-version", std::to_string(kVersion)};
  std::vector<char*> cargs = c_argv(args);
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    return Status::fail(std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(exe.c_str(), cargs.data(), environ);
    const char msg[] = "cannot execute it\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  int64_t deadline = monotonic_ms() + kCheckTimeoutMs;
  bool timed_out = false;
  for (;;) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() < 65536) text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Status::fail(exe + " --check-config did not finish within 10 s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::success();
  std::string why = fsm::decode_wait_status(status).text;
  std::string line = last_line(text);
  return Status::fail(exe + " --check-config failed (" + why + ")" +
                      (line.empty() ? "" : ": " + line));
}

Status no_surge_running(const Supervisor& supervisor) {
  for (const auto& g : supervisor.groups())
    for (const auto& inst : g->instances())
      if (const Process* old = inst->draining())
        return Status::fail("a surge restart of " + inst->group() + ":" + inst->name() +
                            " is in progress (pid " + std::to_string(old->pid()) +
                            " draining); re-exec when it has ended");
  return Status::success();
}

Record collect(const Supervisor& supervisor, const rpc::Server& server, events::EventSystem& events,
               const cgroup::Manager& cgroups, int64_t now_ms) {
  Record r;
  r.written_ms = now_ms;
  r.cgroup_root = cgroups.contained() ? cgroups.root() : "";
  r.server_fds = server.listening_fds();
  for (const auto& g : supervisor.groups()) {
    const events::EventPool* pool = events.pool(g->name());
    for (const auto& inst : g->instances()) {
      InstanceState s;
      s.group = inst->group();
      s.name = inst->name();
      s.process = inst->process().handover();
      s.spawns = inst->spawns();
      s.exits = inst->exits();
      s.tail = inst->tail().lines();
      if (pool) s.listener_state = static_cast<int>(pool->listener_state(inst->name()));
      r.instances.push_back(std::move(s));
    }
  }
  return r;
}

Status exec(const Self& self, const Record& record) {
  if (self.exe.empty() || self.argv.empty())
    return Status::fail("the daemon's own binary is not known (/proc/self/exe)");
  int fd = ::memfd_create("supervisord-handover", 0);  // no CLOEXEC: the new image reads it
  if (fd < 0) return Status::fail(std::string("memfd_create: ") + strerror(errno));
  std::string bytes = encode(record);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return Status::fail(std::string("cannot write the hand-over record: ") + strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  std::vector<int> kept = fds_of(record);
  for (int k : kept) (void)::fcntl(k, F_SETFD, 0);
  std::vector<std::string> args = self.argv;
  args.push_back(kFdFlag);
  args.push_back(std::to_string(fd));
  std::vector<char*> cargs = c_argv(args);
  ::execve(self.exe.c_str(), cargs.data(), environ);
  int e = errno;
  for (int k : kept) (void)::fcntl(k, F_SETFD, FD_CLOEXEC);
  ::close(fd);
  return Status::fail("execve " + self.exe + ": " + strerror(e));
}

Result<Record> read(int fd) {
  std::string bytes;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(bytes.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Result<Record>::fail(std::string("cannot read the hand-over record: ") + strerror(e));
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return decode(bytes);
}

std::set<std::pair<std::string, std::string>> adopt(
    const Record& record, const std::string& cgroup_root, Supervisor& supervisor,
    events::EventSystem& events, const std::function<void(const std::string&)>& warn) {
  std::set<std::pair<std::string, std::string>> adopted;
  for (const auto& s : record.instances) {
    auto inst = supervisor.find(s.group, s.name);
    if (!inst || inst->process().facts().laststart_ms != 0) {
      const Adoption& a = s.process;
      for (int fd : {a.stdin_fd, a.stdout_fd, a.stderr_fd, a.notify_fd, a.listen_fd})
        if (fd >= 0) ::close(fd);
      if (s.process.facts.pid > 0)
        warn("re-exec: " + s.group + ":" + s.name + " (pid " + std::to_string(s.process.facts.pid) +
             ") is not in the config any more: it is stopped as after a crash");
      continue;
    }
    Adoption a = s.process;
    const std::string& old_root = record.cgroup_root;
    if (!old_root.empty() && a.cgroup_dir.rfind(old_root + "/", 0) == 0)
      a.cgroup_dir = cgroup_root + a.cgroup_dir.substr(old_root.size());
    inst->adopt(a, s.spawns, s.exits, s.tail);
    if (s.listener_state != 0)
      if (events::EventPool* pool = events.pool(s.group))
        pool->restore_listener(s.name, static_cast<events::ListenerState>(s.listener_state));
    adopted.emplace(s.group, s.name);
  }
  return adopted;
}

void close_all(const Record& record) {
  for (int fd : fds_of(record)) ::close(fd);
}

}  // namespace handover
