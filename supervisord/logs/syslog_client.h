// syslog_client.h — records to the local syslog socket (/dev/log) without blocking.
//
// glibc's syslog(3) sends on a blocking socket: when the syslog daemon stops reading (hung,
// or its queue full under a flood) the caller waits, and for supervisord that would stop
// the event loop — no RPC answers, no respawns — while a child floods stdout_syslog.
// Python Supervisor has that hang. This client formats records exactly as glibc's syslog(3)
// does for a caller that never called openlog(3) ("<PRI>Mmm dd hh:mm:ss supervisord: text",
// facility LOG_USER), so a syslog daemon sees the same records from either, but sends them
// with MSG_DONTWAIT. A datagram socket's queue is short (net.unix.max_dgram_qlen, 10 by
// default), so bursts are normal: records the socket cannot take now wait in a bounded
// queue, sent in order when the socket is writable again (the daemon watches the fd through
// the `watch` hook). Only what overflows that queue is dropped; the loss is counted and
// reported once per episode, when records go through again.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace logs {

class SyslogClient {
 public:
  // Called (outside any send) with a sentence for the daemon log: a failed connection, or
  // how many records were dropped. Set once at start-up.
  using Report = std::function<void(const std::string& message)>;

  // The one client of the process, on `path` (default "/dev/log").
  static SyslogClient& instance();

  // want=true: call flush() when `fd` is writable; want=false: stop watching `fd` (it is
  // about to be closed, or nothing is waiting). Without a hook, waiting records are sent
  // by the next send().
  using Watch = std::function<void(int fd, bool want)>;
  static constexpr size_t kMaxPendingBytes = 1 << 20;

  void set_report(Report report) { report_ = std::move(report); }
  void set_watch(Watch watch);      // stops the old hook's watch first
  void set_path(std::string path);  // tests; closes the current connection
  void reset();  // tests: back to the first state (/dev/log, no hooks, nothing counted)
  // One record; never blocks. `priority` is a syslog(3) level (LOG_INFO, ...); the
  // facility LOG_USER is added, as syslog(3) does without openlog(3).
  void send(int priority, std::string_view text);

  // Sends waiting records while the socket takes them (the watch hook's callback).
  void flush();
  // At exit: waits up to `timeout_ms` in all for the socket to take what is waiting.
  void finish(int timeout_ms);

  // Records dropped since the last report; records and bytes waiting.
  unsigned long dropped() const { return dropped_; }
  unsigned long dropped_total() const { return dropped_total_; }  // since start (metrics)
  size_t pending() const { return pending_.size(); }

  // Calls f(line) for each record a message makes, as Supervisor's syslog handler splits
  // one: trailing newlines dropped, then one line per '\n' (`message.rstrip('\n').split('\n')`).
  template <class F>
  static void for_each_line(std::string_view text, F&& f) {
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    for (size_t start = 0;;) {
      size_t nl = text.find('\n', start);
      f(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
      if (nl == std::string_view::npos) return;
      start = nl + 1;
    }
  }

  // The record as sent, for `now` (seconds since the epoch): "<14>Nov 29 16:40:00 ident: text".
  static std::string format(int priority, std::string_view ident, long long now,
                            std::string_view text);

 private:
  SyslogClient() = default;
  bool connect_();
  void disconnect_();
  bool send_now_(const std::string& record);  // false: the socket cannot take it now
                                              // (true: sent, or too long ever to be)
  void sent_();                               // a record went through: report losses
  void report(const std::string& message);
  void lose(unsigned long n) {
    dropped_ += n;
    dropped_total_ += n;
  }

  std::string path_ = "/dev/log";
  std::string ident_;
  int fd_ = -1;
  long long next_connect_ = 0;  // monotonic seconds: connect attempts at most once a second
  bool failing_ = false;        // a connection failure was reported; cleared on success
  unsigned long dropped_ = 0;
  unsigned long dropped_total_ = 0;
  bool reporting_ = false;  // a report may itself go to syslog: no recursion
  std::deque<std::string> pending_;
  size_t pending_bytes_ = 0;
  bool watching_ = false;
  Report report_;
  Watch watch_;
};

}  // namespace logs
