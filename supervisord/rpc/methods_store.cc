// methods_store.cc — supervisor.getProcessHistory: the process state history kept in the
// statefile, oldest first. Each entry is a struct:
//   time (double, epoch seconds with ms), group, name, from, to (state names),
//   from_code, to_code (state codes), pid, exitstatus, signal (0 = none or unknown),
//   signame ("" when signal is 0), spawnerr, tries.
// Faults: INCORRECT_PARAMETERS for a non-string name or a non-int / negative limit;
// FAILED "state store unavailable: <why>" when the statefile is off or unusable.
#include <signal.h>
#include <string.h>

#include "supervisord/rpc/methods_store.h"
#include "supervisord/store/store.h"

namespace rpc {
namespace {

using xmlrpc::Array;
using xmlrpc::Struct;
using xmlrpc::Value;

std::string signal_text(int sig) {
  if (sig <= 0) return {};
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

Value entry_value(const store::HistoryEntry& h) {
  return Struct{
      {"time", static_cast<double>(h.time_ms) / 1000.0},
      {"group", h.group},
      {"name", h.name},
      {"from", std::string(state_name(h.from))},
      {"to", std::string(state_name(h.to))},
      {"from_code", static_cast<int>(h.from)},
      {"to_code", static_cast<int>(h.to)},
      {"pid", static_cast<int>(h.pid)},
      {"exitstatus", h.exitstatus},
      {"signal", h.signal},
      {"signame", signal_text(h.signal)},
      {"spawnerr", h.spawnerr},
      {"tries", h.tries},
  };
}

}  // namespace

void register_store_methods(Dispatcher& d, store::Store& store) {
  d.add("supervisor.getProcessHistory",
        {[&store](const Array& a, Reply reply) {
           if (!a[0].is_string() || !a[1].is_int() || a[1].as_int() < 0)
             return reply(fault(Fault::IncorrectParameters));
           int limit = a[1].as_int() > kMaxHistoryLimit ? kMaxHistoryLimit
                                                        : static_cast<int>(a[1].as_int());
           auto rows = store.history(a[0].as_string(), limit);
           if (!rows) return reply(fault(Fault::Failed, rows.error()));
           Array out;
           out.reserve(rows->size());
           for (const auto& h : *rows) out.push_back(entry_value(h));
           reply(Value(std::move(out)));
         },
         2, 2, {"array", "string", "int"},
         "Get the state change history of processes (extension), oldest first.\n\n"
         "@param string name  process ('group:name', 'name'), group ('group:*') or '' for all\n"
         "@param int limit    at most this many of the most recent entries (0 = none, max 10000)\n"
         "@return array result  structs: time, group, name, from, to, from_code, to_code, pid,\n"
         "                      exitstatus, signal, signame, spawnerr, tries"});
}

}  // namespace rpc
