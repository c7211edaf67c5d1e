// server.cc — see server.h. Listeners are heap objects owned by their uv handle: created
// in listen(), freed in their close callback.
#include "supervisord/rpc/server.h"

#include <unistd.h>

#include <cstdio>

#include "supervisord/rpc/connection.h"

namespace rpc {

struct Server::Listener {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle;
  std::shared_ptr<ServerCore> core;
  bool is_pipe = false;
  Credentials credentials;
  std::string unlink_path;   // the UNIX socket file we created, removed on close

  uv_handle_t* as_handle() { return reinterpret_cast<uv_handle_t*>(&handle); }
  uv_stream_t* as_stream() { return reinterpret_cast<uv_stream_t*>(&handle); }
};

Server::Server(uv_loop_t* loop, ServerOptions options)
    : core_(std::make_shared<ServerCore>()), options_(std::move(options)) {
  core_->loop = loop;
  core_->limits.idle_timeout_ms = options_.idle_timeout_ms;
  core_->limits.request_timeout_ms = options_.request_timeout_ms;
  core_->limits.max_pipelined = options_.max_pipelined ? options_.max_pipelined : 1;
  core_->limits.request = options_.request_limits;
  if (!options_.log)
    options_.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
}

Server::~Server() {
  if (!closed_) close();
}

void Server::set_handler(Handler handler) { core_->handler = std::move(handler); }

Status Server::listen(const std::vector<config::UnixServerConfig>& unix_servers,
                      const std::vector<config::InetServerConfig>& inet_servers) {
  for (const auto& cfg : unix_servers) {
    auto fd = open_unix_listener(cfg, options_.log);
    if (!fd) return Status::fail(fd.error());
    if (Status s = add_listener(*fd, true, cfg.username, cfg.password, cfg.file); !s) return s;
    if (url_.empty()) url_ = "unix://" + cfg.file;
  }
  bool first_inet = true;
  for (const auto& cfg : inet_servers) {
    auto fd = open_tcp_listener(cfg.host, cfg.port);
    if (!fd) return Status::fail(fd.error());
    tcp_ports_.push_back(bound_tcp_port(*fd));
    if (Status s = add_listener(*fd, false, cfg.username, cfg.password, ""); !s) return s;
    if (url_.empty() && first_inet)
      url_ = "http://" + (cfg.host.empty() ? std::string("localhost") : cfg.host) + ":" +
             std::to_string(cfg.port);
    first_inet = false;
  }
  return Status::success();
}

Status Server::add_listener(int fd, bool is_pipe, const std::string& username,
                            const std::string& password, const std::string& unlink_path) {
  auto* l = new Listener{};
  l->core = core_;
  l->is_pipe = is_pipe;
  l->credentials = {username, password};
  l->unlink_path = unlink_path;
  int rc = is_pipe ? uv_pipe_init(core_->loop, &l->handle.pipe, 0)
                   : uv_tcp_init(core_->loop, &l->handle.tcp);
  if (rc != 0) {
    ::close(fd);
    if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
    delete l;
    return Status::fail(std::string("Cannot open an HTTP server: ") + uv_strerror(rc));
  }
  l->as_handle()->data = l;
  ++core_->open_objects;
  listeners_.push_back(l);   // from here close() owns the cleanup
  rc = is_pipe ? uv_pipe_open(&l->handle.pipe, fd) : uv_tcp_open(&l->handle.tcp, fd);
  if (rc != 0) {
    ::close(fd);
    return Status::fail(std::string("Cannot open an HTTP server: ") + uv_strerror(rc));
  }
  rc = uv_listen(l->as_stream(), kListenBacklog, on_connection);
  if (rc != 0) return Status::fail(std::string("Cannot open an HTTP server: ") + uv_strerror(rc));
  return Status::success();
}

void Server::on_connection(uv_stream_t* server, int status) {
  auto* l = static_cast<Listener*>(server->data);
  if (status < 0 || l->core->closing) return;
  Connection::accept(l->core, server, l->is_pipe, l->credentials);
}

void Server::on_listener_closed(uv_handle_t* h) {
  auto* l = static_cast<Listener*>(h->data);
  std::shared_ptr<ServerCore> core = std::move(l->core);
  delete l;
  core->object_closed();
}

void Server::close(std::function<void()> done) {
  closed_ = true;
  core_->closing = true;
  core_->on_all_closed = std::move(done);
  for (Listener* l : listeners_) {
    // Unlink now, not in the callback: a new daemon may be about to bind the same path.
    if (!l->unlink_path.empty()) ::unlink(l->unlink_path.c_str());
    if (!uv_is_closing(l->as_handle())) uv_close(l->as_handle(), on_listener_closed);
  }
  listeners_.clear();
  // close() erases from the set only in the close callback; copy to iterate safely.
  std::vector<Connection*> open(core_->connections.begin(), core_->connections.end());
  for (Connection* c : open) c->close();
  if (core_->open_objects == 0 && core_->on_all_closed) {
    auto cb = std::move(core_->on_all_closed);
    core_->on_all_closed = nullptr;
    cb();
  }
}

std::string Server::server_url() const { return url_; }

std::vector<int> Server::tcp_ports() const { return tcp_ports_; }

size_t Server::connection_count() const { return core_->connections.size(); }

}  // namespace rpc
