// outcome.h — one process operation's result for the RPC layer: answered now (a value or
// a fault) or pending on a check that the Supervisor's waiters re-run on state changes.
// Shared by the single-process and the group/all forms of start/stop.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/xmlrpc.h"
#include "supervisord/rpc/dispatch.h"

class Supervisor;

namespace rpc {

struct Pending {
  std::function<std::optional<xmlrpc::Response>()> check;  // nullopt: not yet
};
using Outcome = std::variant<xmlrpc::Response, Pending>;

// Answers a single-process call: now, or from a waiter when the check completes.
void answer(Supervisor& s, Outcome outcome, Reply reply);

// Group and all forms: one result struct per process, answered when every pending check
// completed, in Supervisor's make_allfunc order: those answered at once first, then the
// others by when they completed; it re-checks them every 50 ms in `items` (priority)
// order, so those completing within 50 ms of the first of a batch keep `items` order.
struct Targeted {
  std::string name;
  std::string group;
  Outcome outcome;
};
void answer_all(Supervisor& s, std::vector<Targeted> items, Reply reply);

}  // namespace rpc
