// connection.h — one accepted client of the control plane: reads bytes, frames requests
// (via common/http), checks credentials, hands each request to the handler and writes the
// answers back in request order, however late each one comes. Owns its stream and timer
// handles (uvx::Handles) and frees itself once both closed. Internal to rpc/server; must not know
// XML-RPC, paths or anything the handler decides.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/http.h"
#include "supervisord/rpc/responder.h"
#include "supervisord/uvx/handle.h"

namespace rpc {

class Connection;

// Credentials of one server section; empty username = no authentication.
struct Credentials {
  std::string username;
  std::string password;      // plain or "{SHA}<hex>"
  bool metrics_auth = true;  // false: GET /metrics is served without them
};

struct ConnectionLimits {
  uint64_t idle_timeout_ms = 60'000;     // between requests (nothing pending, no bytes)
  uint64_t request_timeout_ms = 30'000;  // from a request's first byte to its last
  size_t max_pipelined = 32;             // queued answers before we stop reading
  http::RequestLimits request;           // size and header-count limits per request
  // A stream's answer bytes waiting for a client that reads slower than they come (a
  // stalled `tail -f`, a suspended browser tab). Above `stream_high_water` the stream is
  // congested (a producer that can wait, the log follower, pauses until the client is back
  // under `stream_low_water`); above `stream_max_backlog` the connection is closed, so a
  // client that never reads cannot make the daemon hold an unbounded answer.
  size_t stream_high_water = 1 << 20;
  size_t stream_low_water = 256 << 10;
  size_t stream_max_backlog = 16 << 20;
};

// Descriptors held back for the control plane (the spare-fd trick): when the daemon's fd
// table is full (many processes, a low RLIMIT_NOFILE), accept() gets one of these, so
// supervisorctl still gets an answer while spawns fail with a clear error. libuv's own
// trick for EMFILE on accept closes the pending clients instead of answering them.
struct FdReserve {
  static constexpr size_t kWanted = 8;
  std::vector<int> fds;
  void fill();         // back up to kWanted (dups of /dev/null); quiet on failure
  bool release_one();  // false when none is left
  ~FdReserve();
};

// State shared by a Server, its listeners and its connections. Held by shared_ptr so the
// handles' close callbacks can run after the Server object itself is gone.
struct ServerCore {
  uv_loop_t* loop = nullptr;
  Handler handler;
  ConnectionLimits limits;
  std::unordered_set<Connection*> connections;
  size_t open_objects = 0;  // listeners + connections whose handles are not yet closed
  bool closing = false;
  std::function<void()> on_all_closed;
  // One read buffer for every connection: libuv hands it back to on_read before the next
  // alloc, so 1000 idle clients do not cost 1000 buffers. Not zeroed: its pages become
  // resident only as requests fill them (a getState touches one, not sixteen).
  static constexpr size_t kReadBufferBytes = 64 * 1024;
  std::unique_ptr<char[]> read_buffer = std::make_unique_for_overwrite<char[]>(kReadBufferBytes);
  FdReserve reserve;
  std::function<void(const std::string&)> log;  // notices: a request refused as too large
  // Heap pages freed by big answers go back to the system once answers stop coming
  // (malloc_trim, kTrimDelayMs after the last big one): back-to-back calls reuse warm
  // pages instead of faulting a megabyte in again each time. Opened on first use, counted
  // in open_objects, closed by Server::close.
  uvx::Handle<uv_timer_t> trim_timer;
  void trim_later();
  void object_closed();
};

// One request's place in the answer order. Shared between the connection's queue and the
// handler's Responder; `conn` is cleared when the answer is complete or the client is gone.
struct Slot {
  enum class State { Waiting, Streaming, Done };
  Connection* conn = nullptr;
  http::Request request;
  std::string out;  // answer bytes not yet handed to the socket
  State state = State::Waiting;
  bool close_after = false;  // close the connection once this answer is written
  bool chunked = false;      // streaming with chunked transfer coding
  std::function<void()> on_close;
  bool congested = false;            // a stream above the high-water mark, not yet drained
  std::function<void()> on_drained;  // run when a congested stream is back under the low mark
  std::shared_ptr<Responder> stream_owner;  // set while streaming: the stream outlives its handler
};

class Connection {
 public:
  // Serves an accepted client socket `fd` (non-blocking, close-on-exec; owned from here).
  // Returns false if libuv refused it (the half-made connection then closes itself).
  static bool adopt(std::shared_ptr<ServerCore> core, int fd, bool is_pipe,
                    const Credentials& credentials);

  // Abortive close: pending answers are dropped, their responders become inert.
  void close();
  // A stream's bytes not yet taken by the client: queued in the socket's write requests
  // and held in its slot. Closes the connection (and says why) when over the bound.
  size_t backlog(const Slot& slot) const;
  const ConnectionLimits& limits() const;
  bool check_backlog(const Slot& slot);  // false: over the bound, the connection is closing
  // Writes whatever the front of the answer queue has ready; called by Responder.
  void flush();

 private:
  enum class TimerMode { None, Idle, Request };

  Connection(std::shared_ptr<ServerCore> core, Credentials credentials);
  ~Connection() = default;
  union StreamHandle {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  };
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(stream_.get()); }
  const uv_stream_t* stream() const { return reinterpret_cast<const uv_stream_t*>(stream_.get()); }

  void process_input();
  void dispatch(http::Request request);
  void answer_now(const std::shared_ptr<Slot>& slot, http::Reply reply);
  void fail_request(int status);
  void send(std::string bytes);
  void notify_drained();
  void graceful_close();
  void drop_slots();
  void resume_reading();
  void stop_reading();
  void update_timer();
  void close_handles();

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);
  static void on_timer(uv_timer_t* t);

  std::shared_ptr<ServerCore> core_;
  Credentials credentials_;
  uvx::Handle<StreamHandle> stream_;
  uvx::Handle<uv_timer_t> timer_;
  uv_shutdown_t shutdown_req_;
  http::RequestParser parser_;  // queues complete requests while reading is paused
  std::deque<std::shared_ptr<Slot>> slots_;
  TimerMode timer_mode_ = TimerMode::None;
  size_t writes_in_flight_ = 0;  // uv_write requests not yet completed
  bool reading_ = false;
  bool input_done_ = false;  // no more requests will be read (close or error)
  bool closing_ = false;
  bool in_input_ = false;  // inside process_input()
  bool linger_ = false;    // closing after a 413: read and discard until EOF
};

}  // namespace rpc
