// endpoint.h — the texts of the zero-downtime extension options, parsed once: `ready=`
// ("notify", "tcp://HOST:PORT", "http://HOST:PORT/PATH") and `socket=` of [program:x]
// ("tcp://HOST:PORT", "unix:///absolute/path"). Pure: the loader validates with it, the
// process runtime connects and binds with what it returns.
// Must not depend on: uv.h, sockets, process/, the loader.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace config {

struct Endpoint {
  enum class Kind { None, Notify, Tcp, Http, Unix };
  Kind kind = Kind::None;
  std::string host;  // Tcp/Http: as written ("127.0.0.1", "localhost", "::1" without [])
  int port = 0;      // Tcp/Http
  std::string path;  // Http: "/..." (default "/"); Unix: the socket path
};

// "" -> None. Errors name what is wrong: "ready: expected notify, tcp://HOST:PORT or ...".
Result<Endpoint> parse_ready(std::string_view text);
// "" -> None; tcp://HOST:PORT or unix:///absolute/path.
Result<Endpoint> parse_listen(std::string_view text);

}  // namespace config
