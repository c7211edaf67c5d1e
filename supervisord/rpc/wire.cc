// wire.cc — see wire.h. TEMPORARY body: a minimal stand-in on http-parser until
// common/http lands; then every function here becomes a one-line call into common/http.
#include "supervisord/rpc/wire.h"

#include <http_parser.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace http {

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return v;
  }
  return {};
}

}  // namespace http

namespace rpc::wire {
namespace {

constexpr size_t kMaxRequestBytes = 4 * 1024 * 1024;
constexpr size_t kMaxHeaders = 100;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

std::string date_now() {
  char buf[64];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string head(const http::Request* r, int status, const Headers& headers) {
  int major = r ? r->version_major : 1, minor = r ? r->version_minor : 0;
  std::string out = "HTTP/" + std::to_string(major) + "." + std::to_string(minor) + " " +
                    std::to_string(status) + " " + reason(status) + "\r\n";
  out += "Server: Medusa/1.12\r\nDate: " + date_now() + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (r && r->version_major == 1 && r->version_minor == 0 && keep_alive(*r))
    out += "Connection: Keep-Alive\r\n";
  return out;
}

std::string base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string sha1_hex(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m(data);
  uint64_t bit_len = static_cast<uint64_t>(m.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>((bit_len >> (i * 8)) & 0xff));
  auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = static_cast<uint32_t>(static_cast<unsigned char>(m[off + 4 * i])) << 24 |
             static_cast<uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 1])) << 16 |
             static_cast<uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 2])) << 8 |
             static_cast<uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 3]));
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  char hex[41];
  for (int i = 0; i < 5; ++i) std::snprintf(hex + 8 * i, 9, "%08x", h[i]);
  return std::string(hex, 40);
}

}  // namespace

struct Parser::Impl {
  http_parser parser;
  http_parser_settings settings;
  http::Request current;
  bool done = false;
  bool started = false;
  bool too_big = false;
  bool length_required = false;
  size_t bytes = 0;
  std::string field;
  bool in_value = false;

  Impl() {
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser* p) {
      auto* s = static_cast<Impl*>(p->data);
      s->started = true;
      return 0;
    };
    settings.on_url = [](http_parser* p, const char* at, size_t n) {
      static_cast<Impl*>(p->data)->current.path.append(at, n);
      return 0;
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t n) {
      auto* s = static_cast<Impl*>(p->data);
      if (s->in_value || s->current.headers.empty()) {
        if (s->current.headers.size() >= kMaxHeaders) {
          s->too_big = true;
          return 1;
        }
        s->current.headers.emplace_back();
        s->in_value = false;
      }
      s->current.headers.back().first.append(at, n);
      return 0;
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t n) {
      auto* s = static_cast<Impl*>(p->data);
      s->in_value = true;
      s->current.headers.back().second.append(at, n);
      return 0;
    };
    settings.on_headers_complete = [](http_parser* p) {
      auto* s = static_cast<Impl*>(p->data);
      // A POST body must be delimited; Supervisor answers 411 rather than guess.
      if (p->method == HTTP_POST && !(p->flags & F_CHUNKED) &&
          s->current.header("Content-Length").empty()) {
        s->length_required = true;
        return -1;   // any value but 0/1/2 is a parse error
      }
      return 0;
    };
    settings.on_body = [](http_parser* p, const char* at, size_t n) {
      auto* s = static_cast<Impl*>(p->data);
      if (s->current.body.size() + n > kMaxRequestBytes) {
        s->too_big = true;
        return 1;
      }
      s->current.body.append(at, n);
      return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
      auto* s = static_cast<Impl*>(p->data);
      s->current.method = http_method_str(static_cast<http_method>(p->method));
      s->current.version_major = p->http_major;
      s->current.version_minor = p->http_minor;
      s->done = true;
      http_parser_pause(p, 1);
      return 0;
    };
    reset();
  }
  void reset() {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  }
};

Parser::Parser() : impl_(new Impl) {}
Parser::~Parser() { delete impl_; }

Parser::Outcome Parser::feed(std::string_view data) {
  Impl& s = *impl_;
  size_t n = http_parser_execute(&s.parser, &s.settings, data.data(), data.size());
  s.bytes += n;
  if (s.done) return {Kind::Request, n, 0};
  if (s.length_required) return {Kind::Error, n, 411};
  if (s.too_big || s.bytes > kMaxRequestBytes) return {Kind::Error, n, 413};
  if (HTTP_PARSER_ERRNO(&s.parser) != HPE_OK) return {Kind::Error, n, 400};
  return {Kind::NeedMore, n, 0};
}

http::Request Parser::take() {
  Impl& s = *impl_;
  http::Request r = std::move(s.current);
  s.current = {};
  s.done = s.started = s.in_value = false;
  s.bytes = 0;
  s.reset();
  return r;
}

bool Parser::in_progress() const { return impl_->started && !impl_->done; }

bool keep_alive(const http::Request& r) {
  std::string_view c = r.header("Connection");
  if (r.version_major == 1 && r.version_minor >= 1) return !iequals(c, "close");
  return iequals(c, "keep-alive");
}

bool chunked_allowed(const http::Request& r) {
  return r.version_major == 1 && r.version_minor >= 1;
}

std::string response(const http::Request* r, int status, const Headers& headers,
                     std::string_view body) {
  std::string out = head(r, status, headers);
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out.append(body);
  return out;
}

std::string error_response(const http::Request* r, int status) {
  std::string body = "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
                     "<h1>Error response</h1>\r\n<p>Error code " + std::to_string(status) +
                     ".\r\n<p>Message: " + reason(status) + ".\r\n</body>\r\n";
  return response(r, status, {{"Content-Type", "text/html"}}, body);
}

std::string stream_head(const http::Request& r, int status, const Headers& headers) {
  std::string out = head(&r, status, headers);
  if (chunked_allowed(r)) out += "Transfer-Encoding: chunked\r\n";
  return out + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string last_chunk() { return "0\r\n\r\n"; }

bool authorized(const http::Request& r, const Credentials& c) {
  if (c.username.empty()) return true;
  std::string_view auth = r.header("Authorization");
  if (auth.size() < 6 || !iequals(auth.substr(0, 6), "basic ")) return false;
  std::string decoded = base64_decode(auth.substr(6));
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  std::string user = decoded.substr(0, colon), pass = decoded.substr(colon + 1);
  if (user != c.username) return false;
  if (c.password.rfind("{SHA}", 0) == 0) return sha1_hex(pass) == c.password.substr(5);
  return pass == c.password;
}

std::string unauthorized_response(const http::Request& r) {
  std::string out = error_response(&r, 401);
  // Supervisor says "Connection: close" on a 401 yet keeps the socket open; we copy the
  // header, and the connection follows the request's own keep-alive.
  size_t at = out.find("\r\n") + 2;
  out.insert(at, "WWW-Authenticate: Basic realm=\"default\"\r\nConnection: close\r\n");
  return out;
}

}  // namespace rpc::wire
