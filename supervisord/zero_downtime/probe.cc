// probe.cc — connect (+ GET) with a deadline on libuv.
#include "supervisord/zero_downtime/probe.h"

#include <string_view>
#include <utility>

#include "supervisord/zero_downtime/readiness.h"

// One connection attempt (tcp->data is the Attempt). Detached (owner = null) when the
// probe is done with it; freed once its tcp handle closed (after its requests' callbacks).
struct Probe::Attempt {
  uvx::Handle<uv_tcp_t> tcp;
  uv_connect_t connect;
  uv_write_t write;
  Probe* owner;
  std::string request;
  std::string received;
  char buffer[512];
};

Probe::Probe(uv_loop_t* loop, config::Endpoint target, uint64_t timeout_ms)
    : loop_(loop), target_(std::move(target)), timeout_ms_(timeout_ms) {
  if (deadline_.init(loop_, uv_timer_init)) deadline_->data = this;  // cannot fail
}

Probe::~Probe() = default;

namespace {

int resolve(const config::Endpoint& t, sockaddr_storage* out) {
  std::string host = t.host == "localhost" ? "127.0.0.1" : t.host;
  if (uv_ip4_addr(host.c_str(), t.port, reinterpret_cast<sockaddr_in*>(out)) == 0) return 0;
  return uv_ip6_addr(host.c_str(), t.port, reinterpret_cast<sockaddr_in6*>(out));
}

}  // namespace

bool Probe::run(std::function<void(bool, const std::string&)> done) {
  if (attempt_ || !deadline_) return false;
  done_ = std::move(done);
  auto* a = new Attempt;
  a->owner = this;
  attempt_ = a;
  int rc = a->tcp.init(loop_, uv_tcp_init) ? 0 : UV_ENOMEM;  // uv_tcp_init cannot fail
  if (rc == 0) a->tcp->data = a;
  uv_timer_start(
      deadline_.get(),
      [](uv_timer_t* h) { static_cast<Probe*>(h->data)->finish(false, "timed out"); }, timeout_ms_,
      0);
  sockaddr_storage addr{};
  if (rc == 0) rc = resolve(target_, &addr);
  if (rc == 0) {
    rc = uv_tcp_connect(
        &a->connect, a->tcp.get(), reinterpret_cast<sockaddr*>(&addr),
        [](uv_connect_t* req, int status) {
          auto* at = static_cast<Attempt*>(req->handle->data);
          Probe* self = at->owner;
          if (!self) return;  // detached: the close callback frees it
          if (status < 0) return self->finish(false, uv_strerror(status));
          if (self->target_.kind != config::Endpoint::Kind::Http)
            return self->finish(true, "connected");
          at->request =
              readiness::http_request(self->target_.host, self->target_.port, self->target_.path);
          uv_buf_t b = uv_buf_init(at->request.data(), static_cast<unsigned>(at->request.size()));
          auto* stream = reinterpret_cast<uv_stream_t*>(at->tcp.get());
          uv_write(&at->write, stream, &b, 1, [](uv_write_t*, int) {});
          uv_read_start(
              stream,
              [](uv_handle_t* h, size_t, uv_buf_t* buf) {
                auto* x = static_cast<Attempt*>(h->data);
                *buf = uv_buf_init(x->buffer, sizeof x->buffer);
              },
              [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                auto* x = static_cast<Attempt*>(s->data);
                Probe* p = x->owner;
                if (!p) return;
                if (n < 0) return p->finish(false, "connection closed before a status line");
                x->received.append(buf->base, static_cast<size_t>(n));
                switch (readiness::http_verdict(x->received)) {
                  case readiness::HttpVerdict::Incomplete:
                    return;
                  case readiness::HttpVerdict::Ok:
                    return p->finish(true, "http ok");
                  case readiness::HttpVerdict::Failed:
                    return p->finish(
                        false, "http status: " + x->received.substr(0, x->received.find('\r')));
                }
              });
        });
  }
  if (rc != 0) {
    // Report later, from the loop, like every other outcome: a zero-delay deadline.
    uv_timer_start(
        deadline_.get(),
        [](uv_timer_t* h) { static_cast<Probe*>(h->data)->finish(false, "bad address"); }, 0, 0);
  }
  return true;
}

void Probe::finish(bool ok, const std::string& why) {
  Attempt* a = attempt_;
  if (!a) return;
  attempt_ = nullptr;
  uv_timer_stop(deadline_.get());
  a->owner = nullptr;
  if (a->tcp)
    a->tcp.close([a] { delete a; });
  else
    delete a;
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(ok, why);
}

void Probe::cancel() {
  done_ = nullptr;
  finish(false, "cancelled");
}

void Probe::close(std::function<void()> done) {
  cancel();
  if (!deadline_) {
    if (done) done();
    return;
  }
  deadline_.close(std::move(done));
}
