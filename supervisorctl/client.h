// client.h — supervisorctl's connection to supervisord: blocking sockets to a
// unix:// or http:// server URL, XML-RPC calls over one keep-alive HTTP/1.1
// connection (as Python's supervisorctl: the upcheck uses its own connection, a command's
// calls share another), and the /logtail streams for `tail -f`/`maintail -f`/`fg`.
// Owns: socket I/O and the errors it can produce. Must not print anything or know
// any command: callers turn TransportError into text through render.h.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "common/xmlrpc.h"

namespace ctl {

struct ServerUrl {
  bool unix_socket = false;
  std::string path;  // unix socket path
  std::string host;  // tcp host
  int port = 80;
  std::string netloc;  // "host:port" as written (Host header of /logtail requests)
};
// Error text is Python's: "Unknown protocol for serverurl <url>".
Result<ServerUrl> parse_server_url(std::string_view url);

struct Credentials {
  std::optional<std::string> username;
  std::optional<std::string> password;
};

// Why a call produced no XML-RPC response.
struct TransportError {
  enum class Kind {
    BadUrl,    // serverurl is neither unix:// nor http://
    Connect,   // connect() failed: err is the errno
    Io,        // send/recv failed or the peer closed mid-response: err (0 = EOF)
    Http,      // non-200 status (401 included): status + reason
    Protocol,  // unparseable HTTP or XML-RPC: message
  };
  Kind kind = Kind::Io;
  int err = 0;
  int status = 0;
  std::string reason;
  std::string message;
  bool unix_socket = false;
};

using Reply = std::variant<xmlrpc::Value, xmlrpc::FaultValue, TransportError>;

// An answer's bytes. A large one is received straight into memory mapped for the length its
// head announces: not copied out of a read buffer, not zeroed first, in huge pages where the
// kernel has them (the 11 MB of a 10,000-process status: 2,700 page faults fewer).
class Body {
 public:
  Body() = default;
  explicit Body(std::string text) : text_(std::move(text)) {}
  Body(Body&& o) noexcept;
  Body& operator=(Body&& o) noexcept;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body();

  std::string_view view() const { return map_ ? std::string_view(map_, size_) : text_; }
  size_t size() const { return map_ ? size_ : text_.size(); }
  // Room for `total` bytes in all, those held kept. Small bodies stay in a string.
  void reserve(size_t total);
  // Room at the end of the reserved memory, for a read straight into place.
  char* tail() { return map_ ? map_ + size_ : nullptr; }
  size_t room() const { return map_ ? capacity_ - size_ : 0; }
  // Bytes that belong at the end; those received at tail() already are only counted.
  void append(std::string_view bytes);

 private:
  void release();

  std::string text_;
  char* map_ = nullptr;  // the body in place of text_ once reserve() mapped memory
  size_t size_ = 0, capacity_ = 0, mapped_ = 0;
  char* mapping_ = nullptr;  // what mmap gave (map_ is aligned inside it)
};

// A 200 answer's body, undecoded, or why there is none.
using RawReply = std::variant<Body, TransportError>;

// One logical "ServerProxy": lazily connects on the first call and keeps the
// connection for the following ones (reconnecting if the server closed it).
class Rpc {
 public:
  virtual ~Rpc() = default;
  virtual Reply call(std::string_view method, xmlrpc::Array params) = 0;
  // The same call for a caller with a decoder of its own (Controller::all_process_info);
  // decode_reply makes the body a Reply. This default encodes call()'s Reply again, so
  // the answers of a test's fake server take the same road.
  virtual RawReply call_body(std::string_view method, xmlrpc::Array params);
};

// The Reply an XML-RPC answer's body makes: a value, a fault, or a Protocol error.
Reply decode_reply(std::string_view body);

// Makes a fresh Rpc per Python get_supervisor() call. Tests substitute a fake.
using RpcFactory = std::function<std::unique_ptr<Rpc>()>;
RpcFactory socket_rpc_factory(const std::string& serverurl, const Credentials& creds);

// GET `path` (e.g. "/logtail/web/stdout") and hand the body to `on_data` as it
// arrives (chunked or not) until the server ends it, the connection fails, or
// `stop` becomes true (checked at least every 100 ms). On a non-200 status returns
// an Http error without calling on_data.
Result<bool> stream_get(const std::string& serverurl, std::string_view path,
                        const Credentials& creds,
                        const std::function<void(std::string_view)>& on_data,
                        const std::atomic<bool>& stop);

}  // namespace ctl
