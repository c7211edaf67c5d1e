// proctree.h — what an instance is made of right now, read from /proc: its master, the
// workers it forked (descendants, plus members of its process group that outlived their
// parent), and the memory of the whole tree (RSS; PSS where smaps_rollup exists). One
// scan of /proc serves every instance of a status call; where the instance has a cgroup
// with the memory controller, its memory.current too. Linux only; no libuv.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace proctree {

struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';
  int64_t rss_kb = 0;
  uint64_t cpu_ticks = 0;  // user + system, clock ticks
};

// A snapshot of every process visible in /proc.
class Snapshot {
 public:
  static Snapshot take();
  const ProcEntry* find(pid_t pid) const;
  // Descendants of `root` plus live members of process group `pgid` (not `root` itself),
  // sorted by pid. Zombies are left out.
  std::vector<pid_t> workers(pid_t root, pid_t pgid) const;

 private:
  // Sorted vectors, not maps: a scrape takes one of every process on the machine, and a
  // node per process cost more than reading it.
  std::vector<ProcEntry> procs_;                   // by pid
  std::vector<std::pair<pid_t, pid_t>> children_;  // (ppid, pid), sorted
  std::vector<std::pair<pid_t, pid_t>> members_;   // (pgid, pid), sorted
};

// PSS of one process in kB from /proc/PID/smaps_rollup; -1 when unavailable.
int64_t pss_kb(pid_t pid);

// Open descriptors of one process (entries of /proc/PID/fd); -1 when unreadable.
int open_fds(pid_t pid);

struct TreeMemory {
  int64_t rss_kb = 0;
  int64_t pss_kb = -1;     // -1: smaps_rollup unavailable for some member
  uint64_t cpu_ticks = 0;  // user + system CPU of the members alive now
  // Extension (cgroups): memory.current of the instance's cgroup in kB; -1 when it is not
  // contained or the memory controller is not delegated.
  int64_t cgroup_kb = -1;
  // The tree's memory: the cgroup's count where there is one (it also sees members that
  // left the process tree, and page cache), else the members' RSS from /proc.
  int64_t memory_kb() const { return cgroup_kb >= 0 ? cgroup_kb : rss_kb; }
};
// `cgroup_dir`: the instance's cgroup (Process::cgroup_dir; "" = not contained), read for
// cgroup_kb.
TreeMemory tree_memory(const Snapshot& snap, pid_t master, const std::vector<pid_t>& workers,
                       const std::string& cgroup_dir = {});

}  // namespace proctree
