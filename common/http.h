// http.h — HTTP/1.x framing, the only code that knows HTTP bytes: incremental request
// parsing (http-parser inside http.cc), Medusa-compatible responses and error pages,
// chunked encoding, Basic auth, and the client side (supervisorctl's POST /RPC2 and
// logtail GET, incremental response parsing). Pure: no sockets, no libuv, no clock
// (the caller passes `now`). Must not depend on xmlrpc or anything above common/.
#pragma once

#include <cstddef>
#include <ctime>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace http {

using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);
// First header with this name (case-insensitive), or "" when absent.
std::string_view find_header(const Headers& headers, std::string_view name);

// ------------------------------------------------------------------ server side

struct Request {
  std::string method;
  std::string path;  // the request-target as sent ("/RPC2", "/logtail/x?q")
  int version_major = 1;
  int version_minor = 1;
  // False for a request line without "HTTP/x.y" (http-parser reports it as 0.9):
  // Medusa answers "HTTP/None <code>" and closes.
  bool has_version = true;
  Headers headers;
  std::string body;
  bool has_content_length = false;  // POST /RPC2 without it is answered 411
  bool keep_alive = false;          // what the request asks for (wants_keep_alive)

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  // path without "?query".
  std::string_view path_only() const;
};

// As Supervisor's HTTP server (Medusa): HTTP/1.1 stays open unless "Connection: close";
// HTTP/1.0 closes unless "Connection: keep-alive"; no version closes. Values compare
// case-insensitively and exactly (Medusa does not split token lists).
bool wants_keep_alive(const Request& r);

struct RequestLimits {
  size_t max_header_bytes = 64 * 1024;  // request line + all header names and values
  size_t max_headers = 100;
  // The daemon sets this from [supervisord] http_request_maxbytes (same default): a
  // 100,000-call system.multicall is about 25 MB as xmlrpc.client encodes it, 5 MB of
  // stdin up to 26 MB once escaped.
  size_t max_body = 64 * 1024 * 1024;
  // What sets max_body, named in the 413 message ("[supervisord] http_request_maxbytes").
  std::string max_body_setting;
};

// Incremental parser for one connection. Feed bytes as they arrive (any split, several
// pipelined requests per feed); complete requests queue up in order. After an error
// the stream is out of sync: answer error_status() and close the connection.
class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Returns false once the stream is broken (now or earlier); requests completed
  // before the error are still queued.
  bool feed(std::string_view data);
  bool has_request() const { return !ready_.empty(); }
  Request take();            // the oldest complete request; has_request() first
  bool in_progress() const;  // bytes of an unfinished request seen
  bool failed() const { return error_status_ != 0; }
  int error_status() const { return error_status_; }   // 400 or 413
  const std::string& error() const { return error_; }  // for the log

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<Request> ready_;
  int error_status_ = 0;
  std::string error_;
};

// "OK", "Not Found", ...; "Unknown" for codes we never send.
std::string_view reason_phrase(int status);
// RFC 1123, always GMT and English: "Sun, 29 Nov 2026 10:15:10 GMT".
std::string format_date(std::time_t t);

// Bytes to send and whether to close the connection after them.
struct Reply {
  std::string bytes;
  bool close = true;
};

// Room enough for respond's head (status line, Server, Date, Content-Type, Content-Length):
// a body built with this much spare capacity becomes the reply without being copied.
constexpr size_t kHeadRoom = 256;

// Status line echoing the request's version ("HTTP/None" without one, HTTP/1.0 when
// req is null: the request could not be parsed), Server, Date, `extra` headers in
// order, Content-Type, Content-Length, and "Connection: Keep-Alive" for a kept
// HTTP/1.0 connection — Medusa's order.
Reply respond(const Request* req, int status, std::string_view content_type, std::string body,
              std::time_t now, const Headers& extra = {});
// Medusa's text/html error page ("Error code N." / "Message: <reason>.");
// Content-Length precedes Content-Type here, as in Medusa. A non-empty `detail` follows
// the reason ("Message: <reason>: <detail>."); it must be our text (it is not escaped).
Reply error_reply(const Request* req, int status, std::time_t now, const Headers& extra = {},
                  std::string_view detail = {});
// 401 with WWW-Authenticate: Basic realm="default" and "Connection: close" (which
// Medusa sends yet keeps the socket open; so does `close` here).
Reply unauthorized_reply(const Request* req, std::time_t now);

// Head of a streamed body without Content-Length (logtail). HTTP/1.1 keep-alive
// streams chunked; otherwise the raw body runs until close.
struct StreamHead {
  std::string bytes;
  bool chunked = false;
  bool close = true;
};
StreamHead stream_head(const Request& req, int status, std::time_t now, const Headers& extra);
// One chunk ("<hex>\r\n<data>\r\n"); empty data gives "" (an empty chunk would end
// the body). last_chunk() ends it.
std::string encode_chunk(std::string_view data);
std::string_view last_chunk();

// ------------------------------------------------------------------ auth

struct BasicCredentials {
  std::string username;
  std::string password;
};
// The credentials of an "Authorization: Basic <b64>" value. Error when the scheme is
// not Basic or the base64 is malformed (Medusa answers 400 to the latter).
// A missing ':' gives the whole text as the username and an empty password.
Result<BasicCredentials> parse_basic_auth(std::string_view header_value);
// Compares without an early exit, so timing does not reveal the matching prefix.
bool constant_time_equal(std::string_view a, std::string_view b);

// The value of one hex digit of a %XX escape (either case), -1 for anything else.
constexpr int hex_digit(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}
// Supervisor's rule: `configured` is the clear password or "{SHA}" + sha1 hex
// (lowercase, as hashlib's hexdigest).
bool password_matches(std::string_view given, std::string_view configured);

enum class AuthOutcome { Ok, Unauthorized, Malformed };
// Whole check for one request; an empty `username` means the server has no auth.
AuthOutcome check_auth(const Request& req, std::string_view username, std::string_view password);

// ------------------------------------------------------------------ client side

// POST /RPC2 exactly as supervisorctl's transport sends it: Host, Accept-Encoding:
// identity, User-Agent, Content-Type: text/xml, Accept: text/xml, [Authorization],
// Content-Length. `host` is "localhost" for unix:// URLs. Auth is sent only when both
// username and password are non-empty.
std::string build_rpc_request(std::string_view host, std::string_view xml_body,
                              std::string_view username = {}, std::string_view password = {},
                              std::string_view user_agent = "Python-xmlrpc/3.11");
// supervisorctl's `tail -f` request: GET <path> HTTP/1.1, Host, Accept-Encoding:
// chunked, Accept: */*, User-agent, [Authorization when password set], and an extra
// CRLF after the blank line.
std::string build_logtail_request(std::string_view host, std::string_view path,
                                  std::string_view username = {}, std::string_view password = {});

struct Response {
  int status = 0;
  std::string reason;
  int version_major = 1;
  int version_minor = 1;
  Headers headers;
  std::string body;
  bool keep_alive = false;  // the server will keep the connection open
  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct ResponseLimits {
  size_t max_header_bytes = 64 * 1024;
  size_t max_headers = 100;
  size_t max_body = 256 * 1024 * 1024;  // readLog answers can be large
};

// Incremental response parser: Content-Length, chunked, or read-until-close bodies.
// For streaming (logtail) set a body sink: body bytes go there as they arrive
// instead of into Response::body.
class ResponseParser {
 public:
  explicit ResponseParser(ResponseLimits limits = {});
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  using BodySink = void (*)(void* ctx, std::string_view bytes);
  void set_body_sink(BodySink sink, void* ctx);

  bool feed(std::string_view data);  // false once broken; error() says why
  bool finish();                     // the peer closed: ends a read-until-close body
  bool has_response() const { return !ready_.empty(); }
  Response take();
  bool headers_done() const;  // status and headers of the current response known
  // What is still to come of the current response's body when its head gave the length
  // (Content-Length, not chunked), 0 otherwise; inside a body sink, not counting the bytes
  // it is handed. A caller can receive that much straight into memory of its own.
  size_t body_remaining() const;
  const Response& current() const;  // the response being parsed (status, headers)
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<Response> ready_;
  std::string error_;
};

}  // namespace http
