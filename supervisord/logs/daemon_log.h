// daemon_log.h — supervisord's own (activity) log on top of spdlog: Supervisor's line
// format `YYYY-MM-DD HH:MM:SS,mmm LEVL message` (local time), its level numbers and names,
// rotation through RotatingFile (x.log.1 … x.log.N, not spdlog's x.1.log), a copy on stdout
// in the foreground, `logfile=syslog`, reopen and clear. Before open() lines go to stderr.
// Single-threaded (the loop thread). Must not depend on libuv or the config model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace spdlog {
class logger;
}

namespace logs {

// Supervisor's level numbers ([supervisord] loglevel, config::SupervisordConfig::loglevel).
inline constexpr int kLevelCritical = 50;
inline constexpr int kLevelError = 40;
inline constexpr int kLevelWarn = 30;
inline constexpr int kLevelInfo = 20;
inline constexpr int kLevelDebug = 10;
inline constexpr int kLevelTrace = 5;
inline constexpr int kLevelBlather = 3;

// "CRIT" "ERRO" "WARN" "INFO" "DEBG" "TRAC" "BLAT": the name of the highest level <= n.
std::string_view level_name(int level);

class RotatingFile;

class DaemonLog {
 public:
  DaemonLog();
  ~DaemonLog();
  DaemonLog(const DaemonLog&) = delete;
  DaemonLog& operator=(const DaemonLog&) = delete;

  // path "syslog": the local syslog socket (SyslogClient: never blocks), one record per
  // message line, formatted like a file line, at the priority of its level.
  // maxbytes 0: never rotate. echo_stdout: nodaemon && !silent. On failure the log stays
  // on stderr and the error says why (the caller reports it and exits).
  Status open(const std::string& path, int64_t maxbytes, int backups, int level, bool echo_stdout);

  // Written when level >= the configured level. `text` may span lines (child output echo).
  void log(int level, std::string_view text);
  void critical(std::string_view text) { log(kLevelCritical, text); }
  void error(std::string_view text) { log(kLevelError, text); }
  void warn(std::string_view text) { log(kLevelWarn, text); }
  void info(std::string_view text) { log(kLevelInfo, text); }
  void debug(std::string_view text) { log(kLevelDebug, text); }
  void trace(std::string_view text) { log(kLevelTrace, text); }
  void blather(std::string_view text) { log(kLevelBlather, text); }

  bool enabled(int level) const { return level >= level_; }
  int level() const { return level_; }
  void set_level(int level) { level_ = level; }

  // "" before open(), "syslog", or the file path (readLog / clearLog / getProcessInfo).
  const std::string& path() const { return path_; }
  Status reopen();  // SIGUSR2
  Status clear();   // clearLog: delete and reopen the current file (backups stay)

 private:
  std::string path_;
  int level_ = kLevelInfo;
  std::string_view current_name_;  // read by the "%*" flag while a line is formatted
  std::shared_ptr<RotatingFile> file_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace logs
