// connection.cc — see connection.h. Every libuv callback here is noexcept in practice: the
// only user code called (the handler, on_close callbacks) is wrapped in try/catch.
#include "supervisord/rpc/connection.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <utility>

namespace rpc {
namespace {

struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

constexpr size_t kTrimAfterBytes = 256 * 1024;
// Long enough for a burst (a status every few milliseconds, a client's calls one after the
// other), short enough that an idle daemon is back to its own size within a second.
constexpr uint64_t kTrimDelayMs = 500;

// The most a socket's send buffer is raised to for one answer.
constexpr int kMaxSendBuffer = 4 << 20;
// Answers smaller than this fit the default send buffer (208 KiB): no getsockopt for them.
constexpr size_t kFitSendBufferFrom = 256 * 1024;

// An answer larger than the socket's send buffer (208 KiB by default) goes out in rounds:
// a write fills the buffer, and the rest waits until the client has read and the loop
// comes back to us, each round a wakeup of both processes. getAllProcessInfo of 1000
// processes (1.1 MB) took five such rounds; on a busy machine each can wait for a CPU,
// which made its median several times its minimum. A buffer as large as the answer (up to
// kMaxSendBuffer; SO_SNDBUFFORCE as root, else within net.core.wmem_max) lets one write
// hand it all to the kernel.
void fit_send_buffer(uv_stream_t* stream, size_t bytes) {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) != 0) return;
  int have = 0;
  socklen_t len = sizeof have;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) != 0) return;
  if (static_cast<size_t>(have) >= bytes) return;
  const int want = static_cast<int>(std::min<size_t>(bytes, kMaxSendBuffer));
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
}

}  // namespace

void FdReserve::fill() {
  while (fds.size() < kWanted) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    fds.push_back(fd);
  }
}

bool FdReserve::release_one() {
  if (fds.empty()) return false;
  ::close(fds.back());
  fds.pop_back();
  return true;
}

FdReserve::~FdReserve() {
  for (int fd : fds) ::close(fd);
}

void ServerCore::trim_later() {
  if (!trim_timer && !closing) {
    if (trim_timer.init(loop, uv_timer_init)) ++open_objects;
  }
  if (!trim_timer || closing) {
    malloc_trim(0);
    return;
  }
  uv_timer_start(
      trim_timer.get(), [](uv_timer_t*) { malloc_trim(0); }, kTrimDelayMs, 0);
}

void ServerCore::object_closed() {
  --open_objects;
  if (!closing) reserve.fill();  // a connection gave its descriptor back
  if (closing && open_objects == 0 && on_all_closed) {
    auto done = std::move(on_all_closed);
    on_all_closed = nullptr;
    done();
  }
}

Connection::Connection(std::shared_ptr<ServerCore> core, Credentials credentials)
    : core_(std::move(core)),
      credentials_(std::move(credentials)),
      parser_(core_->limits.request) {}

bool Connection::adopt(std::shared_ptr<ServerCore> core, int fd, bool is_pipe,
                       const Credentials& credentials) {
  auto* c = new Connection(core, credentials);
  uv_loop_t* loop = core->loop;
  // Neither init can fail (no socket is made: the fd is opened below).
  (void)c->stream_.init(loop, [is_pipe](uv_loop_t* l, StreamHandle* h) {
    return is_pipe ? uv_pipe_init(l, &h->pipe, 0) : uv_tcp_init(l, &h->tcp);
  });
  (void)c->timer_.init(loop, uv_timer_init);
  c->stream()->data = c;
  c->timer_->data = c;
  ++core->open_objects;
  core->connections.insert(c);
  int rc = is_pipe ? uv_pipe_open(&c->stream_->pipe, fd) : uv_tcp_open(&c->stream_->tcp, fd);
  if (rc != 0) {
    ::close(fd);
    c->close();
    return false;
  }
  // Each answer is written whole, at once: Nagle could only hold its last segment back
  // until the client's (delayed) ACK of the ones before.
  if (!is_pipe) uv_tcp_nodelay(&c->stream_->tcp, 1);
  c->resume_reading();
  c->update_timer();
  return true;
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  *buf = uv_buf_init(c->core_->read_buffer.get(), ServerCore::kReadBufferBytes);
}

void Connection::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (n < 0) {
    // EOF or error. Like Supervisor (medusa), a client that hangs up loses its pending
    // answers; their responders become inert and streams get their on_close.
    c->close();
    return;
  }
  if (n == 0 || c->input_done_) return;
  // A broken stream is noticed in process_input(), after the requests before the error.
  (void)c->parser_.feed(std::string_view(buf->base, static_cast<size_t>(n)));
  c->process_input();
}

void Connection::process_input() {
  // A handler answering synchronously re-enters via flush(); the outer loop carries on
  // instead, so a long pipeline does not recurse once per request.
  if (in_input_) return;
  in_input_ = true;
  while (!closing_ && !input_done_ && parser_.has_request() &&
         slots_.size() < core_->limits.max_pipelined)
    dispatch(parser_.take());
  if (!closing_ && !input_done_ && !parser_.has_request() && parser_.failed())
    fail_request(parser_.error_status());
  in_input_ = false;
  if (closing_) return;
  if (input_done_ || parser_.has_request() || slots_.size() >= core_->limits.max_pipelined) {
    // Back-pressure: a client that pipelines faster than we answer waits in its socket.
    stop_reading();
  } else {
    resume_reading();
  }
  update_timer();
}

void Connection::dispatch(http::Request request) {
  // A complete request restarts the idle clock whether or not it is answered right away.
  uv_timer_stop(timer_.get());
  timer_mode_ = TimerMode::None;
  auto slot = std::make_shared<Slot>();
  slot->conn = this;
  slot->request = std::move(request);
  // Nothing is read after a request that does not keep the connection.
  if (!slot->request.keep_alive) input_done_ = true;
  slots_.push_back(slot);
  // Auth wraps everything (RPC, logtail, UI), as Medusa's auth handler does.
  // Extension: [inet_http_server] metrics_auth=false opens GET /metrics alone.
  const bool open_metrics =
      !credentials_.metrics_auth && slot->request.method == "GET" &&
      slot->request.path.substr(0, slot->request.path.find('?')) == "/metrics";
  switch (open_metrics
              ? http::AuthOutcome::Ok
              : http::check_auth(slot->request, credentials_.username, credentials_.password)) {
    case http::AuthOutcome::Ok:
      break;
    case http::AuthOutcome::Unauthorized:
      return answer_now(slot, http::unauthorized_reply(&slot->request, std::time(nullptr)));
    case http::AuthOutcome::Malformed:
      return answer_now(slot, http::error_reply(&slot->request, 400, std::time(nullptr)));
  }
  const http::Request& r = slot->request;
  if (r.method == "POST" && !r.has_content_length && r.header("Transfer-Encoding").empty()) {
    // Where the body ends is unknown: answer 411 and stop reading this stream.
    input_done_ = true;
    slot->close_after = true;
    return answer_now(slot, http::error_reply(&r, 411, std::time(nullptr)));
  }
  auto responder = std::make_shared<Responder>(slot);
  if (!core_->handler) {
    responder->respond_error(404);
  } else {
    try {
      core_->handler(slot->request, responder);
    } catch (...) {
      // Never let a handler's exception unwind through libuv.
      responder->respond_error(500);
    }
  }
  responder.reset();  // the handler kept a copy if it defers
  flush();
}

void Connection::answer_now(const std::shared_ptr<Slot>& slot, http::Reply reply) {
  slot->out = std::move(reply.bytes);
  slot->close_after = slot->close_after || reply.close;
  slot->state = Slot::State::Done;
  slot->conn = nullptr;
  flush();
}

void Connection::fail_request(int status) {
  // Malformed framing: answer in order, then close — the stream position is unknown.
  input_done_ = true;
  auto slot = std::make_shared<Slot>();
  slot->close_after = true;
  slots_.push_back(slot);
  std::string detail;
  if (status == 413) {
    // Supervisor has no such bound, so say which one it was, to the client and in the log.
    detail = parser_.error();
    linger_ = true;
    if (core_->log) core_->log("refused an HTTP request: " + detail);
  }
  answer_now(slot, http::error_reply(nullptr, status, std::time(nullptr), {}, detail));
}

void Connection::flush() {
  if (closing_) return;
  while (!slots_.empty()) {
    Slot& front = *slots_.front();
    if (!front.out.empty()) send(std::exchange(front.out, std::string()));
    if (closing_) return;
    if (front.state != Slot::State::Done) break;
    bool close_after = front.close_after;
    front.conn = nullptr;
    front.on_close = nullptr;
    front.on_drained = nullptr;
    slots_.pop_front();
    if (close_after) {
      graceful_close();
      return;
    }
  }
  if (in_input_) return;  // process_input() resumes reading and arms the timer
  if (!input_done_ && (parser_.has_request() || parser_.failed()) &&
      slots_.size() < core_->limits.max_pipelined) {
    process_input();  // pipelined requests that waited in the parser
    return;
  }
  if (!input_done_ && !reading_ && slots_.size() < core_->limits.max_pipelined) resume_reading();
  update_timer();
}

void Connection::send(std::string bytes) {
  if (bytes.size() >= kFitSendBufferFrom) fit_send_buffer(stream(), bytes.size());
  auto* w = new WriteRequest{{}, std::move(bytes)};
  w->req.data = this;
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, stream(), &buf, 1, on_write);
  if (rc != 0) {
    delete w;
    close();
    return;
  }
  ++writes_in_flight_;
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteRequest*>(req);
  auto* c = static_cast<Connection*>(req->data);
  const bool big = w->bytes.size() >= kTrimAfterBytes;
  delete w;
  // A big answer (getAllProcessInfo of 1000 processes: 1 MB of XML and its value tree)
  // leaves free chunks all over the heap; their pages go back once the burst is over
  // (measured: +2 MiB RSS after one `status` of 1000 processes without a trim).
  if (big) c->core_->trim_later();
  --c->writes_in_flight_;
  // ECANCELED arrives while closing; any other error means the peer is gone.
  if (status < 0 && status != UV_ECANCELED) return c->close();
  if (!c->closing_) c->notify_drained();
  if (c->closing_) return;
  if (c->writes_in_flight_ == 0 && c->timer_mode_ == TimerMode::Idle) {
    c->timer_mode_ = TimerMode::None;  // the answer is out: idle from now, not from before
    c->update_timer();
  }
}

size_t Connection::backlog(const Slot& slot) const {
  size_t queued = stream_ && !closing_ ? uv_stream_get_write_queue_size(stream()) : 0;
  return queued + slot.out.size();
}

const ConnectionLimits& Connection::limits() const {
  return core_->limits;
}

bool Connection::check_backlog(const Slot& slot) {
  size_t waiting = backlog(slot);
  if (waiting <= core_->limits.stream_max_backlog) return true;
  if (core_->log)
    core_->log("closed a streaming answer (" + slot.request.path + "): the client left " +
               std::to_string(waiting) + " bytes unread, over the " +
               std::to_string(core_->limits.stream_max_backlog) + "-byte bound");
  close();
  return false;
}

void Connection::notify_drained() {
  // A callback may write (and congest again) or close the connection: run them from a
  // copy of the list, and only for slots still attached to this connection.
  std::vector<std::shared_ptr<Slot>> ready;
  for (const auto& s : slots_)
    if (s->congested && backlog(*s) <= core_->limits.stream_low_water) ready.push_back(s);
  for (const auto& s : ready) {
    if (s->conn != this) continue;
    s->congested = false;
    if (auto callback = s->on_drained) callback();
    if (closing_) return;
  }
}

void Connection::resume_reading() {
  if (reading_ || closing_) return;
  if (uv_read_start(stream(), on_alloc, on_read) == 0) reading_ = true;
}

void Connection::stop_reading() {
  if (!reading_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void Connection::update_timer() {
  if (closing_) return;
  // Pending answers (deferred calls, streams) have no deadline: Supervisor's clients wait
  // as long as a start/stop takes. Only silence from the client is timed, counted from
  // the end of the last answer's write (on_write).
  TimerMode want = !slots_.empty()         ? TimerMode::None
                   : parser_.in_progress() ? TimerMode::Request
                   : input_done_           ? TimerMode::None
                                           : TimerMode::Idle;
  if (want == timer_mode_) return;
  timer_mode_ = want;
  uv_timer_stop(timer_.get());
  // The loop's clock was read before the handlers ran; one that worked for long (a big
  // answer) would otherwise have the deadline counted from before it.
  if (want != TimerMode::None) uv_update_time(core_->loop);
  if (want == TimerMode::Idle)
    uv_timer_start(timer_.get(), on_timer, core_->limits.idle_timeout_ms, 0);
  else if (want == TimerMode::Request)
    uv_timer_start(timer_.get(), on_timer, core_->limits.request_timeout_ms, 0);
}

void Connection::on_timer(uv_timer_t* t) {
  static_cast<Connection*>(t->data)->close();
}

void Connection::drop_slots() {
  // Detach every slot first, so an on_close callback that calls its responder finds it
  // inert, then run the callbacks.
  std::deque<std::shared_ptr<Slot>> slots = std::move(slots_);
  slots_.clear();
  for (auto& s : slots) s->conn = nullptr;
  for (auto& s : slots) {
    auto callback = std::move(s->on_close);
    s->on_close = nullptr;
    s->on_drained = nullptr;
    if (callback) {
      try {
        callback();
      } catch (...) {
      }
    }
    // A stream's Responder lived for the connection; it may go now (its callbacks hold
    // the follower that holds it, and both were released above).
    auto owner = std::move(s->stream_owner);
  }
}

void Connection::graceful_close() {
  // The last answer is queued: let libuv finish writing it, then close.
  closing_ = true;
  uv_timer_stop(timer_.get());
  drop_slots();
  if (linger_) {
    // A client refused with 413 is usually still sending the body: closing now would fail
    // its send (EPIPE, or a reset) before it reads the answer. Discard what it sends
    // (on_read drops input once input_done_) until it hangs up, for at most
    // request_timeout_ms; this costs reads, not memory.
    if (!reading_ && uv_read_start(stream(), on_alloc, on_read) == 0) reading_ = true;
    uv_timer_start(timer_.get(), on_timer, core_->limits.request_timeout_ms, 0);
  } else {
    stop_reading();
  }
  shutdown_req_.data = this;
  if (uv_shutdown(&shutdown_req_, stream(), on_shutdown) != 0) close_handles();
}

void Connection::on_shutdown(uv_shutdown_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  // Lingering: EOF from the client (on_read) or the timer closes instead.
  if (status < 0 || !c->linger_) c->close_handles();
}

void Connection::close() {
  if (closing_) {
    // Already shutting down gracefully: an error now means give up waiting.
    close_handles();
    return;
  }
  closing_ = true;
  stop_reading();
  uv_timer_stop(timer_.get());
  drop_slots();
  close_handles();
}

// Only once closing_ is set: nothing touches the handles after this.
void Connection::close_handles() {
  if (!stream_ && !timer_) return;  // already closing
  uvx::close_all(
      [this] {
        std::shared_ptr<ServerCore> core = std::move(core_);
        core->connections.erase(this);
        delete this;
        core->object_closed();
      },
      stream_, timer_);
}

}  // namespace rpc
