#include "supervisord/events/ticks.h"

#include <sys/time.h>

namespace events {

Ticker::Ticker(uv_loop_t* loop, Emit emit, Clock clock)
    : loop_(loop), emit_(std::move(emit)), clock_(std::move(clock)) {
  slots_[0].type = EventType::Tick5;
  slots_[0].period_s = 5;
  slots_[1].type = EventType::Tick60;
  slots_[1].period_s = 60;
  slots_[2].type = EventType::Tick3600;
  slots_[2].period_s = 3600;
}

Ticker::~Ticker() {
  close();
}

int64_t Ticker::now_ms() const {
  if (clock_) return clock_();
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

void Ticker::start() {
  int64_t now = now_ms();
  for (auto& s : slots_) {
    if (s.timer) continue;
    s.owner = this;
    s.last = now / 1000 / s.period_s * s.period_s;
    if (!s.timer.init(loop_, uv_timer_init)) continue;  // uv_timer_init cannot fail
    s.timer->data = &s;
    // Ticks must not keep a loop alive that has nothing else to do.
    uv_unref(s.timer.handle());
    arm(s, now);
  }
}

void Ticker::arm(Slot& s, int64_t now) {
  // The next boundary, plus a millisecond so the wall clock is surely past it when the
  // (monotonic) timer fires; an early wake-up just re-arms for the remainder.
  int64_t next_ms = (s.last + s.period_s) * 1000;
  int64_t delay = next_ms - now + 1;
  if (delay < 1) delay = 1;
  uv_update_time(loop_);
  uv_timer_start(
      s.timer.get(),
      [](uv_timer_t* t) {
        Slot* slot = static_cast<Slot*>(t->data);
        slot->owner->fire(*slot);
      },
      static_cast<uint64_t>(delay), 0);
}

void Ticker::fire(Slot& s) {
  int64_t now = now_ms();
  int64_t slice = now / 1000 / s.period_s * s.period_s;
  if (slice != s.last) {
    s.last = slice;
    emit_(s.type, slice);
  }
  if (s.timer) arm(s, now);
}

void Ticker::close() {
  for (auto& s : slots_) s.timer.close();
}

}  // namespace events
