// endpoint.cc — parsing of ready= and [program:x] socket= texts.
#include "supervisord/config/endpoint.h"

#include <cctype>

namespace config {
namespace {

// "HOST:PORT" (host may be "[v6]"); the rest after the port is returned in `rest`.
Result<Endpoint> host_port(std::string_view text, Endpoint::Kind kind, std::string_view* rest) {
  Endpoint e;
  e.kind = kind;
  std::string_view hp = text;
  size_t slash = hp.find('/');
  *rest = slash == std::string_view::npos ? std::string_view() : hp.substr(slash);
  hp = hp.substr(0, slash);
  size_t colon;
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 1 >= hp.size() || hp[close + 1] != ':')
      return Result<Endpoint>::fail("bad address '" + std::string(text) + "'");
    e.host = std::string(hp.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = hp.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return Result<Endpoint>::fail("expected HOST:PORT, got '" + std::string(text) + "'");
    e.host = std::string(hp.substr(0, colon));
  }
  std::string_view port = hp.substr(colon + 1);
  if (port.empty() || port.size() > 5)
    return Result<Endpoint>::fail("bad port in '" + std::string(text) + "'");
  int n = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return Result<Endpoint>::fail("bad port in '" + std::string(text) + "'");
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > 65535)
    return Result<Endpoint>::fail("port out of range in '" + std::string(text) + "'");
  e.port = n;
  return e;
}

}  // namespace

Result<Endpoint> parse_ready(std::string_view text) {
  if (text.empty()) return Endpoint{};
  if (text == "notify") return Endpoint{Endpoint::Kind::Notify, "", 0, ""};
  std::string_view rest;
  if (text.starts_with("tcp://")) {
    auto e = host_port(text.substr(6), Endpoint::Kind::Tcp, &rest);
    if (e && !rest.empty())
      return Result<Endpoint>::fail("tcp:// takes no path: '" + std::string(text) + "'");
    return e;
  }
  if (text.starts_with("http://")) {
    auto e = host_port(text.substr(7), Endpoint::Kind::Http, &rest);
    if (!e) return e;
    e->path = rest.empty() ? "/" : std::string(rest);
    for (char c : e->path)
      if (static_cast<unsigned char>(c) <= ' ')
        return Result<Endpoint>::fail("bad path in '" + std::string(text) + "'");
    return e;
  }
  return Result<Endpoint>::fail("expected notify, tcp://HOST:PORT or http://HOST:PORT/PATH, got '" +
                                std::string(text) + "'");
}

Result<Endpoint> parse_listen(std::string_view text) {
  if (text.empty()) return Endpoint{};
  if (text.starts_with("unix://")) {
    std::string path(text.substr(7));
    if (path.empty() || path[0] != '/')
      return Result<Endpoint>::fail("unix socket path must be absolute: '" + std::string(text) +
                                    "'");
    if (path.size() > 107)
      return Result<Endpoint>::fail("unix socket path too long: '" + path + "'");
    return Endpoint{Endpoint::Kind::Unix, "", 0, path};
  }
  if (text.starts_with("tcp://")) {
    std::string_view rest;
    auto e = host_port(text.substr(6), Endpoint::Kind::Tcp, &rest);
    if (e && !rest.empty())
      return Result<Endpoint>::fail("tcp:// takes no path: '" + std::string(text) + "'");
    return e;
  }
  return Result<Endpoint>::fail("expected tcp://HOST:PORT or unix:///path, got '" +
                                std::string(text) + "'");
}

}  // namespace config
