// commands_process.cc — status, pid, start, stop, signal, restart, clear: the per-process commands.
// Each handler follows the do_<cmd> of Python's supervisorctl 4.2.5: same calls in
// the same order, same texts (through render.h), same exit statuses.
#include <cctype>

#include "common/namespec.h"
#include "common/states.h"
#include "supervisorctl/commands_impl.h"

namespace ctl::cmd {

namespace {

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
  for (const char* method :
       {"supervisor.readProcessStderrLog", "supervisor.readProcessStdoutLog"}) {
    Reply lr = sv.call(method, {ns, -1024, 0});
    const xmlrpc::Value* lv = as_value(lr);
    if (lv == nullptr || !lv->is_string()) continue;
    std::string_view text = lv->as_string();
    while (!text.empty()) {
      size_t nl = text.find_last_of('\n', text.size() - 1);
      std::string_view tail = nl == std::string_view::npos ? text : text.substr(nl + 1);
      while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())))
        tail.remove_suffix(1);
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

}  // namespace

void do_status(Controller& c, std::string_view arg) {
  if (auto words = split_words(arg); !words.empty() && words[0] == "-v") {
    words.erase(words.begin());
    return do_status_verbose(c, words);  // extension: worker-aware status
  }
  if (auto words = split_words(arg); !words.empty() && words[0] == "--health") {
    words.erase(words.begin());
    return do_status_health(c, words);  // extension: aggregate health per group
  }
  if (!c.upcheck()) {
    c.set_exit_status(kStatusUnknown);
    return;
  }
  auto sv = c.server();
  auto infos = c.all_process_info(*sv);
  if (!infos) return;
  auto names = split_words(arg);
  std::vector<ProcInfo> matching;
  if (names.empty() || contains(names, "all")) {
    matching = std::move(*infos);
  } else {
    for (const std::string& name : names) {
      namespec::NameSpec sn = namespec::parse(name);
      bool bad = true;
      for (const ProcInfo& info : *infos) {
        bool matched = info.group == sn.group && (!sn.process || info.name == *sn.process);
        if (matched) {
          bad = false;
          matching.push_back(info);
        }
      }
      if (bad) {
        c.output(sn.process ? name + ": ERROR (no such process)"
                            : sn.group + ": ERROR (no such group)");
        c.set_exit_status(kStatusUnknown);
      }
    }
  }
  if (std::string text = status_text(matching); !text.empty()) c.io().write(text);
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
    auto infos = c.all_process_info(*sv);
    if (!infos) return;
    std::vector<std::string> pids;
    for (const ProcInfo& info : *infos) pids.push_back(std::to_string(info.pid));
    c.output_lines(pids);
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
    namespec::NameSpec sn = namespec::parse(name);
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
        c.output(namespec::make(sn.group, *sn.process) + ": started");
      } else {
        return c.raise(r);
      }
    }
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
    namespec::NameSpec sn = namespec::parse(name);
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
        c.output(namespec::make(sn.group, *sn.process) + ": stopped");
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
    namespec::NameSpec sn = namespec::parse(name);
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
        c.output(namespec::make(sn.group, *sn.process) + ": signalled");
      } else {
        return c.raise(r);
      }
    }
  }
}

void do_restart(Controller& c, std::string_view arg) {
  if (auto words = split_words(arg);
      !words.empty() && (words[0] == "--rolling" || words[0] == "--surge"))
    return do_rolling_restart(c, words);  // extension: readiness-gated rolling/surge restart
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
    namespec::NameSpec sn = namespec::parse(name);
    std::string process = sn.process.value_or("None");  // Python formats None as "None"
    Reply r = sv->call("supervisor.clearProcessLogs", {name});
    if (const xmlrpc::FaultValue* f = as_fault(r)) {
      show(ResultRow{process, sn.group, f->code, f->string});
      if (c.raised()) return;
    } else if (as_value(r) != nullptr) {
      c.output(namespec::make(sn.group, process) + ": cleared");
    } else {
      return c.raise(r);
    }
  }
}

}  // namespace ctl::cmd
