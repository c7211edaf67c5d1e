// child_log.cc — see child_log.h.
#include "supervisord/logs/child_log.h"

#include <dirent.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "supervisord/logs/syslog_client.h"

namespace logs {

namespace {

// Python's tempfile alphabet, for the two characters mkstemps does not choose.
constexpr std::string_view kNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr std::string_view kAutoSuffix = ".log";

bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// Supervisor's `re.match('.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}', name)`: anchored at
// the start only, and the optional tail can match nothing, so it reduces to: "---<id>-" after
// at least one character (no newline before it), then one or more non-space characters and
// ".log". Hand-written because GCC 12's <regex> trips -Wmaybe-uninitialized under ASan.
bool is_auto_log_name(std::string_view name, std::string_view identifier) {
  const std::string marker = "---" + std::string(identifier) + "-";
  for (size_t at = name.find(marker, 1); at != std::string_view::npos;
       at = name.find(marker, at + 1)) {
    if (name.substr(0, at).find('\n') != std::string_view::npos) return false;
    size_t p = at + marker.size();
    // \S+ then ".log": the run must be non-empty and unbroken by whitespace up to ".log".
    for (size_t dot = name.find(".log", p + 1); dot != std::string_view::npos;
         dot = name.find(".log", dot + 1)) {
      bool unbroken = true;
      for (size_t i = p; i < dot; ++i) unbroken = unbroken && !is_space(name[i]);
      if (unbroken) return true;
    }
  }
  return false;
}

}  // namespace

std::string_view channel_name(Channel c) {
  return c == Channel::Stdout ? "stdout" : "stderr";
}

Result<std::string> create_auto_log(const std::string& childlogdir, const std::string& process_name,
                                    Channel channel, const std::string& identifier) {
  std::random_device rd;
  std::string name = childlogdir;
  if (name.empty() || name.back() != '/') name.push_back('/');
  name += process_name;
  name += '-';
  name += channel_name(channel);
  name += "---";
  name += identifier;
  name += '-';
  for (int i = 0; i < 2; ++i) name.push_back(kNameChars[rd() % kNameChars.size()]);
  name += "XXXXXX";
  name += kAutoSuffix;
  std::vector<char> buf(name.begin(), name.end());
  buf.push_back('\0');
  int fd = ::mkstemps(buf.data(), static_cast<int>(kAutoSuffix.size()));
  if (fd < 0) {
    return Result<std::string>::fail("cannot create AUTO log '" + name + "' for '" + process_name +
                                     "': " + std::strerror(errno));
  }
  ::close(fd);
  return std::string(buf.data());
}

int cleanup_auto_logs(const std::string& childlogdir, const std::string& identifier) {
  DIR* dir = ::opendir(childlogdir.c_str());
  if (dir == nullptr) return 0;
  std::string base = childlogdir;
  if (base.empty() || base.back() != '/') base.push_back('/');
  int removed = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (!is_auto_log_name(name, identifier)) continue;
    if (::unlink((base + name).c_str()) == 0) ++removed;
  }
  ::closedir(dir);
  return removed;
}

Result<std::unique_ptr<ChildLog>> ChildLog::create(const config::LogConfig& config, Channel channel,
                                                   const ChildLogContext& context,
                                                   ChildLogCallbacks callbacks) {
  std::unique_ptr<ChildLog> log(new ChildLog());
  log->process_name_ = context.process_name;
  log->events_enabled_ = config.events_enabled;
  log->syslog_ = config.syslog;
  log->strip_ = context.strip_ansi;
  log->callbacks_ = std::move(callbacks);
  using Kind = values::LogfileName::Kind;
  switch (config.file.kind) {
    case Kind::Auto: {
      auto path =
          create_auto_log(context.childlogdir, context.process_name, channel, context.identifier);
      if (!path) return Result<std::unique_ptr<ChildLog>>::fail(path.error());
      log->path_ = std::move(*path);
      break;
    }
    case Kind::Path:
      log->path_ = config.file.path;
      break;
    case Kind::Syslog:  // the loader's job, tolerated here: deprecated spelling of syslog=true
      log->syslog_ = true;
      break;
    case Kind::None:
      break;
  }
  if (!log->path_.empty()) {
    log->file_ = std::make_unique<RotatingFile>(log->path_, config.maxbytes, config.backups,
                                                log->callbacks_.on_error);
  }
  if (config.capture_maxbytes > 0)
    log->capture_ = std::make_unique<CaptureSplitter>(config.capture_maxbytes);
  return log;
}

void ChildLog::log(std::string_view data) {
  if (data.empty()) return;
  if (file_)
    if (size_t lost = file_->write(data); lost > 0 && callbacks_.on_lost) callbacks_.on_lost(lost);
  if (syslog_) {
    // One syslog record per line, "<process> <line>", as Supervisor's handler.
    SyslogClient::for_each_line(data, [&](std::string_view line) {
      std::string record;
      record.reserve(process_name_.size() + 1 + line.size());
      record.append(process_name_).append(1, ' ').append(line);
      SyslogClient::instance().send(LOG_INFO, record);
    });
  }
  if (events_enabled_ && callbacks_.on_log_event) callbacks_.on_log_event(data);
}

void ChildLog::captured(std::string_view data) {
  if (events_enabled_ && callbacks_.on_log_event) callbacks_.on_log_event(data);
}

void ChildLog::on_output(std::string_view bytes) {
  std::string stripped;
  if (strip_) {
    stripped = stripper_.feed(bytes);
    bytes = stripped;
  }
  route(bytes);
}

void ChildLog::route(std::string_view bytes) {
  if (!capture_) {
    log(bytes);
    return;
  }
  for (auto& segment : capture_->feed(bytes)) {
    switch (segment.kind) {
      case CaptureSegment::Kind::Log:
        log(segment.data);
        break;
      case CaptureSegment::Kind::Captured:
        captured(segment.data);
        break;
      case CaptureSegment::Kind::End:
        if (callbacks_.on_capture) callbacks_.on_capture(std::move(segment.data));
        break;
    }
  }
}

void ChildLog::flush() {
  if (strip_) {
    std::string rest = stripper_.flush();
    if (!rest.empty()) route(rest);
  }
  if (!capture_) return;
  for (auto& segment : capture_->flush()) {
    if (segment.kind == CaptureSegment::Kind::Log)
      log(segment.data);
    else if (segment.kind == CaptureSegment::Kind::Captured)
      captured(segment.data);
  }
}

void ChildLog::started() {
  if (file_ && !file_->is_open() && file_->open().ok()) file_->close();
}

void ChildLog::stopped() {
  flush();
  if (file_) file_->close();
}

// A closed file is opened at the next write anyway, by its path: nothing to reopen.
Status ChildLog::reopen() {
  return file_ && file_->is_open() ? file_->reopen() : Status::success();
}

Status ChildLog::clear() {
  if (!file_) return Status::success();
  bool was_open = file_->is_open();
  Status s = file_->clear();
  if (!was_open) file_->close();
  return s;
}

}  // namespace logs
