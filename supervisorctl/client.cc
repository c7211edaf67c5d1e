// client.cc — see client.h. Blocking sockets are right for a CLI: one call at a
// time, and like Python's supervisorctl we wait as long as the server holds a
// deferred response (start waits startsecs), so reads have no deadline; only the
// stream reader wakes every 100 ms to notice Ctrl-C.
//
// HTTP bytes (request building, incremental response parsing incl. chunked) are
// common/http's; this file only moves them through sockets.
#include "supervisorctl/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "common/http.h"

namespace ctl {
namespace {

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

// Waits for input. With `stop`, wakes every 100 ms to check it: false when stopped.
bool wait_readable(int fd, const std::atomic<bool>* stop) {
  if (stop == nullptr) return true;  // a blocking recv() waits by itself
  for (;;) {
    if (stop->load()) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r > 0 || (r < 0 && errno != EINTR)) return true;
  }
}

enum class ReadOutcome { Done, Eof, Error, Stopped, Broken, TooLarge };

// Feeds the parser from the socket until it holds a complete response (Done), the
// peer closes first (Eof), recv fails (Error, errno kept), `stop` is set (Stopped),
// or the bytes are not HTTP (Broken). With `body` (which the parser's body sink fills),
// the rest of a body of known length is received straight into it, and a body over the
// client's limit ends the read (TooLarge).
ReadOutcome read_response(int fd, http::ResponseParser& parser, const std::atomic<bool>* stop,
                          Body* body = nullptr) {
  // A 1 MB status answer in a few reads. On the heap, not in static TLS: a thread_local
  // array is zeroed by the loader at every start (64 page faults, ~1.5 ms of `ctl pid`).
  constexpr size_t kBuf = 256 * 1024;
  thread_local static std::unique_ptr<char[]> buf(new char[kBuf]);
  while (!parser.has_response()) {
    if (!wait_readable(fd, stop)) return ReadOutcome::Stopped;
    const bool direct = body != nullptr && body->room() > 0;
    char* const to = direct ? body->tail() : buf.get();
    ssize_t n = ::recv(fd, to, direct ? body->room() : kBuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ReadOutcome::Error;
    }
    if (n == 0) {
      parser.finish();  // ends a read-until-close body
      return parser.has_response() ? ReadOutcome::Done : ReadOutcome::Eof;
    }
    if (!parser.feed(std::string_view(to, static_cast<size_t>(n)))) return ReadOutcome::Broken;
    if (body != nullptr && body->size() > http::ResponseLimits{}.max_body)
      return ReadOutcome::TooLarge;
  }
  return ReadOutcome::Done;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TransportError transport_error(TransportError::Kind kind, const ServerUrl& url, int err = 0) {
  TransportError e;
  e.kind = kind;
  e.err = err;
  e.unix_socket = url.unix_socket;
  return e;
}

class SocketRpc : public Rpc {
 public:
  SocketRpc(std::string serverurl, Credentials creds)
      : serverurl_(std::move(serverurl)), creds_(std::move(creds)) {}

  Reply call(std::string_view method, xmlrpc::Array params) override {
    RawReply body = call_body(method, std::move(params));
    if (auto* e = std::get_if<TransportError>(&body)) return std::move(*e);
    Reply r = decode_reply(std::get<Body>(body).view());
    if (auto* e = std::get_if<TransportError>(&r))
      e->unix_socket = serverurl_.starts_with("unix://");
    return r;
  }

  RawReply call_body(std::string_view method, xmlrpc::Array params) override {
    auto url = parse_server_url(serverurl_);
    if (!url) {
      TransportError e;
      e.kind = TransportError::Kind::BadUrl;
      e.message = url.error();
      return e;
    }
    std::string body = xmlrpc::encode_call(xmlrpc::Call{std::string(method), std::move(params)});
    std::string req =
        http::build_rpc_request(url->unix_socket ? std::string("localhost") : host_header(*url),
                                body, creds_.username.value_or(""), creds_.password.value_or(""));
    // A kept-alive connection the server has since closed fails on first use;
    // retry once on a fresh one, as http.client does.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = sock_.open();
      if (!sock_.open()) {
        auto c = connect_to(*url);
        if (int* err = std::get_if<int>(&c))
          return transport_error(TransportError::Kind::Connect, *url, *err);
        sock_ = std::move(std::get<Socket>(c));
      }
      if (!send_all(sock_.fd(), req)) {
        int err = errno;
        sock_.reset();
        if (reused) continue;
        return transport_error(TransportError::Kind::Io, *url, err);
      }
      http::ResponseParser parser;
      struct Into {
        http::ResponseParser* parser;
        Body body;
      } into{&parser, {}};
      parser.set_body_sink(
          [](void* p, std::string_view bytes) {
            auto* x = static_cast<Into*>(p);
            if (x->body.size() == 0) {  // the first bytes: the length is known now if ever
              const size_t total = bytes.size() + x->parser->body_remaining();
              if (total <= http::ResponseLimits{}.max_body) x->body.reserve(total);
            }
            x->body.append(bytes);
          },
          &into);
      ReadOutcome got = read_response(sock_.fd(), parser, nullptr, &into.body);
      if (got != ReadOutcome::Done) {
        int err = got == ReadOutcome::Error ? errno : 0;
        bool nothing_read = !parser.headers_done();
        sock_.reset();
        if (got == ReadOutcome::Broken || got == ReadOutcome::TooLarge) {
          TransportError e = transport_error(TransportError::Kind::Protocol, *url);
          e.message = got == ReadOutcome::Broken
                          ? parser.error()
                          : "response body exceeds the limit of " +
                                std::to_string(http::ResponseLimits{}.max_body);
          return e;
        }
        if (reused && nothing_read) continue;
        return transport_error(TransportError::Kind::Io, *url, err);
      }
      http::Response resp = parser.take();
      if (!resp.keep_alive) sock_.reset();
      if (resp.status != 200) {
        sock_.reset();  // Python closes the connection after a non-200 reply
        TransportError e = transport_error(TransportError::Kind::Http, *url);
        e.status = resp.status;
        e.reason = resp.reason;
        return e;
      }
      return std::move(into.body);
    }
    return transport_error(TransportError::Kind::Io, *url);
  }

 private:
  static std::string host_header(const ServerUrl& u) {
    return u.port == 80 ? u.host : u.host + ":" + std::to_string(u.port);
  }

  std::string serverurl_;
  Credentials creds_;
  Socket sock_;
};

}  // namespace

RawReply Rpc::call_body(std::string_view method, xmlrpc::Array params) {
  Reply r = call(method, std::move(params));
  if (auto* e = std::get_if<TransportError>(&r)) return std::move(*e);
  if (auto* f = std::get_if<xmlrpc::FaultValue>(&r))
    return Body(xmlrpc::encode_fault(f->code, f->string));
  return Body(xmlrpc::encode_response(std::get<xmlrpc::Value>(r)));
}

Body::Body(Body&& o) noexcept {
  *this = std::move(o);
}

Body& Body::operator=(Body&& o) noexcept {
  if (this != &o) {
    release();
    text_ = std::move(o.text_);
    map_ = std::exchange(o.map_, nullptr);
    mapping_ = std::exchange(o.mapping_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

Body::~Body() {
  release();
}

void Body::release() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapped_);
  map_ = mapping_ = nullptr;
  size_ = capacity_ = mapped_ = 0;
}

void Body::reserve(size_t total) {
  // Below this a string's copies cost less than a mapping's system calls.
  constexpr size_t kMapFrom = 256 * 1024;
  constexpr size_t kHugePage = size_t{2} << 20;
  if (total <= (map_ ? capacity_ : text_.capacity())) return;
  if (total < kMapFrom) return text_.reserve(total);
  // Whole huge pages, and one more to start the body on a huge page boundary.
  const size_t length = (total + kHugePage - 1) / kHugePage * kHugePage + kHugePage;
  void* m = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return text_.reserve(total);
  const auto start = reinterpret_cast<uintptr_t>(m);
  char* const aligned = static_cast<char*>(m) + ((kHugePage - start % kHugePage) % kHugePage);
  ::madvise(aligned, length - static_cast<size_t>(aligned - static_cast<char*>(m)), MADV_HUGEPAGE);
  const std::string_view held = view();
  std::memcpy(aligned, held.data(), held.size());
  const size_t size = held.size();
  release();
  text_ = std::string();
  map_ = aligned;
  mapping_ = static_cast<char*>(m);
  mapped_ = length;
  size_ = size;
  capacity_ = total;
}

void Body::append(std::string_view bytes) {
  if (map_ == nullptr) {
    text_.append(bytes);
    return;
  }
  if (bytes.size() > capacity_ - size_) {  // more than announced: on in a string
    std::string all(view());
    all.append(bytes);
    release();
    text_ = std::move(all);
    return;
  }
  if (bytes.data() != map_ + size_) std::memcpy(map_ + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

Reply decode_reply(std::string_view body) {
  auto parsed = xmlrpc::parse_response(body);
  if (!parsed) {
    TransportError e;
    e.kind = TransportError::Kind::Protocol;
    e.message = parsed.error();
    return e;
  }
  if (auto* f = std::get_if<xmlrpc::FaultValue>(&*parsed)) return std::move(*f);
  return std::move(std::get<xmlrpc::Value>(*parsed));
}

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
    if (!netloc.empty() && netloc[0] == '[') {  // [v6]:port
      size_t close = netloc.find(']');
      host = netloc.substr(1, close == std::string_view::npos ? netloc.npos : close - 1);
      netloc.remove_prefix(close == std::string_view::npos ? netloc.size() : close + 1);
      if (!netloc.empty() && netloc[0] == ':')
        out.port = std::atoi(std::string(netloc.substr(1)).c_str());
    } else if (size_t colon = netloc.rfind(':'); colon != std::string_view::npos) {
      host = netloc.substr(0, colon);
      if (colon + 1 < netloc.size())
        out.port = std::atoi(std::string(netloc.substr(colon + 1)).c_str());
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
  if (int* err = std::get_if<int>(&c))
    return Error{"Cannot connect, error: " + std::string(std::strerror(*err))};
  Socket sock = std::move(std::get<Socket>(c));
  // Python's http_client request, byte for byte (including its extra CRLF).
  std::string req = http::build_logtail_request(url->netloc, path, creds.username.value_or(""),
                                                creds.password.value_or(""));
  if (!send_all(sock.fd(), req))
    return Error{"Cannot connect, error: " + std::string(std::strerror(errno))};
  http::ResponseParser parser;
  struct Ctx {
    http::ResponseParser* parser;
    const std::function<void(std::string_view)>* on_data;
  } ctx{&parser, &on_data};
  // Only a 200 body reaches the caller: Python prints no body of an error reply.
  parser.set_body_sink(
      [](void* p, std::string_view bytes) {
        auto* x = static_cast<Ctx*>(p);
        if (x->parser->current().status == 200) (*x->on_data)(bytes);
      },
      &ctx);
  ReadOutcome got = read_response(sock.fd(), parser, &stop);
  int status = 0;
  if (got == ReadOutcome::Done) {
    status = parser.take().status;
  } else if (parser.headers_done()) {
    status = parser.current().status;
  }
  if (status != 0 && status != 200)
    return Error{"Cannot read, status code " + std::to_string(status)};
  return true;
}

}  // namespace ctl
