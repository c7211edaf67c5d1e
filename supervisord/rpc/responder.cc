// responder.cc — see responder.h. Every method checks the slot first: an answer for a
// client that has gone, or a second answer, is silently dropped.
#include "supervisord/rpc/responder.h"

#include <ctime>
#include <utility>

#include "supervisord/rpc/connection.h"

namespace rpc {

Responder::Responder(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}

Responder::~Responder() {
  if (slot_->conn && slot_->state == Slot::State::Waiting)
    respond_error(500);
  else if (slot_->conn && slot_->state == Slot::State::Streaming)
    finish();
}

bool Responder::alive() const {
  return slot_->conn != nullptr && slot_->state != Slot::State::Done;
}

void Responder::respond(int status, const Headers& headers, std::string body) {
  if (!slot_->conn || slot_->state != Slot::State::Waiting) return;
  // http::respond places Content-Type itself (Medusa's header order); the rest go first.
  std::string content_type = "text/html";  // Medusa's default
  Headers extra;
  for (const auto& h : headers) {
    if (http::iequals(h.first, "Content-Type"))
      content_type = h.second;
    else
      extra.push_back(h);
  }
  http::Reply reply = http::respond(&slot_->request, status, content_type, std::move(body),
                                    std::time(nullptr), extra);
  // HEAD: the same head (Content-Length included), no body.
  if (slot_->request.method == "HEAD")
    if (size_t end = reply.bytes.find("\r\n\r\n"); end != std::string::npos)
      reply.bytes.resize(end + 4);
  complete(std::move(reply));
}

void Responder::respond_xml(std::string body) {
  respond(200, {{"Content-Type", "text/xml"}}, std::move(body));
}

void Responder::respond_error(int status) {
  if (!slot_->conn || slot_->state != Slot::State::Waiting) return;
  complete(http::error_reply(&slot_->request, status, std::time(nullptr)));
}

void Responder::complete(http::Reply reply) {
  slot_->out = std::move(reply.bytes);
  slot_->close_after = slot_->close_after || reply.close;
  slot_->state = Slot::State::Done;
  slot_->conn->flush();
}

void Responder::start_stream(int status, const Headers& headers) {
  if (!slot_->conn || slot_->state != Slot::State::Waiting) return;
  http::StreamHead head = http::stream_head(slot_->request, status, std::time(nullptr), headers);
  slot_->chunked = head.chunked;
  // Without chunked coding the end of the body is the end of the connection.
  slot_->close_after = slot_->close_after || head.close;
  slot_->out = std::move(head.bytes);
  slot_->state = Slot::State::Streaming;
  slot_->stream_owner = shared_from_this();
  slot_->conn->flush();
}

void Responder::write(std::string_view data) {
  if (!slot_->conn || slot_->state != Slot::State::Streaming || data.empty()) return;
  if (slot_->chunked)
    slot_->out += http::encode_chunk(data);
  else
    slot_->out.append(data);
  slot_->conn->flush();
  if (slot_->conn) slot_->conn->check_backlog(*slot_);
}

bool Responder::congested() {
  if (!slot_->conn || slot_->state != Slot::State::Streaming) return false;
  if (slot_->conn->backlog(*slot_) > slot_->conn->limits().stream_high_water)
    slot_->congested = true;
  return slot_->congested;
}

void Responder::on_drained(std::function<void()> callback) {
  slot_->on_drained = std::move(callback);
}

void Responder::finish() {
  // Released when this call returns, which may destroy *this: nothing touches members
  // after the last statement.
  auto keep = std::move(slot_->stream_owner);
  if (!slot_->conn || slot_->state != Slot::State::Streaming) return;
  if (slot_->chunked) slot_->out += http::last_chunk();
  slot_->state = Slot::State::Done;
  slot_->conn->flush();
}

void Responder::on_close(std::function<void()> callback) {
  if (!slot_->conn) {
    // Registered after the client left: tell the caller now rather than never.
    if (slot_->state != Slot::State::Done && callback) callback();
    return;
  }
  slot_->on_close = std::move(callback);
}

const http::Request& Responder::request() const {
  return slot_->request;
}

std::string Responder::take_body() {
  return std::exchange(slot_->request.body, std::string());
}

}  // namespace rpc
