// readiness_test.cc — the pure parts of the zero-downtime extensions: ready=/socket= texts
// (config/endpoint), sd_notify datagrams and the HTTP probe's status line (process/readiness).
#include "supervisord/zero_downtime/readiness.h"

#include <doctest/doctest.h>

#include <string>

#include "supervisord/config/endpoint.h"
#include "supervisord/zero_downtime/upgrade.h"

using config::Endpoint;

TEST_CASE("ready_texts_parse_to_endpoints_and_bad_ones_name_the_problem") {
  CHECK(config::parse_ready("")->kind == Endpoint::Kind::None);
  CHECK(config::parse_ready("notify")->kind == Endpoint::Kind::Notify);
  auto t = config::parse_ready("tcp://127.0.0.1:5000");
  REQUIRE(t);
  CHECK(t->kind == Endpoint::Kind::Tcp);
  CHECK(t->host == "127.0.0.1");
  CHECK(t->port == 5000);
  auto h = config::parse_ready("http://[::1]:8080/health?x=1");
  REQUIRE(h);
  CHECK(h->host == "::1");
  CHECK(h->path == "/health?x=1");
  CHECK(config::parse_ready("http://localhost:80")->path == "/");
  for (const char* bad :
       {"tcp://127.0.0.1", "tcp://:80", "tcp://h:0", "tcp://h:65536", "tcp://h:8x",
        "tcp://h:80/path", "http://h:80/a b", "udp://h:1", "NOTIFY", "exec:/bin/true"})
    CHECK_MESSAGE(!config::parse_ready(bad), bad);
  CHECK(config::parse_ready("udp://h:1").error().find("expected notify, tcp://HOST:PORT") !=
        std::string::npos);
}

TEST_CASE("socket_texts_are_tcp_or_absolute_unix") {
  auto u = config::parse_listen("unix:///run/app.sock");
  REQUIRE(u);
  CHECK(u->kind == Endpoint::Kind::Unix);
  CHECK(u->path == "/run/app.sock");
  CHECK(config::parse_listen("tcp://127.0.0.1:5001")->port == 5001);
  CHECK(!config::parse_listen("unix://relative.sock"));
  CHECK(!config::parse_listen("unix:///" + std::string(200, 'x')));
  CHECK(!config::parse_listen("notify"));
}

TEST_CASE("notify_datagrams_ready_status_and_garbage") {
  auto m = readiness::parse_notify("READY=1\nSTATUS=Gunicorn arbiter booted");
  CHECK(m.ready);
  CHECK(m.status == "Gunicorn arbiter booted");
  CHECK(!readiness::parse_notify("READY=0").ready);
  CHECK(!readiness::parse_notify("READY").ready);
  CHECK(!readiness::parse_notify("XREADY=1").ready);
  CHECK(readiness::parse_notify("MAINPID=4\nSTOPPING=1\n").stopping);
  // NUL inside a line: that line is dropped; control characters leave STATUS.
  CHECK(!readiness::parse_notify(std::string("READY=1\0x", 9)).ready);
  CHECK(readiness::parse_notify("STATUS=a\tb\x1b[31m").status == "ab[31m");
  CHECK(readiness::parse_notify("STATUS=" + std::string(500, 'y')).status->size() == 200);
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk += static_cast<char>(i * 37);
  auto g = readiness::parse_notify(junk);
  CHECK(!g.ready);
  // Past the size limit nothing is read.
  CHECK(!readiness::parse_notify(std::string(readiness::kMaxNotifyBytes, 'x') + "\nREADY=1").ready);
}

TEST_CASE("http_probe_status_line_verdicts") {
  using V = readiness::HttpVerdict;
  CHECK(readiness::http_verdict("") == V::Incomplete);
  CHECK(readiness::http_verdict("HTT") == V::Incomplete);
  CHECK(readiness::http_verdict("HTTP/1.1 2") == V::Incomplete);
  CHECK(readiness::http_verdict("HTTP/1.1 200 OK\r\n") == V::Ok);
  CHECK(readiness::http_verdict("HTTP/1.0 302 Found\r\n") == V::Ok);
  CHECK(readiness::http_verdict("HTTP/1.1 503 Service Unavailable\r\n") == V::Failed);
  CHECK(readiness::http_verdict("SSH-2.0-OpenSSH") == V::Failed);
  CHECK(readiness::http_verdict("HTTP/1.1 2x0") == V::Failed);
  auto req = readiness::http_request("::1", 80, "/health");
  CHECK(req.rfind("GET /health HTTP/1.0\r\nHost: [::1]:80\r\n", 0) == 0);
  CHECK(req.ends_with("\r\n\r\n"));
}

// ---- follow_upgrade's successor (zero_downtime/upgrade.h) ------------------------------

TEST_CASE("upgrade: /proc stat fields after a command with spaces and parentheses") {
  auto f = upgrade::parse_stat("4242 (gunicorn: (master) x) S 17 4100 4100 0 -1 4194560");
  REQUIRE(f);
  CHECK(f->state == 'S');
  CHECK(f->ppid == 17);
  CHECK(f->pgid == 4100);
  CHECK_FALSE(upgrade::parse_stat("4242 (cut"));
  CHECK_FALSE(upgrade::parse_stat("4242 (x) S"));
}

TEST_CASE("upgrade: the successor is the one naming the old master, else the only one") {
  using namespace std::string_view_literals;
  CHECK(upgrade::names_old_master("A=1\0GUNICORN_PID=4100\0B=2\0"sv, 4100));
  CHECK_FALSE(upgrade::names_old_master("GUNICORN_PID=41000\0"sv, 4100));
  CHECK_FALSE(upgrade::names_old_master("XGUNICORN_PID=4100\0"sv, 4100));
  CHECK(upgrade::choose({5000, 5001}, {false, true}) == 5001);
  CHECK(upgrade::choose({5000}, {false}) == 5000);
  CHECK(upgrade::choose({5000, 5001}, {false, false}) == 0);  // ambiguous: no adoption
  CHECK(upgrade::choose({5000, 5001}, {true, true}) == 0);
  CHECK(upgrade::choose({}, {}) == 0);
}
