#include "supervisord/logs/syslog_client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace logs {

namespace {

long long monotonic_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

long long monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

}  // namespace

SyslogClient& SyslogClient::instance() {
  static SyslogClient client;
  return client;
}

void SyslogClient::set_path(std::string path) {
  disconnect_();
  next_connect_ = 0;
  path_ = std::move(path);
}

void SyslogClient::reset() {
  set_watch(nullptr);
  set_report(nullptr);
  set_path("/dev/log");
  pending_.clear();
  pending_bytes_ = 0;
  dropped_ = 0;
  dropped_total_ = 0;
  failing_ = false;
}

void SyslogClient::set_watch(Watch watch) {
  if (watching_ && watch_ && fd_ >= 0) watch_(fd_, false);
  watching_ = false;
  watch_ = std::move(watch);
  if (!pending_.empty() && fd_ >= 0 && watch_) {
    watching_ = true;
    watch_(fd_, true);
  }
}

void SyslogClient::disconnect_() {
  if (fd_ < 0) return;
  if (watching_ && watch_) watch_(fd_, false);
  watching_ = false;
  ::close(fd_);
  fd_ = -1;
}

std::string SyslogClient::format(int priority, std::string_view ident, long long now,
                                 std::string_view text) {
  time_t t = static_cast<time_t>(now);
  tm local{};
  ::localtime_r(&t, &local);
  // "%h %e %T " in the C locale, as glibc writes the header.
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char header[64];
  int n = std::snprintf(header, sizeof header, "<%d>%s %2d %02d:%02d:%02d ",
                        LOG_MAKEPRI(LOG_USER, priority & LOG_PRIMASK), kMonths[local.tm_mon % 12],
                        local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  std::string record(header, n > 0 ? static_cast<size_t>(n) : 0);
  record.reserve(record.size() + ident.size() + 2 + text.size());
  record += ident;
  record += ": ";
  record += text;
  return record;
}

bool SyslogClient::connect_() {
  if (fd_ >= 0) return true;
  long long now = monotonic_seconds();
  if (now < next_connect_) return false;
  next_connect_ = now + 1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    if (!failing_) {
      failing_ = true;
      report("syslog: cannot send to " + path_ + ": " + std::strerror(e) +
             "; records meant for syslog are dropped until it accepts them");
    }
    return false;
  }
  fd_ = fd;
  return true;
}

// True when the record is done with: sent, or dropped for good (counted).
bool SyslogClient::send_now_(const std::string& record) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connect_()) return false;
    if (::send(fd_, record.data(), record.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) return false;
    if (e == EMSGSIZE) {  // longer than the socket takes: it never will; counted, not kept
      lose(1);
      return true;
    }
    // The syslog daemon went away or restarted (ECONNREFUSED, ENOTCONN): reconnect once.
    disconnect_();
    next_connect_ = 0;
  }
  return false;
}

void SyslogClient::sent_() {
  if (dropped_ == 0 && !failing_) return;
  unsigned long lost = dropped_;
  dropped_ = 0;
  dropped_total_ = 0;
  failing_ = false;
  if (lost > 0)
    report("syslog: " + std::to_string(lost) + " record" + (lost == 1 ? "" : "s") +
           " dropped while " + path_ + " was not accepting them");
}

void SyslogClient::send(int priority, std::string_view text) {
  if (ident_.empty()) {
    ident_ = program_invocation_short_name ? program_invocation_short_name : "supervisord";
  }
  std::string record = format(priority, ident_, static_cast<long long>(::time(nullptr)), text);
  // Waiting records go first. Unwatched (no hook, or no connection yet) they are retried
  // here; watched, the hook's flush() sends them when the socket can take them.
  if (!pending_.empty() && !watching_) flush();
  if (pending_.empty() && send_now_(record)) {
    sent_();
    return;
  }
  if (pending_bytes_ + record.size() > kMaxPendingBytes) {
    lose(1);
    return;
  }
  pending_bytes_ += record.size();
  pending_.push_back(std::move(record));
  if (!watching_ && watch_ && fd_ >= 0) {
    watching_ = true;
    watch_(fd_, true);
  }
}

void SyslogClient::flush() {
  while (!pending_.empty()) {
    if (!send_now_(pending_.front())) break;
    pending_bytes_ -= pending_.front().size();
    pending_.pop_front();
    sent_();
  }
  if (pending_.empty() && watching_) {
    watching_ = false;
    if (watch_ && fd_ >= 0) watch_(fd_, false);
  } else if (!pending_.empty() && !watching_ && watch_ && fd_ >= 0) {
    watching_ = true;  // e.g. a new connection after the syslog daemon restarted
    watch_(fd_, true);
  }
}

void SyslogClient::finish(int timeout_ms) {
  set_watch(nullptr);
  long long deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    flush();
    if (pending_.empty() || fd_ < 0) break;
    long long left = deadline - monotonic_ms();
    if (left <= 0) break;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left));
  }
  lose(pending_.size());
  pending_.clear();
  pending_bytes_ = 0;
}

void SyslogClient::report(const std::string& message) {
  if (!report_ || reporting_) return;
  reporting_ = true;
  report_(message);
  reporting_ = false;
}

}  // namespace logs
