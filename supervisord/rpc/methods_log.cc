// methods_log.cc — log reading and clearing methods (reference §4.3, §6.4): readLog,
// clearLog, read/tailProcess{Stdout,Stderr}Log, clearProcessLogs, clearAllProcessLogs.
#include "supervisord/logs/daemon_log.h"
#include "supervisord/logs/read_file.h"
#include "supervisord/rpc/methods.h"
#include "supervisord/rpc/util.h"
#include "supervisord/supervisor.h"

namespace rpc {
namespace {

using xmlrpc::Array;
using xmlrpc::Value;

xmlrpc::Response from_read(const logs::ReadResult& r) {
  if (!r.ok()) return fault(static_cast<Fault>(r.fault), r.message);
  return Value(r.data);
}

bool int_args(const Array& a, size_t from, Reply& reply) {
  for (size_t i = from; i < a.size(); ++i)
    if (!a[i].is_int()) {
      reply(fault(Fault::IncorrectParameters));
      return false;
    }
  return true;
}

}  // namespace

void register_log_methods(Dispatcher& d, Supervisor& s) {
  auto running = [&s](Reply& reply) {
    if (s.state() != SupervisorState::Running) {
      reply(fault(Fault::ShutdownState));
      return false;
    }
    return true;
  };
  // The named process's slot, or a BAD_NAME reply.
  auto slot_of = [&s](const Value& v, Reply& reply) -> std::shared_ptr<ProcessSlot> {
    if (!v.is_string()) {
      reply(fault(Fault::IncorrectParameters));
      return nullptr;
    }
    auto [group, process] = split_namespec(v.as_string());
    Group* g = s.find_group(group);
    auto slot = (g && process) ? g->find(*process) : nullptr;
    if (!slot) reply(fault(Fault::BadName, v.as_string()));
    return slot;
  };

  d.add("supervisor.readLog",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply) || !int_args(a, 0, reply)) return;
           const std::string& path = s.log().path();
           if (path.empty() || path == "syslog") return reply(fault(Fault::NoFile, path.empty() ? "None" : path));
           reply(from_read(logs::read_file(path, a[0].as_int(), a[1].as_int())));
         },
         2, 2, {"string", "int", "int"},
         "Read length bytes from the main log starting at offset.\n\n"
         "@param int offset         offset to start reading from.\n"
         "@param int length         number of bytes to read from the log.\n"
         "@return string result     Bytes of log"});
  d.alias("supervisor.readMainLog", "supervisor.readLog");
  d.add("supervisor.clearLog",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           const std::string& path = s.log().path();
           if (path.empty() || path == "syslog") return reply(fault(Fault::NoFile, path.empty() ? "None" : path));
           Status st = s.log().clear();
           if (!st) return reply(fault(Fault::Failed, st.error()));
           reply(Value(true));
         },
         0, 0, {"boolean"}, "Clear the main log.\n\n@return boolean result always returns True unless error"});

  for (bool is_stderr : {false, true}) {
    const char* chan = is_stderr ? "Stderr" : "Stdout";
    auto path_of = [is_stderr](const ProcessSlot& slot) -> std::string {
      const auto& log = is_stderr ? slot.stderr_log : slot.stdout_log;
      return log ? log->path() : "";
    };
    d.add(std::string("supervisor.readProcess") + chan + "Log",
          {[running, slot_of, path_of](const Array& a, Reply reply) {
             if (!running(reply)) return;
             auto slot = slot_of(a[0], reply);
             if (!slot || !int_args(a, 1, reply)) return;
             std::string path = path_of(*slot);
             if (path.empty()) return reply(fault(Fault::NoFile, "None"));
             reply(from_read(logs::read_file(path, a[1].as_int(), a[2].as_int())));
           },
           3, 3, {"string", "string", "int", "int"},
           std::string("Read length bytes from name's ") + (is_stderr ? "stderr" : "stdout") +
               " log starting at offset\n\n"
               "@param string name        the name of the process (or 'group:name')\n"
               "@param int offset         offset to start reading from.\n"
               "@param int length         number of bytes to read from the log.\n"
               "@return string result     Bytes of log"});
    d.add(std::string("supervisor.tailProcess") + chan + "Log",
          {[running, slot_of, path_of](const Array& a, Reply reply) {
             if (!running(reply)) return;
             auto slot = slot_of(a[0], reply);
             if (!slot || !int_args(a, 1, reply)) return;
             logs::TailResult t = logs::tail_file(path_of(*slot), a[1].as_int(), a[2].as_int());
             reply(Value(Array{Value(t.data), Value(clamp_int(t.offset)), Value(t.overflow)}));
           },
           3, 3, {"array", "string", "int", "int"},
           std::string("Provides a more efficient way to tail the (") + (is_stderr ? "stderr" : "stdout") +
               ") log than readProcess" + chan + "Log().\n\n"
               "@param string name         the name of the process (or 'group:name')\n"
               "@param int offset          offset to start reading from\n"
               "@param int length          maximum number of bytes to return\n"
               "@return array result       [string bytes, int offset, bool overflow]"});
  }
  d.alias("supervisor.readProcessLog", "supervisor.readProcessStdoutLog");
  d.alias("supervisor.tailProcessLog", "supervisor.tailProcessStdoutLog");

  auto clear_slot = [](ProcessSlot& slot) -> Status {
    for (auto* log : {slot.stdout_log.get(), slot.stderr_log.get()}) {
      if (!log || log->path().empty()) continue;
      Status st = log->clear();
      if (!st) return st;
    }
    return Status::success();
  };
  d.add("supervisor.clearProcessLogs",
        {[running, slot_of, clear_slot](const Array& a, Reply reply) {
           if (!running(reply)) return;
           auto slot = slot_of(a[0], reply);
           if (!slot) return;
           Status st = clear_slot(*slot);
           if (!st) return reply(fault(Fault::Failed, a[0].as_string()));
           reply(Value(true));
         },
         1, 1, {"boolean", "string"},
         "Clear the stdout and stderr logs for the named process and\nreopen them.\n\n"
         "@param string name   The name of the process (or 'group:name')\n"
         "@return boolean result      Always True unless error"});
  d.alias("supervisor.clearProcessLog", "supervisor.clearProcessLogs");
  d.add("supervisor.clearAllProcessLogs",
        {[&s, running, clear_slot](const Array&, Reply reply) {
           if (!running(reply)) return;
           Array out;
           for (auto& g : s.groups())
             for (auto& slot : g->slots) {
               Status st = clear_slot(*slot);
               Fault f = st ? Fault::Success : Fault::Failed;
               out.push_back(xmlrpc::Struct{
                   {"name", slot->process->name()}, {"group", g->name()},
                   {"status", static_cast<int>(f)},
                   {"description", st ? std::string("OK") : fault_string(Fault::Failed, g->name() + ":" + slot->process->name())}});
             }
           reply(Value(std::move(out)));
         },
         0, 0, {"array"},
         "Clear all process log files\n\n@return array result   An array of process status info structs"});
}

}  // namespace rpc
