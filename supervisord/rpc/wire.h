// wire.h — the rpc server's narrow view of HTTP framing: everything rpc/connection needs
// from common/http (parse incrementally, decide keep-alive, build responses, error pages,
// chunks, check Basic credentials), and nothing else. Keeps the uv plumbing independent of
// how common/http spells things. Must not depend on libuv.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisord/rpc/http_standin.h"   // TEMPORARY: common/http.h

namespace rpc {

using Headers = std::vector<std::pair<std::string, std::string>>;

namespace wire {

// Feeds bytes to an incremental request parser; yields one complete request at a time.
class Parser {
 public:
  enum class Kind { NeedMore, Request, Error };
  struct Outcome {
    Kind kind = Kind::NeedMore;
    size_t consumed = 0;   // bytes of `data` used; the caller feeds the rest again
    int status = 0;        // for Error: 400, 411, 413, ...
  };
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Outcome feed(std::string_view data);
  http::Request take();        // after Kind::Request
  bool in_progress() const;    // some bytes of a request seen, request not complete

 private:
  struct Impl;
  Impl* impl_;
};

bool keep_alive(const http::Request& r);
bool chunked_allowed(const http::Request& r);   // HTTP/1.1: stream with chunked encoding

std::string response(const http::Request* r, int status, const Headers& headers,
                     std::string_view body);
std::string error_response(const http::Request* r, int status);
std::string stream_head(const http::Request& r, int status, const Headers& headers);
std::string chunk(std::string_view data);
std::string last_chunk();

// Credentials of one server section; empty username = no authentication.
struct Credentials {
  std::string username;
  std::string password;   // plain or "{SHA}<hex>"
};
bool authorized(const http::Request& r, const Credentials& c);
std::string unauthorized_response(const http::Request& r);

}  // namespace wire
}  // namespace rpc
