// commands.cc — the catalog rows and their handlers. Each handler follows the
// matching do_<cmd> of Python's supervisorctl 4.2.5: same calls in the same order,
// same texts (through render.h), same exit statuses.
#include "supervisorctl/commands.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <set>
#include <thread>

#include "common/faults.h"
#include "common/states.h"
#include "supervisorctl/controller.h"
#include "supervisorctl/interrupt.h"

namespace ctl {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_catch_interrupt{false};

namespace {

constexpr int F(Fault f) { return static_cast<int>(f); }

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void print_help(Controller& c, std::string_view name) {
  c.output(find_command(name)->help);
}

// A result array reply, or raise.
const xmlrpc::Array* results_or_raise(Controller& c, const Reply& r) {
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_array()) {
    c.raise(r);
    return nullptr;
  }
  return &v->as_array();
}

// Python's int(): optional sign, digits, surrounding whitespace, '_' between digits.
std::optional<long long> py_int(std::string_view s) {
  std::string t;
  for (char ch : s) {
    if (ch != '_') t += ch;
  }
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  while (end && *end && std::isspace(static_cast<unsigned char>(*end))) ++end;
  if (end == t.c_str() || (end && *end) || std::isspace(static_cast<unsigned char>(t[0]))) return std::nullopt;
  return v;
}

// Python's `_tailf`: stream a /logtail path until Ctrl-C or the server ends it.
void tailf(Controller& c, const std::string& path) {
  c.output("==> Press Ctrl-C to exit <==");
  const Options& o = c.options();
  CatchInterrupt catching;
  auto r = stream_get(o.serverurl, path, Credentials{o.username, o.password},
                      [&](std::string_view data) { c.io().write(data); }, g_interrupted);
  if (!r) {
    c.io().write_err(o.serverurl + path + " " + r.error() + "\n");
    return;
  }
  if (g_interrupted.exchange(false)) c.output("");
}

// Extension (keeps compatibility): after a start fails with SPAWN_ERROR or
// ABNORMAL_TERMINATION, say why. The text stays inside the standard
// "ERROR (spawn error" / "ERROR (abnormal termination" prefix so scripts that
// match Python's output still match.
std::string explain_start_failure(Rpc& sv, const ResultRow& row) {
  std::string ns = row.group + ":" + row.name;
  Reply r = sv.call("supervisor.getProcessInfo", {ns});
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_struct()) return *start_result(row);
  ProcInfo info = proc_info_from(*v);
  std::string last;
  for (const char* method : {"supervisor.readProcessStderrLog", "supervisor.readProcessStdoutLog"}) {
    Reply lr = sv.call(method, {ns, -1024, 0});
    const xmlrpc::Value* lv = as_value(lr);
    if (lv == nullptr || !lv->is_string()) continue;
    std::string_view text = lv->as_string();
    while (!text.empty()) {
      size_t nl = text.find_last_of('\n', text.size() - 1);
      std::string_view tail = nl == std::string_view::npos ? text : text.substr(nl + 1);
      while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.remove_suffix(1);
      if (!tail.empty()) {
        last = std::string(tail.substr(0, 200));
        break;
      }
      text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
    }
    if (!last.empty()) break;
  }
  return start_failure_line(row, info, last);
}

std::string start_line(Controller& c, Rpc& sv, const ResultRow& row) {
  if (row.status == F(Fault::SpawnError) || row.status == F(Fault::AbnormalTermination)) {
    return explain_start_failure(sv, row);
  }
  auto line = start_result(row);
  if (!line) {
    c.raise_value_error(unknown_result_code(row));
    return "";
  }
  return *line;
}

// ---- handlers ---------------------------------------------------------------

void do_help(Controller& c, std::string_view arg) {
  if (arg == "help") {
    c.output("help\t\tPrint a list of available actions");
    c.output("help <action>\tPrint help for <action>");
    return;
  }
  if (!arg.empty()) {
    const Command* cmd = find_command(arg);
    if (cmd == nullptr || cmd->help.empty() || cmd->name == "help") {
      c.output("*** No help on " + std::string(arg));
      return;
    }
    c.output(cmd->help);
    return;
  }
  c.io().write(help_topics_text());
}

void do_tail(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto args = split_words(arg);
  if (args.empty()) {
    c.output("Error: too few arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "tail");
    return;
  }
  if (args.size() > 3) {
    c.output("Error: too many arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "tail");
    return;
  }
  std::optional<std::string> modifier;
  if (args[0][0] == '-') {
    modifier = args[0];
    args.erase(args.begin());
  }
  std::string name, channel = "stdout";
  if (args.size() == 1) {
    name = args.back();
  } else if (!args.empty()) {
    name = args[0];
    channel = args.back();
    for (char& ch : channel) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (channel != "stderr" && channel != "stdout") {
      c.output("Error: bad channel " + py_repr(channel));
      c.set_exit_status(kExitGeneric);
      return;
    }
  } else {
    c.output("Error: tail requires process name");
    c.set_exit_status(kExitGeneric);
    return;
  }
  long long bytes = 1600;
  bool follow = false;
  if (modifier) {
    std::string what = modifier->substr(1);
    if (what == "f") {
      follow = true;
    } else if (auto n = py_int(what)) {
      bytes = *n;
    } else {
      c.output("Error: bad argument " + *modifier);
      c.set_exit_status(kExitGeneric);
      return;
    }
  }
  if (follow) return tailf(c, "/logtail/" + name + "/" + channel);
  auto sv = c.server();
  const char* method = channel == "stdout" ? "supervisor.readProcessStdoutLog"
                                           : "supervisor.readProcessStderrLog";
  Reply r = sv->call(method, {name, static_cast<int64_t>(-bytes), 0});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::NoFile)) return c.output(name + ": ERROR (no log file)");
    if (f->code == F(Fault::Failed)) return c.output(name + ": ERROR (unknown error reading log)");
    if (f->code == F(Fault::BadName)) return c.output(name + ": ERROR (no such process name)");
    return c.raise(r);
  }
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_string()) return c.raise(r);
  c.output(v->as_string());
}

void do_maintail(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto args = split_words(arg);
  long long bytes = 1600;
  if (args.size() > 1) {
    c.output("Error: too many arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "maintail");
    return;
  }
  if (args.size() == 1) {
    if (args[0][0] != '-') {
      c.output("Error: bad argument " + args[0]);
      c.set_exit_status(kExitGeneric);
      return;
    }
    std::string what = args[0].substr(1);
    if (what == "f") return tailf(c, "/mainlogtail");
    auto n = py_int(what);
    if (!n) {
      c.output("Error: bad argument " + args[0]);
      c.set_exit_status(kExitGeneric);
      return;
    }
    bytes = *n;
  }
  auto sv = c.server();
  Reply r = sv->call("supervisor.readLog", {static_cast<int64_t>(-bytes), 0});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::NoFile)) return c.output("supervisord: ERROR (no log file)");
    if (f->code == F(Fault::Failed)) return c.output("supervisord: ERROR (unknown error reading log)");
    return c.raise(r);
  }
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_string()) return c.raise(r);
  c.output(v->as_string());
}

void do_quit(Controller&, std::string_view) {}   // handled by Controller::onecmd

void do_status(Controller& c, std::string_view arg) {
  if (!c.upcheck()) {
    c.set_exit_status(kStatusUnknown);
    return;
  }
  auto sv = c.server();
  Reply r = sv->call("supervisor.getAllProcessInfo", {});
  const xmlrpc::Array* all = results_or_raise(c, r);
  if (all == nullptr) return;
  std::vector<ProcInfo> infos;
  for (const xmlrpc::Value& v : *all) infos.push_back(proc_info_from(v));
  auto names = split_words(arg);
  std::vector<ProcInfo> matching;
  if (names.empty() || contains(names, "all")) {
    matching = infos;
  } else {
    for (const std::string& name : names) {
      SplitName sn = split_namespec(name);
      bool bad = true;
      for (const ProcInfo& info : infos) {
        bool matched = info.group == sn.group && (!sn.process || info.name == *sn.process);
        if (matched) {
          bad = false;
          matching.push_back(info);
        }
      }
      if (bad) {
        c.output(sn.process ? name + ": ERROR (no such process)" : sn.group + ": ERROR (no such group)");
        c.set_exit_status(kStatusUnknown);
      }
    }
  }
  for (const std::string& line : status_lines(matching)) c.output(line);
  for (const ProcInfo& info : matching) {
    auto st = process_state_from_code(info.state);
    if (st && is_stopped_state(*st)) c.set_exit_status(kStatusNotRunning);
  }
}

void do_pid(Controller& c, std::string_view arg) {
  auto sv = c.server();
  if (!c.upcheck()) return;
  auto names = split_words(arg);
  if (names.empty()) {
    Reply r = sv->call("supervisor.getPID", {});
    const xmlrpc::Value* v = as_value(r);
    if (v == nullptr || !v->is_int()) return c.raise(r);
    c.output(std::to_string(v->as_int()));
  } else if (contains(names, "all")) {
    Reply all_reply = sv->call("supervisor.getAllProcessInfo", {});
    const xmlrpc::Array* all = results_or_raise(c, all_reply);
    if (all == nullptr) return;
    for (const xmlrpc::Value& v : *all) c.output(std::to_string(proc_info_from(v).pid));
  } else {
    for (const std::string& name : names) {
      Reply r = sv->call("supervisor.getProcessInfo", {name});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        c.set_exit_status(kExitGeneric);
        if (f->code == F(Fault::BadName)) {
          c.output("No such process " + name);
          continue;
        }
        return c.raise(r);
      }
      const xmlrpc::Value* v = as_value(r);
      if (v == nullptr) return c.raise(r);
      int64_t pid = proc_info_from(*v).pid;
      c.output(std::to_string(pid));
      if (pid == 0) c.set_exit_status(kExitNotRunning);
    }
  }
}

void do_start(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto names = split_words(arg);
  auto sv = c.server();
  if (names.empty()) {
    c.output("Error: start requires a process name");
    c.set_exit_status(kExitInvalidArgs);
    print_help(c, "start");
    return;
  }
  auto show_results = [&](const xmlrpc::Array& results) {
    for (const xmlrpc::Value& v : results) {
      ResultRow row = result_row_from(v);
      std::string line = start_line(c, *sv, row);
      if (c.raised()) return;
      c.output(line);
      c.exit_from_fault(row.status, F(Fault::AlreadyStarted));
    }
  };
  if (contains(names, "all")) {
    Reply results_reply = sv->call("supervisor.startAllProcesses", {});
    const xmlrpc::Array* results = results_or_raise(c, results_reply);
    if (results != nullptr) show_results(*results);
    return;
  }
  for (const std::string& name : names) {
    SplitName sn = split_namespec(name);
    if (!sn.process) {
      Reply r = sv->call("supervisor.startProcessGroup", {sn.group});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        if (f->code == F(Fault::BadName)) {
          c.output(sn.group + ": ERROR (no such group)");
          c.set_exit_status(kExitInvalidArgs);
          continue;
        }
        c.set_exit_status(kExitGeneric);
        return c.raise(r);
      }
      const xmlrpc::Array* results = results_or_raise(c, r);
      if (results == nullptr) return;
      show_results(*results);
      if (c.raised()) return;
    } else {
      Reply r = sv->call("supervisor.startProcess", {name});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        ResultRow row{*sn.process, sn.group, f->code, f->string};
        std::string line = start_line(c, *sv, row);
        if (c.raised()) return;
        c.output(line);
        c.exit_from_fault(row.status, F(Fault::AlreadyStarted));
      } else if (as_value(r) != nullptr) {
        c.output(make_namespec(sn.group, *sn.process) + ": started");
      } else {
        return c.raise(r);
      }
    }
  }
}

// stop and signal share Python's _signalresult.
void show_signal_results(Controller& c, const xmlrpc::Array& results, std::string_view success,
                         std::optional<int> ignored) {
  for (const xmlrpc::Value& v : results) {
    ResultRow row = result_row_from(v);
    auto line = signal_result(row, success);
    if (!line) return c.raise_value_error(unknown_result_code(row));
    c.output(*line);
    c.exit_from_fault(row.status, ignored);
  }
}

void do_stop(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto names = split_words(arg);
  auto sv = c.server();
  if (names.empty()) {
    c.output("Error: stop requires a process name");
    c.set_exit_status(kExitGeneric);
    print_help(c, "stop");
    return;
  }
  const int ignored = F(Fault::NotRunning);
  if (contains(names, "all")) {
    Reply results_reply = sv->call("supervisor.stopAllProcesses", {});
    const xmlrpc::Array* results = results_or_raise(c, results_reply);
    if (results != nullptr) show_signal_results(c, *results, "stopped", ignored);
    return;
  }
  for (const std::string& name : names) {
    SplitName sn = split_namespec(name);
    if (!sn.process) {
      Reply r = sv->call("supervisor.stopProcessGroup", {sn.group});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        c.set_exit_status(kExitGeneric);
        if (f->code == F(Fault::BadName)) {
          c.output(sn.group + ": ERROR (no such group)");
          continue;
        }
        return c.raise(r);
      }
      const xmlrpc::Array* results = results_or_raise(c, r);
      if (results == nullptr) return;
      show_signal_results(c, *results, "stopped", ignored);
      if (c.raised()) return;
    } else {
      Reply r = sv->call("supervisor.stopProcess", {name});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        ResultRow row{*sn.process, sn.group, f->code, f->string};
        auto line = stop_result(row);
        if (!line) return c.raise_value_error(unknown_result_code(row));
        c.output(*line);
        c.exit_from_fault(row.status, ignored);
      } else if (as_value(r) != nullptr) {
        c.output(make_namespec(sn.group, *sn.process) + ": stopped");
      } else {
        return c.raise(r);
      }
    }
  }
}

void do_signal(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto args = split_words(arg);
  if (args.size() < 2) {
    c.output("Error: signal requires a signal name and a process name");
    print_help(c, "signal");
    c.set_exit_status(kExitGeneric);
    return;
  }
  std::string sig = args[0];
  std::vector<std::string> names(args.begin() + 1, args.end());
  auto sv = c.server();
  if (contains(names, "all")) {
    Reply results_reply = sv->call("supervisor.signalAllProcesses", {sig});
    const xmlrpc::Array* results = results_or_raise(c, results_reply);
    if (results != nullptr) show_signal_results(c, *results, "signalled", std::nullopt);
    return;
  }
  for (const std::string& name : names) {
    SplitName sn = split_namespec(name);
    if (!sn.process) {
      Reply r = sv->call("supervisor.signalProcessGroup", {sn.group, sig});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        if (f->code == F(Fault::BadName)) {
          c.output(sn.group + ": ERROR (no such group)");
          c.set_exit_status(kExitGeneric);
          continue;
        }
        return c.raise(r);
      }
      const xmlrpc::Array* results = results_or_raise(c, r);
      if (results == nullptr) return;
      show_signal_results(c, *results, "signalled", std::nullopt);
      if (c.raised()) return;
    } else {
      Reply r = sv->call("supervisor.signalProcess", {name, sig});
      if (const xmlrpc::FaultValue* f = as_fault(r)) {
        ResultRow row{*sn.process, sn.group, f->code, f->string};
        auto line = signal_result(row);
        if (!line) return c.raise_value_error(unknown_result_code(row));
        c.output(*line);
        c.exit_from_fault(row.status);
      } else if (as_value(r) != nullptr) {
        c.output(make_namespec(sn.group, *sn.process) + ": signalled");
      } else {
        return c.raise(r);
      }
    }
  }
}

void do_restart(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  if (split_words(arg).empty()) {
    c.output("Error: restart requires a process name");
    c.set_exit_status(kExitGeneric);
    print_help(c, "restart");
    return;
  }
  do_stop(c, arg);
  if (c.raised()) return;
  do_start(c, arg);
}

bool confirm(Controller& c, std::string_view question) {
  if (!c.options().interactive) return true;
  auto answer = c.io().ask(question, false);
  return answer && !answer->empty() && std::tolower(static_cast<unsigned char>((*answer)[0])) == 'y';
}

void do_shutdown(Controller& c, std::string_view arg) {
  if (!arg.empty()) {
    c.output("Error: shutdown accepts no arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "shutdown");
    return;
  }
  if (!confirm(c, "Really shut the remote supervisord process down y/N? ")) return;
  auto sv = c.server();
  Reply r = sv->call("supervisor.shutdown", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: already shutting down");
    c.set_exit_status(kExitGeneric);
    return c.raise(r);
  }
  if (const TransportError* e = as_transport_error(r)) {
    c.set_exit_status(kExitGeneric);
    if (e->kind == TransportError::Kind::Connect && e->err == ECONNREFUSED) {
      return c.output("ERROR: " + c.options().serverurl + " refused connection (already shut down?)");
    }
    if (e->kind == TransportError::Kind::Connect && e->err == ENOENT) {
      return c.output("ERROR: " + c.options().serverurl + " no such file (already shut down?)");
    }
    return c.raise(r);
  }
  c.output("Shut down");
}

void do_reload(Controller& c, std::string_view arg) {
  if (!arg.empty()) {
    c.output("Error: reload accepts no arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "reload");
    return;
  }
  if (!confirm(c, "Really restart the remote supervisord process y/N? ")) return;
  auto sv = c.server();
  Reply r = sv->call("supervisor.restart", {});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    c.set_exit_status(kExitGeneric);
    if (f->code == F(Fault::ShutdownState)) return c.output("ERROR: already shutting down");
    return c.raise(r);
  }
  if (as_value(r) == nullptr) return c.raise(r);
  c.output("Restarted supervisord");
}

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

void do_update(Controller& c, std::string_view arg) {
  auto sv = c.server();
  auto requested = split_words(arg);
  if (server_has_update(*sv)) {
    xmlrpc::Array groups;
    if (!contains(requested, "all")) {
      for (const auto& g : std::set<std::string>(requested.begin(), requested.end())) groups.emplace_back(g);
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
                     (line.size() >= 26 && line.compare(line.size() - 26, 26, "has problems; not removing") == 0);
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
    Reply all_reply = sv->call("supervisor.getAllProcessInfo", {});
    const xmlrpc::Array* all = results_or_raise(c, all_reply);
    if (all == nullptr) return;
    for (const xmlrpc::Value& i : *all) groups.insert(proc_info_from(i).group);
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

void do_clear(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto names = split_words(arg);
  if (names.empty()) {
    c.output("Error: clear requires a process name");
    c.set_exit_status(kExitGeneric);
    print_help(c, "clear");
    return;
  }
  auto sv = c.server();
  auto show = [&](const ResultRow& row) {
    auto line = clear_result(row);
    if (!line) return c.raise_value_error(unknown_result_code(row));
    c.output(*line);
    c.exit_from_fault(row.status);
  };
  if (contains(names, "all")) {
    Reply results_reply = sv->call("supervisor.clearAllProcessLogs", {});
    const xmlrpc::Array* results = results_or_raise(c, results_reply);
    if (results == nullptr) return;
    for (const xmlrpc::Value& v : *results) {
      show(result_row_from(v));
      if (c.raised()) return;
    }
    return;
  }
  for (const std::string& name : names) {
    SplitName sn = split_namespec(name);
    std::string process = sn.process.value_or("None");   // Python formats None as "None"
    Reply r = sv->call("supervisor.clearProcessLogs", {name});
    if (const xmlrpc::FaultValue* f = as_fault(r)) {
      show(ResultRow{process, sn.group, f->code, f->string});
      if (c.raised()) return;
    } else if (as_value(r) != nullptr) {
      c.output(make_namespec(sn.group, process) + ": cleared");
    } else {
      return c.raise(r);
    }
  }
}

void do_open(Controller& c, std::string_view arg) {
  std::string url(arg);
  std::string scheme;
  size_t colon = url.find(':');
  if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(url[0]))) {
    scheme = url.substr(0, colon);
    for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (scheme != "unix" && scheme != "http") {
    c.output("ERROR: url must be http:// or unix://");
    c.set_exit_status(kExitGeneric);
    return;
  }
  c.options().serverurl = url;
  int old = c.exit_status();
  do_status(c, "");
  c.set_exit_status(old);
}

void do_version(Controller& c, std::string_view arg) {
  if (!arg.empty()) {
    c.output("Error: version accepts no arguments");
    c.set_exit_status(kExitGeneric);
    print_help(c, "version");
    return;
  }
  if (!c.upcheck()) return;
  auto sv = c.server();
  Reply r = sv->call("supervisor.getSupervisorVersion", {});
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_string()) return c.raise(r);
  c.output(v->as_string());
}

// Reads one line from stdin; nullopt on EOF or Ctrl-C (g_interrupted set).
std::optional<std::string> read_stdin_line() {
  std::string line;
  for (;;) {
    pollfd p{0, POLLIN, 0};
    int n = ::poll(&p, 1, 100);
    if (g_interrupted) return std::nullopt;
    if (n <= 0) continue;
    char ch;
    ssize_t got = ::read(0, &ch, 1);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      return std::nullopt;
    }
    if (ch == '\n') return line;
    line += ch;
  }
}

void do_fg(Controller& c, std::string_view arg) {
  if (!c.upcheck()) return;
  auto names = split_words(arg);
  if (names.empty()) {
    c.output("ERROR: no process name supplied");
    c.set_exit_status(kExitGeneric);
    print_help(c, "fg");
    return;
  }
  if (names.size() > 1) {
    c.output("ERROR: too many process names supplied");
    c.set_exit_status(kExitGeneric);
    return;
  }
  const std::string& name = names[0];
  auto sv = c.server();
  Reply r = sv->call("supervisor.getProcessInfo", {name});
  if (const xmlrpc::FaultValue* f = as_fault(r)) {
    if (f->code == F(Fault::BadName)) {
      c.output("ERROR: bad process name supplied");
      c.set_exit_status(kExitGeneric);
    } else {
      c.output("ERROR: " + fault_repr(f->code, f->string));
    }
    return;
  }
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr) return c.raise(r);
  if (proc_info_from(*v).state != static_cast<int>(ProcessState::Running)) {
    c.output("ERROR: process not running");
    c.set_exit_status(kExitGeneric);
    return;
  }
  c.output("==> Press Ctrl-C to exit <==");
  CatchInterrupt catching;
  std::atomic<bool> stop_streams{false};
  const Options& o = c.options();
  Credentials creds{o.username, o.password};
  auto stream = [&, url = o.serverurl](std::string path) {
    (void)stream_get(url, path, creds, [&](std::string_view d) { c.io().write(d); }, stop_streams);
  };
  std::thread out_thread(stream, "/logtail/" + name + "/stdout");
  std::thread err_thread(stream, "/logtail/" + name + "/stderr");
  auto finish = [&] {
    stop_streams = true;
    out_thread.join();
    err_thread.join();
  };
  for (;;) {
    auto line = read_stdin_line();
    if (!line) {
      c.output("Exiting foreground");
      g_interrupted = false;
      return finish();
    }
    Reply sr = sv->call("supervisor.sendProcessStdin", {name, *line + "\n"});
    if (const xmlrpc::FaultValue* f = as_fault(sr)) {
      c.output(f->code == F(Fault::NotRunning) ? "Process got killed"
                                                : "ERROR: " + fault_repr(f->code, f->string));
      c.output("Exiting foreground");
      return finish();
    }
    Reply ir = sv->call("supervisor.getProcessInfo", {name});
    const xmlrpc::Value* iv = as_value(ir);
    if (iv == nullptr || proc_info_from(*iv).state != static_cast<int>(ProcessState::Running)) {
      c.output("Process got killed");
      c.output("Exiting foreground");
      return finish();
    }
  }
}

// ---- the catalog ------------------------------------------------------------

const std::vector<Command> kCatalog = {
    {"add", 1, -1, "add <name> [...]\tActivates any updates in config for process/group",
     Completion::Groups, do_add, true},
    {"avail", 0, 0, "avail\t\t\tDisplay all configured processes", Completion::None, do_avail, true},
    {"clear", 1, -1,
     "clear <name>\t\tClear a process' log files.\n"
     "clear <name> <name>\tClear multiple process' log files\n"
     "clear all\t\tClear all process' log files",
     Completion::Processes, do_clear, true},
    {"EOF", 0, -1, "", Completion::None, do_quit, false},
    {"exit", 0, -1, "exit\tExit the supervisor shell.", Completion::None, do_quit, true},
    {"fg", 1, 1, "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
     Completion::Processes, do_fg, true},
    {"help", 0, 1, "", Completion::Commands, do_help, false},
    {"maintail", 0, 1,
     "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
     "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
     "maintail\tlast 1600 *bytes* of supervisor main log file\n",
     Completion::None, do_maintail, true},
    {"open", 1, 1, "open <url>\tConnect to a remote supervisord process.\n"
                   "\t\t(for UNIX domain socket, use unix:///socket/path)",
     Completion::None, do_open, true},
    {"pid", 0, -1,
     "pid\t\t\tGet the PID of supervisord.\n"
     "pid <name>\t\tGet the PID of a single child process by name.\n"
     "pid all\t\t\tGet the PID of every child process, one per line.",
     Completion::Processes, do_pid, true},
    {"quit", 0, -1, "quit\tExit the supervisor shell.", Completion::None, do_quit, true},
    {"reload", 0, 0, "reload \t\tRestart the remote supervisord.", Completion::None, do_reload, true},
    {"remove", 1, -1, "remove <name> [...]\tRemoves process/group from active config",
     Completion::Groups, do_remove, true},
    {"reread", 0, 0, "reread \t\t\tReload the daemon's configuration files without add/remove",
     Completion::None, do_reread, true},
    {"restart", 1, -1,
     "restart <name>\t\tRestart a process\n"
     "restart <gname>:*\tRestart all processes in a group\n"
     "restart <name> <name>\tRestart multiple processes or groups\n"
     "restart all\t\tRestart all processes\n"
     "Note: restart does not reread config files. For that, see reread and update.",
     Completion::Processes, do_restart, true},
    {"shutdown", 0, 0, "shutdown \tShut the remote supervisord down.", Completion::None, do_shutdown, true},
    {"signal", 2, -1,
     "signal <signal name> <name>\t\tSignal a process\n"
     "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
     "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
     "signal <signal name> all\t\tSignal all processes",
     Completion::Processes, do_signal, true},
    {"start", 1, -1,
     "start <name>\t\tStart a process\n"
     "start <gname>:*\t\tStart all processes in a group\n"
     "start <name> <name>\tStart multiple processes or groups\n"
     "start all\t\tStart all processes",
     Completion::Processes, do_start, true},
    {"status", 0, -1,
     "status <name>\t\tGet status for a single process\n"
     "status <gname>:*\tGet status for all processes in a group\n"
     "status <name> <name>\tGet status for multiple named processes\n"
     "status\t\t\tGet all process status info",
     Completion::Processes, do_status, true},
    {"stop", 1, -1,
     "stop <name>\t\tStop a process\n"
     "stop <gname>:*\t\tStop all processes in a group\n"
     "stop <name> <name>\tStop multiple processes or groups\n"
     "stop all\t\tStop all processes",
     Completion::Processes, do_stop, true},
    {"tail", 1, 3,
     "tail [-f] <name> [stdout|stderr] (default stdout)\n"
     "Ex:\n"
     "tail -f <name>\t\tContinuous tail of named process stdout\n"
     "\t\t\tCtrl-C to exit.\n"
     "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
     "tail <name> stderr\tlast 1600 *bytes* of process stderr",
     Completion::Processes, do_tail, true},
    {"update", 0, -1,
     "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update <gname> [...]\tUpdate specific groups",
     Completion::Groups, do_update, true},
    {"version", 0, 0, "version\t\t\tShow the version of the remote supervisord process",
     Completion::None, do_version, true},
};

}  // namespace

const std::vector<Command>& command_catalog() { return kCatalog; }

const Command* find_command(std::string_view name) {
  for (const Command& c : kCatalog) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string help_topics_text() {
  std::vector<std::string> names;
  for (const Command& c : kCatalog) {
    if (c.topic) names.emplace_back(c.name);
  }
  std::sort(names.begin(), names.end());
  return "\n" + print_topics("default commands (type help <topic>):", names);
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const Command& c : kCatalog) {
    if (c.name != "EOF") names.emplace_back(c.name);
  }
  return names;
}

}  // namespace ctl
