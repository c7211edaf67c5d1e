// methods_log.cc — log reading and clearing methods (supervisord.org api.html): readLog,
// clearLog, read/tailProcess{Stdout,Stderr}Log, clearProcessLogs, clearAllProcessLogs.
#include "common/namespec.h"
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
  // The named process, or a BAD_NAME reply.
  auto instance_of = [&s](const Value& v, Reply& reply) -> std::shared_ptr<Instance> {
    if (!v.is_string()) {
      reply(fault(Fault::IncorrectParameters));
      return nullptr;
    }
    auto inst = s.find(v.as_string());
    if (!inst) reply(bad_name(v.as_string()));
    return inst;
  };

  d.add("supervisor.readLog",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply) || !int_args(a, 0, reply)) return;
           const std::string& path = s.log().path();
           if (path.empty() || path == "syslog")
             return reply(fault(Fault::NoFile, path.empty() ? "None" : path));
           reply(from_read(logs::read_file(path, a[0].as_int(), a[1].as_int())));
         },
         2,
         2,
         {"string", "int", "int"},
         "Part of the daemon's log: `length` bytes from `offset`, or the last -offset\n"
         "bytes when offset is negative (length 0).\n\n"
         "@param int offset         where to start\n"
         "@param int length         how many bytes (0: to the end)\n"
         "@return string result     the text"});
  d.alias("supervisor.readMainLog", "supervisor.readLog");
  d.add("supervisor.clearLog",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           const std::string& path = s.log().path();
           if (path.empty() || path == "syslog")
             return reply(fault(Fault::NoFile, path.empty() ? "None" : path));
           Status st = s.log().clear();
           if (!st) return reply(fault(Fault::Failed, st.error()));
           reply(Value(true));
         },
         0,
         0,
         {"boolean"},
         "Empty the daemon's current log file (backups stay).\n\n@return boolean result true "
         "unless error"});

  for (bool is_stderr : {false, true}) {
    const char* chan = is_stderr ? "Stderr" : "Stdout";
    auto path_of = [is_stderr](const Instance& inst) { return inst.log_path(is_stderr); };
    d.add(std::string("supervisor.readProcess") + chan + "Log",
          {[running, instance_of, path_of](const Array& a, Reply reply) {
             if (!running(reply)) return;
             auto inst = instance_of(a[0], reply);
             if (!inst || !int_args(a, 1, reply)) return;
             std::string path = path_of(*inst);
             if (path.empty()) return reply(fault(Fault::NoFile, "None"));
             reply(from_read(logs::read_file(path, a[1].as_int(), a[2].as_int())));
           },
           3,
           3,
           {"string", "string", "int", "int"},
           std::string("Part of a process's ") + (is_stderr ? "stderr" : "stdout") +
               " log, as readLog reads the daemon's.\n\n"
               "@param string name        process name (or 'group:name')\n"
               "@param int offset         where to start\n"
               "@param int length         how many bytes (0: to the end)\n"
               "@return string result     the text"});
    d.add(std::string("supervisor.tailProcess") + chan + "Log",
          {[running, instance_of, path_of](const Array& a, Reply reply) {
             if (!running(reply)) return;
             auto inst = instance_of(a[0], reply);
             if (!inst || !int_args(a, 1, reply)) return;
             logs::TailResult t = logs::tail_file(path_of(*inst), a[1].as_int(), a[2].as_int());
             reply(Value(Array{Value(t.data), Value(clamp_int(t.offset)), Value(t.overflow)}));
           },
           3,
           3,
           {"array", "string", "int", "int"},
           std::string("The end of a process's ") + (is_stderr ? "stderr" : "stdout") +
               " log for a follower: the last `length` bytes and where to ask next.\n\n"
               "@param string name         process name (or 'group:name')\n"
               "@param int offset          where the previous call ended\n"
               "@param int length          at most this many bytes\n"
               "@return array result       [string bytes, int offset, bool overflow]"});
  }
  d.alias("supervisor.readProcessLog", "supervisor.readProcessStdoutLog");
  d.alias("supervisor.tailProcessLog", "supervisor.tailProcessStdoutLog");

  d.add("supervisor.clearProcessLogs",
        {[running, instance_of](const Array& a, Reply reply) {
           if (!running(reply)) return;
           auto inst = instance_of(a[0], reply);
           if (!inst) return;
           Status st = inst->clear_logs();
           if (!st) return reply(fault(Fault::Failed, a[0].as_string()));
           reply(Value(true));
         },
         1,
         1,
         {"boolean", "string"},
         "Empty a process's current stdout and stderr log files (backups stay).\n\n"
         "@param string name   process name (or 'group:name')\n"
         "@return boolean result      true unless error"});
  d.alias("supervisor.clearProcessLog", "supervisor.clearProcessLogs");
  d.add("supervisor.clearAllProcessLogs",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           Array out;
           for (auto& g : s.groups())
             for (auto& inst : g->instances()) {
               Status st = inst->clear_logs();
               Fault f = st ? Fault::Success : Fault::Failed;
               out.push_back(xmlrpc::Struct{
                   {"name", inst->name()},
                   {"group", g->name()},
                   {"status", static_cast<int>(f)},
                   {"description",
                    st ? std::string("OK")
                       : fault_string(Fault::Failed, namespec::make(g->name(), inst->name()))}});
             }
           reply(Value(std::move(out)));
         },
         0,
         0,
         {"array"},
         "Empty every process's current log files.\n\n@return array result   one result struct per "
         "process"});
}

}  // namespace rpc
