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
  std::function<std::optional<xmlrpc::Response>()> check;   // nullopt: not yet
};
using Outcome = std::variant<xmlrpc::Response, Pending>;

// Answers a single-process call: now, or from a waiter when the check completes.
void answer(Supervisor& s, Outcome outcome, Reply reply);

// Group and all forms: one result struct per process, in the order they complete
// (Supervisor's make_allfunc), answered when every pending check completed.
struct Targeted {
  std::string name;
  std::string group;
  Outcome outcome;
};
void answer_all(Supervisor& s, std::vector<Targeted> items, Reply reply);

}  // namespace rpc
