// commands.cc — the catalog rows, `help`, the session commands (quit, open,
// version, shutdown, reload) and the helpers the handler files share. The other
// handlers live in commands_process.cc, commands_config.cc and commands_logs.cc.
#include "supervisorctl/commands.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "common/faults.h"
#include "common/pyspace.h"
#include "supervisorctl/commands_impl.h"
#include "supervisorctl/controller.h"
#include "supervisorctl/interrupt.h"

namespace ctl {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_catch_interrupt{false};
std::atomic<int> g_interrupt_wake{-1};

namespace {
int g_interrupt_read = -1;
}

int interrupt_fd() {
  if (g_interrupt_read < 0) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    g_interrupt_read = fds[0];
    g_interrupt_wake = fds[1];
  }
  return g_interrupt_read;
}

void drain_interrupt_fd() {
  int fd = interrupt_fd();
  char buf[64];
  while (fd >= 0 && ::read(fd, buf, sizeof buf) > 0) {
  }
}

int read_stdin_byte() {
  const int wake = interrupt_fd();
  for (;;) {
    if (g_interrupted) return -1;
    pollfd fds[2] = {{0, POLLIN, 0}, {wake, POLLIN, 0}};
    int n = ::poll(fds, wake >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (wake >= 0 && fds[1].revents != 0) return -1;
    if (fds[0].revents == 0) continue;
    unsigned char ch;
    ssize_t got = ::read(0, &ch, 1);
    if (got == 1) return ch;
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return -1;
  }
}

std::optional<std::string> input_line() {
  std::string line;
  bool got = false;
  for (int ch; (ch = read_stdin_byte()) >= 0;) {
    got = true;
    if (ch == '\n') break;
    line += static_cast<char>(ch);
  }
  if (!got) return std::nullopt;
  return line;
}

namespace cmd {

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view word : pyspace::split(s)) out.emplace_back(word);  // Python's arg.split()
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

bool confirm(Controller& c, std::string_view question) {
  if (!c.options().interactive) return true;
  auto answer = c.io().ask(question, false);
  return answer && !answer->empty() &&
         std::tolower(static_cast<unsigned char>((*answer)[0])) == 'y';
}

}  // namespace cmd

namespace {

using namespace cmd;

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

void do_quit(Controller&, std::string_view) {}  // handled by Controller::onecmd

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
      return c.output("ERROR: " + c.options().serverurl +
                      " refused connection (already shut down?)");
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

// ---- the catalog ------------------------------------------------------------

const std::vector<Command> kCatalog = {
    {"add", 1, -1, "add <name> [...]\tActivates any updates in config for process/group",
     Completion::Groups, do_add, Topic::Default},
    {"avail", 0, 0, "avail\t\t\tDisplay all configured processes", Completion::None, do_avail,
     Topic::Default},
    {"clear", 1, -1,
     "clear <name>\t\tClear a process' log files.\n"
     "clear <name> <name>\tClear multiple process' log files\n"
     "clear all\t\tClear all process' log files",
     Completion::Processes, do_clear, Topic::Default},
    {"EOF", 0, -1, "", Completion::None, do_quit, Topic::None},
    {"exit", 0, -1, "exit\tExit the supervisor shell.", Completion::None, do_quit, Topic::Default},
    {"fg", 1, 1, "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
     Completion::Processes, do_fg, Topic::Default},
    {"help", 0, 1, "", Completion::Commands, do_help, Topic::None},
    {"maintail", 0, 1,
     "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
     "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
     "maintail\tlast 1600 *bytes* of supervisor main log file\n",
     Completion::None, do_maintail, Topic::Default},
    {"open", 1, 1,
     "open <url>\tConnect to a remote supervisord process.\n"
     "\t\t(for UNIX domain socket, use unix:///socket/path)",
     Completion::None, do_open, Topic::Default},
    {"pid", 0, -1,
     "pid\t\t\tGet the PID of supervisord.\n"
     "pid <name>\t\tGet the PID of a single child process by name.\n"
     "pid all\t\t\tGet the PID of every child process, one per line.",
     Completion::Processes, do_pid, Topic::Default},
    {"quit", 0, -1, "quit\tExit the supervisor shell.", Completion::None, do_quit, Topic::Default},
    {"reload", 0, 0, "reload \t\tRestart the remote supervisord.", Completion::None, do_reload,
     Topic::Default},
    {"remove", 1, -1, "remove <name> [...]\tRemoves process/group from active config",
     Completion::Groups, do_remove, Topic::Default},
    {"reread", 0, 0, "reread \t\t\tReload the daemon's configuration files without add/remove",
     Completion::None, do_reread, Topic::Default},
    {"restart", 1, -1,
     "restart <name>\t\tRestart a process\n"
     "restart <gname>:*\tRestart all processes in a group\n"
     "restart <name> <name>\tRestart multiple processes or groups\n"
     "restart all\t\tRestart all processes\n"
     "Note: restart does not reread config files. For that, see reread and update.",
     Completion::Processes, do_restart, Topic::Default},
    {"shutdown", 0, 0, "shutdown \tShut the remote supervisord down.", Completion::None,
     do_shutdown, Topic::Default},
    {"signal", 2, -1,
     "signal <signal name> <name>\t\tSignal a process\n"
     "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
     "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
     "signal <signal name> all\t\tSignal all processes",
     Completion::Processes, do_signal, Topic::Default},
    {"start", 1, -1,
     "start <name>\t\tStart a process\n"
     "start <gname>:*\t\tStart all processes in a group\n"
     "start <name> <name>\tStart multiple processes or groups\n"
     "start all\t\tStart all processes",
     Completion::Processes, do_start, Topic::Default},
    {"status", 0, -1,
     "status <name>\t\tGet status for a single process\n"
     "status <gname>:*\tGet status for all processes in a group\n"
     "status <name> <name>\tGet status for multiple named processes\n"
     "status\t\t\tGet all process status info",
     Completion::Processes, do_status, Topic::Default},
    {"stop", 1, -1,
     "stop <name>\t\tStop a process\n"
     "stop <gname>:*\t\tStop all processes in a group\n"
     "stop <name> <name>\tStop multiple processes or groups\n"
     "stop all\t\tStop all processes",
     Completion::Processes, do_stop, Topic::Default},
    {"tail", 1, 3,
     "tail [-f] <name> [stdout|stderr] (default stdout)\n"
     "Ex:\n"
     "tail -f <name>\t\tContinuous tail of named process stdout\n"
     "\t\t\tCtrl-C to exit.\n"
     "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
     "tail <name> stderr\tlast 1600 *bytes* of process stderr",
     Completion::Processes, do_tail, Topic::Default},
    {"update", 0, -1,
     "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update <gname> [...]\tUpdate specific groups",
     Completion::Groups, do_update, Topic::Default},
    {"version", 0, 0, "version\t\t\tShow the version of the remote supervisord process",
     Completion::None, do_version, Topic::Default},
    // Extensions: bare `help` lists them under their own heading, after Python's table
    // (as Python's cmd lists a [ctlplugin:x]'s commands).
    {"scale", 2, 2,
     "scale <gname> <N|+N|-N>\tSet the number of processes of a group (extension):\n"
     "\t\t\tonly the difference is started or stopped, the lowest process_num\n"
     "\t\t\tare kept; kept across update and restarts until numprocs changes.\n"
     "Related extensions: restart --rolling [--batch N] [--pause S] <gname>:*,\n"
     "restart --surge <name> [...], restart --rolling --surge <gname>:*,\n"
     "status --health [<gname> ...], status -v [<name> ...]",
     Completion::Groups, do_scale, Topic::Extension},
    {"reexec", 0, 0,
     "reexec\t\t\tReplace supervisord with the binary it was started from, under\n"
     "\t\t\tits running processes: same pid, nothing restarted (extension)",
     Completion::None, do_reexec, Topic::Extension},
    {"why", 0, -1,
     "why <name> [...]\tWhy a process will not stay up: state, spawn error, last exits\n"
     "\t\t\t(status or signal, how long it lived), last lines of stderr (extension)\n"
     "why\t\t\tThe daemon itself: its state file, the previous run, what crash\n"
     "\t\t\trecovery did (or that it had no record)",
     Completion::Processes, do_why, Topic::Extension},
    {"history", 0, -1,
     "history [-n N] [<name> ...]\tState changes recorded by the state store, oldest\n"
     "\t\t\tfirst, the last N (default 20) (extension)",
     Completion::Processes, do_history, Topic::Extension},
};

}  // namespace

const std::vector<Command>& command_catalog() {
  return kCatalog;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : kCatalog) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string help_topics_text() {
  auto topics = [](Topic t) {
    std::vector<std::string> names;
    for (const Command& c : kCatalog)
      if (c.topic == t) names.emplace_back(c.name);
    std::sort(names.begin(), names.end());
    return names;
  };
  return "\n" + print_topics("default commands (type help <topic>):", topics(Topic::Default)) +
         "\n" + print_topics("extension commands (type help <topic>):", topics(Topic::Extension));
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const Command& c : kCatalog) {
    if (c.name != "EOF") names.emplace_back(c.name);
  }
  return names;
}

}  // namespace ctl
