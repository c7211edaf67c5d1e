// proc_stat.h — what /proc says about a pid: its state letter, process group and start
// time (clock ticks since boot, field 22 of /proc/PID/stat), the members of a process
// group, and this boot's id. A pid alone is never trusted: pid + start time names one
// process for as long as the machine is up (crash recovery, store/recovery.h).
// Must not depend on: uv.h, sqlite, the Supervisor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace store {

struct ProcStat {
  pid_t pid = 0;
  char state = '?';  // R S D Z T ...; 'Z' (zombie) counts as gone
  pid_t ppid = 0;
  pid_t pgid = 0;
  uint64_t start_ticks = 0;
  int64_t rss_pages = 0;   // field 24
  uint64_t cpu_ticks = 0;  // utime + stime (fields 14 and 15), clock ticks
  bool alive() const { return state != 'Z' && state != 'X'; }
};

// Parses one /proc/PID/stat text (the comm field may hold spaces and parentheses).
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// A /proc file made of one record (PID/stat, PID/smaps_rollup): procfs hands a whole record
// to one read, so a read shorter than the buffer is the end: open, read, close, where a
// generic reader needs a second read to see EOF (a scrape makes one per process).
std::optional<std::string> read_proc_record(const std::string& path);
// nullopt when the pid does not exist (or /proc is unreadable).
std::optional<ProcStat> read_proc_stat(pid_t pid);

// Reads of many pids in a row (a scrape): each file is opened relative to one descriptor
// of /proc, its path written on the stack, its text read into a caller's buffer; nothing
// is allocated per pid. Opening the directory once saves the walk to /proc per file.
class ProcDir {
 public:
  ProcDir();  // opens /proc (O_DIRECTORY); fd() < 0 if that failed
  ~ProcDir();
  ProcDir(const ProcDir&) = delete;
  ProcDir& operator=(const ProcDir&) = delete;
  int fd() const { return fd_; }
  // /proc/PID/`leaf` into `buf` (one read: a record file): its length, -1 if unreadable,
  // `size` if the record did not fit.
  ssize_t read(pid_t pid, const char* leaf, char* buf, size_t size) const;
  // /proc/PID/stat parsed; nullopt when the pid does not exist.
  std::optional<ProcStat> stat(pid_t pid) const;
  // Resident pages (the second field of /proc/PID/statm; /proc/PID/stat's RSS is the same
  // counter, but since Linux 6.2 read without summing its per-CPU parts: off by up to
  // tens of pages); -1 when the pid does not exist. 0 for a zombie.
  int64_t rss_pages(pid_t pid) const;

 private:
  int fd_ = -1;
};
// Every process /proc lists (zombies included), in /proc order.
std::vector<ProcStat> all_processes();
// Live (non-zombie) processes whose process group is `pgid`, in /proc order.
std::vector<ProcStat> group_members(pid_t pgid);
// /proc/sys/kernel/random/boot_id, "" if unreadable: start ticks only compare within a boot.
std::string boot_id();

}  // namespace store
