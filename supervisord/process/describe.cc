// describe.cc — getProcessInfo's description and Python's timedelta text.
#include "supervisord/process/describe.h"

#include <time.h>

#include <charconv>

namespace {

// Appends format_uptime(s) to out; without printf, as getAllProcessInfo writes one for
// every running process.
void append_uptime(std::string& out, int64_t s) {
  if (s < 0) s = 0;
  int64_t days = s / 86400, rest = s % 86400;
  char buf[48];
  char* end = buf + sizeof buf;
  if (days != 0) {
    end = std::to_chars(buf, end, days).ptr;
    out.append(buf, end);
    out += days == 1 ? " day, " : " days, ";
  }
  end = std::to_chars(buf, buf + sizeof buf, rest / 3600).ptr;
  for (int64_t two : {rest / 60 % 60, rest % 60}) {
    *end++ = ':';
    *end++ = static_cast<char>('0' + two / 10);
    *end++ = static_cast<char>('0' + two % 10);
  }
  out.append(buf, end);
}

}  // namespace

std::string format_uptime(int64_t s) {
  std::string out;
  append_uptime(out, s);
  return out;
}

std::string process_description(ProcessState state, pid_t pid, int64_t start_s, int64_t stop_s,
                                int64_t now_s, const std::string& spawnerr,
                                const std::string& name) {
  switch (state) {
    case ProcessState::Running: {
      std::string out = "pid ";
      out += std::to_string(pid);
      out += ", uptime ";
      append_uptime(out, now_s - start_s);
      return out;
    }
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
