// observer.h — the adapter between the Supervisor and the Store: every process state
// change becomes a history entry; a spawned master becomes an instance record (pid, pgid,
// /proc start time) and a master whose group is empty again is forgotten; with
// remember_state, an admin stop is remembered and a start forgets it. A STARTING master's
// pid exists only once the fork happened, so those are resolved when the store flushes
// (still before the loop sleeps).
// Must not depend on: sqlite (it only calls store.h), rpc/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "supervisord/store/records.h"

class Supervisor;
class Process;

namespace store {

class Store;

class Observer {
 public:
  // Subscribes to the Supervisor's bus (state changes) and to `store`'s flush; both must
  // outlive it (declare it after the Store and the Supervisor).
  Observer(Supervisor& supervisor, Store& store, bool remember_state);
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

 private:
  void on_change(const Process& p, ProcessState from, ProcessState to);
  void resolve();  // the store's before-flush hook

  struct Pending {
    HistoryEntry entry;
    int64_t laststart_ms = 0;  // of the spawn this STARTING entry is about
  };
  Supervisor& supervisor_;
  Store& store_;
  bool remember_state_;
  std::vector<Pending> pending_;  // in order; entries of STARTING wait for their pid
  uint64_t subscription_ = 0;
};

// The instance record of a live master, with its start time read from /proc;
// pid 0 when it is not alive.
InstanceRecord instance_record(const Process& p);

}  // namespace store
