#include "supervisord/process/proctree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "supervisord/process/cgroup.h"
#include "supervisord/store/proc_stat.h"

namespace proctree {

Snapshot Snapshot::take() {
  Snapshot s;
  static const long page_kb = sysconf(_SC_PAGESIZE) / 1024;
  std::vector<store::ProcStat> all = store::all_processes();
  s.procs_.reserve(all.size());
  s.children_.reserve(all.size());
  s.members_.reserve(all.size());
  for (const store::ProcStat& st : all) {
    ProcEntry p;
    p.pid = st.pid;
    p.state = st.state;
    p.ppid = st.ppid;
    p.pgid = st.pgid;
    p.rss_kb = st.rss_pages * page_kb;
    p.cpu_ticks = st.cpu_ticks;
    s.procs_.push_back(p);
    s.children_.emplace_back(p.ppid, p.pid);
    s.members_.emplace_back(p.pgid, p.pid);
  }
  // /proc lists pids in order: the sorts find them sorted already, bar a wrap-around.
  auto by_pid = [](const ProcEntry& a, const ProcEntry& b) { return a.pid < b.pid; };
  if (!std::is_sorted(s.procs_.begin(), s.procs_.end(), by_pid))
    std::sort(s.procs_.begin(), s.procs_.end(), by_pid);
  std::sort(s.children_.begin(), s.children_.end());
  std::sort(s.members_.begin(), s.members_.end());
  return s;
}

const ProcEntry* Snapshot::find(pid_t pid) const {
  auto it = std::lower_bound(procs_.begin(), procs_.end(), pid,
                             [](const ProcEntry& e, pid_t p) { return e.pid < p; });
  return it == procs_.end() || it->pid != pid ? nullptr : &*it;
}

namespace {
// The pids paired with `key` in a sorted (key, pid) vector.
std::pair<std::vector<std::pair<pid_t, pid_t>>::const_iterator,
          std::vector<std::pair<pid_t, pid_t>>::const_iterator>
paired(const std::vector<std::pair<pid_t, pid_t>>& v, pid_t key) {
  auto lo = std::lower_bound(v.begin(), v.end(), std::pair<pid_t, pid_t>{key, 0});
  auto hi = std::lower_bound(lo, v.end(), std::pair<pid_t, pid_t>{key + 1, 0});
  return {lo, hi};
}
}  // namespace

std::vector<pid_t> Snapshot::workers(pid_t root, pid_t pgid) const {
  std::vector<pid_t> out;
  auto add_children = [&](pid_t p) {
    auto [lo, hi] = paired(children_, p);
    for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  };
  add_children(root);
  // Breadth first. Parent links read at different instants could loop (a pid reused during
  // the scan): no walk visits more entries than the snapshot holds.
  for (size_t i = 0; i < out.size() && out.size() <= procs_.size(); ++i) add_children(out[i]);
  if (pgid > 0) {
    auto [lo, hi] = paired(members_, pgid);
    for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::erase_if(out, [&](pid_t p) {
    const ProcEntry* e = find(p);
    return p == root || !e || e->state == 'Z';
  });
  return out;
}

int64_t pss_kb(pid_t pid) {
  auto text = store::read_proc_record("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!text) return -1;
  auto at = text->find("\nPss:");
  if (at == std::string::npos) return -1;
  return std::strtoll(text->c_str() + at + 5, nullptr, 10);
}

int open_fds(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  // Linux 6.2 and later give the count as the directory's size: one stat, no listing.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  if (st.st_size > 0) return static_cast<int>(st.st_size);
  DIR* dir = opendir(path.c_str());
  if (!dir) return -1;
  int n = 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n;
}

TreeMemory tree_memory(const Snapshot& snap, pid_t master, const std::vector<pid_t>& workers,
                       const std::string& cgroup_dir) {
  TreeMemory m;
  if (!cgroup_dir.empty())
    if (int64_t bytes = cgroup::Manager::memory_current(cgroup_dir); bytes >= 0)
      m.cgroup_kb = bytes / 1024;
  int64_t pss = 0;
  bool pss_ok = true;
  static const int64_t page_kb = sysconf(_SC_PAGESIZE) / 1024;
  // RSS as /metrics reads it: in a cgroup statm per member (since Linux 6.2 stat's RSS is
  // the per-CPU counters' approximation: a just-forked worker 76 pages vs statm's 115),
  // else the scan's stat.
  std::optional<store::ProcDir> proc;
  if (!cgroup_dir.empty()) proc.emplace();
  auto add = [&](pid_t p) {
    const ProcEntry* e = snap.find(p);
    if (!e) return;
    int64_t pages = proc ? proc->rss_pages(p) : -1;
    m.rss_kb += pages >= 0 ? pages * page_kb : e->rss_kb;
    m.cpu_ticks += e->cpu_ticks;
    int64_t v = pss_kb(p);
    if (v < 0)
      pss_ok = false;
    else
      pss += v;
  };
  if (master > 0) add(master);
  for (pid_t w : workers) add(w);
  if (pss_ok && master > 0) m.pss_kb = pss;
  return m;
}

}  // namespace proctree
