// child_log.cc — see child_log.h.
#include "supervisord/logs/child_log.h"

#include <dirent.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <regex>
#include <utility>
#include <vector>

namespace logs {

namespace {

// Python's tempfile alphabet, for the two characters mkstemps does not choose.
constexpr std::string_view kNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr std::string_view kAutoSuffix = ".log";

std::string regex_escape(std::string_view text) {
  static constexpr std::string_view kSpecial = R"(\^$.|?*+()[]{}/-)";
  std::string out;
  for (char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string_view channel_name(Channel c) { return c == Channel::Stdout ? "stdout" : "stderr"; }

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
  const std::regex pattern(".+?---" + regex_escape(identifier) + R"(-\S+\.log\.?\d{0,4})");
  std::string base = childlogdir;
  if (base.empty() || base.back() != '/') base.push_back('/');
  int removed = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    // Python's re.match: anchored at the start, anything may follow the match.
    if (!std::regex_search(name, pattern, std::regex_constants::match_continuous)) continue;
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
      auto path = create_auto_log(context.childlogdir, context.process_name, channel,
                                  context.identifier);
      if (!path) return Result<std::unique_ptr<ChildLog>>::fail(path.error());
      log->path_ = std::move(*path);
      break;
    }
    case Kind::Path:
      log->path_ = config.file.path;
      break;
    case Kind::Syslog:   // the loader's job, tolerated here: deprecated spelling of syslog=true
      log->syslog_ = true;
      break;
    case Kind::None:
      break;
  }
  if (!log->path_.empty()) {
    log->file_ = std::make_unique<RotatingFile>(log->path_, config.maxbytes, config.backups,
                                                log->callbacks_.on_error);
    (void)log->file_->open();   // failures were reported; write() retries
  }
  if (config.capture_maxbytes > 0)
    log->capture_ = std::make_unique<CaptureSplitter>(config.capture_maxbytes);
  return log;
}

void ChildLog::log(std::string_view data) {
  if (data.empty()) return;
  if (file_) file_->write(data);
  if (syslog_) {
    // One syslog record per line, "<process> <line>", as Supervisor's handler.
    std::string_view text = data;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    size_t start = 0;
    for (;;) {
      size_t nl = text.find('\n', start);
      std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
      ::syslog(LOG_INFO, "%s %.*s", process_name_.c_str(), static_cast<int>(line.size()),
               line.data());
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
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
      case CaptureSegment::Kind::Log: log(segment.data); break;
      case CaptureSegment::Kind::Captured: captured(segment.data); break;
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
    if (segment.kind == CaptureSegment::Kind::Log) log(segment.data);
    else if (segment.kind == CaptureSegment::Kind::Captured) captured(segment.data);
  }
}

Status ChildLog::reopen() { return file_ ? file_->reopen() : Status::success(); }
Status ChildLog::clear() { return file_ ? file_->clear() : Status::success(); }

}  // namespace logs
