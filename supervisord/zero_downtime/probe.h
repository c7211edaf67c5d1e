// probe.h — one bounded, non-blocking readiness/liveness check on the loop: a TCP connect
// (tcp://) or a GET whose answer must be 2xx/3xx (http://), with a deadline. Owns one
// uv_timer_t (the deadline) and, while an attempt runs, one uv_tcp_t (uvx::Handles). A target that
// accepts and then says nothing, or never answers the SYN, fails at the deadline; nothing here
// blocks. Must not depend on: the fsm, Process, the Supervisor object.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "supervisord/config/endpoint.h"
#include "supervisord/uvx/handle.h"

class Probe {
 public:
  Probe(uv_loop_t* loop, config::Endpoint target, uint64_t timeout_ms);
  ~Probe();  // close() must have completed
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Starts one attempt; `done(ok, why)` runs exactly once, later (never from inside run),
  // unless cancel() or close() comes first. false if an attempt is already running.
  bool run(std::function<void(bool ok, const std::string& why)> done);
  bool running() const { return attempt_ != nullptr; }
  void cancel();  // the running attempt's callback will not run
  void close(std::function<void()> done);

 private:
  struct Attempt;
  void finish(bool ok, const std::string& why);

  uv_loop_t* loop_;
  config::Endpoint target_;
  uint64_t timeout_ms_;
  uvx::Handle<uv_timer_t> deadline_;
  Attempt* attempt_ = nullptr;
  std::function<void(bool, const std::string&)> done_;
};
