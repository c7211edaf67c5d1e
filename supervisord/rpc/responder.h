// responder.h — how a request handler answers: now or later, once or as a chunked stream.
// A Responder names one request's place in its connection's answer order; it never owns
// the connection. When the client has gone it becomes inert (every call is a no-op), so a
// deferred call that finishes late costs nothing. Must not depend on libuv.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/http.h"

namespace rpc {

using Headers = http::Headers;

struct Slot;  // connection-private: the request's queued answer

class Responder : public std::enable_shared_from_this<Responder> {
 public:
  explicit Responder(std::shared_ptr<Slot> slot);
  // A handler that drops its Responder without answering gets a 500, so the connection's
  // answer order never stalls on a forgotten request.
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // One complete answer; Content-Length, Server, Date and keep-alive headers are added.
  // Content-Type comes from `headers` (Medusa's default text/html when absent).
  // The body is moved into the answer: see http::respond.
  void respond(int status, const Headers& headers, std::string body);
  void respond_xml(std::string body);  // 200 text/xml
  void respond_error(int status);      // Supervisor's text/html error page

  // A body of unknown length (logtail): chunked for HTTP/1.1, raw then close for 1.0.
  // While streaming, the connection keeps this Responder alive (a follower may hold only
  // a weak_ptr) until finish() or the client leaves; on_close is the signal to stop.
  void start_stream(int status, const Headers& headers);
  // Bytes go out in order; memory is bounded: a client that leaves more than the
  // connection's stream_max_backlog unread is disconnected (on_close runs).
  void write(std::string_view data);
  void finish();
  // Back-pressure for a producer that can wait (a log follower): true while the client
  // has more than the high-water mark unread; on_drained then runs once it is back under
  // the low-water mark. A producer that cannot wait (page events) just writes.
  bool congested();
  void on_drained(std::function<void()> callback);

  // True while the client is connected and the answer is not complete.
  bool alive() const;
  // Runs once if the connection goes away before finish()/respond(): a stream uses it to
  // stop following its file. Not run after a complete answer; run at once if the client
  // is already gone.
  void on_close(std::function<void()> callback);

  const http::Request& request() const;
  // Moves the request body out (request().body is empty afterwards), so a handler that
  // answers later does not keep a large body alive until then.
  std::string take_body();

 private:
  void complete(http::Reply reply);
  std::shared_ptr<Slot> slot_;
};

using Handler = std::function<void(const http::Request&, std::shared_ptr<Responder>)>;

}  // namespace rpc
