// methods_process.cc — start/stop/signal/info/stdin methods of supervisor.* (supervisord.org
// api.html, "Process Control"). Waiting calls are answered from the Supervisor's waiters.
#include <algorithm>
#include <memory>

#include "common/namespec.h"
#include "common/values.h"
#include "supervisord/proctree.h"
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

Outcome start_one(std::shared_ptr<ProcessSlot> slot, const std::string& name, bool wait) {
  Process& p = *slot->process;
  CommandStatus st = p.start();
  if (!st.ok()) return fault(st.fault, st.detail.empty() ? name : st.detail);
  if (p.state() == ProcessState::Running || !wait) return Response(Value(true));
  std::weak_ptr<ProcessSlot> weak = slot;
  return Pending{[weak, name]() -> std::optional<Response> {
    auto s = weak.lock();
    if (!s) return fault(Fault::AbnormalTermination, name);
    const Process& p = *s->process;
    if (!p.spawnerr().empty()) return fault(Fault::SpawnError, name);
    ProcessState state = p.state();
    if (state == ProcessState::Running) return Response(Value(true));
    if (state != ProcessState::Starting) return fault(Fault::AbnormalTermination, name);
    return std::nullopt;
  }};
}

Outcome stop_one(std::shared_ptr<ProcessSlot> slot, const std::string& name, bool wait) {
  Process& p = *slot->process;
  CommandStatus st = p.stop();
  if (!st.ok()) return fault(st.fault, st.detail.empty() ? name : st.detail);
  if (is_stopped_state(p.state()) || !wait) return Response(Value(true));
  std::weak_ptr<ProcessSlot> weak = slot;
  return Pending{[weak]() -> std::optional<Response> {
    auto s = weak.lock();
    if (!s || is_stopped_state(s->process->state())) return Response(Value(true));
    return std::nullopt;
  }};
}

Outcome signal_one(ProcessSlot& slot, const std::string& name, int sig) {
  CommandStatus st = slot.process->signal(sig);
  if (!st.ok()) return fault(st.fault, st.detail.empty() ? name : st.detail);
  return Response(Value(true));
}

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

Value process_info(Supervisor& s, const ProcessSlot& slot) {
  const Process& p = *slot.process;
  int64_t now = now_seconds();
  std::string out_log = slot.stdout_log ? slot.stdout_log->path() : "";
  std::string err_log = slot.stderr_log ? slot.stderr_log->path() : "";
  (void)s;
  return Struct{
      {"name", p.name()},
      {"group", p.group()},
      {"start", clamp_int(p.start_time())},
      {"stop", clamp_int(p.stop_time())},
      {"now", clamp_int(now)},
      {"state", static_cast<int>(p.state())},
      {"statename", std::string(state_name(p.state()))},
      {"spawnerr", p.spawnerr()},
      {"exitstatus", p.exitstatus()},
      {"logfile", out_log},
      {"stdout_logfile", out_log},
      {"stderr_logfile", err_log},
      {"pid", static_cast<int>(p.pid())},
      {"description", p.description(now)},
  };
}

// Extension: getProcessInfo plus what the instance is made of (its worker tree).
Value tree_info(Supervisor& s, const ProcessSlot& slot, const proctree::Snapshot& snap) {
  const Process& p = *slot.process;
  Value base = process_info(s, slot);
  xmlrpc::Struct out = base.as_struct();
  pid_t master = p.pid();
  std::vector<pid_t> workers;
  if (master > 0) workers = snap.workers(master, p.pgid() > 0 ? p.pgid() : master);
  proctree::TreeMemory mem = proctree::tree_memory(snap, master, workers);
  Array wp;
  for (pid_t w : workers) wp.emplace_back(static_cast<int>(w));
  int64_t uptime = (p.state() == ProcessState::Running && p.start_time() > 0)
                       ? now_seconds() - p.start_time()
                       : 0;
  out.emplace_back("workers", Value(std::move(wp)));
  out.emplace_back("worker_count", static_cast<int>(workers.size()));
  out.emplace_back("rss_kb", clamp_int(mem.rss_kb));
  out.emplace_back("pss_kb", clamp_int(mem.pss_kb));
  out.emplace_back("uptime", clamp_int(uptime));
  out.emplace_back("restarts", slot.spawns > 0 ? slot.spawns - 1 : 0);
  return Value(std::move(out));
}

template <class Fn>
void for_group_or_all(Supervisor& s, const Group* only, Fn&& fn) {
  for (auto& g : s.groups()) {
    if (only && g.get() != only) continue;
    for (auto& slot : g->slots) fn(*g, slot);
  }
}

// Every process, ordered by (group, name) as getAllProcessInfo lists them.
std::vector<const ProcessSlot*> slots_by_name(Supervisor& s) {
  std::vector<std::pair<std::pair<std::string, std::string>, const ProcessSlot*>> all;
  for_group_or_all(s, nullptr, [&](Group& g, std::shared_ptr<ProcessSlot>& slot) {
    all.push_back({{g.name(), slot->process->name()}, slot.get()});
  });
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<const ProcessSlot*> out;
  out.reserve(all.size());
  for (auto& [key, slot] : all) out.push_back(slot);
  return out;
}

// startProcessGroup's choice: not STARTING, RUNNING or BACKOFF (STOPPING included).
bool is_not_running(ProcessState state) {
  return !is_running_state(state);
}

// What start, stop and signal share: which processes the group forms pick, and what is
// done to one of them (`name` is the namespec the client sent, for fault details).
struct Op {
  bool (*eligible)(ProcessState);
  std::function<Outcome(std::shared_ptr<ProcessSlot>, const std::string& name)> one;
};

// A group (null: every group): one result struct per eligible process.
void on_group(Supervisor& s, Group* only, const Op& op, Reply reply) {
  std::vector<Targeted> items;
  for_group_or_all(s, only, [&](Group& grp, std::shared_ptr<ProcessSlot>& slot) {
    if (!op.eligible(slot->process->state())) return;
    const std::string& pname = slot->process->name();
    items.push_back({pname, grp.name(), op.one(slot, namespec::make(grp.name(), pname))});
  });
  answer_all(s, std::move(items), std::move(reply));
}

// A name as the single-process methods take it: "g:*" / "g:" is the group form.
void on_name(Supervisor& s, const std::string& name, const Op& op, Reply reply) {
  auto [group, process] = namespec::parse(name);
  Group* g = s.find_group(group);
  if (!g) return reply(bad_name(name));
  if (!process) return on_group(s, g, op, std::move(reply));
  auto slot = g->find(*process);
  if (!slot) return reply(bad_name(name));
  answer(s, op.one(slot, name), std::move(reply));
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
  auto group_named = [&s](const Array& a, Reply& reply) -> Group* {
    Group* g = a[0].is_string() ? s.find_group(a[0].as_string()) : nullptr;
    if (!g) reply(bad_name(text_of(a[0])));
    return g;
  };
  auto wait_arg = [](const Array& a, size_t i) { return a.size() > i ? truthy(a[i]) : true; };
  auto start_op = [](bool wait) {
    return Op{is_not_running, [wait](std::shared_ptr<ProcessSlot> slot, const std::string& n) {
                return start_one(std::move(slot), n, wait);
              }};
  };
  auto stop_op = [](bool wait) {
    return Op{is_running_state, [wait](std::shared_ptr<ProcessSlot> slot, const std::string& n) {
                return stop_one(std::move(slot), n, wait);
              }};
  };
  auto signal_op = [](int sig) {
    return Op{is_signallable_state, [sig](std::shared_ptr<ProcessSlot> slot, const std::string& n) {
                return signal_one(*slot, n, sig);
              }};
  };

  // ---- start, stop: the same three methods around a different operation ----
  auto add_start_stop = [&](const std::string& verb, auto op, const char* process_help,
                            const char* group_help, const char* all_help) {
    d.add("supervisor." + verb + "Process",
          {[&s, running, named, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             if (const std::string* name = named(a, reply))
               on_name(s, *name, op(wait_arg(a, 1)), std::move(reply));
           },
           1,
           2,
           {"boolean", "string", "boolean"},
           process_help});
    d.add("supervisor." + verb + "ProcessGroup",
          {[&s, running, group_named, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             if (Group* g = group_named(a, reply))
               on_group(s, g, op(wait_arg(a, 1)), std::move(reply));
           },
           1,
           2,
           {"array", "string", "boolean"},
           group_help});
    d.add("supervisor." + verb + "AllProcesses",
          {[&s, running, wait_arg, op](const Array& a, Reply reply) {
             if (!running(reply)) return;
             on_group(s, nullptr, op(wait_arg(a, 0)), std::move(reply));
           },
           0,
           1,
           {"array", "boolean"},
           all_help});
  };
  add_start_stop(
      "start", start_op,
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
      "stop", stop_op,
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
        {[&s, running, named, signal_arg, signal_op](const Array& a, Reply reply) {
           if (!running(reply)) return;
           const std::string* name = named(a, reply);
           if (!name) return;
           auto [group, process] = namespec::parse(*name);
           if (!s.find_group(group)) return reply(bad_name(*name));
           if (auto sig = signal_arg(a[1], reply))
             on_name(s, *name, signal_op(*sig), std::move(reply));
         },
         2,
         2,
         {"boolean", "string", "string"},
         "Send a UNIX signal to a process (its master pid only).\n\n"
         "@param string name    Name of the process to signal (or 'group:name')\n"
         "@param string signal  Signal to send, as name ('HUP') or number ('1')\n"
         "@return boolean"});
  d.add("supervisor.signalProcessGroup",
        {[&s, running, group_named, signal_arg, signal_op](const Array& a, Reply reply) {
           if (!running(reply)) return;
           Group* g = group_named(a, reply);
           if (!g) return;
           if (auto sig = signal_arg(a[1], reply))
             on_group(s, g, signal_op(*sig), std::move(reply));
         },
         2,
         2,
         {"array", "string", "string"},
         "Send a signal to every process of a group.\n\n"
         "@param string name    The group name\n@param string signal  Signal to send, as name "
         "('HUP') or number ('1')\n"
         "@return array"});
  d.add("supervisor.signalAllProcesses",
        {[&s, signal_arg, signal_op](const Array& a, Reply reply) {
           auto sig = signal_arg(a[0], reply);
           if (!sig) return;
           // Supervisor checks the daemon state only after signalling.
           if (s.state() != SupervisorState::Running) return reply(fault(Fault::ShutdownState));
           on_group(s, nullptr, signal_op(*sig), std::move(reply));
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
           auto [group, process] = namespec::parse(name);
           Group* g = s.find_group(group);
           auto slot = (g && process) ? g->find(*process) : nullptr;
           if (!slot) return reply(bad_name(name));
           reply(process_info(s, *slot));
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
         std::vector<const ProcessSlot*> all = slots_by_name(s);
         Array out;
         out.reserve(all.size());
         for (const ProcessSlot* slot : all) out.push_back(process_info(s, *slot));
         reply(Value(std::move(out)));
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
           for (const ProcessSlot* slot : slots_by_name(s))
             out.push_back(tree_info(s, *slot, snap));
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
           auto [group, process] = namespec::parse(name);
           Group* g = s.find_group(group);
           auto slot = (g && process) ? g->find(*process) : nullptr;
           if (!slot) return reply(bad_name(name));
           const Process& p = *slot->process;
           Array exits;
           for (const auto& e : slot->exits) {
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
           for (auto& line : slot->tail.lines()) output.emplace_back(line);
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
           auto [group, process] = namespec::parse(name);
           Group* g = s.find_group(group);
           auto slot = (g && process) ? g->find(*process) : nullptr;
           if (!slot) return reply(bad_name(name));
           CommandStatus st = slot->process->write_stdin(a[1].as_string());
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
