#include "supervisord/proctree.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

namespace proctree {
namespace {

bool read_small(const std::string& path, std::string& out) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return false;
  char buf[4096];
  size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  out.assign(buf, n);
  return true;
}

}  // namespace

Snapshot Snapshot::take() {
  Snapshot s;
  static const long page_kb = sysconf(_SC_PAGESIZE) / 1024;
  DIR* d = opendir("/proc");
  if (!d) return s;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::string stat;
    if (!read_small("/proc/" + std::string(e->d_name) + "/stat", stat)) continue;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    ProcEntry p;
    p.pid = static_cast<pid_t>(pid);
    long ppid = 0, pgid = 0, rss = 0;
    char state = '?';
    // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime priority nice num_threads itrealvalue starttime vsize rss
    if (std::sscanf(stat.c_str() + close + 2,
                    "%c %ld %ld %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
                    "%*u %*u %ld",
                    &state, &ppid, &pgid, &rss) < 3)
      continue;
    p.state = state;
    p.ppid = static_cast<pid_t>(ppid);
    p.pgid = static_cast<pid_t>(pgid);
    p.rss_kb = rss * page_kb;
    s.procs_[p.pid] = p;
    s.children_.emplace(p.ppid, p.pid);
  }
  closedir(d);
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
  if (pgid > 0)
    for (const auto& [pid, e] : procs_)
      if (e.pgid == pgid && pid != root) out.insert(pid);
  std::vector<pid_t> v;
  for (pid_t p : out) {
    const ProcEntry* e = find(p);
    if (e && e->state != 'Z' && p != root) v.push_back(p);
  }
  return v;
}

int64_t pss_kb(pid_t pid) {
  std::string text;
  if (!read_small("/proc/" + std::to_string(pid) + "/smaps_rollup", text)) return -1;
  auto at = text.find("\nPss:");
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + 5, nullptr, 10);
}

TreeMemory tree_memory(const Snapshot& snap, pid_t master, const std::vector<pid_t>& workers) {
  TreeMemory m;
  int64_t pss = 0;
  bool pss_ok = true;
  auto add = [&](pid_t p) {
    const ProcEntry* e = snap.find(p);
    if (!e) return;
    m.rss_kb += e->rss_kb;
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
