// diagnosis.h — crash diagnostics (extension): why an instance will not stay up. Keeps
// the last lines a process wrote to stderr (stdout when stderr is redirected) and its
// last exits, bounded, in memory; names the exit codes of programs known to use them
// (gunicorn 3 and 4). Pure: no libuv, no files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "supervisord/process/fsm.h"

namespace diagnosis {

// The last lines of a stream, bounded by line count and bytes; a partial last line is
// kept until its newline arrives (or shown as is when asked).
class OutputTail {
 public:
  static constexpr size_t kMaxLines = 30;
  static constexpr size_t kMaxLineBytes = 512;  // longer lines are cut (marked with "…")

  void append(std::string_view bytes);
  std::vector<std::string> lines() const;  // oldest first, incl. a partial last line
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

// One ended run, as `why`, getProcessDiagnosis and the diagnosis log line show it: the
// fsm's decoded exit and what its code means to the program.
struct ExitRecord {
  fsm::ExitInfo exit;
  std::string meaning;  // what the code means to the program ("gunicorn: ..."), or ""
};

// What the exit code means to the program when it is gunicorn's (3, 4); else "".
std::string code_meaning(std::string_view command, int code);

// "exit status 4 (gunicorn: app failed to load)", "terminated by SIGSEGV (core dumped)";
// with "stopped: " in front for a run that was stopped.
std::string status_text(const ExitRecord& e);

// The diagnosis line's words after the name: "exited with status 3 after 1.5 s",
// "was terminated by SIGKILL after 6.4 s".
std::string sentence(const ExitRecord& e);

// "0.4 s", "12 s", "3 min 2 s".
std::string format_duration(int64_t ms);

}  // namespace diagnosis
