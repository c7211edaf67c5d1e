// proc_stat.cc — /proc readers behind proc_stat.h.
#include "supervisord/store/proc_stat.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/text_io.h"

namespace store {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  //  utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss ..."
  // comm is whatever the program set: the last ')' ends it. A scrape parses one per
  // process on the machine: the fields are views, nothing is allocated.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  // fields[0] is field 3 (state); utime 14 -> fields[11], stime 15 -> [12], starttime
  // 22 -> [19], rss 24 -> [21].
  constexpr size_t kNeeded = 22;
  std::string_view fields[kNeeded];
  size_t n = 0;
  std::string_view rest = text.substr(close + 1);
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
  num(text.substr(0, open), st.pid);
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

ProcDir::ProcDir() : fd_(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}

ProcDir::~ProcDir() {
  if (fd_ >= 0) ::close(fd_);
}

ssize_t ProcDir::read(pid_t pid, const char* leaf, char* buf, size_t size) const {
  if (pid <= 0) return -1;
  char path[64];
  auto r = std::to_chars(path, path + 16, pid);
  *r.ptr++ = '/';
  size_t leaf_len = std::strlen(leaf);
  if (leaf_len >= sizeof path - static_cast<size_t>(r.ptr - path)) return -1;
  std::memcpy(r.ptr, leaf, leaf_len + 1);
  int fd = ::openat(fd_, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  do n = ::read(fd, buf, size);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  return n;
}

std::optional<ProcStat> ProcDir::stat(pid_t pid) const {
  // A record is ~300 bytes; at most 52 numbers of 20 digits and a comm of 64 bytes.
  char buf[2048];
  ssize_t n = read(pid, "stat", buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  return parse_proc_stat(std::string_view(buf, static_cast<size_t>(n)));
}

int64_t ProcDir::rss_pages(pid_t pid) const {
  char buf[256];  // "size resident shared text lib data dt\n": 7 numbers
  ssize_t n = read(pid, "statm", buf, sizeof buf - 1);
  if (n <= 0) return -1;
  const char* p = static_cast<const char*>(std::memchr(buf, ' ', static_cast<size_t>(n)));
  if (!p) return -1;
  int64_t pages = -1;
  std::from_chars(p + 1, buf + n, pages);
  return pages;
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  ProcDir proc;
  if (proc.fd() < 0) return out;
  // fdopendir owns the descriptor it is given: a duplicate, `proc` keeps its own.
  int listing = ::dup(proc.fd());
  DIR* dir = listing < 0 ? nullptr : fdopendir(listing);
  if (!dir) {
    if (listing >= 0) ::close(listing);
    return out;
  }
  while (dirent* e = readdir(dir)) {
    pid_t pid = 0;
    const char* end = e->d_name + std::strlen(e->d_name);
    auto r = std::from_chars(e->d_name, end, pid);
    if (r.ec != std::errc() || r.ptr != end || pid <= 0) continue;
    if (auto st = proc.stat(pid)) out.push_back(*st);
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
