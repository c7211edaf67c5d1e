// upgrade.h — follow_upgrade (extension): finding the master a program started in place of
// its own (gunicorn's USR2: the old master forks and execs a new one, then exits when told
// to). When the old master exits, the new one is ours (supervisord is a child subreaper)
// and still in the instance's process group. Reads /proc; no libuv, no Process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

namespace upgrade {

struct StatFields {
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';
};
// /proc/PID/stat's text -> ppid, pgrp, state (the command may hold spaces and ')').
std::optional<StatFields> parse_stat(std::string_view text);
// /proc/PID/environ's text (NUL-separated) holds `GUNICORN_PID=<old>`.
bool names_old_master(std::string_view environ, pid_t old);

// Of `candidates` (our children in the group, not the old master), the successor: the one
// whose environment names the old master, else the only one; 0 when none or ambiguous.
// `names_old` says whether a candidate's environment names the old master.
pid_t choose(const std::vector<pid_t>& candidates, const std::vector<bool>& names_old);

// Scans /proc: live processes of group `pgid` whose parent is `self`, not `old`; then
// choose().
pid_t find_successor(pid_t old, pid_t pgid, pid_t self);

}  // namespace upgrade
