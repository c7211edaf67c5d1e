// bus.h — the in-process event bus: Supervisor's event types (supervisord.org events.html) and
// hierarchy (EVENT > PROCESS_STATE > PROCESS_STATE_RUNNING ...), payload rendering,
// subscription by type (a subscriber to an abstract type gets every subtype) and the
// global event serial. Publishing is synchronous: subscribers (listener pools) only buffer.
// Must not depend on libuv, the Process class, the Supervisor object or log files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/states.h"

namespace events {

enum class EventType {
  Event,  // abstract root
  ProcessState,
  ProcessStateStopped,
  ProcessStateExited,
  ProcessStateStarting,
  ProcessStateStopping,
  ProcessStateBackoff,
  ProcessStateFatal,
  ProcessStateRunning,
  ProcessStateUnknown,
  ProcessCommunication,
  ProcessCommunicationStdout,
  ProcessCommunicationStderr,
  ProcessLog,
  ProcessLogStdout,
  ProcessLogStderr,
  RemoteCommunication,
  SupervisorStateChange,
  SupervisorStateChangeRunning,
  SupervisorStateChangeStopping,
  Tick,
  Tick5,
  Tick60,
  Tick3600,
  ProcessGroup,
  ProcessGroupAdded,
  ProcessGroupRemoved,
};

// "PROCESS_STATE_RUNNING" ...
std::string_view event_name(EventType t);
// Case-insensitive, as the config's `events=` line.
std::optional<EventType> parse_event_type(std::string_view name);
// The direct parent type; EVENT is its own parent.
EventType parent_type(EventType t);
// isinstance(event of type t, sub): t is sub or one of its descendants.
bool is_a(EventType t, EventType sub);
// The PROCESS_STATE_* type for a state (every state has one).
EventType process_state_event(ProcessState s);

// One published event. The payload is rendered when the event is made (values at the
// time of the change, as Supervisor). Serials are given when a pool first accepts it.
struct Event {
  EventType type = EventType::Event;
  std::string payload;
  std::optional<uint64_t> serial;                              // global
  std::vector<std::pair<std::string, uint64_t>> pool_serials;  // per pool name
  const uint64_t* pool_serial(const std::string& pool) const;
};
using EventPtr = std::shared_ptr<Event>;

// Payloads, byte for byte as Supervisor 4.2.5 renders them.
std::string process_state_payload(std::string_view process, std::string_view group,
                                  ProcessState from, ProcessState to, int tries, bool expected,
                                  pid_t pid);
std::string process_log_payload(std::string_view process, std::string_view group, pid_t pid,
                                std::string_view channel, std::string_view data);
std::string process_comm_payload(std::string_view process, std::string_view group, pid_t pid,
                                 std::string_view data);
std::string remote_comm_payload(std::string_view type, std::string_view data);
std::string group_payload(std::string_view group);
std::string tick_payload(int64_t when);
// Output is shown as text when it is UTF-8, else as `Undecodable: b'...'` (Python's
// repr of the bytes), as Supervisor renders undecodable child output.
std::string render_data(std::string_view bytes);
std::string bytes_repr(std::string_view bytes);

// The header a listener reads before the payload. `len` counts CHARACTERS (code points) of
// the payload, as Supervisor counts its str: Python listeners (childutils, superlance,
// supervisor-stdout) read the payload from a text stream with read(len), so a byte count
// makes them wait for characters that never come on non-ASCII text. The payload is UTF-8
// (render_data turns undecodable output into ASCII), so this is exact.
std::string envelope(std::string_view identifier, uint64_t serial, std::string_view pool,
                     uint64_t pool_serial, EventType type, std::string_view payload);

class Bus {
 public:
  using Handler = std::function<void(const EventPtr&)>;

  // Handlers see events whose type is_a one of `types`, once per event.
  uint64_t subscribe(std::vector<EventType> types, Handler h);
  void unsubscribe(uint64_t id);
  // Makes the event and hands it to every matching subscriber (in subscription order).
  void publish(EventType type, std::string payload);
  // Gives `e` its global serial if it has none yet (first event: 0).
  void assign_serial(Event& e);
  bool has_subscribers(EventType type) const;

 private:
  struct Sub {
    uint64_t id;
    std::vector<EventType> types;
    Handler handler;
  };
  std::vector<Sub> subs_;
  uint64_t next_id_ = 1;
  uint64_t next_serial_ = 0;
};

}  // namespace events
