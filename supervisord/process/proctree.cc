#include "supervisord/process/proctree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "supervisord/process/cgroup.h"
#include "supervisord/store/proc_stat.h"

namespace proctree {

Snapshot Snapshot::take() {
  Snapshot s;
  static const long page_kb = sysconf(_SC_PAGESIZE) / 1024;
  for (const store::ProcStat& st : store::all_processes()) {
    ProcEntry p;
    p.pid = st.pid;
    p.state = st.state;
    p.ppid = st.ppid;
    p.pgid = st.pgid;
    p.rss_kb = st.rss_pages * page_kb;
    p.cpu_ticks = st.cpu_ticks;
    s.procs_[p.pid] = p;
    s.children_.emplace(p.ppid, p.pid);
    s.members_.emplace(p.pgid, p.pid);
  }
  return s;
}

const ProcEntry* Snapshot::find(pid_t pid) const {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : &it->second;
}

std::vector<pid_t> Snapshot::workers(pid_t root, pid_t pgid) const {
  std::set<pid_t> out;
  std::vector<pid_t> stack{root};
  while (!stack.empty()) {
    pid_t p = stack.back();
    stack.pop_back();
    auto [lo, hi] = children_.equal_range(p);
    for (auto it = lo; it != hi; ++it) {
      if (out.insert(it->second).second) stack.push_back(it->second);
    }
  }
  if (pgid > 0) {
    auto [lo, hi] = members_.equal_range(pgid);
    for (auto it = lo; it != hi; ++it)
      if (it->second != root) out.insert(it->second);
  }
  std::vector<pid_t> v;
  for (pid_t p : out) {
    const ProcEntry* e = find(p);
    if (e && e->state != 'Z' && p != root) v.push_back(p);
  }
  return v;
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
  auto add = [&](pid_t p) {
    const ProcEntry* e = snap.find(p);
    if (!e) return;
    m.rss_kb += e->rss_kb;
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
