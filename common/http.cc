// http.cc — request/response parsing on http-parser; see http.h.
#include "common/http.h"

#include <http_parser.h>

#include <climits>
#include <cstdio>
#include <new>

#include "common/base64.h"
#include "common/sha1.h"

namespace http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

std::string_view Request::path_only() const {
  std::string_view p = path;
  return p.substr(0, p.find('?'));
}

bool wants_keep_alive(const Request& r) {
  if (!r.has_version || r.version_major < 1) return false;
  std::string_view connection = r.header("Connection");
  if (r.version_major == 1 && r.version_minor == 0) return iequals(connection, "keep-alive");
  return !iequals(connection, "close");
}

// Not in the anonymous namespace: both parsers' Impl (external linkage) hold one, and GCC
// refuses that (-Wsubobject-linkage) when the file is compiled inside a unity source.
namespace detail {

// State shared by both parsers: the header being assembled (http-parser may split a
// name or value across callbacks) and the byte and count limits.
struct HeaderAssembler {
  Headers* headers = nullptr;
  bool in_value = false;
  size_t bytes = 0;

  void reset(Headers* h) {
    headers = h;
    in_value = false;
    bytes = 0;
  }
  // Returns false when a limit is crossed.
  bool field(std::string_view s, size_t max_headers, size_t max_bytes) {
    if (in_value || headers->empty()) {
      if (headers->size() >= max_headers) return false;
      headers->emplace_back();
      in_value = false;
    }
    headers->back().first.append(s);
    bytes += s.size();
    return bytes <= max_bytes;
  }
  bool value(std::string_view s, size_t max_bytes) {
    in_value = true;
    headers->back().second.append(s);
    bytes += s.size();
    return bytes <= max_bytes;
  }
};

}  // namespace detail

namespace {

std::string_view view(const char* at, size_t len) {
  return {at, len};
}

}  // namespace

// ------------------------------------------------------------------ request parser

struct RequestParser::Impl {
  http_parser parser{};
  http_parser_settings settings{};
  RequestLimits limits;
  Request current;
  detail::HeaderAssembler assembler;
  bool in_message = false;
  bool closed = false;  // the last request said close: ignore the rest
  std::deque<Request>* ready = nullptr;
  int limit_status = 0;  // set by a callback that refused the input
  std::string limit_message;

  static Impl& of(http_parser* p) { return *static_cast<Impl*>(p->data); }

  std::string too_large(const std::string& what) const {
    std::string m = what + " exceeds the limit of " + std::to_string(limits.max_body) + " bytes";
    if (!limits.max_body_setting.empty()) m += " (" + limits.max_body_setting + ")";
    return m;
  }

  // -1, not 1: from on_headers_complete, 1 would mean "skip the body", not "stop".
  int refuse(int status, std::string message) {
    limit_status = status;
    limit_message = std::move(message);
    return -1;
  }

  void init() {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  }

  explicit Impl(RequestLimits l) : limits(l) {
    init();
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) {
      Impl& self = of(p);
      self.current = Request{};
      self.assembler.reset(&self.current.headers);
      self.in_message = true;
      return 0;
    };
    settings.on_url = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      self.current.path.append(at, len);
      self.assembler.bytes += len;
      if (self.assembler.bytes > self.limits.max_header_bytes) {
        return self.refuse(400, "request line too long");
      }
      return 0;
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      if (self.current.headers.size() >= self.limits.max_headers && self.assembler.in_value) {
        return self.refuse(
            400, "too many headers (limit " + std::to_string(self.limits.max_headers) + ")");
      }
      if (!self.assembler.field(view(at, len), self.limits.max_headers,
                                self.limits.max_header_bytes)) {
        return self.refuse(400, "request headers too large");
      }
      return 0;
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      if (!self.assembler.value(view(at, len), self.limits.max_header_bytes)) {
        return self.refuse(400, "request headers too large");
      }
      return 0;
    };
    settings.on_headers_complete = [](http_parser* p) {
      Impl& self = of(p);
      Request& r = self.current;
      r.method = http_method_str(static_cast<http_method>(p->method));
      r.version_major = p->http_major;
      r.version_minor = p->http_minor;
      // http-parser reports a request line without a version as HTTP/0.9.
      r.has_version = !(p->http_major == 0 && p->http_minor == 9);
      r.has_content_length = !r.header("Content-Length").empty();
      if (p->content_length != ULLONG_MAX) {
        // Refused before a byte of the body is read or stored.
        if (p->content_length > self.limits.max_body)
          return self.refuse(413, self.too_large("request body of " +
                                                 std::to_string(p->content_length) + " bytes"));
        // One allocation for the whole body instead of a doubling per append (each a
        // copy). Large blocks are mmap'd by glibc: pages a client declares but never
        // sends are never touched, so they cost address space, not memory.
        try {
          r.body.reserve(static_cast<size_t>(p->content_length));
        } catch (const std::bad_alloc&) {
          // append() grows it as bytes arrive, and fails there if memory is really short.
        }
      }
      return 0;
    };
    settings.on_body = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      // Only a chunked body, whose length is not declared, can get here over the limit.
      if (self.current.body.size() + len > self.limits.max_body)
        return self.refuse(413, self.too_large("chunked request body"));
      self.current.body.append(at, len);
      return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
      Impl& self = of(p);
      self.current.keep_alive = wants_keep_alive(self.current);
      // A request that closes the connection is its last: Medusa never reads what
      // follows, so neither do we (http-parser, built non-strict, would go on).
      if (!self.current.keep_alive) {
        self.closed = true;
        http_parser_pause(p, 1);
      }
      self.ready->push_back(std::move(self.current));
      self.current = Request{};
      self.in_message = false;
      return 0;
    };
  }
};

RequestParser::RequestParser(RequestLimits limits) : impl_(std::make_unique<Impl>(limits)) {
  impl_->ready = &ready_;
}

RequestParser::~RequestParser() = default;

bool RequestParser::feed(std::string_view data) {
  if (failed()) return false;
  if (impl_->closed) return true;
  while (!data.empty()) {
    size_t n = http_parser_execute(&impl_->parser, &impl_->settings, data.data(), data.size());
    auto err = HTTP_PARSER_ERRNO(&impl_->parser);
    if (impl_->closed) return true;  // paused after the connection's last request
    if (err != HPE_OK) {
      if (impl_->limit_status != 0) {
        error_status_ = impl_->limit_status;
        error_ = impl_->limit_message;
      } else {
        error_status_ = 400;
        error_ = std::string("malformed request: ") + http_errno_description(err);
      }
      return false;
    }
    data.remove_prefix(n);
    if (impl_->parser.upgrade) {
      // Medusa knows no upgrades: the request was an ordinary one; go on parsing
      // what follows as the next request.
      impl_->init();
      continue;
    }
    if (!data.empty()) {  // http-parser stopped without an error: treat as broken
      error_status_ = 400;
      error_ = "malformed request";
      return false;
    }
  }
  return true;
}

Request RequestParser::take() {
  Request r = std::move(ready_.front());
  ready_.pop_front();
  return r;
}

bool RequestParser::in_progress() const {
  return impl_->in_message;
}

// ------------------------------------------------------------------ responses

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Request Entity Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string format_date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

namespace {

void add_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  out.append(value);
  out += "\r\n";
}

bool is_http10(const Request* req) {
  return req != nullptr && req->has_version && req->version_major == 1 && req->version_minor == 0;
}

// Status line, Server, Date, extra headers.
std::string head(const Request* req, int status, std::time_t now, const Headers& extra) {
  std::string out = "HTTP/";
  if (req == nullptr) {
    out += "1.0";
  } else if (!req->has_version) {
    out += "None";
  } else {
    out += std::to_string(req->version_major) + "." + std::to_string(req->version_minor);
  }
  out += " " + std::to_string(status) + " ";
  out.append(reason_phrase(status));
  out += "\r\n";
  add_header(out, "Server", "Medusa/1.12");
  add_header(out, "Date", format_date(now));
  for (const auto& [k, v] : extra) add_header(out, k, v);
  return out;
}

// Ends the head of a response that has a Content-Length and puts it before the body, in
// the body's own buffer when that has room (a 1 MB answer is not copied into another).
Reply finish(const Request* req, std::string out, std::string body) {
  bool keep = req != nullptr && req->keep_alive;
  if (keep && is_http10(req)) add_header(out, "Connection", "Keep-Alive");
  out += "\r\n";
  if (body.capacity() - body.size() < out.size()) {
    out += body;
    return Reply{std::move(out), !keep};
  }
  body.insert(0, out);
  return Reply{std::move(body), !keep};
}

std::string error_page(int status, std::string_view detail) {
  std::string s =
      "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
      "<h1>Error response</h1>\r\n<p>Error code ";
  s += std::to_string(status);
  s += ".\r\n<p>Message: ";
  s.append(reason_phrase(status));
  if (!detail.empty()) {
    s += ": ";
    s.append(detail);
  }
  s += ".\r\n</body>\r\n";
  return s;
}

}  // namespace

Reply respond(const Request* req, int status, std::string_view content_type, std::string body,
              std::time_t now, const Headers& extra) {
  std::string out = head(req, status, now, extra);
  add_header(out, "Content-Type", content_type);
  add_header(out, "Content-Length", std::to_string(body.size()));
  return finish(req, std::move(out), std::move(body));
}

Reply error_reply(const Request* req, int status, std::time_t now, const Headers& extra,
                  std::string_view detail) {
  std::string page = error_page(status, detail);
  std::string out = head(req, status, now, extra);
  add_header(out, "Content-Length", std::to_string(page.size()));
  add_header(out, "Content-Type", "text/html");
  return finish(req, std::move(out), std::move(page));
}

Reply unauthorized_reply(const Request* req, std::time_t now) {
  return error_reply(req, 401, now,
                     {{"Connection", "close"}, {"WWW-Authenticate", "Basic realm=\"default\""}});
}

StreamHead stream_head(const Request& req, int status, std::time_t now, const Headers& extra) {
  StreamHead h;
  h.bytes = head(&req, status, now, extra);
  // Medusa chunks only for HTTP/1.1 connections it keeps; an HTTP/1.0 body without a
  // length can only end with the connection.
  bool http11 = req.has_version && !is_http10(&req) && req.version_major >= 1;
  if (http11 && req.keep_alive) {
    add_header(h.bytes, "Transfer-Encoding", "chunked");
    h.chunked = true;
    h.close = false;
  }
  h.bytes += "\r\n";
  return h;
}

std::string encode_chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data);
  out += "\r\n";
  return out;
}

std::string_view last_chunk() {
  return "0\r\n\r\n";
}

// ------------------------------------------------------------------ auth

Result<BasicCredentials> parse_basic_auth(std::string_view value) {
  size_t space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "basic")) {
    return Result<BasicCredentials>::fail("not Basic authorization");
  }
  std::string_view cookie = value.substr(space + 1);
  auto decoded = base64::decode(cookie);
  if (!decoded)
    return Result<BasicCredentials>::fail("malformed Basic authorization: " + decoded.error());
  BasicCredentials c;
  size_t colon = decoded->find(':');
  c.username = decoded->substr(0, colon);
  if (colon != std::string::npos) c.password = decoded->substr(colon + 1);
  return c;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The length is not secret (a SHA-1 hex is always 40); the content is.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool password_matches(std::string_view given, std::string_view configured) {
  constexpr std::string_view kSha = "{SHA}";
  if (configured.substr(0, kSha.size()) == kSha) {
    return constant_time_equal(sha1::hex_digest(given), configured.substr(kSha.size()));
  }
  return constant_time_equal(given, configured);
}

AuthOutcome check_auth(const Request& req, std::string_view username, std::string_view password) {
  if (username.empty()) return AuthOutcome::Ok;
  std::string_view value = req.header("Authorization");
  if (value.empty()) return AuthOutcome::Unauthorized;
  size_t space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "basic")) {
    return AuthOutcome::Unauthorized;  // Medusa: unknown scheme is unauthorized
  }
  auto creds = parse_basic_auth(value);
  if (!creds) return AuthOutcome::Malformed;
  // Evaluate both so a wrong user costs the same as a wrong password.
  bool user_ok = constant_time_equal(creds->username, username);
  bool pass_ok = password_matches(creds->password, password);
  return user_ok && pass_ok ? AuthOutcome::Ok : AuthOutcome::Unauthorized;
}

// ------------------------------------------------------------------ client side

std::string build_rpc_request(std::string_view host, std::string_view xml_body,
                              std::string_view username, std::string_view password,
                              std::string_view user_agent) {
  std::string out = "POST /RPC2 HTTP/1.1\r\n";
  add_header(out, "Host", host);
  add_header(out, "Accept-Encoding", "identity");
  add_header(out, "User-Agent", user_agent);
  add_header(out, "Content-Type", "text/xml");
  add_header(out, "Accept", "text/xml");
  if (!username.empty() && !password.empty()) {
    std::string pair(username);
    pair += ':';
    pair.append(password);
    add_header(out, "Authorization", "Basic " + base64::encode(pair));
  }
  add_header(out, "Content-Length", std::to_string(xml_body.size()));
  out += "\r\n";
  out.append(xml_body);
  return out;
}

std::string build_logtail_request(std::string_view host, std::string_view path,
                                  std::string_view username, std::string_view password) {
  std::string out = "GET ";
  out.append(path);
  out += " HTTP/1.1\r\n";
  add_header(out, "Host", host);
  add_header(out, "Accept-Encoding", "chunked");
  add_header(out, "Accept", "*/*");
  add_header(out, "User-agent", "Supervisor HTTP Client");
  if (!password.empty()) {
    std::string pair(username);
    pair += ':';
    pair.append(password);
    add_header(out, "Authorization", "Basic " + base64::encode(pair));
  }
  out += "\r\n\r\n";
  return out;
}

// ------------------------------------------------------------------ response parser

struct ResponseParser::Impl {
  http_parser parser{};
  http_parser_settings settings{};
  ResponseLimits limits;
  Response current;
  detail::HeaderAssembler assembler;
  size_t body_bytes = 0;
  bool headers_done = false;
  std::deque<Response>* ready = nullptr;
  BodySink sink = nullptr;
  void* sink_ctx = nullptr;
  std::string limit_message;

  static Impl& of(http_parser* p) { return *static_cast<Impl*>(p->data); }
  int refuse(std::string message) {
    limit_message = std::move(message);
    return -1;
  }

  explicit Impl(ResponseLimits l) : limits(l) {
    http_parser_init(&parser, HTTP_RESPONSE);
    parser.data = this;
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) {
      Impl& self = of(p);
      self.current = Response{};
      self.assembler.reset(&self.current.headers);
      self.body_bytes = 0;
      self.headers_done = false;
      return 0;
    };
    settings.on_status = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      self.current.reason.append(at, len);
      self.assembler.bytes += len;
      return self.assembler.bytes > self.limits.max_header_bytes
                 ? self.refuse("response status line too long")
                 : 0;
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      if (!self.assembler.field(view(at, len), self.limits.max_headers,
                                self.limits.max_header_bytes)) {
        return self.refuse("response headers too large");
      }
      return 0;
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      if (!self.assembler.value(view(at, len), self.limits.max_header_bytes)) {
        return self.refuse("response headers too large");
      }
      return 0;
    };
    settings.on_headers_complete = [](http_parser* p) {
      Impl& self = of(p);
      self.current.status = p->status_code;
      self.current.version_major = p->http_major;
      self.current.version_minor = p->http_minor;
      self.headers_done = true;
      // One allocation for a body of announced size (a status of 1000 processes is 1 MB).
      if (self.sink == nullptr && p->content_length != ULLONG_MAX &&
          p->content_length <= self.limits.max_body)
        self.current.body.reserve(static_cast<size_t>(p->content_length));
      return 0;
    };
    settings.on_body = [](http_parser* p, const char* at, size_t len) {
      Impl& self = of(p);
      self.body_bytes += len;
      if (self.sink != nullptr) {
        self.sink(self.sink_ctx, view(at, len));
        return 0;
      }
      if (self.body_bytes > self.limits.max_body) {
        return self.refuse("response body exceeds the limit of " +
                           std::to_string(self.limits.max_body));
      }
      self.current.body.append(at, len);
      return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
      Impl& self = of(p);
      self.current.keep_alive = http_should_keep_alive(p) != 0;
      self.ready->push_back(std::move(self.current));
      self.current = Response{};
      self.headers_done = false;
      return 0;
    };
  }

  // Runs the parser; empty data signals the end of the stream.
  bool run(std::string_view data, std::string& error) {
    size_t n = http_parser_execute(&parser, &settings, data.data(), data.size());
    auto err = HTTP_PARSER_ERRNO(&parser);
    if (err != HPE_OK) {
      error = !limit_message.empty()
                  ? limit_message
                  : std::string("malformed response: ") + http_errno_description(err);
      return false;
    }
    if (n != data.size()) {
      error = "malformed response";
      return false;
    }
    return true;
  }
};

ResponseParser::ResponseParser(ResponseLimits limits) : impl_(std::make_unique<Impl>(limits)) {
  impl_->ready = &ready_;
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::set_body_sink(BodySink sink, void* ctx) {
  impl_->sink = sink;
  impl_->sink_ctx = ctx;
}

bool ResponseParser::feed(std::string_view data) {
  if (failed()) return false;
  if (data.empty()) return true;  // empty input means EOF to http-parser: not here
  return impl_->run(data, error_);
}

bool ResponseParser::finish() {
  if (failed()) return false;
  if (!impl_->run({}, error_)) return false;
  if (impl_->headers_done) {
    error_ = "connection closed in the middle of a response";
    return false;
  }
  return true;
}

Response ResponseParser::take() {
  Response r = std::move(ready_.front());
  ready_.pop_front();
  return r;
}

bool ResponseParser::headers_done() const {
  return impl_->headers_done;
}

size_t ResponseParser::body_remaining() const {
  const http_parser& p = impl_->parser;
  if (!impl_->headers_done || (p.flags & F_CHUNKED) != 0 || p.content_length == ULLONG_MAX)
    return 0;
  return static_cast<size_t>(p.content_length);
}

const Response& ResponseParser::current() const {
  return impl_->current;
}

}  // namespace http
