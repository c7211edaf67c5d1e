// rpc_server_test.cc — the control plane's transport over real sockets: the server runs on
// a uv loop in the test thread, clients are blocking sockets in std::threads, and the loop
// runs until the clients are done or a deadline passes.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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
  uv_timer_start(&tick, [](uv_timer_t*) {}, 1, 1);
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
  timeval tv{10, 0};   // a broken server fails the test instead of hanging it
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

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
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
      size_t length = at == std::string::npos ? 0 : std::strtoul(r.head.c_str() + at + 16, nullptr, 10);
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
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < user_pass.size(); i += 3) {
    uint32_t v = (uint8_t)user_pass[i] << 16 | (uint8_t)user_pass[i + 1] << 8 | (uint8_t)user_pass[i + 2];
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
      out->respond(200, {{"Content-Type", "text/plain"}}, r.target);
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
  bool finished = run_until(&f.loop, [&] { return done.load(); }, limit);
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
