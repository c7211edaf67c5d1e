// methods_daemon.cc — daemon-level supervisor.* methods: versions, identification, state,
// shutdown/restart, reloadConfig and group add/remove, getAllConfigInfo, remote events
// (http://supervisord.org/api.html, "Status and Control", "Process Control").
#include <unistd.h>

#include <algorithm>

#include "common/version.h"
#include "supervisord/config/diff.h"
#include "supervisord/rpc/methods.h"
#include "supervisord/rpc/util.h"
#include "supervisord/supervisor.h"

namespace rpc {
namespace {

using xmlrpc::Array;
using xmlrpc::Struct;
using xmlrpc::Value;

constexpr const char* kApiVersion = "3.0";

Value log_path_value(const config::LogConfig& log, const std::string& active_path, bool inuse) {
  using K = values::LogfileName::Kind;
  switch (log.file.kind) {
    case K::None:
      return Value("none");
    case K::Syslog:
      return Value("none");
    case K::Auto:
      return inuse && !active_path.empty() ? Value(active_path) : Value("auto");
    case K::Path:
      return Value(log.file.path);
  }
  return Value("none");
}

Value config_info(Supervisor& s, const config::GroupConfig& g, const config::ProcessConfig& p) {
  Group* live = s.find_group(g.name);
  bool inuse = live != nullptr;
  std::string out_path, err_path;
  if (auto inst = live ? live->find(p.name) : nullptr) {
    out_path = inst->log_path(false);
    err_path = inst->log_path(true);
  }
  Value uid = p.user ? Value(static_cast<int>(p.user->uid)) : Value("none");
  Array codes;
  for (int c : p.exitcodes) codes.emplace_back(c);
  return Struct{
      {"autostart", p.autostart},
      {"directory", p.directory ? Value(*p.directory) : Value("none")},
      {"uid", uid},
      {"command", p.command},
      {"exitcodes", Value(std::move(codes))},
      {"group", g.name},
      {"group_prio", g.priority},
      {"inuse", inuse},
      {"killasgroup", p.killasgroup},
      {"name", p.name},
      {"process_prio", p.priority},
      {"redirect_stderr", p.redirect_stderr},
      {"startretries", p.startretries},
      {"startsecs", p.startsecs},
      {"stdout_capture_maxbytes", clamp_int(p.stdout_log.capture_maxbytes)},
      {"stdout_events_enabled", p.stdout_log.events_enabled},
      {"stdout_logfile", log_path_value(p.stdout_log, out_path, inuse)},
      {"stdout_logfile_backups", p.stdout_log.backups},
      {"stdout_logfile_maxbytes", clamp_int(p.stdout_log.maxbytes)},
      {"stdout_syslog", p.stdout_log.syslog},
      {"stopsignal", p.stopsignal},
      {"stopwaitsecs", p.stopwaitsecs},
      {"stderr_capture_maxbytes", clamp_int(p.stderr_log.capture_maxbytes)},
      {"stderr_events_enabled", p.stderr_log.events_enabled},
      {"stderr_logfile",
       p.redirect_stderr ? Value("none") : log_path_value(p.stderr_log, err_path, inuse)},
      {"stderr_logfile_backups", p.stderr_log.backups},
      {"stderr_logfile_maxbytes", clamp_int(p.stderr_log.maxbytes)},
      {"stderr_syslog", p.stderr_log.syslog},
      {"serverurl", p.serverurl ? Value(*p.serverurl) : Value("none")},
  };
}

}  // namespace

void register_daemon_methods(Dispatcher& d, Supervisor& s, DaemonHooks hooks) {
  auto hooks_ptr = std::make_shared<DaemonHooks>(std::move(hooks));
  auto running = [&s](Reply& reply) {
    if (s.state() != SupervisorState::Running) {
      reply(fault(Fault::ShutdownState));
      return false;
    }
    return true;
  };
  auto constant = [running](Value v) {
    return [running, v](const Array&, Reply reply) {
      if (!running(reply)) return;
      reply(v);
    };
  };
  d.add("supervisor.getAPIVersion", {constant(Value(kApiVersion)),
                                     0,
                                     0,
                                     {"string"},
                                     "The XML-RPC API version this daemon speaks (3.0, as "
                                     "Supervisor 4.x).\n\n@return string version id"});
  d.alias("supervisor.getVersion", "supervisor.getAPIVersion");
  d.add("supervisor.getSupervisorVersion",
        {constant(Value(kSupervisorVersion)),
         0,
         0,
         {"string"},
         "The Supervisor version this daemon is compatible with.\n\n@return string version id"});
  d.add("supervisor.getIdentification",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           reply(Value(s.config().supervisord.identifier));
         },
         0,
         0,
         {"string"},
         "The [supervisord] identifier option.\n\n@return string identifier"});
  d.add("supervisor.getState",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           reply(Value(Struct{{"statecode", static_cast<int>(s.state())},
                              {"statename", std::string(state_name(s.state()))}}));
         },
         0,
         0,
         {"struct"},
         "The daemon's state: RUNNING, RESTARTING or SHUTDOWN.\n\n@return struct {statecode: int, "
         "statename: string}"});
  d.add("supervisor.getPID", {[running](const Array&, Reply reply) {
                                if (!running(reply)) return;
                                reply(Value(static_cast<int>(::getpid())));
                              },
                              0,
                              0,
                              {"int"},
                              "The daemon's process id.\n\n@return int PID"});
  d.add("supervisor.shutdown", {[running, hooks_ptr](const Array&, Reply reply) {
                                  if (!running(reply)) return;
                                  reply(Value(true));
                                  hooks_ptr->shutdown();
                                },
                                0,
                                0,
                                {"boolean"},
                                "Stop every process in order, then exit.\n\n@return boolean result "
                                "true (the shutdown follows the answer)"});
  d.add("supervisor.restart",
        {[running, hooks_ptr](const Array&, Reply reply) {
           if (!running(reply)) return;
           reply(Value(true));
           hooks_ptr->restart();
         },
         0,
         0,
         {"boolean"},
         "Stop every process, read the configuration again and start anew in the same "
         "pid.\n\n@return boolean result true (the restart follows the answer)"});
  d.add("supervisor.reexec",
        {[running, hooks_ptr](const Array&, Reply reply) {
           if (!running(reply)) return;
           if (!hooks_ptr->reexec) return reply(fault(Fault::Failed, "re-exec is not available"));
           Status st = hooks_ptr->reexec();
           if (!st) return reply(fault(Fault::Failed, st.error()));
           reply(Value(true));
         },
         0,
         0,
         {"boolean"},
         "Extension: replace the daemon's image with the binary it was started from, "
         "under its running processes (same pid; they keep running). The new binary is "
         "first run with --check-config on the current config; when that fails nothing "
         "happens.\n\n@return boolean result true (the hand-over follows the answer)"});
  d.add("supervisor.reloadConfig",
        {[&s, running, hooks_ptr](const Array&, Reply reply) {
           if (!running(reply)) return;
           auto next = hooks_ptr->reload();
           if (!next) return reply(fault(Fault::CantReread, next.error()));
           config::Diff df = s.reread(*next);
           auto arr = [](const std::vector<std::string>& v) {
             Array a;
             for (auto& n : v) a.emplace_back(n);
             return Value(std::move(a));
           };
           reply(Value(Array{Value(Array{arr(df.added), arr(df.changed), arr(df.removed)})}));
         },
         0,
         0,
         {"array"},
         "Read the configuration files again and compare their groups with the running ones.\n"
         "Nothing is started or stopped.\n\n"
         "@return array result  [[added, changed, removed]] group names"});
  // Extension: what `supervisorctl update` does, server side and down to the instance
  // (Supervisor#177, #591, #1154): a changed group keeps its untouched processes running.
  // Answers the lines the ctl prints, in Supervisor's order: removed, changed, added.
  d.add("supervisor.update",
        {[&s, running, hooks_ptr](const Array& a, Reply reply) {
           if (!running(reply)) return;
           std::vector<std::string> only;
           if (!a.empty()) {
             if (!a[0].is_array()) return reply(fault(Fault::IncorrectParameters));
             for (auto& v : a[0].as_array()) {
               if (!v.is_string()) return reply(fault(Fault::IncorrectParameters));
               only.push_back(v.as_string());
             }
           }
           auto next = hooks_ptr->reload();
           if (!next) return reply(fault(Fault::CantReread, next.error()));
           config::Diff df = s.reread(*next);
           Supervisor::ApplyOptions options;
           options.only = std::move(only);
           s.apply(df, std::move(options), [reply](std::vector<std::string> lines) {
             Array out;
             for (auto& l : lines) out.emplace_back(std::move(l));
             reply(Value(std::move(out)));
           });
         },
         0,
         1,
         {"array", "array"},
         "Extension. Re-read the configuration and apply it: removed groups are stopped and\n"
         "removed, added groups added, and a changed group is updated in place down to the\n"
         "process: only its added, removed or reconfigured processes are started or stopped.\n\n"
         "@param array names   Group names to update (empty: all)\n"
         "@return array result  The lines supervisorctl update prints"});
  d.add("supervisor.addProcessGroup",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply)) return;
           if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
           const std::string& name = a[0].as_string();
           if (!s.config().find_group(name)) return reply(bad_name(name));
           if (s.find_group(name)) return reply(fault(Fault::AlreadyAdded, name));
           config::Diff df;
           df.added = {name};
           s.apply(df, {}, [reply](auto) { reply(Value(true)); });
         },
         1,
         1,
         {"boolean", "string"},
         "Activate a group of the last read configuration (autostart applies).\n\n"
         "@param string name         group name\n"
         "@return boolean result     true unless error"});
  d.add("supervisor.removeProcessGroup", {[&s, running](const Array& a, Reply reply) {
                                            if (!running(reply)) return;
                                            if (!a[0].is_string())
                                              return reply(fault(Fault::IncorrectParameters));
                                            const std::string& name = a[0].as_string();
                                            Group* g = s.find_group(name);
                                            if (!g) return reply(bad_name(name));
                                            if (!g->all_stopped())
                                              return reply(fault(Fault::StillRunning, name));
                                            config::Diff df;
                                            df.removed = {name};
                                            s.apply(df, {}, [reply](auto) { reply(Value(true)); });
                                          },
                                          1,
                                          1,
                                          {"boolean", "string"},
                                          "Deactivate a group whose processes are all stopped.\n\n"
                                          "@param string name         group name\n"
                                          "@return boolean result     true unless error"});
  d.add("supervisor.getAllConfigInfo",
        {[&s, running](const Array&, Reply reply) {
           if (!running(reply)) return;
           std::vector<std::pair<std::string, Value>> rows;
           for (auto& g : s.config().groups)
             for (auto& p : g->processes) rows.push_back({p->name, config_info(s, *g, *p)});
           std::stable_sort(rows.begin(), rows.end(),
                            [](const auto& x, const auto& y) { return x.first < y.first; });
           Array out;
           for (auto& r : rows) out.push_back(std::move(r.second));
           reply(Value(std::move(out)));
         },
         0,
         0,
         {"array"},
         "The configuration of every process of the last read configuration, one struct\n"
         "per process, sorted by process name.\n\n"
         "@return array result  config info structs"});
  d.add("supervisor.sendRemoteCommEvent",
        {[hooks_ptr](const Array& a, Reply reply) {
           // Supervisor puts any type into the payload as str() does; the data too.
           if (a[0].is_struct() || a[0].is_array() || a[1].is_struct() || a[1].is_array())
             return reply(fault(Fault::IncorrectParameters));
           if (hooks_ptr->remote_event) hooks_ptr->remote_event(text_of(a[0]), text_of(a[1]));
           reply(Value(true));
         },
         2,
         2,
         {"boolean", "string", "string"},
         "Publish a REMOTE_COMMUNICATION event to the event listeners.\n\n"
         "@param  string  type  the payload's type: field\n"
         "@param  string  data  the payload's body\n"
         "@return boolean       true unless error"});
}

}  // namespace rpc
