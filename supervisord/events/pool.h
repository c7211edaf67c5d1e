// pool.h — an [eventlistener:x] pool (reference §5.1): the per-listener protocol parser
// (READY / RESULT n + body; ACKNOWLEDGED, READY, BUSY, UNKNOWN), the pool's bounded FIFO
// (overflow drops the oldest), dispatch of the oldest event to the first RUNNING+READY
// listener, and re-queueing of rejected events at the head. Pure: the pool talks to its
// processes through Io callbacks (running? write bytes, log), so a unit test drives it
// with fakes. Must not depend on libuv, the Process class or the Supervisor object.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisord/events/bus.h"

namespace events {

// Codes as Supervisor's EventListenerStates.
enum class ListenerState { Ready = 10, Busy = 20, Acknowledged = 30, Unknown = 40 };
std::string_view listener_state_name(ListenerState s);

// What a listener's stdout bytes meant, in order.
struct ListenerOutcome {
  enum class Kind {
    Transition,    // from -> to (Python's debug line "<n>: FROM -> TO")
    Processed,     // RESULT body "OK": the in-flight event is done
    Rejected,      // RESULT body other than "OK": re-queue the in-flight event
    BadResult,     // unparsable RESULT line (`text`): re-queue, listener UNKNOWN
  };
  Kind kind;
  ListenerState from = ListenerState::Acknowledged;
  ListenerState to = ListenerState::Acknowledged;
  std::string text;
  bool operator==(const ListenerOutcome&) const = default;
};

class ListenerParser {
 public:
  ListenerState state() const { return state_; }
  // A new instance was spawned: ACKNOWLEDGED, nothing buffered.
  void reset();
  // An event header + payload was written: READY -> BUSY.
  void sent();
  // Bytes from the listener's stdout.
  std::vector<ListenerOutcome> feed(std::string_view bytes);

 private:
  void change(ListenerState to, std::vector<ListenerOutcome>& out);
  ListenerState state_ = ListenerState::Acknowledged;
  std::string buffer_;
  std::optional<int64_t> result_len_;
  std::string result_;
};

class EventPool {
 public:
  struct Io {
    std::function<bool(const std::string& listener)> running;   // state RUNNING
    // Writes to the listener's stdin; false when it cannot (closed pipe): try the next.
    std::function<bool(const std::string& listener, std::string_view bytes)> write;
    std::function<void(int level, const std::string& text)> log;   // 40 ERRO 30 WARN 10 DEBG
  };

  // `listeners` in the pool's process order; `subscriptions` as parsed from events=.
  EventPool(std::string name, std::vector<std::string> listeners,
            std::vector<EventType> subscriptions, int buffer_size, std::string identifier,
            Bus& bus, Io io);
  const std::string& name() const { return name_; }
  const std::vector<EventType>& subscriptions() const { return subscriptions_; }

  // Buffers the event (serials given on first acceptance); head: a rejected one.
  void accept(const EventPtr& e, bool head = false);
  // Sends buffered events, oldest first, while a RUNNING+READY listener takes them.
  void dispatch();
  // Whether dispatch() could send something now.
  bool dispatchable() const;

  void listener_spawned(const std::string& listener);   // reset its parser
  void listener_output(const std::string& listener, std::string_view bytes);
  void listener_exited(const std::string& listener);    // a BUSY listener's event is rejected

  ListenerState listener_state(const std::string& listener) const;
  size_t buffered() const { return buffer_.size(); }

 private:
  struct Listener {
    std::string name;
    ListenerParser parser;
    EventPtr in_flight;
  };
  Listener* find(const std::string& name);
  const Listener* find(const std::string& name) const;
  bool send(const EventPtr& e);
  void reject(Listener& l);

  std::string name_;
  std::vector<Listener> listeners_;
  std::vector<EventType> subscriptions_;
  size_t buffer_size_;
  std::string identifier_;
  Bus& bus_;
  Io io_;
  std::deque<EventPtr> buffer_;
  uint64_t next_pool_serial_ = 0;
};

}  // namespace events
