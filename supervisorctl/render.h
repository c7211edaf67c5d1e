// render.h — every line of text supervisorctl prints, byte for byte as Python's
// supervisorctl 4.2.5 prints it, as observed from the real one. Owns: status/avail layout,
// per-result lines, help topic columns, Python-style "error: <class ...>" lines and
// the exit-status rules of set_exitstatus_from_xmlrpc_fault.
// Must not depend on sockets, HTTP or XML: inputs are plain structs and strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctl {

// LSB exit statuses Python's supervisorctl uses.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitGeneric = 1;
inline constexpr int kExitInvalidArgs = 2;
inline constexpr int kExitUnimplemented = 3;
inline constexpr int kExitInsufficientPrivileges = 4;
inline constexpr int kExitNotInstalled = 5;
inline constexpr int kExitNotRunning = 7;
// `status` uses the LSB status codes instead.
inline constexpr int kStatusNotRunning = 3;
inline constexpr int kStatusUnknown = 4;

// The subset of getProcessInfo's struct the client shows.
struct ProcInfo {
  std::string name;
  std::string group;
  int state = 0;
  std::string statename;
  std::string description;
  int64_t pid = 0;
  std::string spawnerr;
  int64_t exitstatus = 0;
  int64_t start = 0;
  int64_t stop = 0;
  int64_t now = 0;
  bool operator==(const ProcInfo&) const = default;
};

// The subset of getAllConfigInfo's struct `avail` shows.
struct ConfigInfo {
  std::string name;
  std::string group;
  bool inuse = false;
  bool autostart = false;
  int64_t group_prio = 0;
  int64_t process_prio = 0;
};

// One element of a start/stop/signal/clear result array (or a fault turned into one).
struct ResultRow {
  std::string name;
  std::string group;
  int status = 0;
  std::string description;
};

// "%-{W}s%-10s%s" with W = max(30, longest namespec) + 3, one line per process.
std::vector<std::string> status_lines(const std::vector<ProcInfo>& infos);
// The same lines in one text, each ending in '\n' (status writes it at once).
std::string status_text(const std::vector<ProcInfo>& infos);
// "%-32s %-9s %-9s %s" of namespec, in use/avail, auto/manual, group_prio:process_prio.
std::string avail_line(const ConfigInfo& info);

// Result rows. nullopt means Python would raise ValueError('Unknown result code ...').
std::optional<std::string> start_result(const ResultRow& row);
std::optional<std::string> signal_result(const ResultRow& row,
                                         std::string_view success = "signalled");
std::optional<std::string> stop_result(const ResultRow& row);
std::optional<std::string> clear_result(const ResultRow& row);
// The text of the ValueError Python raises for a result code it does not know.
std::string unknown_result_code(const ResultRow& row);

// Extension: why a start failed, appended inside the standard "ERROR (spawn error)"
// parentheses so that scripts matching "ERROR (spawn error" still match, e.g.
// "web_00: ERROR (spawn error: exited with status 1 after 0.2 s; can't bind port)".
// `last_output` is the last non-empty line of the process's stderr/stdout log, or "".
std::string start_failure_line(const ResultRow& row, const ProcInfo& info,
                               std::string_view last_output);

// reread: sorted "<group>: available|changed|disappeared", or the "no updates" line.
std::vector<std::string> reread_lines(const std::vector<std::string>& added,
                                      const std::vector<std::string>& changed,
                                      const std::vector<std::string>& removed);

// cmd.Cmd.print_topics: header, '=' ruler, names in columns fitting `width`, blank line.
// Returns the text including the trailing newline(s).
std::string print_topics(std::string_view header, const std::vector<std::string>& names,
                         size_t width = 80);

// Python's "error: <class 'X'>, <str(exc)>: file: F line: N" for an exception that
// escaped a command. The file/line pairs are those Python 3.11 + Supervisor 4.2.5 print.
enum class PyErrorSite {
  XmlrpcClientFault,    // xmlrpc.client.Fault raised by the response parser
  SupervisorTransport,  // ProtocolError raised by SupervisorTransport.request
  UnixConnect,          // socket errors while connecting a UNIX socket
  TcpConnect,           // socket errors while connecting a TCP socket
  CtlValueError,        // ValueError raised by supervisorctl.py result formatting
  CtlRawInput,          // EOFError from raw_input('Username:') in supervisorctl.py
  Getpass,              // EOFError from getpass.getpass() without a terminal
};
std::string python_error(std::string_view cls, std::string_view message, PyErrorSite site);
// str(Fault): "<Fault 6: 'SHUTDOWN_STATE'>" (Python repr of the fault string).
std::string fault_repr(int code, std::string_view fault_string);
// The exception class name and str() for an errno raised by a socket call.
std::string errno_class(int err);
std::string errno_message(int err);

// set_exitstatus_from_xmlrpc_fault: SUCCESS and `ignored` leave `status` unchanged,
// SPAWN_ERROR/ABNORMAL_TERMINATION/NOT_RUNNING give 7, anything else 1.
void exit_status_from_fault(int& status, int fault_code, std::optional<int> ignored = {});

}  // namespace ctl
