// bus.h — the daemon's one typed stream of what happens: state changes, ended runs, output
// chunks, PROCESS_LOG / PROCESS_COMMUNICATION material, groups added or removed, a config
// applied, the daemon's own state. Instances and the Supervisor publish; the state store,
// the event listeners' system (events/, which turns these into Supervisor's text events)
// and any new surface subscribe with one call. Waiting RPC calls do not subscribe: they
// attach to the instances they wait for (Instance::watch).
// Delivery is synchronous, in subscription order; a handler may subscribe or unsubscribe.
// Must not depend on libuv, RPC, the store or log files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/states.h"
#include "supervisord/process/fsm.h"

class Instance;
class Group;
namespace config {
struct Config;
}

namespace happened {

// An instance moved from one state to another (never from == to).
struct StateChange {
  Instance& instance;
  ProcessState from;
  ProcessState to;
};
// A run ended (after Supervisor's log line for it, before any restart).
struct Exit {
  Instance& instance;
  const fsm::ExitInfo& exit;
};
// Bytes read from the child's stdout or stderr pipe, as they come.
struct Output {
  Instance& instance;
  bool is_stderr;
  std::string_view bytes;
};
// Bytes of that output the child log's file did not take (it cannot be opened or written,
// or a pipe it writes to stalled): lost.
struct OutputLost {
  Instance& instance;
  bool is_stderr;
  size_t bytes;
};
// What the child log logged for PROCESS_LOG_* (after ANSI stripping; events_enabled only).
struct LogData {
  Instance& instance;
  bool is_stderr;
  std::string_view data;
};
// A capture-mode block (PROCESS_COMMUNICATION_*), once per END token.
struct Capture {
  Instance& instance;
  bool is_stderr;
  std::string_view data;
};
// A group joined (after insertion, before autostart) or left (before it closes).
struct GroupChange {
  const Group& group;
  bool added;
};
// The running config changed (set at start, reload, update, scale).
struct ConfigApplied {
  const config::Config& config;
};
// The daemon's state changed (RUNNING -> SHUTDOWN / RESTARTING).
struct DaemonState {
  SupervisorState from;
  SupervisorState to;
};

}  // namespace happened

class Bus {
 public:
  template <class E>
  using Handler = std::function<void(const E&)>;

  // Returns the id to unsubscribe with.
  template <class E>
  uint64_t subscribe(Handler<E> handler) {
    uint64_t id = next_id_++;
    list<E>().push_back({id, std::move(handler)});
    return id;
  }
  void unsubscribe(uint64_t id) {
    std::apply([id](auto&... lists) { (drop(lists, id), ...); }, lists_);
  }
  template <class E>
  void publish(const E& event) {
    auto& subs = list<E>();
    // By index: a handler may subscribe (appending) while we deliver; one that
    // unsubscribes leaves an empty handler behind, skipped.
    for (size_t i = 0; i < subs.size(); ++i)
      if (subs[i].second) {
        auto handler = subs[i].second;  // the vector may grow under us
        handler(event);
      }
  }
  template <class E>
  bool has_subscribers() const {
    for (const auto& s : std::get<List<E>>(lists_))
      if (s.second) return true;
    return false;
  }

 private:
  template <class E>
  using List = std::vector<std::pair<uint64_t, Handler<E>>>;
  template <class E>
  List<E>& list() {
    return std::get<List<E>>(lists_);
  }
  template <class L>
  static void drop(L& subs, uint64_t id) {
    for (auto& s : subs)
      if (s.first == id) s.second = nullptr;
  }

  std::tuple<List<happened::StateChange>, List<happened::Exit>, List<happened::Output>,
             List<happened::OutputLost>, List<happened::LogData>, List<happened::Capture>,
             List<happened::GroupChange>, List<happened::ConfigApplied>,
             List<happened::DaemonState>>
      lists_;
  uint64_t next_id_ = 1;
};
