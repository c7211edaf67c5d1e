// server.h — the control plane's HTTP transport: listens on the configured UNIX and TCP
// servers, keeps connections (keep-alive, pipelining, timeouts, Basic auth per server) and
// delivers every well-formed, authorised request to one Handler. Path routing, XML-RPC
// and logtail belong to the handler. Depends on libuv, common/http and the
// config model; must not know XML-RPC or the supervisor.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "supervisord/config/model.h"
#include "supervisord/rpc/listener.h"
#include "supervisord/rpc/responder.h"

namespace rpc {

struct ConnectionLimits;
struct Credentials;
struct ServerCore;

struct ServerOptions {
  uint64_t idle_timeout_ms = 60'000;     // keep-alive connection with nothing to do
  uint64_t request_timeout_ms = 30'000;  // a started request must be complete by then
  size_t max_pipelined = 32;             // answers queued per connection before pausing
  http::RequestLimits request_limits;    // oversized → 413, malformed → 400, then close
  // Notices ("Unlinking stale socket <file>", a request refused as too large). Default: a
  // line on stderr.
  LogLine log;
};

class Server {
 public:
  Server(uv_loop_t* loop, ServerOptions options = {});
  // Closes what is still open; memory is released once the loop runs the close callbacks.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens every listener; on failure the text is the error to print (the daemon exits 2)
  // and the listeners opened so far stay until close().
  // Re-exec in place: `inherited` are the previous image's listening descriptors in the
  // same order (UNIX servers, then TCP ones), used instead of binding again; when their
  // count does not match the config they are closed and every server binds anew.
  Status listen(const std::vector<config::UnixServerConfig>& unix_servers,
                const std::vector<config::InetServerConfig>& inet_servers,
                const std::vector<int>& inherited = {});
  // The listening descriptors, in listen()'s order (for the hand-over record).
  std::vector<int> listening_fds() const;
  void set_handler(Handler handler);

  // Stops listening (unlinking UNIX socket files), drops every connection; `done` runs
  // once every handle is closed (possibly right away).
  void close(std::function<void()> done = nullptr);

  // SUPERVISOR_SERVER_URL: unix://<file> of the first UNIX server, else
  // http://<host or localhost>:<port> of the first TCP server, else "".
  std::string server_url() const;
  // Ports the TCP servers actually bound, in configuration order (port 0 → the real one).
  std::vector<int> tcp_ports() const;
  size_t connection_count() const;

 private:
  struct Listener;
  static void on_readable(uv_poll_t* handle, int status, int events);
  Status add_listener(int fd, bool is_pipe, Credentials credentials,
                      const std::string& unlink_path);

  std::shared_ptr<ServerCore> core_;
  ServerOptions options_;
  std::vector<Listener*> listeners_;
  std::vector<int> tcp_ports_;
  std::string url_;
  bool closed_ = false;
};

}  // namespace rpc
