// child_log.h — what happens to one channel (stdout or stderr) of one process's output:
// the AUTO/NONE/path decision and AUTO file creation (Supervisor's names), ANSI stripping,
// capture mode (capture.h), PROCESS_LOG callbacks, syslog copies, and the rotating file.
// The Process hands bytes in through on_output(); events are published by the caller via
// callbacks. Must not depend on libuv, the event bus or the Process class.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/logs/capture.h"
#include "supervisord/logs/rotating_file.h"
#include "supervisord/logs/strip_ansi.h"

namespace logs {

enum class Channel { Stdout, Stderr };
std::string_view channel_name(Channel c);  // "stdout" / "stderr"

// The daemon-wide inputs a channel log needs besides its LogConfig.
struct ChildLogContext {
  std::string process_name;
  std::string identifier = "supervisor";
  std::string childlogdir;  // where AUTO files go
  bool strip_ansi = false;
};

struct ChildLogCallbacks {
  // PROCESS_LOG_STDOUT/_STDERR: one call per chunk that was logged or captured, after ANSI
  // stripping; only made when the LogConfig has events_enabled.
  std::function<void(std::string_view data)> on_log_event;
  // PROCESS_COMMUNICATION_*: the captured bytes, once per END token.
  std::function<void(std::string data)> on_capture;
  // The file cannot be opened/written/rotated (once per failure episode).
  RotatingFile::ErrorCallback on_error;
  // Bytes the file did not take (every time some were lost; syslog copies not included).
  std::function<void(size_t bytes)> on_lost;
};

// "<dir>/<process>-<channel>---<identifier>-<8 random chars>.log", created empty with mode
// 0600 (mkstemps). Two of the 8 characters come from us because mkstemps only fills six.
Result<std::string> create_auto_log(const std::string& childlogdir, const std::string& process_name,
                                    Channel channel, const std::string& identifier);

// Deletes files in `childlogdir` whose names match Supervisor's AUTO pattern for this
// identifier (`.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`, anchored at the start only, as
// Python's re.match). The identifier is matched literally (Supervisor interpolates it into
// the regex unescaped). Returns how many files were removed; unremovable files are skipped.
int cleanup_auto_logs(const std::string& childlogdir, const std::string& identifier);

class ChildLog {
 public:
  // Resolves the file (creating an AUTO file now — Supervisor creates them when the group is
  // added) but does not keep it open: the descriptor exists only from the first output of a
  // run to the end of that run (see started()/stopped()), so a process that is not running
  // holds none. Kind::None with syslog=false gives a ChildLog that only serves events and
  // capture. Fails only when an AUTO file cannot be created; an explicit path that cannot be
  // opened is reported through on_error and retried on later writes.
  static Result<std::unique_ptr<ChildLog>> create(const config::LogConfig& config, Channel channel,
                                                  const ChildLogContext& context,
                                                  ChildLogCallbacks callbacks);

  // Bytes read from the child's pipe, in order.
  void on_output(std::string_view bytes);
  // The child is gone: log what capture mode held back waiting for a possible token.
  void flush();
  // A run begins: the file is created if missing (Supervisor opens it at spawn, so an
  // unwritable path is reported now, not at the first line), then closed again.
  void started();
  // A run ended: flush(), then close the file until the next output.
  void stopped();

  // The resolved path: "" for NONE (getProcessInfo shows it as "").
  const std::string& path() const { return path_; }
  Status reopen();  // SIGUSR2
  Status clear();   // clearProcessLogs: current file only

 private:
  ChildLog() = default;
  void route(std::string_view data);     // after stripping: capture splitting
  void log(std::string_view data);       // normal mode: file, syslog, event
  void captured(std::string_view data);  // capture mode: buffer, event

  std::string process_name_;
  std::string path_;
  bool events_enabled_ = false;
  bool syslog_ = false;
  bool strip_ = false;
  StripAnsi stripper_;
  std::unique_ptr<RotatingFile> file_;
  std::unique_ptr<CaptureSplitter> capture_;  // null unless capture_maxbytes > 0
  ChildLogCallbacks callbacks_;
};

}  // namespace logs
