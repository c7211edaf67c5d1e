// server.cc — see server.h. Listeners are heap objects: created in listen(), freed once
// both their handles closed. They accept() themselves (a uv_poll on the
// listening socket) rather than through uv_listen, so that running out of descriptors can
// be met with the reserve (FdReserve) instead of libuv's close-the-client trick.
#include "supervisord/rpc/server.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "supervisord/rpc/connection.h"

namespace rpc {

struct Server::Listener {
  uvx::Handle<uv_poll_t> poll;    // readable: clients are waiting in the backlog
  uvx::Handle<uv_timer_t> retry;  // out of descriptors with the reserve spent: accept later
  int fd = -1;
  std::shared_ptr<ServerCore> core;
  bool is_pipe = false;
  Credentials credentials;
  std::string unlink_path;  // the UNIX socket file we created, removed on close
  bool out_of_fds = false;  // told once per episode
  LogLine log;
};

namespace {

// How long a listener waits before trying accept() again when no descriptor is free even
// after the reserve: the clients wait in the kernel's backlog meanwhile, not refused.
constexpr uint64_t kAcceptRetryMs = 100;
// Clients accepted per wake-up, so that a flood of connects cannot starve the loop.
constexpr int kAcceptBatch = 64;

}  // namespace

Server::Server(uv_loop_t* loop, ServerOptions options)
    : core_(std::make_shared<ServerCore>()), options_(std::move(options)) {
  core_->loop = loop;
  core_->limits.idle_timeout_ms = options_.idle_timeout_ms;
  core_->limits.request_timeout_ms = options_.request_timeout_ms;
  core_->limits.max_pipelined = options_.max_pipelined ? options_.max_pipelined : 1;
  core_->limits.request = options_.request_limits;
  if (!options_.log)
    options_.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  core_->log = options_.log;
}

Server::~Server() {
  if (!closed_) close();
}

void Server::set_handler(Handler handler) {
  core_->handler = std::move(handler);
}

Status Server::listen(const std::vector<config::UnixServerConfig>& unix_servers,
                      const std::vector<config::InetServerConfig>& inet_servers,
                      const std::vector<int>& inherited) {
  std::vector<int> given = inherited;
  if (given.size() != unix_servers.size() + inet_servers.size()) {
    for (int fd : given) ::close(fd);
    given.clear();
  }
  for (int fd : given) (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
  size_t next = 0;
  auto take = [&]() -> Result<int> { return given[next++]; };
  for (const auto& cfg : unix_servers) {
    auto fd = given.empty() ? open_unix_listener(cfg, options_.log) : take();
    if (!fd) return Status::fail(fd.error());
    if (Status s = add_listener(*fd, true, {cfg.username, cfg.password, true}, cfg.file); !s)
      return s;
    if (url_.empty()) url_ = "unix://" + cfg.file;
  }
  bool first_inet = true;
  for (const auto& cfg : inet_servers) {
    auto fd = given.empty() ? open_tcp_listener(cfg.host, cfg.port) : take();
    if (!fd) return Status::fail(fd.error());
    tcp_ports_.push_back(bound_tcp_port(*fd));
    if (Status s = add_listener(*fd, false, {cfg.username, cfg.password, cfg.metrics_auth}, ""); !s)
      return s;
    if (url_.empty() && first_inet)
      url_ = "http://" + (cfg.host.empty() ? std::string("localhost") : cfg.host) + ":" +
             std::to_string(cfg.port);
    first_inet = false;
  }
  return Status::success();
}

std::vector<int> Server::listening_fds() const {
  std::vector<int> fds;
  for (const Listener* l : listeners_) fds.push_back(l->fd);
  return fds;
}

Status Server::add_listener(int fd, bool is_pipe, Credentials credentials,
                            const std::string& unlink_path) {
  auto* l = new Listener{};
  l->core = core_;
  l->is_pipe = is_pipe;
  l->credentials = std::move(credentials);
  l->unlink_path = unlink_path;
  l->fd = fd;
  l->log = options_.log;
  Status st = l->poll.init(core_->loop, uv_poll_init, fd);
  if (st) st = l->retry.init(core_->loop, uv_timer_init);
  if (!st) {
    l->poll.close();  // frees in its callback, after the Listener is gone
    ::close(fd);
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
    delete l;
    return Status::fail("Cannot open an HTTP server: " + st.error());
  }
  l->poll->data = l;
  l->retry->data = l;
  ++core_->open_objects;
  listeners_.push_back(l);  // from here close() owns the cleanup
  core_->reserve.fill();
  int rc = uv_poll_start(l->poll.get(), UV_READABLE, on_readable);
  if (rc != 0) return Status::fail(std::string("Cannot open an HTTP server: ") + uv_strerror(rc));
  return Status::success();
}

void Server::on_readable(uv_poll_t* handle, int status, int) {
  auto* l = static_cast<Listener*>(handle->data);
  if (status < 0 || l->core->closing) return;
  for (int i = 0; i < kAcceptBatch; ++i) {
    int c = ::accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0) {
      if (l->out_of_fds) {
        l->out_of_fds = false;
        l->log("accepting connections again");
      }
      Connection::adopt(l->core, c, l->is_pipe, l->credentials);
      continue;
    }
    int e = errno;
    if (e == EINTR || e == ECONNABORTED) continue;
    if ((e == EMFILE || e == ENFILE) && l->core->reserve.release_one()) continue;
    if (e == EMFILE || e == ENFILE) {
      // Not even the reserve is left (every reserved descriptor serves a client now): let
      // the clients wait in the backlog and try again shortly.
      if (!l->out_of_fds) {
        l->out_of_fds = true;
        l->log(std::string("cannot accept a connection: ") + std::strerror(e) +
               " (every reserved descriptor is in use); retrying every " +
               std::to_string(kAcceptRetryMs) + " ms");
      }
      uv_poll_stop(l->poll.get());
      uv_timer_start(
          l->retry.get(),
          [](uv_timer_t* t) {
            auto* l = static_cast<Listener*>(t->data);
            if (l->core->closing) return;
            l->core->reserve.fill();
            uv_poll_start(l->poll.get(), UV_READABLE, on_readable);
          },
          kAcceptRetryMs, 0);
    }
    return;  // EAGAIN: the backlog is empty
  }
}

void Server::close(std::function<void()> done) {
  closed_ = true;
  core_->closing = true;
  core_->on_all_closed = std::move(done);
  for (Listener* l : listeners_) {
    // Unlink now, not in the callback: a new daemon may be about to bind the same path.
    if (!l->unlink_path.empty()) ::unlink(l->unlink_path.c_str());
    uvx::close_all(
        [l] {
          ::close(l->fd);
          std::shared_ptr<ServerCore> core = std::move(l->core);
          delete l;
          core->object_closed();
        },
        l->poll, l->retry);
  }
  listeners_.clear();
  if (core_->trim_timer) {
    uv_timer_stop(core_->trim_timer.get());
    core_->trim_timer.close([core = core_] { core->object_closed(); });
  }
  // close() erases from the set only in the close callback; copy to iterate safely.
  std::vector<Connection*> open(core_->connections.begin(), core_->connections.end());
  for (Connection* c : open) c->close();
  if (core_->open_objects == 0 && core_->on_all_closed) {
    auto cb = std::move(core_->on_all_closed);
    core_->on_all_closed = nullptr;
    cb();
  }
}

std::string Server::server_url() const {
  return url_;
}

std::vector<int> Server::tcp_ports() const {
  return tcp_ports_;
}

size_t Server::connection_count() const {
  return core_->connections.size();
}

}  // namespace rpc
