// methods_process.cc — start/stop/signal/info/stdin methods of supervisor.* (supervisord.org
// api.html, "Process Control"). Waiting calls complete from the facade.
#include <algorithm>
#include <memory>
#include <type_traits>

#include "common/http.h"
#include "common/namespec.h"
#include "common/values.h"
#include "supervisord/process/cgroup.h"
#include "supervisord/process/proctree.h"
#include "supervisord/rpc/methods.h"
#include "supervisord/rpc/outcome.h"
#include "supervisord/rpc/util.h"
#include "supervisord/supervisor.h"

namespace rpc {
namespace {

using xmlrpc::Array;
using xmlrpc::Response;
using xmlrpc::Struct;
using xmlrpc::Value;

// The signal argument: a name ("HUP", "sigusr1") or a number, as string or int.
std::optional<int> parse_signal(const Value& v) {
  std::string text;
  if (v.is_int())
    text = std::to_string(v.as_int());
  else if (v.is_string())
    text = v.as_string();
  else
    return std::nullopt;
  auto r = values::signal_number(text);
  if (!r) return std::nullopt;
  return *r;
}

// getProcessInfo's fields in Supervisor's order, each given to put(name, value) with an
// int64_t or a std::string_view (valid during the call): one list for the Value
// (getProcessInfo, the tree extension) and the writer (getAllProcessInfo).
template <class Put>
void process_fields(const Instance& inst, int64_t now, Put&& put) {
  const Process& p = inst.process();
  const std::string& out_log = inst.log_path(false);
  put("name", std::string_view(p.name()));
  put("group", std::string_view(p.group()));
  put("start", int64_t{clamp_int(p.start_time())});
  put("stop", int64_t{clamp_int(p.stop_time())});
  put("now", int64_t{clamp_int(now)});
  put("state", int64_t{static_cast<int>(p.state())});
  put("statename", std::string_view(state_name(p.state())));
  put("spawnerr", std::string_view(p.spawnerr()));
  put("exitstatus", int64_t{p.exitstatus()});
  put("logfile", std::string_view(out_log));
  put("stdout_logfile", std::string_view(out_log));
  put("stderr_logfile", std::string_view(inst.log_path(true)));
  put("pid", int64_t{p.pid()});
  put("description", std::string_view(p.description(now)));
}
constexpr size_t kProcessFields = 14;

Value process_info(const Instance& inst) {
  // Built in place: a braced list would copy every member once more.
  Struct info;
  info.reserve(kProcessFields);
  process_fields(inst, now_seconds(),
                 [&info](const char* name, auto value) { info.emplace_back(name, Value(value)); });
  return Value(std::move(info));
}

// getAllProcessInfo's array written straight in the answer's layout: with 1000 processes
// the Value tree (14,000 members, each string copied) was a third of the call's CPU.
Value all_process_info(const std::vector<const Instance*>& all) {
  // Written once into a buffer made once: its size is the tags (1030 bytes a process, the
  // ints at their widest) and each process's texts, with room for the envelope and the
  // HTTP head that go in front of it in the same buffer.
  constexpr size_t kTags = 1040, kDescription = 64;
  size_t size = 64 + xmlrpc::kEnvelope + http::kHeadRoom;
  for (const Instance* inst : all) {
    const Process& p = inst->process();
    size += kTags + kDescription + p.name().size() + p.group().size() + p.spawnerr().size() +
            2 * inst->log_path(false).size() + inst->log_path(true).size();
  }
  xmlrpc::Writer w(size);
  int64_t now = now_seconds();
  w.begin_array();
  for (const Instance* inst : all) {
    w.begin_struct();
    process_fields(*inst, now, [&w](const char* name, auto value) {
      w.begin_member(name);
      if constexpr (std::is_same_v<decltype(value), int64_t>)
        w.integer(value);
      else
        w.string(value);
      w.end_member();
    });
    w.end_struct();
  }
  w.end_array();
  return Value(xmlrpc::Encoded{w.take()});
}

// Extension: getProcessInfo plus what the instance is made of (its worker tree).
Value tree_info(const Instance& inst, const proctree::Snapshot& snap) {
  const Process& p = inst.process();
  xmlrpc::Struct out = process_info(inst).as_struct();
  pid_t master = p.pid();
  std::vector<pid_t> workers = inst.workers(snap);
  proctree::TreeMemory mem = proctree::tree_memory(snap, master, workers, p.cgroup_dir());
  Array wp;
  for (pid_t w : workers) wp.emplace_back(static_cast<int>(w));
  int64_t uptime = (p.state() == ProcessState::Running && p.start_time() > 0)
                       ? now_seconds() - p.start_time()
                       : 0;
  out.emplace_back("workers", Value(std::move(wp)));
  out.emplace_back("worker_count", static_cast<int>(workers.size()));
  out.emplace_back("rss_kb", clamp_int(mem.rss_kb));
  out.emplace_back("pss_kb", clamp_int(mem.pss_kb));
  // The cgroup's memory.current where the memory controller is delegated (page cache and
  // kernel memory of the whole run included), the members' RSS otherwise.
  out.emplace_back("memory_kb", clamp_int(mem.memory_kb()));
  out.emplace_back("uptime", clamp_int(uptime));
  out.emplace_back("restarts", inst.restarts());
  out.emplace_back("cgroup", p.cgroup_dir());
  if (!p.cgroup_dir().empty())  // CPU of the whole run, escaped members and gone ones too
    out.emplace_back("cpu_seconds",
                     static_cast<double>(cgroup::Manager::cpu_usec(p.cgroup_dir())) / 1e6);
  return Value(std::move(out));
}

using Selector = Supervisor::Selector;

// Answers a facade command's outcome.
Supervisor::Completion answer(Reply reply) {
  return [reply = std::move(reply)](Supervisor::Outcome o) { reply(to_response(o)); };
}

}  // namespace

void register_process_methods(Dispatcher& d, Supervisor& s) {
  auto running = [&s](Reply& reply) {
    if (s.state() != SupervisorState::Running) {
      reply(fault(Fault::ShutdownState));
      return false;
    }
    return true;
  };

  // start, stop and signal share their shapes: one process, a group, everything.
  auto named = [](const Array& a, Reply& reply) -> const std::string* {
    if (!a[0].is_string()) {
      reply(fault(Fault::IncorrectParameters));
      return nullptr;
    }
    return &a[0].as_string();
  };
  // A group name of another type names no group (Supervisor looks it up as given).
  auto group_named = [&s](const Array& a, Reply& reply) -> const std::string* {
    if (!a[0].is_string() || !s.find_group(a[0].as_string())) {
      reply(bad_name(text_of(a[0])));
      return nullptr;
    }
    return &a[0].as_string();
  };
  auto wait_arg = [](const Array& a, size_t i) { return a.size() > i ? truthy(a[i]) : true; };
  using Verb = void (Supervisor::*)(const Selector&, bool, Supervisor::Completion);

  // ---- start, stop: the same three methods around a different operation ----
  auto add_start_stop = [&](const std::string& verb, Verb op, const char* process_help,
                            const char* group_help, const char* all_help) {
    d.add("supervisor." + verb + "Process",
          {[&s, running, named, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             if (const std::string* name = named(a, reply))
               (s.*op)(Selector::namespec(*name), wait_arg(a, 1), answer(std::move(reply)));
           },
           1,
           2,
           {"boolean", "string", "boolean"},
           process_help});
    d.add("supervisor." + verb + "ProcessGroup",
          {[&s, running, group_named, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             if (const std::string* name = group_named(a, reply))
               (s.*op)(Selector::group(*name), wait_arg(a, 1), answer(std::move(reply)));
           },
           1,
           2,
           {"array", "string", "boolean"},
           group_help});
    d.add("supervisor." + verb + "AllProcesses",
          {[&s, running, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             (s.*op)(Selector::all(), wait_arg(a, 0), answer(std::move(reply)));
           },
           0,
           1,
           {"array", "boolean"},
           all_help});
  };
  add_start_stop(
      "start", &Supervisor::start,
      "Start a process (or every process of a group, given as 'group:*').\n\n"
      "@param string name Process name (or ``group:name``, or ``group:*``)\n"
      "@param boolean wait Wait until it is RUNNING (the default)\n"
      "@return boolean result     Always true unless error",
      "Start the processes of a group that are not running.\n\n"
      "@param string name     The group name\n@param boolean wait    Wait until each is RUNNING\n"
      "@return array result   An array of process status info structs",
      "Start every process that is not running.\n\n"
      "@param boolean wait    Wait until each is RUNNING\n"
      "@return array result   An array of process status info structs");
  add_start_stop(
      "stop", &Supervisor::stop,
      "Stop a process (or every process of a group, given as 'group:*').\n\n"
      "@param string name  The name of the process to stop (or 'group:name')\n"
      "@param boolean wait        Wait until it has stopped (the default)\n"
      "@return boolean result     Always return True unless error",
      "Stop the running processes of a group.\n\n"
      "@param string name     The group name\n@param boolean wait    Wait until each has stopped\n"
      "@return array result   An array of process status info structs",
      "Stop every running process.\n\n"
      "@param  boolean wait   Wait until each has stopped\n"
      "@return array result   An array of process status info structs");

  // ---- signal ----
  auto signal_arg = [](const Value& v, Reply& reply) -> std::optional<int> {
    auto sig = parse_signal(v);
    if (!sig) reply(fault(Fault::BadSignal, text_of(v)));
    return sig;
  };
  d.add("supervisor.signalProcess",
        {[&s, running, named, signal_arg](const Array& a, Reply reply) {
           if (!running(reply)) return;
           const std::string* name = named(a, reply);
           if (!name) return;
           auto [group, process] = namespec::parse(*name);
           if (!s.find_group(group)) return reply(bad_name(*name));
           if (auto sig = signal_arg(a[1], reply))
             s.signal(Selector::namespec(*name), *sig, answer(std::move(reply)));
         },
         2,
         2,
         {"boolean", "string", "string"},
         "Send a UNIX signal to a process (its master pid only).\n\n"
         "@param string name    Name of the process to signal (or 'group:name')\n"
         "@param string signal  Signal to send, as name ('HUP') or number ('1')\n"
         "@return boolean"});
  d.add("supervisor.signalProcessGroup",
        {[&s, running, group_named, signal_arg](const Array& a, Reply reply) {
           if (!running(reply)) return;
           const std::string* name = group_named(a, reply);
           if (!name) return;
           if (auto sig = signal_arg(a[1], reply))
             s.signal(Selector::group(*name), *sig, answer(std::move(reply)));
         },
         2,
         2,
         {"array", "string", "string"},
         "Send a signal to every process of a group.\n\n"
         "@param string name    The group name\n@param string signal  Signal to send, as name "
         "('HUP') or number ('1')\n"
         "@return array"});
  d.add("supervisor.signalAllProcesses",
        {[&s, signal_arg](const Array& a, Reply reply) {
           // Supervisor checks the signal before the daemon state.
           if (auto sig = signal_arg(a[0], reply))
             s.signal(Selector::all(), *sig, answer(std::move(reply)));
         },
         1,
         1,
         {"array", "string"},
         "Send a signal to every process.\n\n"
         "@param string signal  Signal to send, as name ('HUP') or number ('1')\n@return array"});

  // ---- info ----
  d.add("supervisor.getProcessInfo",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply)) return;
           if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
           const std::string& name = a[0].as_string();
           auto inst = s.find(name);
           if (!inst) return reply(bad_name(name));
           reply(process_info(*inst));
         },
         1,
         1,
         {"struct", "string"},
         "Get info about a process named name\n\n@param string name The name of the process (or "
         "'group:name')\n"
         "@return struct result     A structure containing data about the process"});
  d.add(
      "supervisor.getAllProcessInfo",
      {[&s, running](const Array&, Reply reply) {
         if (!running(reply)) return;
         reply(all_process_info(s.instances_by_name()));
       },
       0,
       0,
       {"array"},
       "Get info about all processes\n\n@return array result  An array of process status results"});

  d.add("supervisor.getAllProcessTreeInfo",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           proctree::Snapshot snap = proctree::Snapshot::take();
           Array out;
           for (const Instance* inst : s.instances_by_name()) out.push_back(tree_info(*inst, snap));
           reply(Value(std::move(out)));
         },
         0,
         0,
         {"array"},
         "Extension. Like getAllProcessInfo, each struct adding what the instance is made of:\n"
         "workers (pids forked by the master, and members of its process group), worker_count,\n"
         "rss_kb (summed resident memory of master and workers), pss_kb (summed proportional\n"
         "memory, -1 where /proc/PID/smaps_rollup is unavailable), uptime (seconds RUNNING),\n"
         "restarts (spawns after the first).\n\n"
         "@return array result  An array of process tree info structs"});

  d.add("supervisor.getProcessDiagnosis",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply)) return;
           if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
           const std::string& name = a[0].as_string();
           auto inst = s.find(name);
           if (!inst) return reply(bad_name(name));
           const Process& p = inst->process();
           Array exits;
           for (const auto& e : inst->exits()) {
             const fsm::ExitInfo& x = e.exit;
             exits.push_back(xmlrpc::Struct{
                 {"time", clamp_int(x.ended_ms / 1000)},
                 {"lived_ms", clamp_int(x.lived_ms())},
                 {"kind", std::string(fsm::exit_kind_name(x.kind))},
                 {"exitstatus", x.code()},
                 {"signal", x.signal() ? values::signal_name(x.signal()) : std::string()},
                 {"core_dumped", x.core_dumped()},
                 {"status", diagnosis::status_text(e)}});
           }
           Array output;
           for (auto& line : inst->tail().lines()) output.emplace_back(line);
           reply(Value(Struct{{"name", p.name()},
                              {"group", p.group()},
                              {"statename", std::string(state_name(p.state()))},
                              {"description", p.description(now_seconds())},
                              {"spawnerr", p.spawnerr()},
                              {"exits", Value(std::move(exits))},
                              {"output", Value(std::move(output))}}));
         },
         1,
         1,
         {"struct", "string"},
         "Extension. Why a process will not stay up: its state, last spawn error, its last\n"
         "runs that ended (time, how long it lived, kind: exited, stopped, failed start or\n"
         "unhealthy; exit status or signal; gunicorn's codes 3 and 4 named) and the last lines it "
         "wrote to stderr (stdout when redirected).\n\n"
         "@param string name  The process name (or 'group:name')\n"
         "@return struct result  {name, group, statename, description, spawnerr, exits, output}"});

  // ---- stdin ----
  d.add("supervisor.sendProcessStdin",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply)) return;
           if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
           if (!a[1].is_string()) return reply(fault(Fault::IncorrectParameters, text_of(a[1])));
           const std::string& name = a[0].as_string();
           auto inst = s.find(name);
           if (!inst) return reply(bad_name(name));
           CommandStatus st = inst->write_stdin(a[1].as_string());
           if (!st.ok()) return reply(fault(st.fault, st.detail.empty() ? name : st.detail));
           reply(Value(true));
         },
         2,
         2,
         {"boolean", "string", "string"},
         "Send a string of chars to the stdin of the process name.\n\n"
         "@param string name        The process name to send to (or 'group:name')\n"
         "@param string chars       The character data to send to the process\n"
         "@return boolean result    Always return True unless error"});
}

}  // namespace rpc
