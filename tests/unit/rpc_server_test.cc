// rpc_server_test.cc — the control plane's transport over real sockets: the server runs on
// a uv loop in the test thread, clients are blocking sockets in std::threads, and the loop
// runs until the clients are done or a deadline passes.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "supervisord/rpc/server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rpcsrv.XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Runs the loop until `done()` or the deadline; a 1 ms timer keeps the loop turning so a
// flag set by a client thread is seen promptly.
bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 15s) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(
      &tick, [](uv_timer_t*) {}, 1, 1);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(loop, UV_RUN_ONCE);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);
  return done();
}

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // a broken server fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

int connect_tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// False when the peer stopped taking bytes (EPIPE, reset) before all were sent.
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
  bool complete = false;
};

// Reads responses from one socket, keeping bytes that belong to the next response.
class ReplyReader {
 public:
  explicit ReplyReader(int fd) : fd_(fd) {}

  Reply next() {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    r.status = std::atoi(r.head.c_str() + r.head.find(' ') + 1);
    if (has_header(r.head, "Transfer-Encoding: chunked")) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return r;
        size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2)
          if (!fill()) return r;
        r.body += buf_.substr(eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
      }
    } else {
      size_t at = r.head.find("Content-Length: ");
      size_t length =
          at == std::string::npos ? 0 : std::strtoul(r.head.c_str() + at + 16, nullptr, 10);
      while (buf_.size() < length)
        if (!fill()) return r;
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
    }
    r.complete = true;
    return r;
  }

  // True when the server closed the connection (no more bytes, orderly EOF).
  bool at_eof() {
    if (!buf_.empty()) return false;
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

  static bool has_header(const std::string& head, std::string_view line) {
    return head.find(std::string("\r\n") + std::string(line) + "\r\n") != std::string::npos;
  }

 private:
  bool fill() {
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string buf_;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) +
         "\r\n";
}

std::string basic(std::string_view user_pass) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < user_pass.size(); i += 3) {
    uint32_t v =
        (uint8_t)user_pass[i] << 16 | (uint8_t)user_pass[i + 1] << 8 | (uint8_t)user_pass[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == user_pass.size()) {
    uint32_t v = (uint8_t)user_pass[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == user_pass.size()) {
    uint32_t v = (uint8_t)user_pass[i] << 16 | (uint8_t)user_pass[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += "=";
  }
  return "Authorization: Basic " + out + "\r\n";
}

// A server on a fresh loop with one UNIX socket in a temp dir; torn down through close()
// and the loop must then have no handle left.
struct Fixture {
  TempDir dir;
  uv_loop_t loop;
  std::unique_ptr<rpc::Server> server;
  std::string socket_path;
  std::vector<std::string> log_lines;

  explicit Fixture(rpc::ServerOptions options = {}) {
    uv_loop_init(&loop);
    options.log = [this](const std::string& line) { log_lines.push_back(line); };
    server = std::make_unique<rpc::Server>(&loop, options);
    socket_path = (dir.path / "supervisor.sock").string();
  }
  config::UnixServerConfig unix_config() const {
    config::UnixServerConfig c;
    c.section = "unix_http_server";
    c.file = socket_path;
    return c;
  }
  void listen(config::UnixServerConfig c) {
    Status s = server->listen({c}, {});
    REQUIRE_MESSAGE(s.ok(), s.error());
  }
  void listen() { listen(unix_config()); }
  // Echoes the target so each answer can be matched to its request.
  void echo_handler() {
    server->set_handler([](const http::Request& r, std::shared_ptr<rpc::Responder> out) {
      out->respond(200, {{"Content-Type", "text/plain"}}, r.path);
    });
  }
  ~Fixture() {
    bool closed = false;
    server->close([&] { closed = true; });
    run_until(&loop, [&] { return closed; });
    server.reset();
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(closed);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

// Runs `client` in a thread while the loop serves; returns once it finished.
void serve_while(Fixture& f, const std::function<void()>& client,
                 std::chrono::milliseconds limit = 15s) {
  std::atomic<bool> done{false};
  std::thread t([&] {
    client();
    done = true;
  });
  bool finished = run_until(
      &f.loop, [&] { return done.load(); }, limit);
  t.join();
  CHECK(finished);
}

}  // namespace

TEST_CASE("keep_alive_serves_two_requests_on_one_connection") {
  Fixture f;
  f.listen();
  f.echo_handler();
  Reply a, b;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/one"));
    a = rd.next();
    send_all(fd, get("/two"));
    b = rd.next();
    ::close(fd);
  });
  CHECK(a.status == 200);
  CHECK(a.body == "/one");
  CHECK(b.status == 200);
  CHECK(b.body == "/two");
  CHECK(ReplyReader::has_header(a.head, "Server: Medusa/1.12"));
}

TEST_CASE("pipelined_requests_are_answered_in_order_when_the_first_is_deferred") {
  Fixture f;
  f.listen();
  std::shared_ptr<rpc::Responder> slow;
  int fast_answered = 0;
  f.server->set_handler([&](const http::Request& r, std::shared_ptr<rpc::Responder> out) {
    if (r.path == "/slow") {
      slow = out;  // answered later, from the loop
    } else {
      out->respond(200, {}, r.path);
      ++fast_answered;
    }
  });
  Reply first, second;
  std::atomic<bool> done{false};
  std::thread client([&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/slow") + get("/fast"));
    first = rd.next();
    second = rd.next();
    ::close(fd);
    done = true;
  });
  // Both requests reach the handler and the fast one is answered while the slow waits.
  REQUIRE(run_until(&f.loop, [&] { return slow && fast_answered == 1; }));
  CHECK_FALSE(done.load());
  slow->respond(200, {}, "slow");
  CHECK(run_until(&f.loop, [&] { return done.load(); }));
  client.join();
  CHECK(first.body == "slow");
  CHECK(second.body == "/fast");
}

TEST_CASE("deferred_answer_after_the_client_disconnected_is_harmless") {
  Fixture f;
  f.listen();
  std::shared_ptr<rpc::Responder> pending;
  std::atomic<bool> request_in{false};  // read by the client thread
  bool closed_notice = false;
  f.server->set_handler([&](const http::Request& r, std::shared_ptr<rpc::Responder> out) {
    if (r.path == "/wait") {
      out->on_close([&] { closed_notice = true; });
      pending = out;
      request_in = true;
    } else {
      out->respond(200, {}, r.path);
    }
  });
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    send_all(fd, get("/wait"));
    // Leave before the answer: wait until the request is in, then hang up.
    while (!request_in) std::this_thread::yield();
    ::close(fd);
  });
  REQUIRE(run_until(&f.loop, [&] { return f.server->connection_count() == 0; }));
  CHECK(closed_notice);
  CHECK_FALSE(pending->alive());
  pending->respond_xml("<late/>");  // no connection, no crash
  pending->respond_error(500);
  Reply after;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/after"));
    after = rd.next();
    ::close(fd);
  });
  CHECK(after.body == "/after");
}

TEST_CASE("dropped_responder_answers_500_so_the_connection_never_stalls") {
  Fixture f;
  f.listen();
  f.server->set_handler([](const http::Request&, std::shared_ptr<rpc::Responder>) {});
  Reply r;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/forgotten"));
    r = rd.next();
    ::close(fd);
  });
  CHECK(r.status == 500);
}

TEST_CASE("basic_auth_gates_every_request") {
  // "abc" and its SHA-1 are the FIPS 180 test vector, so the {SHA} form is known truth.
  for (std::string stored :
       {std::string("abc"), std::string("{SHA}a9993e364706816aba3e25717850c26c9cd0d89d")}) {
    CAPTURE(stored);
    Fixture f;
    auto cfg = f.unix_config();
    cfg.username = "user";
    cfg.password = stored;
    f.listen(cfg);
    f.echo_handler();
    Reply none, wrong, right, logtail;
    serve_while(f, [&] {
      int fd = connect_unix(f.socket_path);
      ReplyReader rd(fd);
      send_all(fd, get("/RPC2"));
      none = rd.next();
      send_all(fd, get("/RPC2", basic("user:abd")));
      wrong = rd.next();
      // A 401 leaves the connection usable, as Supervisor's does.
      send_all(fd, get("/RPC2", basic("user:abc")));
      right = rd.next();
      send_all(fd, get("/logtail/x", basic("other:abc")));
      logtail = rd.next();
      ::close(fd);
    });
    CHECK(none.status == 401);
    CHECK(ReplyReader::has_header(none.head, "WWW-Authenticate: Basic realm=\"default\""));
    CHECK(wrong.status == 401);
    CHECK(right.status == 200);
    CHECK(right.body == "/RPC2");
    CHECK(logtail.status == 401);
  }
}

TEST_CASE("stale_socket_file_is_replaced") {
  Fixture f;
  {
    // A socket file whose owner died: bound, never listening, fd closed.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, f.socket_path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  f.listen();
  f.echo_handler();
  REQUIRE(f.log_lines.size() == 1);
  CHECK(f.log_lines[0] == "Unlinking stale socket " + f.socket_path);
  Reply r;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/ok"));
    r = rd.next();
    ::close(fd);
  });
  CHECK(r.status == 200);
  // No temporary "<file>.<pid>" is left behind.
  CHECK_FALSE(fs::exists(f.socket_path + "." + std::to_string(::getpid())));
}

TEST_CASE("live_socket_is_refused_with_supervisors_text") {
  Fixture first;
  first.listen();
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    rpc::Server second(&loop);
    Status s = second.listen({first.unix_config()}, {});
    CHECK_FALSE(s.ok());
    CHECK(s.error() ==
          "Another program is already listening on a port that one of our HTTP servers is "
          "configured to use.  Shut this program down first before starting supervisord.");
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  // The refused server must not have removed the live socket.
  CHECK(fs::exists(first.socket_path));
}

TEST_CASE("socket_file_gets_the_configured_mode_and_is_unlinked_on_close") {
  std::string path;
  {
    Fixture f;
    auto cfg = f.unix_config();
    cfg.chmod = 0660;
    f.listen(cfg);
    path = f.socket_path;
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0660);
    CHECK(f.server->server_url() == "unix://" + path);
    f.server->close();
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("a_thousand_concurrent_clients_each_get_their_answer") {
  constexpr int kClients = 1000;
  Fixture f;
  f.listen();
  std::vector<std::shared_ptr<rpc::Responder>> waiting;
  f.server->set_handler([&](const http::Request& r, std::shared_ptr<rpc::Responder> out) {
    waiting.push_back(out);
    // Answer only once every client is connected and waiting: they are truly concurrent.
    if (waiting.size() == kClients) {
      for (auto& w : waiting) w->respond(200, {}, w->request().path);
      waiting.clear();
    }
    (void)r;
  });
  int answered = 0;
  serve_while(
      f,
      [&] {
        std::vector<int> fds;
        for (int i = 0; i < kClients; ++i) {
          int fd = connect_unix(f.socket_path);
          if (fd < 0) break;
          fds.push_back(fd);
          send_all(fd, get("/c" + std::to_string(i)));
        }
        for (size_t i = 0; i < fds.size(); ++i) {
          ReplyReader rd(fds[i]);
          Reply r = rd.next();
          if (r.status == 200 && r.body == "/c" + std::to_string(i)) ++answered;
          ::close(fds[i]);
        }
      },
      60s);
  CHECK(answered == kClients);
}

TEST_CASE("malformed_request_gets_400_and_the_server_keeps_serving") {
  Fixture f;
  f.listen();
  f.echo_handler();
  Reply bad, no_length, good;
  bool closed_after_bad = false;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, "THIS IS NOT HTTP\r\n\r\n");
    bad = rd.next();
    closed_after_bad = rd.at_eof();
    ::close(fd);
    fd = connect_unix(f.socket_path);
    ReplyReader rd2(fd);
    send_all(fd, "POST /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n");
    no_length = rd2.next();
    ::close(fd);
    fd = connect_unix(f.socket_path);
    ReplyReader rd3(fd);
    send_all(fd, get("/fine"));
    good = rd3.next();
    ::close(fd);
  });
  CHECK(bad.status == 400);
  CHECK(closed_after_bad);
  CHECK(no_length.status == 411);
  CHECK(good.status == 200);
}

TEST_CASE("http10_without_keep_alive_is_closed_after_the_answer") {
  Fixture f;
  f.listen();
  f.echo_handler();
  Reply r;
  bool eof = false;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, "GET /old HTTP/1.0\r\n\r\n");
    r = rd.next();
    eof = rd.at_eof();
    ::close(fd);
  });
  CHECK(r.status == 200);
  CHECK(r.head.rfind("HTTP/1.0 200", 0) == 0);
  CHECK(eof);
}

TEST_CASE("idle_and_unfinished_clients_are_timed_out") {
  rpc::ServerOptions options;
  options.idle_timeout_ms = 50;
  options.request_timeout_ms = 50;
  Fixture f(options);
  f.listen();
  f.echo_handler();
  bool idle_closed = false, slow_closed = false;
  Reply first;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/once"));
    first = rd.next();
    idle_closed = rd.at_eof();  // nothing more sent: the server hangs up
    ::close(fd);
    fd = connect_unix(f.socket_path);
    ReplyReader rd2(fd);
    send_all(fd, "GET /never-finished HTTP/1.1\r\nHost: x\r\n");
    slow_closed = rd2.at_eof();
    ::close(fd);
  });
  CHECK(first.status == 200);
  CHECK(idle_closed);
  CHECK(slow_closed);
}

TEST_CASE("chunked_stream_delivers_and_finishes_then_the_connection_is_reused") {
  Fixture f;
  f.listen();
  std::shared_ptr<rpc::Responder> stream;
  f.server->set_handler([&](const http::Request& r, std::shared_ptr<rpc::Responder> out) {
    if (r.path == "/tail") {
      out->start_stream(200, {{"Content-Type", "text/plain;charset=utf-8"}});
      out->write("first ");
      stream = out;
    } else {
      out->respond(200, {}, r.path);
    }
  });
  Reply tail, next;
  std::atomic<bool> done{false};
  std::thread client([&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/tail"));
    tail = rd.next();
    send_all(fd, get("/next"));
    next = rd.next();
    ::close(fd);
    done = true;
  });
  REQUIRE(run_until(&f.loop, [&] { return stream != nullptr; }));
  stream->write("second");
  stream->finish();
  CHECK_FALSE(stream->alive());
  CHECK(run_until(&f.loop, [&] { return done.load(); }));
  client.join();
  CHECK(tail.status == 200);
  CHECK(ReplyReader::has_header(tail.head, "Transfer-Encoding: chunked"));
  CHECK(tail.body == "first second");
  CHECK(next.body == "/next");
}

TEST_CASE("stream_learns_when_its_client_goes_away") {
  Fixture f;
  f.listen();
  std::shared_ptr<rpc::Responder> stream;
  std::atomic<bool> streaming{false};  // read by the client thread
  bool stopped = false;
  f.server->set_handler([&](const http::Request&, std::shared_ptr<rpc::Responder> out) {
    out->start_stream(200, {});
    out->on_close([&] { stopped = true; });
    stream = out;
    streaming = true;
  });
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/tail"));
    while (!streaming) std::this_thread::yield();
    ::close(fd);
  });
  CHECK(run_until(&f.loop, [&] { return stopped; }));
  CHECK_FALSE(stream->alive());
  stream->write("into the void");
}

TEST_CASE("tcp_server_on_loopback_serves_and_names_its_url") {
  Fixture f;
  config::InetServerConfig inet;
  inet.section = "inet_http_server";
  inet.host = "127.0.0.1";
  inet.port = 0;
  Status s = f.server->listen({}, {inet});
  REQUIRE_MESSAGE(s.ok(), s.error());
  f.echo_handler();
  REQUIRE(f.server->tcp_ports().size() == 1);
  int port = f.server->tcp_ports()[0];
  CHECK(port > 0);
  CHECK(f.server->server_url() == "http://127.0.0.1:0");  // the configured port, as Supervisor
  Reply r;
  serve_while(f, [&] {
    int fd = connect_tcp(port);
    ReplyReader rd(fd);
    send_all(fd, get("/tcp"));
    r = rd.next();
    ::close(fd);
  });
  CHECK(r.body == "/tcp");
}

// Sends `request` and expects a 413 followed by the server closing the connection.
void expect_413_and_close(Fixture& f, const std::string& request) {
  Reply r;
  bool eof = false;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, request);
    r = rd.next();
    eof = rd.at_eof();
    ::close(fd);
  });
  CHECK(r.status == 413);
  CHECK(eof);
}

TEST_CASE("oversized_chunked_body_gets_413_and_is_closed") {
  rpc::ServerOptions options;
  options.request_limits.max_body = 16;
  Fixture f(options);
  f.listen();
  f.echo_handler();
  std::string body(options.request_limits.max_body + 1, 'x');
  expect_413_and_close(f, "POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              http::encode_chunk(body) + std::string(http::last_chunk()));
}

// Refused from the headers alone: the body is never buffered nor parsed as a request.
TEST_CASE("oversized_content_length_gets_413_and_is_closed") {
  rpc::ServerOptions options;
  options.request_limits.max_body = 16;
  Fixture f(options);
  f.listen();
  f.echo_handler();
  std::string body(options.request_limits.max_body + 1, 'x');
  expect_413_and_close(f, "POST /RPC2 HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body);
}

// A client sends its whole body before it reads (Python's xmlrpc.client does): closing right
// after the 413 failed its send with EPIPE and it never saw the answer. The server discards
// the rest of the body instead, and the page and the log say which limit was crossed.
TEST_CASE("oversized_body_413_names_the_limit_and_the_client_can_finish_sending") {
  rpc::ServerOptions options;
  options.request_limits.max_body = 1024;
  options.request_limits.max_body_setting = "[supervisord] http_request_maxbytes";
  Fixture f(options);
  f.listen();
  f.echo_handler();
  const std::string body(4 * 1024 * 1024, 'x');  // far more than the socket buffers hold
  bool sent = false, eof = false;
  Reply r;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    sent = send_all(fd, "POST /RPC2 HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n" + body);
    r = rd.next();
    eof = rd.at_eof();
    ::close(fd);
  });
  const std::string why =
      "request body of 4194304 bytes exceeds the limit of 1024 bytes "
      "([supervisord] http_request_maxbytes)";
  CHECK(sent);
  CHECK(r.status == 413);
  CHECK(r.body.find("Message: Request Entity Too Large: " + why + ".") != std::string::npos);
  CHECK(eof);
  REQUIRE(f.log_lines.size() == 1);
  CHECK(f.log_lines[0] == "refused an HTTP request: " + why);
}

// Discarding after a 413 is bounded: a client that neither finishes nor hangs up is closed
// after request_timeout_ms.
TEST_CASE("a_refused_client_that_never_hangs_up_is_closed_after_the_request_timeout") {
  rpc::ServerOptions options;
  options.request_limits.max_body = 16;
  options.request_timeout_ms = 50;
  Fixture f(options);
  f.listen();
  f.echo_handler();
  Reply r;
  bool closed = false;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, "POST /RPC2 HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n");
    r = rd.next();
    // Keep sending a little until the server's end is gone (EPIPE), within a deadline.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
      closed = !send_all(fd, "x");
      std::this_thread::sleep_for(5ms);
    }
    ::close(fd);
  });
  CHECK(r.status == 413);
  CHECK(closed);
}

TEST_CASE("stream_outlives_its_handler_until_the_client_leaves") {
  Fixture f;
  f.listen();
  std::weak_ptr<rpc::Responder> weak;  // what a log follower holds
  std::atomic<bool> streaming{false};
  bool stopped = false;
  f.server->set_handler([&](const http::Request&, std::shared_ptr<rpc::Responder> out) {
    out->start_stream(200, {});
    out->on_close([&] { stopped = true; });
    weak = out;
    streaming = true;
  });
  std::string received;
  std::atomic<bool> got_data{false};
  std::atomic<bool> done{false};
  std::thread client([&] {
    int fd = connect_unix(f.socket_path);
    send_all(fd, get("/tail"));
    // Read until the late chunk shows up, then leave.
    char buf[4096];
    while (received.find("late") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
    }
    got_data = true;
    ::close(fd);
    done = true;
  });
  REQUIRE(run_until(&f.loop, [&] { return streaming.load(); }));
  // The handler returned and dropped its shared_ptr; the stream is still writable.
  auto r = weak.lock();
  REQUIRE(r);
  r->write("late");
  r.reset();
  REQUIRE(run_until(&f.loop, [&] { return done.load() && stopped; }));
  client.join();
  CHECK(received.find("late") != std::string::npos);
  CHECK(weak.expired());  // released once the client left
}

TEST_CASE("a_handler_that_worked_long_still_gets_its_big_answer_out") {
  // The idle deadline is counted from when the answer was written, not from the loop's
  // clock before the handler ran: a handler busy for longer than the idle timeout, then
  // answering more than the socket buffer holds, must not have its answer cut.
  rpc::ServerOptions options;
  options.idle_timeout_ms = 1000;  // the client has that long to read 4 MiB, even under load
  Fixture f(options);
  f.listen();
  const std::string big(4 << 20, 'x');
  f.server->set_handler([&big](const http::Request&, std::shared_ptr<rpc::Responder> out) {
    std::this_thread::sleep_for(1200ms);  // stands for a long synchronous piece of work
    out->respond(200, {{"Content-Type", "text/plain"}}, big);
  });
  Reply reply;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/big"));
    reply = rd.next();
    ::close(fd);
  });
  CHECK(reply.status == 200);
  CHECK(reply.body.size() == big.size());
}

TEST_CASE("a_congested_stream_pauses_its_producer_until_the_client_reads") {
  Fixture f;
  f.listen();
  constexpr size_t kTotal = 8 << 20, kChunk = 64 << 10;
  std::string chunk(kChunk, '\0');
  size_t written = 0;
  std::atomic<bool> paused{false};   // the producer stopped with bytes left to send
  std::atomic<size_t> paused_at{0};  // how much it had written then
  size_t drained_calls = 0;
  std::shared_ptr<rpc::Responder> stream;
  std::function<void()> pump = [&] {
    while (written < kTotal && stream->alive()) {
      if (stream->congested()) {
        if (!paused) paused_at = written;  // the first pause: the client has read nothing
        paused = true;
        return;  // on_drained calls us again
      }
      for (size_t i = 0; i < kChunk; ++i) chunk[i] = static_cast<char>('a' + (written + i) % 26);
      stream->write(chunk);
      written += kChunk;
    }
    if (written >= kTotal) stream->finish();
  };
  f.server->set_handler([&](const http::Request&, std::shared_ptr<rpc::Responder> out) {
    out->start_stream(200, {});
    out->on_drained([&] {
      ++drained_calls;
      pump();
    });
    stream = out;
    pump();
  });
  Reply tail;
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    ReplyReader rd(fd);
    send_all(fd, get("/tail"));
    // Read nothing until the server has paused its producer (bounded: serve_while's limit).
    while (!paused) std::this_thread::yield();
    tail = rd.next();
    ::close(fd);
  });
  CHECK(paused_at.load() < kTotal);
  // What it had queued when paused: the high-water mark, one chunk past it at most, and
  // what the socket buffers took (a UNIX socket's are well under 1 MiB).
  CHECK(paused_at.load() <= (1u << 20) + kChunk + (1u << 20));
  CHECK(drained_calls >= 1);
  CHECK(tail.complete);
  REQUIRE(tail.body.size() == kTotal);
  bool in_order = true;
  for (size_t i = 0; i < kTotal && in_order; i += 4099)
    in_order = tail.body[i] == static_cast<char>('a' + i % 26);
  CHECK(in_order);
}

TEST_CASE("a_stream_whose_client_never_reads_is_closed_at_the_bound") {
  Fixture f;
  f.listen();
  constexpr size_t kChunk = 64 << 10, kLimit = 64 << 20;
  const std::string chunk(kChunk, 'x');
  size_t written = 0;
  bool stopped = false;
  std::atomic<bool> closed{false};
  f.server->set_handler([&](const http::Request&, std::shared_ptr<rpc::Responder> out) {
    out->start_stream(200, {});
    out->on_close([&] {
      stopped = true;
      closed = true;
    });
    // A producer that cannot wait (page events) just writes.
    while (out->alive() && written < kLimit) {
      out->write(chunk);
      written += kChunk;
    }
  });
  serve_while(f, [&] {
    int fd = connect_unix(f.socket_path);
    send_all(fd, get("/events"));
    while (!closed) std::this_thread::yield();  // bounded by serve_while's limit
    ::close(fd);
  });
  CHECK(stopped);
  CHECK(written < kLimit);
  CHECK(written <= (16u << 20) + kChunk + (1u << 20));
  bool said = false;
  for (const auto& line : f.log_lines)
    said = said ||
           line.find("closed a streaming answer (/events): the client left") != std::string::npos;
  CHECK(said);
}
