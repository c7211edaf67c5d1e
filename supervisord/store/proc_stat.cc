// proc_stat.cc — /proc readers behind proc_stat.h.
#include "supervisord/store/proc_stat.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "common/text_io.h"

namespace store {

std::optional<ProcStat> parse_proc_stat(const std::string& text) {
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  //  utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss ..."
  // comm is whatever the program set: the last ')' ends it. A scrape parses one per
  // process on the machine: the fields are views, nothing is allocated.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  // fields[0] is field 3 (state); utime 14 -> fields[11], stime 15 -> [12], starttime
  // 22 -> [19], rss 24 -> [21].
  constexpr size_t kNeeded = 22;
  std::string_view fields[kNeeded];
  size_t n = 0;
  std::string_view rest = std::string_view(text).substr(close + 1);
  while (n < kNeeded) {
    size_t b = rest.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) break;
    size_t e = rest.find_first_of(" \t\n", b);
    fields[n++] = rest.substr(b, e == std::string_view::npos ? e : e - b);
    if (e == std::string_view::npos) break;
    rest.remove_prefix(e);
  }
  if (n < kNeeded || fields[0].size() != 1) return std::nullopt;
  auto num = [](std::string_view f, auto& out) {
    std::from_chars(f.data(), f.data() + f.size(), out);
  };
  ProcStat st;
  num(std::string_view(text).substr(0, open), st.pid);
  st.state = fields[0][0];
  num(fields[1], st.ppid);
  num(fields[2], st.pgid);
  num(fields[19], st.start_ticks);
  num(fields[21], st.rss_pages);
  uint64_t utime = 0, stime = 0;
  num(fields[11], utime);
  num(fields[12], stime);
  st.cpu_ticks = utime + stime;
  return st;
}

std::optional<std::string> read_proc_record(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[8192];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return std::nullopt;
  // A record larger than the buffer: read it again, whole.
  if (static_cast<size_t>(n) == sizeof buf) return textio::read_file(path);
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = read_proc_record("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text);
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  DIR* dir = opendir("/proc");
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (auto st = read_proc_stat(static_cast<pid_t>(pid))) out.push_back(*st);
  }
  closedir(dir);
  return out;
}

std::vector<ProcStat> group_members(pid_t pgid) {
  std::vector<ProcStat> out;
  if (pgid <= 0) return out;
  for (ProcStat& st : all_processes())
    if (st.pgid == pgid && st.alive()) out.push_back(st);
  return out;
}

std::string boot_id() {
  auto text = textio::read_file("/proc/sys/kernel/random/boot_id");
  if (!text) return "";
  return text->substr(0, text->find('\n'));
}

}  // namespace store
