// schema.cc — the option table (one row per option) and the conversions it names.
#include "supervisord/config/schema.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/ctl_section.h"
#include "common/pystr.h"

namespace config::schema {
namespace {

int64_t as_int(const Value& v) {
  return std::get<int64_t>(v);
}
bool as_bool(const Value& v) {
  return std::get<bool>(v);
}
const std::string& as_text(const Value& v) {
  return std::get<std::string>(v);
}

// A row's land function for a field of one of the model structs.
#define PROC(expr)                                  \
  [](Target& t, const Value& v, std::string_view) { \
    auto& p = *t.process;                           \
    expr;                                           \
  }
#define SUPD(expr)                                  \
  [](Target& t, const Value& v, std::string_view) { \
    auto& s = *t.supervisord;                       \
    expr;                                           \
  }
#define UNIX(expr)                                  \
  [](Target& t, const Value& v, std::string_view) { \
    auto& u = *t.unix_server;                       \
    expr;                                           \
  }
#define INET(expr)                                  \
  [](Target& t, const Value& v, std::string_view) { \
    auto& i = *t.inet_server;                       \
    expr;                                           \
  }

// clang-format off
const Row kRows[] = {
  // ---- [supervisord] (http://supervisord.org/configuration.html) ----------------------
  {kSupervisord, "logfile", Type::DirPath, "supervisord.log", Names::HereEnv,
   "main log file; relative paths are made absolute against the cwd; 'syslog' logs to syslog",
   SUPD(s.logfile = as_text(v)), false, false, INT64_MIN, INT64_MAX, "-l"},
  {kSupervisord, "logfile_maxbytes", Type::ByteSize, "50MB", Names::HereEnv,
   "rotate the main log at this size; 0 = never", SUPD(s.logfile_maxbytes = as_int(v)),
   false, false, INT64_MIN, INT64_MAX, "-y"},
  {kSupervisord, "logfile_backups", Type::Integer, "10", Names::HereEnv,
   "rotated main logs kept; 0 = truncate on rotation",
   SUPD(s.logfile_backups = static_cast<int>(as_int(v))), false, false, INT64_MIN, INT64_MAX, "-z"},
  {kSupervisord, "loglevel", Type::LogLevel, "info", Names::HereEnv,
   "critical, error, warn, info, debug, trace or blather",
   SUPD(s.loglevel = static_cast<int>(as_int(v))), false, false, INT64_MIN, INT64_MAX, "-e"},
  {kSupervisord, "pidfile", Type::DirPath, "supervisord.pid", Names::HereEnv,
   "pid file; relative paths are made absolute against the cwd", SUPD(s.pidfile = as_text(v)),
   false, false, INT64_MIN, INT64_MAX, "-j"},
  {kSupervisord, "umask", Type::Octal, "022", Names::HereEnv,
   "umask of supervisord, applied only when daemonizing",
   SUPD(s.umask = static_cast<mode_t>(as_int(v))), false, false, INT64_MIN, INT64_MAX, "-m"},
  {kSupervisord, "nodaemon", Type::Boolean, "false", Names::HereEnv, "run in the foreground",
   SUPD(s.nodaemon = as_bool(v)), false, false, INT64_MIN, INT64_MAX, "-n"},
  {kSupervisord, "silent", Type::Boolean, "false", Names::HereEnv,
   "with nodaemon: do not copy the main log to stdout", SUPD(s.silent = as_bool(v)),
   false, false, INT64_MIN, INT64_MAX, "-s"},
  {kSupervisord, "minfds", Type::Integer, "1024", Names::HereEnv,
   "raise RLIMIT_NOFILE to at least this at start", SUPD(s.minfds = as_int(v)),
   false, false, INT64_MIN, INT64_MAX, "-a"},
  {kSupervisord, "minprocs", Type::Integer, "200", Names::HereEnv,
   "raise RLIMIT_NPROC to at least this at start", SUPD(s.minprocs = as_int(v)),
   false, false, INT64_MIN, INT64_MAX, "--minprocs"},
  {kSupervisord, "nocleanup", Type::Boolean, "false", Names::HereEnv,
   "keep old AUTO child logs at start", SUPD(s.nocleanup = as_bool(v)),
   false, false, INT64_MIN, INT64_MAX, "-k"},
  {kSupervisord, "childlogdir", Type::Directory, nullptr, Names::HereEnv,
   "directory of AUTO child logs (default: $TMPDIR or /tmp)", SUPD(s.childlogdir = as_text(v)),
   false, false, INT64_MIN, INT64_MAX, "-q"},
  {kSupervisord, "user", Type::User, nullptr, Names::HereEnv,
   "setuid to this user at start (root only)",
   SUPD(s.user = std::get<values::UserId>(v)), false, false, INT64_MIN, INT64_MAX, "-u"},
  {kSupervisord, "directory", Type::Directory, nullptr, Names::HereEnv,
   "chdir here when daemonizing", SUPD(s.directory = as_text(v)),
   false, false, INT64_MIN, INT64_MAX, "-d"},
  {kSupervisord, "strip_ansi", Type::Boolean, "false", Names::HereEnv,
   "strip ANSI escape sequences from child output", SUPD(s.strip_ansi = as_bool(v)),
   false, false, INT64_MIN, INT64_MAX, "-t"},
  {kSupervisord, "environment", Type::Environment, "", Names::HereEnvTwice,
   "KEY=VAL pairs added to every program's environment (and to ENV_* of later sections)",
   SUPD(s.environment = std::get<EnvList>(v))},
  {kSupervisord, "identifier", Type::Text, "supervisor", Names::HereEnv,
   "identifier returned by getIdentification, used in AUTO log names",
   SUPD(s.identifier = as_text(v)), false, false, INT64_MIN, INT64_MAX, "-i"},
  {kSupervisord, "statefile", Type::Text, "", Names::HereEnv,
   "extension: state file ('' = next to the pidfile, 'none' = off)",
   SUPD(s.statefile = as_text(v)), false, true},
  {kSupervisord, "remember_state", Type::Boolean, "false", Names::HereEnv,
   "extension: restore what was started/stopped by hand after a restart",
   SUPD(s.remember_state = as_bool(v)), false, true},
  {kSupervisord, "http_request_maxbytes", Type::ByteSize, "64MB", Names::HereEnv,
   "extension: largest request body the HTTP servers read; larger ones get 413",
   SUPD(s.http_request_maxbytes = as_int(v)), false, true, int64_t{1} << 10, int64_t{1} << 30},
  {kSupervisord, "cgroups", Type::Boolean, "true", Names::HereEnv,
   "extension: start each instance in its own cgroup v2 where the cgroup is writable "
   "(stop reaches every descendant, limits apply); false = process groups only",
   SUPD(s.cgroups = as_bool(v)), false, true},

  // ---- [unix_http_server] / [inet_http_server] -----------------------------------------
  {kUnixHttpServer, "file", Type::Text, nullptr, Names::HereEnv,
   "path of the UNIX socket (made absolute)", UNIX(u.file = as_text(v)), true},
  {kUnixHttpServer, "chmod", Type::Octal, "0700", Names::Env, "mode of the socket file",
   UNIX(u.chmod = static_cast<mode_t>(as_int(v)))},
  {kUnixHttpServer, "chown", Type::UserGroup, nullptr, Names::Env,
   "user[:group] owning the socket file", UNIX(u.chown = std::get<values::UserGroup>(v))},
  {kUnixHttpServer, "username", Type::Text, nullptr, Names::Env,
   "basic auth user (needs password too)", UNIX(u.username = as_text(v))},
  {kUnixHttpServer, "password", Type::Text, nullptr, Names::Env,
   "basic auth password, plain or {SHA}hex", UNIX(u.password = as_text(v))},
  {kInetHttpServer, "port", Type::InetAddress, nullptr, Names::Env,
   "host:port, *:port or port to listen on", nullptr, true},
  {kInetHttpServer, "username", Type::Text, nullptr, Names::Env,
   "basic auth user (needs password too)", INET(i.username = as_text(v))},
  {kInetHttpServer, "password", Type::Text, nullptr, Names::Env,
   "basic auth password, plain or {SHA}hex", INET(i.password = as_text(v))},
  {kInetHttpServer, "metrics_auth", Type::Boolean, "true", Names::Env,
   "extension: false = GET /metrics needs no username/password (other paths still do)",
   INET(i.metrics_auth = as_bool(v)), false, true},

  // ---- [program:x], [eventlistener:x], [fcgi-program:x] -------------------------------
  {kAnyProgram, "command", Type::Text, nullptr, Names::PerProcess,
   "command line, shlex-split at spawn; argv[0] searched in PATH",
   PROC(p.command = as_text(v)), true},
  {kAnyProgram, "process_name", Type::Name, "%(program_name)s", Names::None,
   "process name template (checked raw, expanded per process); needs %(process_num) "
   "when numprocs > 1", PROC(p.name = as_text(v))},
  {kAnyProgram, "numprocs", Type::Integer, "1", Names::ProgramOnce,
   "number of processes (process_num numprocs_start .. numprocs_start+numprocs-1)",
   PROC(p.numprocs = static_cast<int>(as_int(v)))},
  {kAnyProgram, "numprocs_start", Type::Integer, "0", Names::ProgramOnce,
   "first process_num", nullptr},
  {kAnyProgram, "priority", Type::Integer, "999", Names::ProgramOnce,
   "lower starts earlier and stops later; also the priority of the program's own group",
   PROC(p.priority = static_cast<int>(as_int(v)))},
  {kAnyProgram, "autostart", Type::Boolean, "true", Names::ProgramOnce,
   "start when supervisord starts", PROC(p.autostart = as_bool(v))},
  {kAnyProgram, "autorestart", Type::Autorestart, "unexpected", Names::ProgramOnce,
   "restart after an exit from RUNNING: true, false, unexpected (exit code not in exitcodes)",
   PROC(p.autorestart = std::get<Autorestart>(v))},
  {kAnyProgram, "startsecs", Type::Integer, "1", Names::ProgramOnce,
   "seconds the process must stay up to be RUNNING",
   PROC(p.startsecs = static_cast<int>(as_int(v)))},
  {kAnyProgram, "startretries", Type::Integer, "3", Names::ProgramOnce,
   "retries from BACKOFF before FATAL", PROC(p.startretries = static_cast<int>(as_int(v)))},
  {kAnyProgram, "exitcodes", Type::ExitCodes, "0", Names::ProgramOnce,
   "expected exit codes", PROC(p.exitcodes = std::get<std::vector<int>>(v))},
  {kAnyProgram, "stopsignal", Type::Signal, "TERM", Names::ProgramOnce,
   "signal sent to stop", PROC(p.stopsignal = static_cast<int>(as_int(v)))},
  {kAnyProgram, "stopwaitsecs", Type::Integer, "10", Names::ProgramOnce,
   "seconds to wait after stopsignal before SIGKILL",
   PROC(p.stopwaitsecs = static_cast<int>(as_int(v)))},
  {kAnyProgram, "stopasgroup", Type::Boolean, "false", Names::ProgramOnce,
   "send stopsignal to the process group (implies killasgroup)",
   PROC(p.stopasgroup = as_bool(v))},
  {kAnyProgram, "killasgroup", Type::Boolean, nullptr, Names::ProgramOnce,
   "send SIGKILL to the process group (default: stopasgroup)",
   PROC(p.killasgroup = as_bool(v))},
  {kAnyProgram, "user", Type::User, nullptr, Names::ProgramOnce,
   "setuid to this user in the child",
   [](Target& t, const Value& v, std::string_view text) {
     t.process->user = std::get<values::UserId>(v);
     t.process->user_text = std::string(text);
   }},
  {kAnyProgram, "redirect_stderr", Type::Boolean, "false", Names::ProgramOnce,
   "send the child's stderr to its stdout (refused for eventlisteners)",
   PROC(p.redirect_stderr = as_bool(v))},
  {kAnyProgram, "stdout_logfile", Type::Logfile, "AUTO", Names::PerProcessTwice,
   "AUTO, NONE or a path (expanded twice: a literal % is %%%%)",
   PROC(p.stdout_log.file = std::get<values::LogfileName>(v))},
  {kAnyProgram, "stdout_logfile_maxbytes", Type::ByteSize, "50MB", Names::PerProcess,
   "rotate at this size; 0 = never", PROC(p.stdout_log.maxbytes = as_int(v))},
  {kAnyProgram, "stdout_logfile_backups", Type::Integer, "10", Names::PerProcess,
   "rotated files kept", PROC(p.stdout_log.backups = static_cast<int>(as_int(v)))},
  {kAnyProgram, "stdout_capture_maxbytes", Type::ByteSize, "0", Names::ProgramOnce,
   "> 0 enables capture mode (PROCESS_COMMUNICATION events)",
   PROC(p.stdout_log.capture_maxbytes = as_int(v))},
  {kAnyProgram, "stdout_events_enabled", Type::Boolean, "false", Names::ProgramOnce,
   "emit PROCESS_LOG_STDOUT events", PROC(p.stdout_log.events_enabled = as_bool(v))},
  {kAnyProgram, "stdout_syslog", Type::Boolean, "false", Names::PerProcess,
   "also send stdout lines to syslog", PROC(p.stdout_log.syslog = as_bool(v))},
  {kAnyProgram, "stderr_logfile", Type::Logfile, "AUTO", Names::PerProcessTwice,
   "AUTO, NONE or a path (ignored with redirect_stderr)",
   PROC(p.stderr_log.file = std::get<values::LogfileName>(v))},
  {kAnyProgram, "stderr_logfile_maxbytes", Type::ByteSize, "50MB", Names::PerProcess,
   "rotate at this size; 0 = never", PROC(p.stderr_log.maxbytes = as_int(v))},
  {kAnyProgram, "stderr_logfile_backups", Type::Integer, "10", Names::PerProcess,
   "rotated files kept", PROC(p.stderr_log.backups = static_cast<int>(as_int(v)))},
  {kAnyProgram, "stderr_capture_maxbytes", Type::ByteSize, "0", Names::ProgramOnce,
   "> 0 enables capture mode", PROC(p.stderr_log.capture_maxbytes = as_int(v))},
  {kAnyProgram, "stderr_events_enabled", Type::Boolean, "false", Names::ProgramOnce,
   "emit PROCESS_LOG_STDERR events", PROC(p.stderr_log.events_enabled = as_bool(v))},
  {kAnyProgram, "stderr_syslog", Type::Boolean, "false", Names::PerProcess,
   "also send stderr lines to syslog", PROC(p.stderr_log.syslog = as_bool(v))},
  {kAnyProgram, "environment", Type::Environment, "", Names::ProcessEnv,
   "KEY=VAL pairs added to the child's environment; each key K is ENV_K in per-process "
   "options", PROC(p.environment = std::get<EnvList>(v))},
  {kAnyProgram, "directory", Type::Text, nullptr, Names::PerProcess,
   "chdir here in the child (not checked at load, as Supervisor)",
   PROC(p.directory = as_text(v))},
  {kAnyProgram, "umask", Type::Octal, nullptr, Names::ProgramOnce, "umask set in the child",
   PROC(p.umask = static_cast<mode_t>(as_int(v)))},
  {kAnyProgram, "serverurl", Type::Text, "AUTO", Names::ProgramOnce,
   "SUPERVISOR_SERVER_URL for the child; AUTO = computed from the servers",
   [](Target& t, const Value& v, std::string_view) {
     const auto& text = as_text(v);
     std::string upper;
     for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
     // Supervisor compares the stripped upper-cased text with AUTO. Empty text stays
     // "" (getAllConfigInfo answers ''); the child then gets the daemon's URL, as AUTO.
     auto b = upper.find_first_not_of(" \t\n\r\f\v");
     auto e = upper.find_last_not_of(" \t\n\r\f\v");
     bool is_auto = b != std::string::npos && upper.substr(b, e - b + 1) == "AUTO";
     if (is_auto) t.process->serverurl.reset(); else t.process->serverurl = text;
   }},
  {kAnyProgram, "reap_group", Type::Boolean, "true", Names::ProgramOnce,
   "extension: after the main process exits, kill what is left of its process group",
   PROC(p.reap_group = as_bool(v)), false, true},
  {kProgram, "ready", Type::Text, "", Names::PerProcess,
   "extension: when a start counts as done: empty = after startsecs (Supervisor's rule); "
   "notify = when the process sends READY=1 to $NOTIFY_SOCKET; tcp://HOST:PORT or "
   "http://HOST:PORT/PATH = when a connect (or a GET answered 2xx/3xx) succeeds",
   PROC(p.ready = as_text(v)), false, true},
  {kProgram, "ready_timeout", Type::Integer, "60", Names::ProgramOnce,
   "extension: seconds a start may take to become ready before it counts as failed",
   PROC(p.ready_timeout = static_cast<int>(as_int(v))), false, true, 1, 86400},
  {kProgram, "liveness_interval", Type::Integer, "0", Names::ProgramOnce,
   "extension: seconds between ready= probes (tcp/http) while RUNNING; 0 = no liveness probes",
   PROC(p.liveness_interval = static_cast<int>(as_int(v))), false, true, 0, 86400},
  {kProgram, "liveness_failures", Type::Integer, "3", Names::ProgramOnce,
   "extension: liveness probe failures in a row that restart the process",
   PROC(p.liveness_failures = static_cast<int>(as_int(v))), false, true, 1, 1000},
  {kProgram, "socket", Type::Text, "", Names::PerProcess,
   "extension: tcp://HOST:PORT or unix:///path bound by supervisord once and passed to each "
   "start as fd 3 with LISTEN_FDS=1 and LISTEN_PID (systemd socket activation)",
   PROC(p.listen_socket = as_text(v)), false, true},
  {kProgram, "follow_upgrade", Type::Text, "", Names::ProgramOnce,
   "extension: gunicorn = when the master exits, the master it started in its place (USR2) "
   "becomes the process: no restart, a log line 'upgraded: pid A -> pid B'; empty = off",
   PROC(p.follow_upgrade = as_text(v)), false, true},
  {kAnyProgram, "depends_on", Type::StringList, "", Names::ProgramOnce,
   "extension: comma list of programs (NAME, GROUP:* or GROUP:NAME) that must be RUNNING, "
   "and ready where they have ready=, before this one starts; they stop after it",
   PROC(p.depends_on = std::get<std::vector<std::string>>(v)), false, true},
  {kAnyProgram, "depends_on_bind", Type::Boolean, "false", Names::ProgramOnce,
   "extension: stop this program when a dependency stops or restarts, and start it again "
   "when every dependency is RUNNING (systemd's BindsTo=)",
   PROC(p.depends_on_bind = as_bool(v)), false, true},
  {kAnyProgram, "memory_max", Type::ByteSize, nullptr, Names::ProgramOnce,
   "extension: memory.max of each instance's cgroup (hard limit: the kernel's OOM killer "
   "acts beyond it); needs cgroups and a delegated memory controller",
   PROC(p.memory_max = as_int(v)), false, true, 0},
  {kAnyProgram, "memory_high", Type::ByteSize, nullptr, Names::ProgramOnce,
   "extension: memory.high of each instance's cgroup (throttled and reclaimed beyond it)",
   PROC(p.memory_high = as_int(v)), false, true, 0},
  {kAnyProgram, "cpu_max", Type::Text, nullptr, Names::ProgramOnce,
   "extension: cpu.max of each instance's cgroup: 'QUOTA PERIOD' in microseconds, 'QUOTA' "
   "(period 100000), 'N%' of one CPU, or 'max'",
   PROC(p.cpu_max = as_text(v)), false, true},
  {kAnyProgram, "pids_max", Type::Integer, nullptr, Names::ProgramOnce,
   "extension: pids.max of each instance's cgroup (fork fails beyond it)",
   PROC(p.pids_max = as_int(v)), false, true, 1},
  {kEventListener, "events", Type::StringList, nullptr, Names::HereEnv,
   "comma list of event type names the pool subscribes to", nullptr, true},
  {kEventListener, "buffer_size", Type::Integer, "10", Names::HereEnv,
   "event queue size of the pool", PROC(p.buffer_size = static_cast<int>(as_int(v))),
   false, false, 1},
  {kEventListener, "result_handler", Type::Text, "supervisor.dispatchers:default_handler",
   Names::HereEnv,
   "also built in: supervisor_stdout:event_handler (relays PROCESS_LOG to stdout)",
   PROC(p.result_handler = as_text(v))},
  {kFcgiProgram, "socket", Type::Text, nullptr, Names::FcgiSocket,
   "unix:///absolute/path or tcp://host:port, bound by supervisord, fd 0 of each child",
   PROC(p.socket = as_text(v)), true},
  {kFcgiProgram, "socket_backlog", Type::Integer, nullptr, Names::HereEnv,
   "listen backlog (default SOMAXCONN)",
   PROC(p.socket_backlog = static_cast<int>(as_int(v))), false, false, 1, 65535},
  {kFcgiProgram, "socket_owner", Type::UserGroup, nullptr, Names::HereEnv,
   "user[:group] of a unix socket (default: the program's user)",
   PROC(p.socket_owner = std::get<values::UserGroup>(v))},
  {kFcgiProgram, "socket_mode", Type::Octal, nullptr, Names::HereEnv,
   "mode of a unix socket (default 0700)",
   PROC(p.socket_mode = static_cast<mode_t>(as_int(v)))},

  // ---- [group:x] ---------------------------------------------------------------------
  {kGroup, "programs", Type::StringList, nullptr, Names::HereEnv,
   "comma list of program / fcgi-program names", nullptr, true},
  {kGroup, "priority", Type::Integer, "999", Names::HereEnv, "group priority",
   [](Target& t, const Value& v, std::string_view) {
     t.group->priority = static_cast<int>(as_int(v));
   }},

  // ---- [include], [rpcinterface:x] ---------------------------------------------------
  {kInclude, "files", Type::Text, nullptr, Names::IncludeFiles,
   "whitespace-separated globs relative to the main file, read in sorted order", nullptr,
   true},
  {kRpcInterface, "supervisor.rpcinterface_factory", Type::Text, nullptr, Names::Env,
   "Python factory; the built-in supervisor.rpcinterface:make_main_rpcinterface is implied",
   nullptr, true},
};
// clang-format on

#undef PROC
#undef SUPD
#undef UNIX
#undef INET

constexpr std::string_view kEventTypes[] = {
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
};

std::string lower(std::string_view v) {
  std::string out(v);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string strip(std::string_view v) {
  auto b = v.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string_view::npos) return {};
  auto e = v.find_last_not_of(" \t\n\r\f\v");
  return std::string(v.substr(b, e - b + 1));
}

// kRows, then the [supervisorctl] rows made from the table supervisorctl reads the section
// with (common/ctl_section.h): the daemon only names them (sample, man page, warnings).
const std::vector<Row>& all_rows() {
  static const std::vector<Row> all = [] {
    std::vector<Row> v(std::begin(kRows), std::end(kRows));
    for (const ctl_section::Option& o : ctl_section::options()) {
      Names names = o.names == ctl_section::Names::HereEnv ? Names::HereEnv : Names::Env;
      v.push_back(Row{kSupervisorctl, o.key, Type::Text, o.default_text, names, o.doc, nullptr});
    }
    return v;
  }();
  return all;
}

}  // namespace

std::span<const Row> rows() {
  return all_rows();
}

const Row* find(unsigned kind, std::string_view key) {
  for (const auto& row : all_rows()) {
    if ((row.sections & kind) != 0 && row.key == key) return &row;
  }
  return nullptr;
}

unsigned section_kind(std::string_view name) {
  auto starts = [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; };
  if (name == "supervisord") return kSupervisord;
  if (name == "supervisorctl") return kSupervisorctl;
  if (name == "include") return kInclude;
  // Supervisor matches server sections by prefix: [inet_http_server:b] is a second server.
  if (starts("unix_http_server")) return kUnixHttpServer;
  if (starts("inet_http_server")) return kInetHttpServer;
  if (starts("program:")) return kProgram;
  if (starts("eventlistener:")) return kEventListener;
  if (starts("fcgi-program:")) return kFcgiProgram;
  if (starts("group:")) return kGroup;
  if (starts("rpcinterface:")) return kRpcInterface;
  return 0;
}

std::string_view section_kind_name(unsigned kind) {
  switch (kind) {
    case kSupervisord:
      return "supervisord";
    case kUnixHttpServer:
      return "unix_http_server";
    case kInetHttpServer:
      return "inet_http_server";
    case kSupervisorctl:
      return "supervisorctl";
    case kProgram:
      return "program";
    case kEventListener:
      return "eventlistener";
    case kFcgiProgram:
      return "fcgi-program";
    case kGroup:
      return "group";
    case kInclude:
      return "include";
    case kRpcInterface:
      return "rpcinterface";
    default:
      return "";
  }
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::Text:
      return "text";
    case Type::Boolean:
      return "boolean";
    case Type::Integer:
      return "integer";
    case Type::ByteSize:
      return "byte size";
    case Type::Octal:
      return "octal";
    case Type::Signal:
      return "signal";
    case Type::ExitCodes:
      return "exit codes";
    case Type::Logfile:
      return "logfile";
    case Type::DirPath:
      return "path";
    case Type::Directory:
      return "directory";
    case Type::User:
      return "user";
    case Type::UserGroup:
      return "user[:group]";
    case Type::Environment:
      return "environment";
    case Type::Name:
      return "name";
    case Type::Autorestart:
      return "true|false|unexpected";
    case Type::LogLevel:
      return "log level";
    case Type::StringList:
      return "list";
    case Type::InetAddress:
      return "host:port";
  }
  return "";
}

Result<std::string> cpu_max(std::string_view v) {
  auto fail = [&] {
    return Result<std::string>::fail(
        "invalid cpu_max " + pystr::repr(v) +
        ": expected 'QUOTA PERIOD' in microseconds (quota >= 1000, period 1000..1000000), "
        "'QUOTA', 'N%' of one CPU or 'max'");
  };
  auto number = [](std::string_view s, int64_t& out) {
    if (s.empty() || s.size() > 12) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  std::vector<std::string> w;
  for (size_t at = v.find_first_not_of(" \t"); at != std::string_view::npos;
       at = v.find_first_not_of(" \t", at)) {
    size_t end = std::min(v.find_first_of(" \t", at), v.size());
    w.emplace_back(v.substr(at, end - at));
    at = end;
  }
  if (w.empty() || w.size() > 2) return fail();
  int64_t quota = 0, period = 100000;
  if (w.size() == 2 && !number(w[1], period)) return fail();
  if (period < 1000 || period > 1000000) return fail();
  if (w[0] == "max") return "max " + std::to_string(period);
  if (w.size() == 1 && w[0].ends_with('%')) {
    if (!number(std::string_view(w[0]).substr(0, w[0].size() - 1), quota) || quota == 0)
      return fail();
    return std::to_string(quota * 1000) + " 100000";
  }
  if (!number(w[0], quota) || quota < 1000) return fail();
  return std::to_string(quota) + " " + std::to_string(period);
}

Result<int> logging_level(std::string_view v) {
  static constexpr std::pair<std::string_view, int> kLevels[] = {
      {"critical", 50}, {"error", 40}, {"warn", 30},  {"info", 20},
      {"debug", 10},    {"trace", 5},  {"blather", 3}};
  auto l = lower(v);
  for (const auto& [name, level] : kLevels) {
    if (l == name) return level;
  }
  return Result<int>::fail("bad logging level name " + pystr::repr(v));
}

Result<Autorestart> auto_restart(std::string_view v) {
  auto l = lower(v);
  if (l == "true" || l == "yes" || l == "on" || l == "1") return Autorestart::True;
  if (l == "false" || l == "no" || l == "off" || l == "0") return Autorestart::False;
  if (l == "unexpected") return Autorestart::Unexpected;
  // Supervisor quotes the lower-cased value.
  return Result<Autorestart>::fail("invalid 'autorestart' value " + pystr::repr(l));
}

std::vector<std::string> list_of_strings(std::string_view v) {
  std::vector<std::string> out;
  if (v.empty()) return out;
  size_t start = 0;
  while (true) {
    auto comma = v.find(',', start);
    out.push_back(strip(v.substr(start, comma == std::string_view::npos ? v.npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::pair<std::string, int>> inet_address(std::string_view s) {
  using R = Result<std::pair<std::string, int>>;
  std::string host;
  int64_t port = 0;
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos) {
    host = lower(s.substr(0, colon));
    auto rest = s.substr(colon + 1);
    if (rest.empty()) return R::fail("no port number specified in " + pystr::repr(rest));
    auto n = values::integer(rest);
    if (!n) return R::fail(n.error());
    port = *n;
  } else {
    auto n = values::integer(s);
    if (!n) return R::fail("not a valid port number: " + pystr::repr(s) + " ");
    port = *n;
  }
  if (port < 1) return R::fail(std::to_string(port) + " is below lower bound (1)");
  if (port > 65535) return R::fail(std::to_string(port) + " is above upper bound (65535)");
  if (host == "*") host.clear();
  return std::pair<std::string, int>{host, static_cast<int>(port)};
}

std::span<const std::string_view> event_type_names() {
  return kEventTypes;
}

Result<Value> convert(Type type, std::string_view text) {
  using R = Result<Value>;
  auto wrap = [](auto result) -> R {
    if (!result) return R::fail(result.error());
    return Value(std::move(*result));
  };
  switch (type) {
    case Type::Text:
      return Value(std::string(text));
    case Type::Boolean:
      return wrap(values::boolean(text));
    case Type::Integer:
      return wrap(values::integer(text));
    case Type::ByteSize:
      return wrap(values::byte_size(text));
    case Type::Octal: {
      auto r = values::octal(text);
      if (!r) return R::fail(r.error());
      return Value(static_cast<int64_t>(*r));
    }
    case Type::Signal: {
      auto r = values::signal_number(text);
      if (!r) return R::fail(r.error());
      return Value(static_cast<int64_t>(*r));
    }
    case Type::ExitCodes:
      return wrap(values::exit_codes(text));
    case Type::Logfile:
      return wrap(values::logfile_name(text));
    case Type::DirPath: {
      // A logfile-typed path that must not be AUTO/NONE: reuse the directory check.
      auto r = values::logfile_name(text);
      if (r && r->kind == values::LogfileName::Kind::Path) return Value(r->path);
      if (!r) return R::fail(r.error());
      return Value(std::string(text));
    }
    case Type::Directory:
      return wrap(values::existing_directory(text));
    case Type::User:
      return wrap(values::user(text));
    case Type::UserGroup:
      return wrap(values::user_group(text));
    case Type::Environment:
      return wrap(values::environment(text));
    case Type::Name:
      return wrap(values::process_or_group_name(text));
    case Type::Autorestart:
      return wrap(auto_restart(text));
    case Type::LogLevel: {
      auto r = logging_level(text);
      if (!r) return R::fail(r.error());
      return Value(static_cast<int64_t>(*r));
    }
    case Type::StringList:
      return Value(list_of_strings(text));
    case Type::InetAddress: {
      auto r = inet_address(text);
      if (!r) return R::fail(r.error());
      return Value(r->first + ":" + std::to_string(r->second));
    }
  }
  return R::fail("unknown type");
}

}  // namespace config::schema
