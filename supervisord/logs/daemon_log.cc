// daemon_log.cc — see daemon_log.h.
#include "supervisord/logs/daemon_log.h"

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

#include "common/text_io.h"
#include "supervisord/logs/rotating_file.h"
#include "supervisord/logs/syslog_client.h"

namespace logs {

namespace {

// %* is Supervisor's level name: spdlog has six levels, Supervisor seven (TRAC and BLAT
// both map to spdlog's trace), so the name travels beside the message instead.
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S,%e %* %v";

using NullMutex = spdlog::details::null_mutex;

class LevelNameFlag : public spdlog::custom_flag_formatter {
 public:
  explicit LevelNameFlag(const std::string_view* name) : name_(name) {}
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.append(name_->data(), name_->data() + name_->size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelNameFlag>(name_);
  }

 private:
  const std::string_view* name_;
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string_view* name) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<LevelNameFlag>('*', name).set_pattern(kPattern);
  return f;
}

// stdout / stderr through write(2): no stdio buffer to lose at fork or _exit.
class FdSink : public spdlog::sinks::base_sink<NullMutex> {
 public:
  explicit FdSink(int fd) : fd_(fd) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    textio::write_all(fd_, std::string_view(buf.data(), buf.size()));
  }
  void flush_() override {}

 private:
  int fd_;
};

class FileSink : public spdlog::sinks::base_sink<NullMutex> {
 public:
  explicit FileSink(std::shared_ptr<RotatingFile> file) : file_(std::move(file)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    file_->write(std::string_view(buf.data(), buf.size()));
  }
  void flush_() override {}

 private:
  std::shared_ptr<RotatingFile> file_;
};

// One syslog record per line of the message, each formatted like a file line.
class SyslogSink : public spdlog::sinks::base_sink<NullMutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    SyslogClient::for_each_line(text, [&](std::string_view payload) {
      spdlog::details::log_msg line = msg;
      line.payload = payload;
      spdlog::memory_buf_t buf;
      formatter_->format(line, buf);
      // The line's newline is kept: Supervisor's records end with one too.
      SyslogClient::instance().send(priority(msg.level), std::string_view(buf.data(), buf.size()));
    });
  }
  void flush_() override {}

 private:
  static int priority(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::critical:
        return LOG_CRIT;
      case spdlog::level::err:
        return LOG_ERR;
      case spdlog::level::warn:
        return LOG_WARNING;
      case spdlog::level::info:
        return LOG_INFO;
      default:
        return LOG_DEBUG;
    }
  }
};

spdlog::level::level_enum to_spdlog(int level) {
  if (level >= kLevelCritical) return spdlog::level::critical;
  if (level >= kLevelError) return spdlog::level::err;
  if (level >= kLevelWarn) return spdlog::level::warn;
  if (level >= kLevelInfo) return spdlog::level::info;
  if (level >= kLevelDebug) return spdlog::level::debug;
  return spdlog::level::trace;
}

std::shared_ptr<spdlog::logger> make_logger(std::vector<spdlog::sink_ptr> sinks,
                                            const std::string_view* name) {
  for (auto& sink : sinks) sink->set_formatter(make_formatter(name));
  // Not registered in spdlog's global registry: the daemon owns its one logger.
  auto logger = std::make_shared<spdlog::logger>("supervisord", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);  // filtering is ours, by Supervisor's numbers
  return logger;
}

}  // namespace

std::string_view level_name(int level) {
  if (level >= kLevelCritical) return "CRIT";
  if (level >= kLevelError) return "ERRO";
  if (level >= kLevelWarn) return "WARN";
  if (level >= kLevelInfo) return "INFO";
  if (level >= kLevelDebug) return "DEBG";
  if (level >= kLevelTrace) return "TRAC";
  return "BLAT";
}

DaemonLog::DaemonLog()
    : logger_(make_logger({std::make_shared<FdSink>(STDERR_FILENO)}, &current_name_)) {}

DaemonLog::~DaemonLog() = default;

Status DaemonLog::open(const std::string& path, int64_t maxbytes, int backups, int level,
                       bool echo_stdout) {
  std::vector<spdlog::sink_ptr> sinks;
  std::shared_ptr<RotatingFile> file;
  if (path == "syslog") {
    sinks.push_back(std::make_shared<SyslogSink>());
  } else {
    // Runtime write errors (disk full) can only go to stderr, once per episode.
    file = std::make_shared<RotatingFile>(path, maxbytes, backups,
                                          [](const std::string&, const std::string& message) {
                                            std::string line = message + "\n";
                                            textio::write_all(STDERR_FILENO, line);
                                          });
    Status s = file->open();
    if (!s) return s;
    sinks.push_back(std::make_shared<FileSink>(file));
  }
  if (echo_stdout) sinks.push_back(std::make_shared<FdSink>(STDOUT_FILENO));
  path_ = path;
  level_ = level;
  file_ = std::move(file);
  logger_ = make_logger(std::move(sinks), &current_name_);
  return Status::success();
}

void DaemonLog::log(int level, std::string_view text) {
  if (!enabled(level)) return;
  current_name_ = level_name(level);
  logger_->log(to_spdlog(level), "{}", text);
}

Status DaemonLog::reopen() {
  return file_ ? file_->reopen() : Status::success();
}

Status DaemonLog::clear() {
  if (!file_) return Status::fail("no log file");
  return file_->clear();
}

}  // namespace logs
