// listener.h — opening the listening sockets of [unix_http_server] and [inet_http_server]:
// UNIX sockets created by bind-to-temp + chmod + hard link (so a live supervisord's socket
// is never stolen and a stale one is replaced), TCP sockets on host:port. Returns plain
// listening fds; the uv handles that serve them belong to rpc/server. Must not depend on
// libuv or on HTTP.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "supervisord/config/model.h"

namespace rpc {

// Supervisor's text when a socket path or port is already served by someone else.
inline constexpr std::string_view kAddressInUse =
    "Another program is already listening on a port that one of our HTTP servers is "
    "configured to use.  Shut this program down first before starting supervisord.";

inline constexpr int kListenBacklog = 1024;

using LogLine = std::function<void(const std::string&)>;

// Creates, links, chowns and listens on cfg.file. `log` receives "Unlinking stale socket
// <file>" when a dead socket is replaced. The fd is non-blocking and close-on-exec.
Result<int> open_unix_listener(const config::UnixServerConfig& cfg, const LogLine& log);

// Binds host:port ("" = all IPv4 interfaces; port 0 = any free port) and listens.
Result<int> open_tcp_listener(const std::string& host, int port);

// The port a bound TCP socket actually got (for port 0); -1 on error.
int bound_tcp_port(int fd);

}  // namespace rpc
