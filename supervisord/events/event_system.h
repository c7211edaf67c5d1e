// event_system.h — wires Supervisor's events into the running daemon: owns the Bus, one
// EventPool per [eventlistener:x] group and the Ticker.
// Turns Supervisor happenings into events (process state changes, group added/removed,
// PROCESS_LOG / PROCESS_COMMUNICATION from the child logs, supervisor RUNNING/STOPPING,
// sendRemoteCommEvent) and feeds listener stdout to its pool's protocol parser.
// Pools dispatch as soon as something changed (an event buffered, a listener READY or
// RUNNING, an answer): Supervisor does it on its next loop pass, which comes before any
// further state change; we have no passes, so we do it at once.
// Must not depend on RPC or the store.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "supervisord/events/bus.h"
#include "supervisord/events/pool.h"
#include "supervisord/events/ticks.h"

class Supervisor;
class Process;
class Instance;
class Group;
namespace logs {
class DaemonLog;
}

namespace events {

class EventSystem {
 public:
  EventSystem(uv_loop_t* loop, Supervisor& supervisor, logs::DaemonLog& log);
  ~EventSystem();
  EventSystem(const EventSystem&) = delete;
  EventSystem& operator=(const EventSystem&) = delete;

  // Subscribes to the Supervisor's bus; before Supervisor::set_config so that the first
  // groups make their pools and PROCESS_GROUP_ADDED events.
  void attach();
  // SUPERVISOR_STATE_CHANGE_RUNNING and the tick timers (before autostart).
  void supervisor_running();
  // REMOTE_COMMUNICATION (supervisor.sendRemoteCommEvent).
  void remote(const std::string& type, const std::string& data);
  // Closes the tick timers (idempotent). Pools keep buffering until destruction.
  void close();

  Bus& bus() { return bus_; }
  EventPool* pool(const std::string& name);
  // Every listener pool, by name (metrics: queue depths and drops).
  std::vector<std::pair<std::string, const EventPool*>> pools() const;

 private:
  void maybe_start_ticker();
  bool running_ = false;
  struct PoolEntry {
    std::unique_ptr<EventPool> pool;
    uint64_t subscription = 0;
  };
  void group_changed(const Group& g, bool added);
  void state_changed(const Process& p, ProcessState from, ProcessState to);
  void output(const Process& p, bool is_stderr, std::string_view bytes);
  void supervisor_stopping();  // SUPERVISOR_STATE_CHANGE_STOPPING
  void kick();
  void dispatch_all();
  std::vector<uint64_t> subscriptions_;  // on the Supervisor's bus

  Supervisor& supervisor_;
  logs::DaemonLog& log_;
  Bus bus_;
  Ticker ticker_;
  std::map<std::string, PoolEntry> pools_;
  bool dispatching_ = false;
  // Per "group:name" while STARTING: `tries` at that STARTING (BACKOFF reports tries + 1).
  std::map<std::string, int> starting_tries_;
};

}  // namespace events
