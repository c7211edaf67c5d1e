// cgroup.cc — cgroup v2 containment: the files of
// https://docs.kernel.org/admin-guide/cgroup-v2.html (cgroup.procs, cgroup.events,
// cgroup.kill, cgroup.subtree_control, memory.max, memory.high, cpu.max, pids.max).
#include "supervisord/process/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>

#include "common/text_io.h"

namespace cgroup {
namespace {

// The controllers limits use, in the order they are enabled.
constexpr const char* kControllers[] = {"cpu", "memory", "pids"};

// Writes `text` to an existing file (as a cgroup interface file wants: one write); 0 or
// errno. O_CREAT keeps the fake tree of unit tests simple (a cgroupfs ignores it).
int write_text(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return errno;
  ssize_t n = ::write(fd, text.data(), text.size());
  int e = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return e;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string errno_text(int e) {
  return strerror(e);
}

struct Found {
  std::string own;  // the daemon's own cgroup directory
  std::string error;
};

Found find_own(const Probe& probe) {
  Found f;
  auto mountinfo = textio::read_file(probe.mountinfo);
  auto mount = mountinfo ? find_mount(*mountinfo) : std::nullopt;
  if (!mount) {
    f.error = "no cgroup2 filesystem is mounted";
    return f;
  }
  auto self = textio::read_file(probe.self_cgroup);
  auto path = self ? own_path(*self) : std::nullopt;
  if (!path) {
    f.error = "this process has no cgroup v2 path in " + probe.self_cgroup;
    return f;
  }
  f.own = *mount + (*path == "/" ? "" : *path);
  return f;
}

std::vector<std::string> words_of(const std::string& path) {
  auto text = textio::read_file(path);
  return text ? textio::words(*text) : std::vector<std::string>{};
}

// The lines of a /proc text, without their '\n'.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t at = 0; at < text.size();) {
    size_t end = std::min(text.find('\n', at), text.size());
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Removes the empty subdirectories of `dir`, then `dir` if that left it empty.
void remove_tree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_type == DT_DIR && e->d_name[0] != '.') ::rmdir((dir + "/" + e->d_name).c_str());
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

// The pid in a daemon's directory name, supervisord.PID or supervisord.PID.N (make_daemon_dir);
// 0 for any other name.
pid_t daemon_dir_pid(std::string_view name) {
  constexpr std::string_view kPrefix = "supervisord.";
  if (!name.starts_with(kPrefix)) return 0;
  name.remove_prefix(kPrefix.size());
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || pid <= 0) return 0;
  return end == name.data() + name.size() || *end == '.' ? pid : 0;
}

// What a daemon that crashed left in `own`: supervisord.PID[.N] whose PID is not alive here.
// Only empty cgroups can be removed, so nothing that still holds a process goes: those
// are returned (the daemon kills them once crash recovery is done with their instance).
std::vector<std::string> sweep_dead(const std::string& own) {
  std::vector<std::string> left;
  DIR* d = ::opendir(own.c_str());
  if (!d) return left;
  std::vector<std::string> dead;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR) continue;
    pid_t pid = daemon_dir_pid(e->d_name);
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) dead.push_back(own + "/" + e->d_name);
  }
  ::closedir(d);
  for (const auto& dir : dead) {
    remove_tree(dir);
    if (DIR* rest = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(rest))
        if (e->d_type == DT_DIR && e->d_name[0] != '.') left.push_back(dir + "/" + e->d_name);
      ::closedir(rest);
    }
  }
  std::sort(left.begin(), left.end());
  return left;
}

// Blocks until `dir`'s cgroup.events says empty, at most `ms` (inotify, no polling).
void wait_empty(const std::string& dir, int ms) {
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return;
  std::string events = dir + "/cgroup.events";
  ::inotify_add_watch(fd, events.c_str(), IN_MODIFY);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (Manager::populated(dir)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0) {
      char buf[4096];
      while (::read(fd, buf, sizeof buf) > 0) {
      }
    }
  }
  ::close(fd);
}

// `dir`/`leaf` opened for reading; the path is written on the stack (a scrape opens two or
// three files per instance). -1 if it cannot be opened.
int open_leaf(const std::string& dir, std::string_view leaf) {
  char path[PATH_MAX];
  if (dir.size() + 1 + leaf.size() >= sizeof path) return -1;
  std::memcpy(path, dir.data(), dir.size());
  path[dir.size()] = '/';
  std::memcpy(path + dir.size() + 1, leaf.data(), leaf.size());
  path[dir.size() + 1 + leaf.size()] = '\0';
  return ::open(path, O_RDONLY | O_CLOEXEC);
}

// A small interface file (cpu.stat, memory.current) read whole into `buf`: its text, empty
// if unreadable or larger than the buffer.
std::string_view read_small(const std::string& dir, std::string_view leaf, char* buf, size_t size) {
  int fd = open_leaf(dir, leaf);
  if (fd < 0) return {};
  size_t len = 0;
  while (len < size) {
    ssize_t n = ::read(fd, buf + len, size - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  ::close(fd);
  return len < size ? std::string_view(buf, len) : std::string_view{};
}

// The number after `key` in the flat-keyed file `dir`/`leaf` ("key value" lines: cpu.stat,
// memory.events; read on the stack, a scrape reads one per instance); -1 if absent.
int64_t keyed_value(const std::string& dir, std::string_view leaf, std::string_view key) {
  char buf[1024];  // cpu.stat: six lines, twelve with the cpu controller enabled
  std::string_view text = read_small(dir, leaf, buf, sizeof buf);
  for (size_t at = 0; at < text.size();) {
    size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
      int64_t v = -1;
      std::from_chars(line.data() + key.size() + 1, line.data() + line.size(), v);
      return v;
    }
    at = end + 1;
  }
  return -1;
}

bool has_word(const std::vector<std::string>& words, std::string_view w) {
  for (const auto& x : words)
    if (x == w) return true;
  return false;
}

}  // namespace

std::optional<std::string> find_mount(std::string_view mountinfo) {
  // "36 35 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw": field 5 is the mount
  // point, the first field after " - " the filesystem type.
  for (std::string_view line : lines_of(mountinfo)) {
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto after = textio::words(line.substr(dash + 3));
    auto before = textio::words(line.substr(0, dash));
    if (after.empty() || after[0] != "cgroup2" || before.size() < 5) continue;
    // Octal escapes (\040 for a space) as the kernel writes them.
    std::string point;
    const std::string& raw = before[4];
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 3 < raw.size()) {
        int v = 0;
        bool ok = true;
        for (size_t k = 1; k <= 3; ++k) {
          char c = raw[i + k];
          if (c < '0' || c > '7') ok = false;
          v = v * 8 + (c - '0');
        }
        if (ok) {
          point += static_cast<char>(v);
          i += 3;
          continue;
        }
      }
      point += raw[i];
    }
    return point;
  }
  return std::nullopt;
}

std::optional<std::string> own_path(std::string_view self_cgroup) {
  for (std::string_view line : lines_of(self_cgroup))
    if (line.starts_with("0::/")) return std::string(line.substr(3));
  return std::nullopt;
}

std::string instance_dir_name(std::string_view group, std::string_view name) {
  auto escape = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  std::string dir = escape(group) + "@" + escape(name);
  // NAME_MAX is 255: a longer name keeps its head and gets a hash of the whole.
  if (dir.size() > 200) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : dir) h = (h ^ c) * 1099511628211ull;
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    dir = dir.substr(0, 180) + "~" + buf;
  }
  return dir;
}

std::optional<bool> populated_in(std::string_view events) {
  auto w = textio::words(events);
  for (size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == "populated") return w[i + 1] != "0";
  return std::nullopt;
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::Disabled:
      return "disabled";
    case Mode::Unavailable:
      return "unavailable";
    case Mode::Contained:
      return "contained";
  }
  return "?";
}

std::string Manager::describe(bool enabled, const Probe& probe) {
  if (!enabled) return "disabled (cgroups=false): process groups only";
  Found f = find_own(probe);
  if (!f.error.empty()) return "unavailable (" + f.error + "): process groups only";
  if (::access((f.own + "/cgroup.procs").c_str(), W_OK) != 0 || ::access(f.own.c_str(), W_OK) != 0)
    return "unavailable (" + f.own + " is not writable: " + errno_text(errno) +
           "): process groups only";
  return "contained: one cgroup per instance under " + f.own;
}

namespace {

// Makes `parent`/supervisord.PID (or .PID.2, .PID.3...: daemons in other PID namespaces
// can have the same pid, 1 in containers) and names it in `dir`; 0 or the errno.
int make_daemon_dir(const std::string& parent, pid_t pid, std::string& dir) {
  const std::string base = parent + "/supervisord." + std::to_string(pid);
  dir = base;
  for (int n = 2; ::mkdir(dir.c_str(), 0755) != 0; ++n) {
    if (errno != EEXIST || n >= 100) return errno;
    dir = base + "." + std::to_string(n);
  }
  return 0;
}

}  // namespace

Manager Manager::detect(bool enabled, const Probe& probe) {
  Manager m;
  if (!enabled) {
    m.reason_ = "cgroups=false";
    return m;
  }
  m.mode_ = Mode::Unavailable;
  Found f = find_own(probe);
  if (!f.error.empty()) {
    m.reason_ = f.error;
    return m;
  }
  pid_t pid = probe.pid ? probe.pid : getpid();
  m.leftovers_ = sweep_dead(f.own);
  std::string root;
  if (int e = make_daemon_dir(f.own, pid, root); e != 0) {
    m.reason_ = "cannot create " + root + ": " + errno_text(e);
    return m;
  }
  m.mode_ = Mode::Contained;
  m.root_ = root;
  m.has_kill_ = exists(f.own + "/cgroup.kill");
  // Delegate the limits' controllers down to the instances' cgroups. A cgroup that
  // enables controllers for its children may hold no process itself, so when ours refuses
  // (EBUSY: we are in it) the daemon moves into a leaf of its own first, as systemd's
  // delegation expects (Delegate=yes).
  auto available = words_of(f.own + "/cgroup.controllers");
  auto enabled_here = words_of(f.own + "/cgroup.subtree_control");
  for (const char* c : kControllers) {
    if (!has_word(available, c)) continue;
    std::string plus = std::string("+") + c;
    bool ok = has_word(enabled_here, c) || has_word(enabled_here, plus);
    if (!ok) {
      int e = write_text(f.own + "/cgroup.subtree_control", plus);
      if (e == EBUSY) {
        std::string leaf = f.own + "/supervisord";
        ::mkdir(leaf.c_str(), 0755);
        if (write_text(leaf + "/cgroup.procs", std::to_string(pid)) == 0)
          e = write_text(f.own + "/cgroup.subtree_control", plus);
      }
      ok = e == 0;
    }
    if (ok && write_text(root + "/cgroup.subtree_control", plus) == 0) m.controllers_.push_back(c);
  }
  return m;
}

std::string Manager::reuse_root(const std::string& root) {
  if (!contained() || root.empty() || root == root_ || !exists(root)) return root;
  // Not a dead daemon's: detect's sweep took it for one when its name's pid is gone.
  std::erase_if(leftovers_, [&](const std::string& d) { return d.rfind(root + "/", 0) == 0; });
  // The previous image may have named it after another pid (detect runs before the
  // daemonizing fork): under this pid's name, no other daemon's sweep takes it for a dead
  // daemon's. cgroup2 renames a directory within its parent.
  if (::rmdir(root_.c_str()) == 0 && ::rename(root.c_str(), root_.c_str()) == 0) return root_;
  root_ = root;
  return root_;
}

void Manager::follow_pid(pid_t pid) {
  if (!contained()) return;
  const std::string parent = root_.substr(0, root_.rfind('/'));
  std::string root;
  if (make_daemon_dir(parent, pid, root) != 0) return;  // the old name (and its risk) stays
  for (const std::string& c : controllers_)
    (void)write_text(root + "/cgroup.subtree_control", "+" + c);
  ::rmdir(root_.c_str());
  root_ = root;
}

Result<std::string> Manager::prepare(const config::ProcessConfig& config,
                                     std::vector<std::string>* skipped, std::string_view variant) {
  if (!contained())
    return Result<std::string>::fail("cgroups are " + std::string(mode_name(mode_)));
  std::string dir = root_ + "/" + instance_dir_name(config.group, config.name);
  dir += variant;
  int made = ::mkdir(dir.c_str(), 0755);
  if (made != 0 && errno == ENOENT) {
    ::mkdir(root_.c_str(), 0755);  // gone if another daemon's crash sweep found it empty
    made = ::mkdir(dir.c_str(), 0755);
  }
  if (made != 0 && errno != EEXIST)
    return Result<std::string>::fail("cannot create cgroup " + dir + ": " + errno_text(errno));
  struct Limit {
    const char* controller;
    const char* file;
    std::string value;
  };
  std::vector<Limit> limits;
  if (config.memory_max >= 0)
    limits.push_back({"memory", "memory.max", std::to_string(config.memory_max)});
  if (config.memory_high >= 0)
    limits.push_back({"memory", "memory.high", std::to_string(config.memory_high)});
  if (!config.cpu_max.empty()) limits.push_back({"cpu", "cpu.max", config.cpu_max});
  if (config.pids_max >= 0) limits.push_back({"pids", "pids.max", std::to_string(config.pids_max)});
  for (const Limit& l : limits) {
    if (!has_word(controllers_, l.controller)) {
      if (skipped)
        skipped->push_back(std::string(l.file) + " (the " + l.controller +
                           " controller is not delegated to " + root_ + ")");
      continue;
    }
    if (int e = write_text(dir + "/" + l.file, l.value); e != 0)
      return Result<std::string>::fail("cannot write " + l.value + " to " + dir + "/" + l.file +
                                       ": " + errno_text(e));
  }
  return dir;
}

bool Manager::populated(const std::string& dir) {
  // Read on the stack, as a scrape's files (each stopped instance asks at its master's exit).
  char buf[64];  // "populated 0\nfrozen 0\n"
  return populated_in(read_small(dir, "cgroup.events", buf, sizeof buf)).value_or(false);
}

std::vector<pid_t> Manager::members(const std::string& dir) {
  std::vector<pid_t> out;
  members(dir, out);
  return out;
}

void Manager::members(const std::string& dir, std::vector<pid_t>& out) {
  out.clear();
  int fd = open_leaf(dir, "cgroup.procs");
  if (fd < 0) return;
  // One pid a line, as many lines as members: read in pieces, a number may span two.
  char buf[4096];
  int64_t v = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      char c = buf[i];
      if (c >= '0' && c <= '9') {
        v = v * 10 + (c - '0');
      } else {
        if (v > 0) out.push_back(static_cast<pid_t>(v));
        v = 0;
      }
    }
  }
  if (v > 0) out.push_back(static_cast<pid_t>(v));
  ::close(fd);
}

bool Manager::counts_oom() const {
  return has_word(controllers_, "memory");
}

int64_t Manager::oom_kills(const std::string& dir) {
  return std::max<int64_t>(0, keyed_value(dir, "memory.events", "oom_kill"));
}

int64_t Manager::memory_current(const std::string& dir) {
  char buf[64];
  std::string_view text = read_small(dir, "memory.current", buf, sizeof buf);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  int64_t v = -1;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && v >= 0 ? v : -1;
}

int64_t Manager::cpu_usec(const std::string& dir) {
  return keyed_value(dir, "cpu.stat", "usage_usec");
}

int Manager::signal_all(const std::string& dir, int sig) const {
  if (sig == SIGKILL && has_kill_) {
    if (!populated(dir)) return 0;
    return write_text(dir + "/cgroup.kill", "1") == 0 ? 1 : 0;
  }
  int n = 0;
  for (pid_t p : members(dir))
    if (::kill(p, sig) == 0) ++n;
  return n;
}

bool Manager::remove(const std::string& dir) {
  return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

void Manager::close() {
  if (!contained()) return;
  // The daemon leaves nothing behind: what an instance left (reap_group=false, or a stop
  // cut short) is killed now, and its cgroup removed once the kernel says it is empty.
  if (DIR* d = ::opendir(root_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
      std::string dir = root_ + "/" + e->d_name;
      if (populated(dir) && signal_all(dir, SIGKILL) > 0) wait_empty(dir, 2000);
    }
    ::closedir(d);
  }
  remove_tree(root_);
}

size_t Manager::keep_leftovers_of(pid_t previous_pid) {
  return std::erase_if(leftovers_, [&](const std::string& dir) {
    std::string_view daemon_dir = std::string_view(dir).substr(0, dir.rfind('/'));
    daemon_dir.remove_prefix(daemon_dir.rfind('/') + 1);
    return previous_pid <= 0 || daemon_dir_pid(daemon_dir) != previous_pid;
  });
}

std::vector<std::string> Manager::kill_leftover(const std::string& dir_name) {
  return kill_leftovers_if([&](const std::string& name) { return name == dir_name; });
}

std::vector<std::string> Manager::kill_leftovers(const std::vector<std::string>& all_but) {
  return kill_leftovers_if([&](const std::string& name) { return !has_word(all_but, name); });
}

std::vector<std::string> Manager::kill_leftovers_if(
    const std::function<bool(const std::string&)>& pick) {
  std::vector<std::string> lines, kept;
  for (const std::string& dir : leftovers_) {
    size_t slash = dir.rfind('/');
    if (!pick(dir.substr(slash + 1))) {
      kept.push_back(dir);
      continue;
    }
    size_t n = members(dir).size();
    if (populated(dir) && signal_all(dir, SIGKILL) > 0) wait_empty(dir, 500);
    bool removed = remove(dir);
    if (removed) ::rmdir(dir.substr(0, slash).c_str());  // the dead daemon's, once empty
    lines.push_back("cgroups: killed " + std::to_string(n) + " process" + (n == 1 ? "" : "es") +
                    " left in " + dir + " by a supervisord that died" +
                    (removed ? "" : " (the cgroup is not empty yet: left in place)"));
  }
  leftovers_.swap(kept);
  return lines;
}

}  // namespace cgroup
