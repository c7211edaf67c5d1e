// commands_config.cc — avail, reread, add, remove, update: the configuration commands.
// Each handler follows the do_<cmd> of Python's supervisorctl 4.2.5: same calls in
// the same order, same texts (through render.h), same exit statuses.
#include <set>

#include "supervisorctl/commands_impl.h"

namespace ctl::cmd {

namespace {

std::vector<std::string> strings_of(const xmlrpc::Value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const xmlrpc::Value& s : v->as_array()) {
    if (s.is_string()) out.push_back(s.as_string());
  }
  return out;
}

// reloadConfig's [[added, changed, removed]]; false when the reply is not that shape.
bool split_changes(const xmlrpc::Value& v, std::vector<std::string>& added,
                   std::vector<std::string>& changed, std::vector<std::string>& removed) {
  if (!v.is_array() || v.as_array().empty() || !v.as_array()[0].is_array()) return false;
  const xmlrpc::Array& triple = v.as_array()[0].as_array();
  if (triple.size() != 3) return false;
  added = strings_of(&triple[0]);
  changed = strings_of(&triple[1]);
  removed = strings_of(&triple[2]);
  return true;
}

// Extension: a daemon that offers `supervisor.update(groups)` applies the whole
// reload diff itself (ours can restart only what changed, down to the instance)
// and returns the lines to print, in the classic "<group>: <what>" form. Lines
// starting with "ERROR" or ending in "has problems; not removing" set exit 1, as
// the classic sequence does.
bool server_has_update(Rpc& sv) {
  Reply r = sv.call("system.listMethods", {});
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_array()) return false;
  for (const xmlrpc::Value& m : v->as_array()) {
    if (m.is_string() && m.as_string() == "supervisor.update") return true;
  }
  return false;
}

}  // namespace

void do_avail(Controller& c, std::string_view arg) {
  if (!arg.empty()) {
    c.output("Error: avail accepts no arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "avail");
    return;
  }
  auto sv = c.server();
  Reply r = sv->call("supervisor.getAllConfigInfo", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: supervisor shutting down");
    return c.raise(r);
  }
  const xmlrpc::Array* infos = results_or_raise(c, r);
  if (infos == nullptr) return;
  for (const xmlrpc::Value& v : *infos) {
    ConfigInfo ci;
    auto get = [&](std::string_view k) { return v.get(k); };
    if (auto* x = get("name"); x && x->is_string()) ci.name = x->as_string();
    if (auto* x = get("group"); x && x->is_string()) ci.group = x->as_string();
    if (auto* x = get("inuse"); x && x->is_bool()) ci.inuse = x->as_bool();
    if (auto* x = get("autostart"); x && x->is_bool()) ci.autostart = x->as_bool();
    if (auto* x = get("group_prio"); x && x->is_int()) ci.group_prio = x->as_int();
    if (auto* x = get("process_prio"); x && x->is_int()) ci.process_prio = x->as_int();
    c.output(avail_line(ci));
  }
}

void do_reread(Controller& c, std::string_view arg) {
  if (!arg.empty()) {
    c.output("Error: reread accepts no arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "reread");
    return;
  }
  auto sv = c.server();
  Reply r = sv->call("supervisor.reloadConfig", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: supervisor shutting down");
    if (f->code == F(Fault::CantReread)) return c.output("ERROR: " + f->string);
    return c.raise(r);
  }
  std::vector<std::string> added, changed, removed;
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !split_changes(*v, added, changed, removed)) return c.raise(r);
  for (const std::string& line : reread_lines(added, changed, removed)) c.output(line);
}

void do_add(Controller& c, std::string_view arg) {
  auto sv = c.server();
  for (const std::string& name : split_words(arg)) {
    Reply r = sv->call("supervisor.addProcessGroup", {name});
    if (const xmlrpc::FaultValue* f = as_fault(r)) {
      if (f->code == F(Fault::ShutdownState)) {
        c.output("ERROR: shutting down");
        c.set_exit_status(kExitGeneric);
      } else if (f->code == F(Fault::AlreadyAdded)) {
        c.output("ERROR: process group already active");
      } else if (f->code == F(Fault::BadName)) {
        c.output("ERROR: no such process/group: " + name);
        c.set_exit_status(kExitGeneric);
      } else {
        c.set_exit_status(kExitGeneric);
        return c.raise(r);
      }
    } else if (as_value(r) != nullptr) {
      c.output(name + ": added process group");
    } else {
      return c.raise(r);
    }
  }
}

void do_remove(Controller& c, std::string_view arg) {
  auto sv = c.server();
  for (const std::string& name : split_words(arg)) {
    Reply r = sv->call("supervisor.removeProcessGroup", {name});
    if (const xmlrpc::FaultValue* f = as_fault(r)) {
      c.set_exit_status(kExitGeneric);
      if (f->code == F(Fault::StillRunning)) {
        c.output("ERROR: process/group still running: " + name);
      } else if (f->code == F(Fault::BadName)) {
        c.output("ERROR: no such process/group: " + name);
      } else {
        return c.raise(r);
      }
    } else if (as_value(r) != nullptr) {
      c.output(name + ": removed process group");
    } else {
      return c.raise(r);
    }
  }
}

void do_update(Controller& c, std::string_view arg) {
  auto sv = c.server();
  auto requested = split_words(arg);
  if (server_has_update(*sv)) {
    xmlrpc::Array groups;
    if (!contains(requested, "all")) {
      for (const auto& g : std::set<std::string>(requested.begin(), requested.end()))
        groups.emplace_back(g);
    }
    Reply r = sv->call("supervisor.update", {groups});
    if (const xmlrpc::FaultValue* f = as_fault(r)) {
      c.set_exit_status(kExitGeneric);
      if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: already shutting down");
      return c.raise(r);
    }
    const xmlrpc::Value* v = as_value(r);
    if (v == nullptr || !v->is_array()) return c.raise(r);
    for (const std::string& line : strings_of(v)) {
      c.output(line);
      bool problem = line.rfind("ERROR", 0) == 0 ||
                     (line.size() >= 26 &&
                      line.compare(line.size() - 26, 26, "has problems; not removing") == 0);
      if (problem) c.set_exit_status(kExitGeneric);
    }
    return;
  }

  Reply r = sv->call("supervisor.reloadConfig", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: already shutting down");
    return c.raise(r);
  }
  std::vector<std::string> added, changed, removed;
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !split_changes(*v, added, changed, removed)) return c.raise(r);

  std::set<std::string> valid(requested.begin(), requested.end());
  if (valid.count("all")) valid.clear();
  if (!valid.empty()) {
    std::set<std::string> groups(added.begin(), added.end());
    auto infos = c.all_process_info(*sv);
    if (!infos) return;
    for (const ProcInfo& info : *infos) groups.insert(info.group);
    // Python iterates a set of strings: its order is not defined; sorted is one valid order.
    for (const std::string& g : valid) {
      if (!groups.count(g)) {
        c.output("ERROR: no such group: " + g);
        c.set_exit_status(kExitGeneric);
      }
    }
  }
  auto wanted = [&](const std::string& g) { return valid.empty() || valid.count(g) > 0; };
  auto call_ok = [&](const char* method, const std::string& g) -> const xmlrpc::Value* {
    Reply rr = sv->call(method, {g});
    if (as_value(rr) == nullptr) {
      c.raise(rr);
      return nullptr;
    }
    r = std::move(rr);
    return as_value(r);
  };
  for (const std::string& g : removed) {
    if (!wanted(g)) continue;
    const xmlrpc::Value* results = call_ok("supervisor.stopProcessGroup", g);
    if (results == nullptr) return;
    c.output(g + ": stopped");
    bool fails = false;
    if (results->is_array()) {
      for (const xmlrpc::Value& res : results->as_array()) {
        if (result_row_from(res).status == F(Fault::Failed)) fails = true;
      }
    }
    if (fails) {
      c.output(g + ": has problems; not removing");
      c.set_exit_status(kExitGeneric);
      continue;
    }
    if (call_ok("supervisor.removeProcessGroup", g) == nullptr) return;
    c.output(g + ": removed process group");
  }
  for (const std::string& g : changed) {
    if (!wanted(g)) continue;
    if (call_ok("supervisor.stopProcessGroup", g) == nullptr) return;
    c.output(g + ": stopped");
    if (call_ok("supervisor.removeProcessGroup", g) == nullptr) return;
    if (call_ok("supervisor.addProcessGroup", g) == nullptr) return;
    c.output(g + ": updated process group");
  }
  for (const std::string& g : added) {
    if (!wanted(g)) continue;
    if (call_ok("supervisor.addProcessGroup", g) == nullptr) return;
    c.output(g + ": added process group");
  }
}

}  // namespace ctl::cmd
