// client.cc — see client.h. Blocking sockets are right for a CLI: one call at a
// time, and like Python's supervisorctl we wait as long as the server holds a
// deferred response (start waits startsecs), so reads have no deadline; only the
// stream reader wakes every 100 ms to notice Ctrl-C.
//
// HTTP framing here is the small client subset supervisorctl needs (status line,
// headers, Content-Length / chunked / read-to-close bodies).
#include "supervisorctl/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ctl {
namespace {

constexpr std::string_view kUserAgent = "Python-xmlrpc/3.11";

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept {
    reset();
    fd_ = o.fd_;
    o.fd_ = -1;
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { reset(); }
  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// connect() to the server; the error is the errno.
std::variant<Socket, int> connect_to(const ServerUrl& url) {
  if (url.unix_socket) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (url.path.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
    std::memcpy(addr.sun_path, url.path.data(), url.path.size());
    Socket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s.open()) return errno;
    if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return errno;
    return s;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(url.port);
  if (::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    return EHOSTUNREACH;
  }
  int last = ECONNREFUSED;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Socket s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!s.open()) {
      last = errno;
      continue;
    }
    if (::connect(s.fd(), ai->ai_addr, ai->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return s;
    }
    last = errno;
  }
  ::freeaddrinfo(res);
  return last;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Buffered reader over a socket. `stop`, when given, is checked every 100 ms.
class Reader {
 public:
  Reader(int fd, const std::atomic<bool>* stop) : fd_(fd), stop_(stop) {}

  // Reads more bytes into buf_. 0 on EOF, -1 on error (errno kept), -2 when stopped.
  int fill() {
    char tmp[16384];
    for (;;) {
      if (stop_ != nullptr) {
        if (stop_->load()) return -2;
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) return -1;
        if (r <= 0) continue;
      }
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return -1;
      }
      if (n == 0) return 0;
      buf_.append(tmp, static_cast<size_t>(n));
      return 1;
    }
  }
  // A line without its CRLF; nullopt when the stream ends first.
  std::optional<std::string> line(int& rc) {
    for (;;) {
      size_t at = buf_.find("\r\n");
      if (at != std::string::npos) {
        std::string l = buf_.substr(0, at);
        buf_.erase(0, at + 2);
        return l;
      }
      rc = fill();
      if (rc <= 0) return std::nullopt;
    }
  }
  std::string& buffer() { return buf_; }

 private:
  int fd_;
  const std::atomic<bool>* stop_;
  std::string buf_;
};

struct Head {
  int status = 0;
  std::string reason;
  std::optional<size_t> content_length;
  bool chunked = false;
  bool close = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Status line and headers. Error: the TransportError to report.
std::variant<Head, TransportError> read_head(Reader& r) {
  int rc = 0;
  auto status = r.line(rc);
  if (!status) return TransportError{TransportError::Kind::Io, rc < 0 ? errno : 0, 0, "", "", false};
  Head h;
  // "HTTP/1.1 200 OK"
  size_t sp1 = status->find(' ');
  if (status->rfind("HTTP/", 0) != 0 || sp1 == std::string::npos) {
    return TransportError{TransportError::Kind::Protocol, 0, 0, "", "bad status line", false};
  }
  size_t sp2 = status->find(' ', sp1 + 1);
  h.status = std::atoi(status->substr(sp1 + 1, sp2 - sp1 - 1).c_str());
  if (sp2 != std::string::npos) h.reason = status->substr(sp2 + 1);
  if (status->rfind("HTTP/1.0", 0) == 0) h.close = true;
  for (;;) {
    auto line = r.line(rc);
    if (!line) return TransportError{TransportError::Kind::Io, rc < 0 ? errno : 0, 0, "", "", false};
    if (line->empty()) break;
    size_t colon = line->find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(line->substr(0, colon));
    std::string value = trim(std::string_view(*line).substr(colon + 1));
    if (name == "content-length") h.content_length = static_cast<size_t>(std::strtoull(value.c_str(), nullptr, 10));
    if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) h.chunked = true;
    if (name == "connection") h.close = lower(value) == "close";
  }
  return h;
}

// Reads the body, passing pieces to `sink`. Returns false when the stream broke
// before its declared end (rc tells why).
bool read_body(Reader& r, const Head& h, const std::function<void(std::string_view)>& sink,
               int& rc) {
  std::string& buf = r.buffer();
  if (h.chunked) {
    for (;;) {
      auto size_line = r.line(rc);
      if (!size_line) return false;
      if (size_line->empty()) continue;
      size_t size = std::strtoull(size_line->c_str(), nullptr, 16);
      if (size == 0) {
        // trailers until the empty line; a close right after "0\r\n" is also fine
        for (;;) {
          auto t = r.line(rc);
          if (!t || t->empty()) return true;
        }
      }
      while (buf.size() < size + 2) {
        if (!buf.empty() && buf.size() <= size) {
          sink(buf);   // stream partial chunks as they come (tail -f)
          size -= buf.size();
          buf.clear();
        }
        rc = r.fill();
        if (rc <= 0) return false;
      }
      sink(std::string_view(buf).substr(0, size));
      buf.erase(0, size + 2);
    }
  }
  if (h.content_length) {
    size_t left = *h.content_length;
    for (;;) {
      size_t take = std::min(left, buf.size());
      if (take > 0) sink(std::string_view(buf).substr(0, take));
      buf.erase(0, take);
      left -= take;
      if (left == 0) return true;
      rc = r.fill();
      if (rc <= 0) return false;
    }
  }
  for (;;) {   // read to close
    if (!buf.empty()) sink(buf);
    buf.clear();
    rc = r.fill();
    if (rc == 0) return true;
    if (rc < 0) return false;
  }
}

class SocketRpc : public Rpc {
 public:
  SocketRpc(std::string serverurl, Credentials creds)
      : serverurl_(std::move(serverurl)), creds_(std::move(creds)) {}

  Reply call(std::string_view method, xmlrpc::Array params) override {
    auto url = parse_server_url(serverurl_);
    if (!url) {
      TransportError e;
      e.kind = TransportError::Kind::BadUrl;
      e.message = url.error();
      return e;
    }
    std::string body = xmlrpc::encode_call(xmlrpc::Call{std::string(method), std::move(params)});
    std::string req = "POST /RPC2 HTTP/1.1\r\nHost: ";
    req += url->unix_socket ? std::string("localhost") : host_header(*url);
    req += "\r\nAccept-Encoding: identity\r\nUser-Agent: ";
    req += kUserAgent;
    req += "\r\nContent-Type: text/xml\r\nAccept: text/xml\r\n";
    if (creds_.username && creds_.password) {
      req += "Authorization: Basic " + basic_auth(*creds_.username, *creds_.password) + "\r\n";
    }
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    req += body;

    // A kept-alive connection the server has since closed fails on first use;
    // retry once on a fresh one, as http.client does.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = sock_.open();
      if (!sock_.open()) {
        auto c = connect_to(*url);
        if (int* err = std::get_if<int>(&c)) {
          TransportError e;
          e.kind = TransportError::Kind::Connect;
          e.err = *err;
          e.unix_socket = url->unix_socket;
          return e;
        }
        sock_ = std::move(std::get<Socket>(c));
        reader_ = std::make_unique<Reader>(sock_.fd(), nullptr);
      }
      if (!send_all(sock_.fd(), req)) {
        int err = errno;
        sock_.reset();
        if (reused) continue;
        return TransportError{TransportError::Kind::Io, err, 0, "", "", url->unix_socket};
      }
      auto head = read_head(*reader_);
      if (auto* e = std::get_if<TransportError>(&head)) {
        sock_.reset();
        if (reused && e->kind == TransportError::Kind::Io) continue;
        e->unix_socket = url->unix_socket;
        return *e;
      }
      const Head& h = std::get<Head>(head);
      std::string data;
      int rc = 0;
      bool complete = read_body(*reader_, h, [&](std::string_view d) { data.append(d); }, rc);
      if (!complete || h.close) sock_.reset();
      if (h.status != 200) {
        sock_.reset();   // Python closes the connection after a non-200 reply
        TransportError e;
        e.kind = TransportError::Kind::Http;
        e.status = h.status;
        e.reason = h.reason;
        e.unix_socket = url->unix_socket;
        return e;
      }
      if (!complete) return TransportError{TransportError::Kind::Io, rc < 0 ? errno : 0, 0, "", "", url->unix_socket};
      auto parsed = xmlrpc::parse_response(data);
      if (!parsed) {
        TransportError e;
        e.kind = TransportError::Kind::Protocol;
        e.message = parsed.error();
        return e;
      }
      if (auto* f = std::get_if<xmlrpc::FaultValue>(&*parsed)) return *f;
      return std::get<xmlrpc::Value>(*parsed);
    }
    return TransportError{TransportError::Kind::Io, 0, 0, "", "", url->unix_socket};
  }

 private:
  static std::string host_header(const ServerUrl& u) {
    return u.port == 80 ? u.host : u.host + ":" + std::to_string(u.port);
  }

  std::string serverurl_;
  Credentials creds_;
  Socket sock_;
  std::unique_ptr<Reader> reader_;
};

}  // namespace

Result<ServerUrl> parse_server_url(std::string_view url) {
  ServerUrl out;
  if (url.rfind("unix://", 0) == 0) {
    out.unix_socket = true;
    out.path = std::string(url.substr(7));
    return out;
  }
  if (url.rfind("http://", 0) == 0) {
    std::string_view rest = url.substr(7);
    std::string_view netloc = rest.substr(0, rest.find_first_of("/?#"));
    out.netloc = std::string(netloc);
    if (size_t at = netloc.rfind('@'); at != std::string_view::npos) netloc.remove_prefix(at + 1);
    std::string_view host = netloc;
    if (!netloc.empty() && netloc[0] == '[') {   // [v6]:port
      size_t close = netloc.find(']');
      host = netloc.substr(1, close == std::string_view::npos ? netloc.npos : close - 1);
      netloc.remove_prefix(close == std::string_view::npos ? netloc.size() : close + 1);
      if (!netloc.empty() && netloc[0] == ':') out.port = std::atoi(std::string(netloc.substr(1)).c_str());
    } else if (size_t colon = netloc.rfind(':'); colon != std::string_view::npos) {
      host = netloc.substr(0, colon);
      if (colon + 1 < netloc.size()) out.port = std::atoi(std::string(netloc.substr(colon + 1)).c_str());
    }
    out.host = lower(std::string(host));
    return out;
  }
  return Error{"Unknown protocol for serverurl " + std::string(url)};
}

RpcFactory socket_rpc_factory(const std::string& serverurl, const Credentials& creds) {
  return [serverurl, creds]() -> std::unique_ptr<Rpc> {
    return std::make_unique<SocketRpc>(serverurl, creds);
  };
}

Result<bool> stream_get(const std::string& serverurl, std::string_view path,
                        const Credentials& creds,
                        const std::function<void(std::string_view)>& on_data,
                        const std::atomic<bool>& stop) {
  auto url = parse_server_url(serverurl);
  if (!url) return Error{url.error()};
  auto c = connect_to(*url);
  if (int* err = std::get_if<int>(&c)) return Error{"Cannot connect, error: " + std::string(std::strerror(*err))};
  Socket sock = std::move(std::get<Socket>(c));
  // Python's http_client request, byte for byte (including its three CRLFs).
  std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + url->netloc +
                    "\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\n";
  if (creds.password && !creds.password->empty()) {
    req += "Authorization: Basic " + basic_auth(creds.username.value_or(""), *creds.password) + "\r\n";
  }
  req += "\r\n\r\n";
  if (!send_all(sock.fd(), req)) return Error{"Cannot connect, error: " + std::string(std::strerror(errno))};
  Reader r(sock.fd(), &stop);
  auto head = read_head(r);
  if (std::holds_alternative<TransportError>(head)) {
    if (stop.load()) return true;
    return Error{"Cannot connect, error: connection closed"};
  }
  const Head& h = std::get<Head>(head);
  if (h.status != 200) return Error{"Cannot read, status code " + std::to_string(h.status)};
  int rc = 0;
  read_body(r, h, on_data, rc);
  return true;
}

std::string basic_auth(std::string_view user, std::string_view pass) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(user) + ":" + std::string(pass);
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace ctl
