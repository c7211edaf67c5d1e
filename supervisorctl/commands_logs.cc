// commands_logs.cc — tail, maintail, fg: the commands that read logs and streams.
// Each handler follows the do_<cmd> of Python's supervisorctl 4.2.5: same calls in
// the same order, same texts (through render.h), same exit statuses.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "common/pystr.h"
#include "common/states.h"
#include "supervisorctl/commands_impl.h"
#include "supervisorctl/interrupt.h"

namespace ctl::cmd {

namespace {

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
  if (end == t.c_str() || (end && *end) || std::isspace(static_cast<unsigned char>(t[0])))
    return std::nullopt;
  return v;
}

// Python's `_tailf`: stream a /logtail path until Ctrl-C or the server ends it.
void tailf(Controller& c, const std::string& path) {
  c.output("==> Press Ctrl-C to exit <==");
  const Options& o = c.options();
  CatchInterrupt catching;
  auto r = stream_get(
      o.serverurl, path, Credentials{o.username, o.password},
      [&](std::string_view data) { c.io().write(data); }, g_interrupted);
  if (!r) {
    c.io().write_err(o.serverurl + path + " " + r.error() + "\n");
    return;
  }
  if (g_interrupted.exchange(false)) c.output("");
}

// Reads one line from stdin; nullopt on EOF or Ctrl-C (g_interrupted set).
std::optional<std::string> read_stdin_line() {
  std::string line;
  for (;;) {
    int ch = read_stdin_byte();
    if (ch < 0) return std::nullopt;  // a partial last line is not sent
    if (ch == '\n') return line;
    line += static_cast<char>(ch);
  }
}

}  // namespace

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
      c.output("Error: bad channel " + pystr::repr(channel));
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
  const char* method =
      channel == "stdout" ? "supervisor.readProcessStdoutLog" : "supervisor.readProcessStderrLog";
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
    if (f->code == F(Fault::Failed))
      return c.output("supervisord: ERROR (unknown error reading log)");
    return c.raise(r);
  }
  const xmlrpc::Value* v = as_value(r);
  if (v == nullptr || !v->is_string()) return c.raise(r);
  c.output(v->as_string());
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
    (void)stream_get(
        url, path, creds, [&](std::string_view d) { c.io().write(d); }, stop_streams);
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

}  // namespace ctl::cmd
