// pool.h — an [eventlistener:x] pool (docs/ARCHITECTURE.md#event-listeners): the protocol parser
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

// What a result handler made of a listener's RESULT body (Supervisor's handle_result):
// Processed (the event is done), Rejected (it goes back first in line), Error (the handler
// failed: the event goes back and the listener turns UNKNOWN).
enum class Verdict { Processed, Rejected, Error };
using ResultHandler = std::function<Verdict(std::string_view body)>;

// supervisor.dispatchers:default_handler: the body "OK" is success, anything else rejects.
Verdict default_result_handler(std::string_view body);

// The text supervisor-stdout's supervisor_stdout:event_handler prints for a RESULT body.
// Its listener echoes each PROCESS_LOG payload back ("processname:a groupname:g pid:1
// channel:stdout" LF data); the handler prints every '\n'-separated piece of data, the
// empty piece after a final LF included, as "<processname> <channel> | <piece>", joined by
// LF, plus LF. nullopt where the plugin raises (the body is not UTF-8, has no LF, a header
// token does not hold exactly one ':', processname or channel is missing).
std::optional<std::string> stdout_relay_text(std::string_view body);

// Codes as Supervisor's EventListenerStates.
enum class ListenerState { Ready = 10, Busy = 20, Acknowledged = 30, Unknown = 40 };
std::string_view listener_state_name(ListenerState s);

// What a listener's stdout bytes meant, in order.
struct ListenerOutcome {
  enum class Kind {
    Transition,  // from -> to (Python's debug line "<n>: FROM -> TO")
    Processed,   // the handler took the RESULT body (`text`): the in-flight event is done
    Rejected,    // the handler rejected it: re-queue the in-flight event
    Error,       // the handler failed on it: re-queue, listener UNKNOWN
    BadResult,   // unparsable RESULT line (`text`): re-queue, listener UNKNOWN
  };
  Kind kind;
  ListenerState from = ListenerState::Acknowledged;
  ListenerState to = ListenerState::Acknowledged;
  std::string text;
  bool operator==(const ListenerOutcome&) const = default;
};

class ListenerParser {
 public:
  // `handler` judges each complete RESULT body.
  explicit ListenerParser(ResultHandler handler = default_result_handler)
      : handler_(std::move(handler)) {}
  ListenerState state() const { return state_; }
  // A new instance was spawned: ACKNOWLEDGED, nothing buffered.
  void reset();
  // Re-exec in place: the state the previous image's parser was in, nothing buffered.
  void restore(ListenerState s) {
    reset();
    state_ = s;
  }
  // An event header + payload was written: READY -> BUSY.
  void sent();
  // Bytes from the listener's stdout.
  std::vector<ListenerOutcome> feed(std::string_view bytes);

 private:
  void change(ListenerState to, std::vector<ListenerOutcome>& out);
  void result(std::vector<ListenerOutcome>& out);
  ResultHandler handler_;
  ListenerState state_ = ListenerState::Acknowledged;
  std::string buffer_;
  std::optional<int64_t> result_len_;
  std::string result_;
};

class EventPool {
 public:
  struct Io {
    std::function<bool(const std::string& listener)> running;  // state RUNNING
    // Writes to the listener's stdin; false when it cannot (closed pipe): try the next.
    std::function<bool(const std::string& listener, std::string_view bytes)> write;
    std::function<void(int level, const std::string& text)> log;  // 40 ERRO 30 WARN 10 DEBG
  };

  // `listeners` in the pool's process order; `subscriptions` as parsed from events=;
  // `handler` judges the listeners' RESULT bodies (result_handler=).
  EventPool(std::string name, std::vector<std::string> listeners,
            std::vector<EventType> subscriptions, int buffer_size, std::string identifier, Bus& bus,
            Io io, ResultHandler handler = default_result_handler);
  const std::string& name() const { return name_; }
  const std::vector<EventType>& subscriptions() const { return subscriptions_; }

  // Buffers the event (serials given on first acceptance); head: a rejected one.
  void accept(const EventPtr& e, bool head = false);
  // Sends buffered events, oldest first, while a RUNNING+READY listener takes them.
  void dispatch();
  // Whether dispatch() could send something now.
  bool dispatchable() const;

  void listener_spawned(const std::string& listener);  // reset its parser
  void listener_output(const std::string& listener, std::string_view bytes);
  void listener_exited(const std::string& listener);  // a BUSY listener's event is rejected

  ListenerState listener_state(const std::string& listener) const;
  // Re-exec in place: a listener the previous image ran is in state `s` (an event it was
  // sent then is not known here: its RESULT completes nothing).
  void restore_listener(const std::string& listener, ListenerState s);
  size_t buffered() const { return buffer_.size(); }
  uint64_t dropped() const { return dropped_; }  // events a full buffer discarded, in all

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
  uint64_t dropped_ = 0;
};

}  // namespace events
