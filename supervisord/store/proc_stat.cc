// proc_stat.cc — /proc readers behind proc_stat.h.
#include "supervisord/store/proc_stat.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>

#include "common/text_io.h"

namespace store {

std::optional<ProcStat> parse_proc_stat(const std::string& text) {
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  //  utime stime cutime cstime priority nice threads itrealvalue starttime ..."
  // comm is whatever the program set: the last ')' ends it.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcStat st;
  st.pid = static_cast<pid_t>(std::strtol(text.c_str(), nullptr, 10));
  std::vector<std::string> fields = textio::words(std::string_view(text).substr(close + 1));
  // fields[0] is field 3 (state); utime 14 -> fields[11], stime 15 -> [12], starttime
  // 22 -> [19], rss 24 -> [21].
  if (fields.size() < 22 || fields[0].size() != 1) return std::nullopt;
  st.state = fields[0][0];
  st.ppid = static_cast<pid_t>(std::strtol(fields[1].c_str(), nullptr, 10));
  st.pgid = static_cast<pid_t>(std::strtol(fields[2].c_str(), nullptr, 10));
  st.start_ticks = std::strtoull(fields[19].c_str(), nullptr, 10);
  st.rss_pages = std::strtoll(fields[21].c_str(), nullptr, 10);
  st.cpu_ticks = std::strtoull(fields[11].c_str(), nullptr, 10) +
                 std::strtoull(fields[12].c_str(), nullptr, 10);
  return st;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = textio::read_file("/proc/" + std::to_string(pid) + "/stat");
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
