// upgrade.cc — follow_upgrade: the successor of an exited master, read from /proc.
#include "supervisord/zero_downtime/upgrade.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace upgrade {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::optional<StatFields> parse_stat(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string rest(text.substr(close + 1));  // " S PPID PGRP ..."
  const char* p = rest.c_str();
  while (*p == ' ') ++p;
  if (!*p) return std::nullopt;
  StatFields f;
  f.state = *p++;
  char* end = nullptr;
  long ppid = std::strtol(p, &end, 10);
  if (end == p) return std::nullopt;
  p = end;
  long pgid = std::strtol(p, &end, 10);
  if (end == p) return std::nullopt;
  f.ppid = static_cast<pid_t>(ppid);
  f.pgid = static_cast<pid_t>(pgid);
  return f;
}

bool names_old_master(std::string_view environ, pid_t old) {
  std::string want = "GUNICORN_PID=" + std::to_string(old);
  size_t at = 0;
  while (at < environ.size()) {
    size_t end = environ.find('\0', at);
    if (end == std::string_view::npos) end = environ.size();
    if (environ.substr(at, end - at) == want) return true;
    at = end + 1;
  }
  return false;
}

pid_t choose(const std::vector<pid_t>& candidates, const std::vector<bool>& names_old) {
  pid_t named = 0;
  int count = 0;
  for (size_t i = 0; i < candidates.size() && i < names_old.size(); ++i) {
    if (!names_old[i]) continue;
    named = candidates[i];
    ++count;
  }
  if (count == 1) return named;
  if (count == 0 && candidates.size() == 1) return candidates[0];
  return 0;
}

pid_t find_successor(pid_t old, pid_t pgid, pid_t self) {
  std::vector<pid_t> candidates;
  std::vector<bool> names_old;
  DIR* d = opendir("/proc");
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end || pid == old) continue;
    std::string dir = "/proc/" + std::string(e->d_name);
    auto st = parse_stat(slurp(dir + "/stat"));
    if (!st || st->ppid != self || st->pgid != pgid || st->state == 'Z') continue;
    candidates.push_back(static_cast<pid_t>(pid));
    names_old.push_back(names_old_master(slurp(dir + "/environ"), old));
  }
  closedir(d);
  return choose(candidates, names_old);
}

}  // namespace upgrade
