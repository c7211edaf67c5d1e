// Tests for supervisord/logs/syslog_client: glibc's record format, delivery to a datagram
// socket, never blocking when the receiver stops reading (drops counted and reported once),
// a missing socket reported once, and reconnection after the receiver restarts.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "supervisord/logs/syslog_client.h"
#include "tests/unit/temp_dir.h"

using logs::SyslogClient;

namespace {

// A syslog daemon's end: a datagram socket bound at `path`.
struct Receiver {
  int fd = -1;
  explicit Receiver(const std::string& path) {
    ::unlink(path.c_str());
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Receiver() { ::close(fd); }
  // Every record queued now, without waiting.
  std::vector<std::string> drain() {
    std::vector<std::string> got;
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0) break;
      got.emplace_back(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

std::string body(const std::string& record) {  // what follows "<PRI>Mmm dd hh:mm:ss "
  return record.substr(record.find(' ', record.find(':') + 6) + 1);
}

// The process's one client pointed at a temp directory's "log", its reports collected;
// reset whatever the test's outcome (a REQUIRE that fails leaves no hook behind).
struct Client {
  TempDir dir{"logs_syslog"};
  std::string path = dir.file("log");
  std::vector<std::string> reports;
  SyslogClient& c = SyslogClient::instance();
  Client() {
    c.reset();
    c.set_path(path);
    c.set_report([this](const std::string& m) { reports.push_back(m); });
  }
  ~Client() { c.reset(); }
  std::string dropped_report(unsigned long n) const {
    return "syslog: " + std::to_string(n) + " record" + (n == 1 ? "" : "s") + " dropped while " +
           path + " was not accepting them";
  }
};

}  // namespace

TEST_CASE("records are formatted as glibc's syslog(3) without openlog: LOG_USER, C-locale time") {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  // 2026-11-02 03:04:05 UTC: the day of month is padded with a space ("%e").
  CHECK(SyslogClient::format(LOG_INFO, "supervisord", 1793588645, "web_00 hello") ==
        "<14>Nov  2 03:04:05 supervisord: web_00 hello");
  CHECK(SyslogClient::format(LOG_ERR, "supervisord", 1793588645, "x").substr(0, 4) == "<11>");
  // 2026-11-29 16:40:00 UTC
  CHECK(SyslogClient::format(LOG_DEBUG, "sd", 1795970400, "") == "<15>Nov 29 16:40:00 sd: ");
}

TEST_CASE("one datagram per record, received as sent") {
  Client t;
  SyslogClient& c = t.c;
  Receiver rx(t.path);
  c.send(LOG_INFO, "web_00 first line");
  c.send(LOG_WARNING, "second");
  auto got = rx.drain();
  REQUIRE(got.size() == 2);
  CHECK(got[0].substr(0, 4) == "<14>");
  CHECK(body(got[0]).find(": web_00 first line") != std::string::npos);
  CHECK(got[1].substr(0, 4) == "<12>");
  CHECK(t.reports.empty());
}

TEST_CASE("a burst waits in order for the socket; past the queue's bound records are dropped") {
  Client t;
  SyslogClient& c = t.c;
  Receiver rx(t.path);
  std::vector<std::pair<int, bool>> watches;
  c.set_watch([&](int fd, bool want) { watches.emplace_back(fd, want); });
  // The receive queue holds about max_dgram_qlen (10) datagrams: 20000 sends of ~230 bytes
  // would block glibc's syslog(3) here until the receiver reads; ours returns at once.
  const int kRecords = 20000;
  for (int i = 0; i < kRecords; ++i)
    c.send(LOG_INFO, "seq " + std::to_string(i) + " " + std::string(200, 'x'));
  REQUIRE(watches.size() == 1);  // one request to be told when the socket is writable
  CHECK(watches[0].second);
  unsigned long dropped = c.dropped();
  CHECK(c.pending() > 1000);  // about 1 MiB waits
  CHECK(dropped > 0);
  CHECK(dropped + c.pending() < kRecords);
  CHECK(t.reports.empty());  // told when it is over, not per record
  // The receiver reads; the loop would call flush() on each writable event.
  std::vector<std::string> got;
  for (int round = 0; round < 100000 && (c.pending() > 0 || got.empty()); ++round) {
    for (auto& r : rx.drain()) got.push_back(r);
    c.flush();
  }
  for (auto& r : rx.drain()) got.push_back(r);
  CHECK(c.pending() == 0);
  CHECK(got.size() + dropped == kRecords);
  // In order, and the dropped ones are the newest (the queue keeps what came first).
  for (size_t i = 0; i < got.size(); ++i)
    REQUIRE(body(got[i]).find(": seq " + std::to_string(i) + " ") != std::string::npos);
  REQUIRE(t.reports.size() == 1);
  CHECK(t.reports[0] == t.dropped_report(dropped));
  CHECK(c.dropped() == 0);
  REQUIRE(watches.size() == 2);  // nothing waits: the watch is stopped
  CHECK_FALSE(watches[1].second);
}

TEST_CASE("no syslog socket: reported once, records wait; a restarted receiver gets them") {
  Client t;
  SyslogClient& c = t.c;
  for (int i = 0; i < 5; ++i) c.send(LOG_INFO, "early " + std::to_string(i));
  REQUIRE(t.reports.size() == 1);
  CHECK(t.reports[0] == "syslog: cannot send to " + t.path +
                            ": No such file or directory; records meant for syslog are dropped "
                            "until it accepts them");
  CHECK(c.pending() == 5);
  {
    // A receiver appears (connection attempts are at most one a second: setting the path
    // again tries now). The waiting records go first, in order.
    Receiver rx(t.path);
    c.set_path(t.path);
    c.send(LOG_INFO, "found");
    auto got = rx.drain();
    REQUIRE(got.size() == 6);
    CHECK(body(got[0]).find(": early 0") != std::string::npos);
    CHECK(body(got[5]).find(": found") != std::string::npos);
    CHECK(t.reports.size() == 1);  // nothing was lost
  }
  // The syslog daemon restarts: same path, new socket. The next record reconnects.
  Receiver again(t.path);
  c.send(LOG_INFO, "reconnected");
  auto got = again.drain();
  REQUIRE(got.size() == 1);
  CHECK(body(got[0]).find(": reconnected") != std::string::npos);
  CHECK(c.dropped() == 0);
}

TEST_CASE("finish() waits, bounded, for a receiver that does not read") {
  Client t;
  SyslogClient& c = t.c;
  Receiver rx(t.path);
  for (int i = 0; i < 50; ++i) c.send(LOG_INFO, "r" + std::to_string(i));
  size_t waiting = c.pending();  // what the socket's queue (max_dgram_qlen) did not take
  CHECK(waiting > 0);
  c.finish(50);  // nobody reads: gives up after 50 ms, counting what was left
  CHECK(c.pending() == 0);
  CHECK(c.dropped() == waiting);
  CHECK(rx.drain().size() + waiting == 50);
  c.send(LOG_INFO, "next");  // goes through, and the count is reported
  CHECK(c.dropped() == 0);
  REQUIRE(t.reports.size() == 1);
  CHECK(t.reports[0] == t.dropped_report(waiting));
}

TEST_CASE("a record longer than the socket takes is dropped and told, not retried forever") {
  Client t;
  SyslogClient& c = t.c;
  Receiver rx(t.path);
  c.send(LOG_INFO, std::string(4 << 20, 'x'));  // 4 MiB: beyond any datagram limit
  c.send(LOG_INFO, "short");
  CHECK(c.pending() == 0);
  auto got = rx.drain();
  REQUIRE(got.size() == 1);
  CHECK(body(got[0]).find(": short") != std::string::npos);
  REQUIRE(t.reports.size() == 1);
  CHECK(t.reports[0] == t.dropped_report(1));
}
