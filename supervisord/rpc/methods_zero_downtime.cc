// methods_zero_downtime.cc — supervisor.rollingRestart and supervisor.scaleGroup.
#include "supervisord/rpc/methods_zero_downtime.h"

#include <algorithm>

#include "common/namespec.h"
#include "supervisord/config/diff.h"
#include "supervisord/config/loader.h"
#include "supervisord/logs/daemon_log.h"
#include "supervisord/rpc/util.h"
#include "supervisord/supervisor.h"
#include "supervisord/zero_downtime/rollout.h"
#include "supervisord/zero_downtime/scale_group.h"

namespace rpc {
namespace {

using xmlrpc::Array;
using xmlrpc::Struct;
using xmlrpc::Value;

Value lines_value(const std::vector<std::string>& lines) {
  Array a;
  for (const auto& l : lines) a.emplace_back(l);
  return Value(std::move(a));
}

}  // namespace

void register_zero_downtime_methods(Dispatcher& d, Supervisor& s, store::Store& store) {
  auto running = [&s](Reply& reply) {
    if (s.state() != SupervisorState::Running) {
      reply(fault(Fault::ShutdownState));
      return false;
    }
    return true;
  };

  d.add("supervisor.rollingRestart",
        {[&s, running](const Array& a, Reply reply) {
           if (!running(reply)) return;
           if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
           int batch = 1, pause_s = 0;
           if (a.size() > 1) {
             if (!a[1].is_int()) return reply(fault(Fault::IncorrectParameters));
             batch = static_cast<int>(std::clamp<int64_t>(a[1].as_int(), -1, 100000));
           }
           if (a.size() > 2) {
             if (!a[2].is_int()) return reply(fault(Fault::IncorrectParameters));
             pause_s = static_cast<int>(std::clamp<int64_t>(a[2].as_int(), -1, 100000));
           }
           bool surge = false;
           if (a.size() > 3) {  // options: {"surge": bool}
             if (!a[3].is_struct()) return reply(fault(Fault::IncorrectParameters));
             for (const auto& [key, v] : a[3].as_struct()) {
               if (key != "surge" || !v.is_bool())
                 return reply(fault(Fault::BadArguments, "options: {surge: bool}"));
               surge = v.as_bool();
             }
           }
           if (batch < 1 || pause_s < 0 || pause_s > 3600)
             return reply(fault(Fault::BadArguments, "batch >= 1, 0 <= pause <= 3600"));
           auto [group, process] = namespec::parse(a[0].as_string());
           Group* g = s.find_group(group);
           if (!g) return reply(bad_name(a[0].as_string()));
           std::vector<std::string> names;
           for (auto& inst : g->instances())
             if (!process || inst->name() == *process) names.push_back(inst->name());
           if (names.empty()) return reply(bad_name(a[0].as_string()));
           rolling_restart(
               s, group, names, batch, pause_s * 1000,
               [reply](RolloutResult r) {
                 reply(Value(Struct{{"ok", r.ok}, {"lines", lines_value(r.lines)}}));
               },
               surge);
         },
         1,
         4,
         {"struct", "string", "int", "int", "struct"},
         "Extension. Restart the processes of a group `batch` at a time: each batch is stopped\n"
         "and started, and must be RUNNING (ready, with ready=) before the next is touched; a\n"
         "replacement that fails to start stops the roll and leaves the rest running.\n"
         "With {surge: true} each replacement starts next to its old master on the same held\n"
         "socket; the old one is stopped once the new one is RUNNING, and a replacement that\n"
         "never gets there is stopped while the old one keeps serving.\n\n"
         "@param string name   Group name, 'group:*' or 'group:name'\n"
         "@param int batch     Processes per batch (default 1)\n"
         "@param int pause     Seconds to wait between batches (default 0)\n"
         "@param struct options  {surge: bool} (default false)\n"
         "@return struct result  {ok: bool, lines: the lines supervisorctl prints}"});

  d.add(
      "supervisor.scaleGroup",
      {[&s, &store, running](const Array& a, Reply reply) {
         if (!running(reply)) return;
         if (!a[0].is_string()) return reply(fault(Fault::IncorrectParameters));
         std::string count_text = a[1].is_int()      ? std::to_string(a[1].as_int())
                                  : a[1].is_string() ? a[1].as_string()
                                                     : "";
         scaling::scale_group(s, store, a[0].as_string(), count_text, [reply](scaling::Scaled r) {
           if (r.status.fault == Fault::BadName) return reply(bad_name(r.status.detail));
           if (!r.status.ok()) return reply(fault(r.status.fault, r.status.detail));
           reply(Value(Struct{{"ok", true}, {"count", r.count}, {"lines", lines_value(r.lines)}}));
         });
       },
       2,
       2,
       {"struct", "string", "string"},
       "Extension. Set the number of processes of a group made of one [program:x]: 'N', '+N'\n"
       "or '-N'. Only the difference is started or stopped (the lowest process_num are kept);\n"
       "the count is kept in the state file across reread/update and restarts until the\n"
       "config file's numprocs changes.\n\n"
       "@param string name   Group name\n"
       "@param string count  N, +N or -N\n"
       "@return struct result  {ok, count, lines}"});
}

}  // namespace rpc
