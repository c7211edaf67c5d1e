// methods_store.cc — supervisor.getProcessHistory: the process state history kept in the
// statefile, oldest first. Each entry is a struct:
//   time (double, epoch seconds with ms), group, name, from, to (state names),
//   from_code, to_code (state codes), pid, exitstatus, signal (0 = none or unknown),
//   signame ("" when signal is 0), spawnerr, tries, oom_kills (processes of the
//   instance's cgroup the OOM killer ended in the run this change ended; extension).
// Faults: INCORRECT_PARAMETERS for a non-string name or a non-int / negative limit;
// FAILED "state store unavailable: <why>" when the statefile is off or unusable.
#include "supervisord/rpc/methods_store.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cstdint>

#include "supervisord/store/recovery.h"
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
      {"oom_kills", static_cast<int>(std::min<int64_t>(h.oom_kills, INT32_MAX))},
  };
}

}  // namespace

// The daemon's side of `supervisorctl why`: what the state file holds and what crash
// recovery could do with it, as lines of text.
Value daemon_diagnosis(const store::Store& store, const store::Recovery& recovery) {
  std::string file = store.path().empty() ? "none" : store.path();
  std::string status = "recording";
  std::string previous;
  std::string crash = "crash recovery: " + recovery.summary();
  const store::PreviousRun& prev = store.previous_run();
  if (const auto& reset = store.reset_info()) {
    status = "new file: the previous one was corrupt (" + reset->reason + "), moved to " +
             reset->moved_to;
    previous = "not known (the state file was replaced)";
    crash =
        "crash recovery: no record (the state file was corrupt and was replaced; processes "
        "a crashed supervisord left running were not looked for)";
  } else if (!store.enabled()) {
    status = store.path().empty() ? "off (statefile=none)" : "disabled: " + store.disabled_reason();
    previous = "not known";
    crash = "crash recovery: off (no state file)";
  } else if (!prev.found) {
    previous = "none recorded (first run)";
  } else {
    previous = "pid " + std::to_string(prev.pid) +
               (prev.clean ? " ended cleanly" : " did not shut down cleanly") +
               (prev.same_boot ? "" : " (before a reboot)");
  }
  return Struct{{"statefile", file},
                {"statefile_status", status},
                {"previous_run", previous},
                {"crash_recovery", crash},
                {"recovery_record", store.enabled() && !store.reset_info()}};
}

void register_store_methods(Dispatcher& d, store::Store& store, const store::Recovery& recovery) {
  d.add(
      "supervisor.getDaemonDiagnosis",
      {[&store, &recovery](const Array&, Reply reply) { reply(daemon_diagnosis(store, recovery)); },
       0,
       0,
       {"struct"},
       "Extension. The daemon's state file and crash recovery: statefile (path or 'none'),\n"
       "statefile_status (recording / disabled: why / new file: the previous one was corrupt,\n"
       "moved to PATH), previous_run, crash_recovery (what it did, or that it had no record),\n"
       "recovery_record (false when recovery had nothing to go by).\n\n"
       "@return struct result"});

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
         2,
         2,
         {"array", "string", "int"},
         "Get the state change history of processes (extension), oldest first.\n\n"
         "@param string name  process ('group:name', 'name'), group ('group:*') or '' for all\n"
         "@param int limit    at most this many of the most recent entries (0 = none, max 10000)\n"
         "@return array result  structs: time, group, name, from, to, from_code, to_code, pid,\n"
         "                      exitstatus, signal, signame, spawnerr, tries"});
}

}  // namespace rpc
