// describe.cc — getProcessInfo's description and Python's timedelta text.
#include "supervisord/process/describe.h"

#include <time.h>

#include <cstdio>

std::string format_uptime(int64_t s) {
  if (s < 0) s = 0;
  int64_t days = s / 86400, rest = s % 86400;
  char hms[32];
  snprintf(hms, sizeof hms, "%lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
           static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  if (days == 0) return hms;
  return std::to_string(days) + (days == 1 ? " day, " : " days, ") + hms;
}

std::string process_description(ProcessState state, pid_t pid, int64_t start_s, int64_t stop_s,
                                int64_t now_s, const std::string& spawnerr,
                                const std::string& name) {
  switch (state) {
    case ProcessState::Running:
      return "pid " + std::to_string(pid) + ", uptime " + format_uptime(now_s - start_s);
    case ProcessState::Backoff:
    case ProcessState::Fatal:
      return spawnerr.empty() ? "unknown error (try \"tail " + name + "\")" : spawnerr;
    case ProcessState::Stopped:
    case ProcessState::Exited: {
      if (start_s == 0) return "Not started";
      time_t t = static_cast<time_t>(stop_s);
      struct tm tm;
      localtime_r(&t, &tm);
      char buf[64];
      strftime(buf, sizeof buf, "%b %d %I:%M %p", &tm);
      return buf;
    }
    default:
      return "";
  }
}
