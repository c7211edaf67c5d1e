// commands_zero_downtime.cc — supervisorctl extensions for instance groups (documented in
// supervisorctl.1 EXTENSIONS): `scale`, `restart --rolling [--batch N] [--pause S]` and
// `status --health`, and `reexec`. Plain `restart` and `status` are untouched (their output and
// help stay Python's byte for byte); these are reached only through the new flags and command.
#include <map>

#include "common/states.h"
#include "supervisorctl/commands_impl.h"
#include "supervisorctl/render.h"

namespace ctl::cmd {
namespace {

// Lines of an extension method's {ok, lines} struct; a fault is printed; exit 1 unless ok.
void print_result(Controller& c, const Reply& r, std::string_view method) {
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    if (f->code == F(Fault::UnknownMethod)) {
      c.output("Error: the server has no " + std::string(method) + " (not this supervisord)");
    } else {
      c.output("ERROR (" + f->string + ")");
    }
    c.set_exit_status(kExitGeneric);
    return;
  }
  const xmlrpc::Value* v = as_value(r);
  if (!v) return c.raise(r);
  if (const xmlrpc::Value* lines = v->get("lines"); lines && lines->is_array())
    for (const auto& l : lines->as_array())
      if (l.is_string()) c.output(l.as_string());
  const xmlrpc::Value* ok = v->get("ok");
  if (!ok || !ok->is_bool() || !ok->as_bool()) c.set_exit_status(kExitGeneric);
}

bool parse_int(const std::string& s, int* out) {
  if (s.empty() || s.size() > 6) return false;
  int n = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    n = n * 10 + (ch - '0');
  }
  *out = n;
  return true;
}

}  // namespace

void do_scale(Controller& c, std::string_view arg) {
  auto words = split_words(arg);
  if (words.size() != 2) {
    c.output("Error: scale requires a group name and a count (N, +N or -N)");
    c.set_exit_status(kExitInvalidArgs);
    print_help(c, "scale");
    return;
  }
  if (!c.upcheck()) return;
  std::string group = words[0];
  if (group.size() > 2 && group.ends_with(":*")) group.resize(group.size() - 2);
  print_result(c, c.server()->call("supervisor.scaleGroup", {group, words[1]}), "scaleGroup");
}

// restart --rolling [--surge] [--batch N] [--pause S] <gname>[:*] ...
// restart --surge <name> ...: the same call with {surge: true} (new master next to the old)
void do_rolling_restart(Controller& c, std::vector<std::string> words) {
  int batch = 1, pause = 0;
  bool surge = false;
  std::vector<std::string> names;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--rolling") continue;
    if (w == "--surge") {
      surge = true;
      continue;
    }
    if ((w == "--batch" || w == "--pause") && i + 1 < words.size()) {
      if (!parse_int(words[++i], w == "--batch" ? &batch : &pause) ||
          (w == "--batch" && batch < 1)) {
        c.output("Error: " + w + " takes a number");
        c.set_exit_status(kExitInvalidArgs);
        return;
      }
      continue;
    }
    if (w.starts_with("--")) {
      c.output("Error: unknown option " + w +
               " (restart --rolling [--surge] [--batch N] [--pause S] <gname>:*)");
      c.set_exit_status(kExitInvalidArgs);
      return;
    }
    names.push_back(w);
  }
  if (names.empty()) {
    c.output(std::string("Error: restart ") + (surge ? "--surge" : "--rolling") +
             " requires a name");
    c.set_exit_status(kExitInvalidArgs);
    return;
  }
  if (!c.upcheck()) return;
  for (const auto& name : names) {
    xmlrpc::Array args{name, batch, pause};
    if (surge) args.emplace_back(xmlrpc::Struct{{"surge", true}});
    Reply r = c.server()->call("supervisor.rollingRestart", std::move(args));
    print_result(c, r, "rollingRestart");
    if (c.raised()) return;
  }
}

// status --health [<gname> ...]: one line per group, "my_app: 3/4 ready (my_app_02
// STARTING)"; exit 0 only if every process of every group shown is RUNNING.
void do_status_health(Controller& c, const std::vector<std::string>& names) {
  if (!c.upcheck()) {
    c.set_exit_status(kStatusUnknown);
    return;
  }
  auto infos = c.all_process_info(*c.server());
  if (!infos) return;
  std::vector<std::string> order;
  std::map<std::string, std::vector<ProcInfo>> by_group;
  for (ProcInfo& p : *infos) {
    if (!by_group.count(p.group)) order.push_back(p.group);
    by_group[p.group].push_back(std::move(p));
  }
  bool healthy = true;
  std::vector<std::string> wanted;
  for (const auto& n : names) wanted.push_back(n.ends_with(":*") ? n.substr(0, n.size() - 2) : n);
  for (const auto& w : wanted) {
    if (!by_group.count(w)) {
      c.output(w + ": ERROR (no such group)");
      healthy = false;
    }
  }
  for (const auto& g : order) {
    if (!wanted.empty() && !contains(wanted, g)) continue;
    const auto& procs = by_group[g];
    int ready = 0;
    std::string not_ready;
    for (const auto& p : procs) {
      if (p.statename == "RUNNING") {
        ++ready;
      } else {
        not_ready += (not_ready.empty() ? "" : ", ") + p.name + " " + p.statename;
      }
    }
    if (ready != static_cast<int>(procs.size())) healthy = false;
    c.output(g + ": " + std::to_string(ready) + "/" + std::to_string(procs.size()) + " ready" +
             (not_ready.empty() ? "" : " (" + not_ready + ")"));
  }
  if (!healthy) c.set_exit_status(kExitGeneric);
}

void do_reexec(Controller& c, std::string_view arg) {
  if (!split_words(arg).empty()) {
    c.output("Error: reexec accepts no arguments");
    c.set_exit_status(kExitInvalidArgs);
    print_help(c, "reexec");
    return;
  }
  Reply r = c.server()->call("supervisor.reexec", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::UnknownMethod))
      return c.output("Error: the server has no reexec (not this supervisord)");
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: already shutting down");
    return c.output("ERROR: not re-executed: " + f->string);
  }
  if (as_value(r) == nullptr) return c.raise(r);
  c.output("Re-executing supervisord in place");
}

}  // namespace ctl::cmd
