// cgroup.h — cgroup v2 containment (docs/ARCHITECTURE.md#process-trees): finds the v2
// mount and the daemon's own cgroup, makes one child cgroup per instance under a directory
// of this daemon's, writes the program's limits there, and answers "is anything of the
// instance left" (cgroup.events), "who is in it" (cgroup.procs), "kill all of it"
// (cgroup.kill). Every path goes through `Paths`, so unit tests run against a directory
// tree of plain files. Must not depend on: libuv, fsm, Process, the Supervisor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "supervisord/config/model.h"

namespace cgroup {

// Where the files that describe this process are read (a test points them at its own).
struct Probe {
  std::string mountinfo = "/proc/self/mountinfo";
  std::string self_cgroup = "/proc/self/cgroup";
  pid_t pid = 0;  // 0: getpid()
};

// The mount point of the cgroup2 filesystem in a /proc/self/mountinfo text; nullopt if none.
std::optional<std::string> find_mount(std::string_view mountinfo);
// The v2 path of this process ("0::/a/b" -> "/a/b") in a /proc/self/cgroup text.
std::optional<std::string> own_path(std::string_view self_cgroup);
// A cgroup directory name for an instance: group and name with every byte outside
// [A-Za-z0-9_.-] written %XX, joined by '@' (which the escape never leaves), so two
// instances never share a directory and no name reaches outside it ("..", "/").
std::string instance_dir_name(std::string_view group, std::string_view name);
// "populated 0|1" of a cgroup.events text; nullopt if the line is missing.
std::optional<bool> populated_in(std::string_view events);

enum class Mode { Disabled, Unavailable, Contained };
const char* mode_name(Mode mode);  // "disabled", "unavailable", "contained"

class Manager {
 public:
  // cgroups=false: Disabled. Otherwise finds the v2 mount and our cgroup and makes this
  // daemon's directory there; any failure is Unavailable with `reason()` saying why.
  static Manager detect(bool enabled, const Probe& probe = {});
  // What detect would say, without creating anything (--check-config).
  static std::string describe(bool enabled, const Probe& probe = {});

  Mode mode() const { return mode_; }
  bool contained() const { return mode_ == Mode::Contained; }
  const std::string& reason() const { return reason_; }
  const std::string& root() const { return root_; }  // this daemon's directory of instances
  bool has_kill() const { return has_kill_; }        // the kernel has cgroup.kill
  // Re-exec in place: the previous image's directory (same pid, so detect made a second
  // one) holds the adopted instances' cgroups: it is used again (renamed to the new one's
  // name, which is dropped). Returns where `root` is now.
  std::string reuse_root(const std::string& root);
  // After the daemonizing fork: the directory detect made carries the parent's pid, which
  // is about to be gone, and another daemon's start-up sweep would take it for a dead
  // daemon's and kill the instances in it. A new one under this pid replaces it (no
  // instance has started yet).
  void follow_pid(pid_t pid);

  // The instance's cgroup, made if missing, with the program's limits written (those whose
  // controller is delegated; the others are named in `skipped`). `variant` is appended to
  // the directory's name: a surge's successor runs in a cgroup of its own while the old
  // master drains in the instance's other one.
  Result<std::string> prepare(const config::ProcessConfig& config,
                              std::vector<std::string>* skipped = nullptr,
                              std::string_view variant = {});
  // True while any process is in the cgroup (cgroup.events; a missing file reads empty).
  static bool populated(const std::string& dir);
  static std::vector<pid_t> members(const std::string& dir);
  // The same into `out` (cleared first): a scrape reuses one vector for every instance.
  static void members(const std::string& dir, std::vector<pid_t>& out);
  // memory.events' oom_kill count (0 without the memory controller).
  static int64_t oom_kills(const std::string& dir);
  // True when the instances' cgroups have the memory controller, so memory.events exists
  // (without it, a spawn need not look for the file).
  bool counts_oom() const;
  // memory.current in bytes: all memory charged to the cgroup (anonymous, page cache,
  // kernel); -1 without the memory controller.
  static int64_t memory_current(const std::string& dir);
  // CPU time of every member, living and gone, in µs (cpu.stat usage_usec; -1 if none).
  static int64_t cpu_usec(const std::string& dir);
  // Sends `sig` to every member; SIGKILL through cgroup.kill when the kernel has it.
  // Returns how many were signalled (cgroup.kill: 1 if populated).
  int signal_all(const std::string& dir, int sig) const;
  // Removes the cgroup if empty (rmdir); false if it is still there.
  static bool remove(const std::string& dir);
  // Removes this daemon's directory (at exit; what is left of instances first).
  void close();

  // Instance cgroups that a daemon that died (its supervisord.PID directory, PID gone) left
  // with processes in them, found by detect: their full paths.
  const std::vector<std::string>& leftovers() const { return leftovers_; }
  // Kills the members of the leftover cgroups (cgroup.kill, else SIGKILL to each) and
  // removes them once empty: those of instance `dir_name` (instance_dir_name), or with
  // `all_but`, every one whose name is not in the list. One log line per cgroup.
  std::vector<std::string> kill_leftover(const std::string& dir_name);
  // Keeps only the leftovers of this daemon's own previous run, whose pid its state file
  // recorded (0: unknown, none kept). Another supervisord's (a second daemon on the host,
  // with its own config and state file) are not ours to stop: its next start recovers
  // them. Returns how many were let alone.
  size_t keep_leftovers_of(pid_t previous_pid);
  std::vector<std::string> kill_leftovers(const std::vector<std::string>& all_but);

 private:
  Mode mode_ = Mode::Disabled;
  std::string reason_;
  std::string root_;
  bool has_kill_ = false;
  std::vector<std::string> controllers_;  // enabled for the instances' cgroups
  std::vector<std::string> leftovers_;
  std::vector<std::string> kill_leftovers_if(const std::function<bool(const std::string&)>& pick);
};

}  // namespace cgroup
