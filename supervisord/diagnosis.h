// diagnosis.h — crash diagnostics (extension): why an instance will not stay up. Keeps
// the last lines a process wrote to stderr (stdout when stderr is redirected) and its
// last exits, bounded, in memory; names the exit codes of programs known to use them
// (gunicorn 3 and 4). Pure: no libuv, no files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace diagnosis {

// The last lines of a stream, bounded by line count and bytes; a partial last line is
// kept until its newline arrives (or shown as is when asked).
class OutputTail {
 public:
  static constexpr size_t kMaxLines = 30;
  static constexpr size_t kMaxLineBytes = 512;   // longer lines are cut (marked with "…")

  void append(std::string_view bytes);
  std::vector<std::string> lines() const;   // oldest first, incl. a partial last line
  // The last line that is not blank.
  std::string last_line() const;
  void clear();

 private:
  void push_line(std::string line);
  // A ring of at most kMaxLines, oldest at head_; empty (no allocation) until the
  // process writes a line.
  std::vector<std::string> lines_;
  size_t head_ = 0;
  std::string partial_;
};

struct ExitRecord {
  int64_t time_ms = 0;    // when it exited (epoch ms)
  int64_t lived_ms = 0;   // since its spawn
  std::string status;     // "exit status 4" / "terminated by SIGKILL"
};

// "exit status 4 (gunicorn: app failed to load)" when the command is gunicorn's and the
// code means something to it; else `status` unchanged.
std::string explain_status(std::string_view command, std::string_view status);

// "0.4 s", "12 s", "3 min 2 s".
std::string format_duration(int64_t ms);

// The parenthesized part of Supervisor's exit log lines: "exited: x (exit status 1; not
// expected)" -> "exit status 1"; "stopped: x (terminated by SIGTERM)" -> "terminated by
// SIGTERM". Empty for other lines.
std::string status_from_log_line(std::string_view line);

}  // namespace diagnosis
