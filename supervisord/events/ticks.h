// ticks.h — TICK_5 / TICK_60 / TICK_3600 events: one uv timer per period, armed
// for the next wall-clock multiple of the period (no polling). `when` is the epoch second
// rounded down to the period; the first tick of each period comes at the first boundary
// after start, as Supervisor (which remembers the slice it started in).
// Owns its uv_timer_t's (uvx::Handles).
// Must not depend on the Supervisor object or the listener pools.
#pragma once

#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>

#include "supervisord/events/bus.h"
#include "supervisord/uvx/handle.h"

namespace events {

class Ticker {
 public:
  using Emit = std::function<void(EventType type, int64_t when)>;
  using Clock = std::function<int64_t()>;  // wall-clock milliseconds since the epoch

  Ticker(uv_loop_t* loop, Emit emit, Clock clock = {});
  ~Ticker();  // close() first
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  void start();
  void close();  // idempotent; the handles are freed in their close callbacks

 private:
  struct Slot {
    Ticker* owner = nullptr;
    EventType type = EventType::Tick5;
    int64_t period_s = 5;
    int64_t last = 0;  // the slice the last tick (or the start) fell in
    uvx::Handle<uv_timer_t> timer;
  };
  void arm(Slot& s, int64_t now_ms);
  void fire(Slot& s);
  int64_t now_ms() const;

  uv_loop_t* loop_;
  Emit emit_;
  Clock clock_;
  std::array<Slot, 3> slots_;
};

}  // namespace events
