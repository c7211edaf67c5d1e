// model.h — the typed, immutable configuration model: every section Supervisor reads.
// Built by config/loader from an ini::Document; read by everything else. A reload builds
// a new Config; nothing mutates one after load. Values are fully expanded (per process
// for the per-process options). Depends on nothing but the standard library + values.h.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/values.h"

namespace config {

// Where an option's text came from, for messages ("file:line").
struct Origin {
  std::string file;
  int line = 0;
  bool operator==(const Origin&) const = default;
};

enum class Autorestart { False, True, Unexpected };

struct LogConfig {
  // Kind::Auto: the path is chosen when the process is activated (childlogdir + mkstemp);
  // Kind::None: not logged; Kind::Path: `path`. Kind::Syslog (deprecated spelling) is
  // turned into syslog=true + None by the loader.
  values::LogfileName file;
  int64_t maxbytes = 50 * 1024 * 1024;
  int backups = 10;
  int64_t capture_maxbytes = 0;
  bool events_enabled = false;
  bool syslog = false;
  // Nothing reads this channel (NONE, no syslog, no events, no capture): the child gets
  // /dev/null instead of a pipe (unless loglevel=debug shows output in the daemon log).
  bool goes_nowhere() const {
    return file.kind == values::LogfileName::Kind::None && !syslog && !events_enabled &&
           capture_maxbytes <= 0;
  }
};

enum class ProgramKind { Program, EventListener, FcgiProgram };

// [eventlistener:x] result_handler= values implemented natively (Supervisor imports any
// Python callable named module:attribute; no Python code runs here).
inline constexpr const char* kDefaultResultHandler = "supervisor.dispatchers:default_handler";
// The supervisor-stdout plugin's handler: relays PROCESS_LOG output to supervisord's stdout.
inline constexpr const char* kStdoutResultHandler = "supervisor_stdout:event_handler";

// One process (one member of a numprocs fan-out). Everything expanded.
struct ProcessConfig {
  std::string name;     // process_name expanded
  std::string group;    // group it belongs to
  std::string program;  // program_name (the text after "program:")
  ProgramKind kind = ProgramKind::Program;
  int process_num = 0;
  int numprocs = 1;
  std::string command;  // expanded; shlex-split at spawn time
  int priority = 999;
  bool autostart = true;
  Autorestart autorestart = Autorestart::Unexpected;
  int startsecs = 1;
  int startretries = 3;
  std::vector<int> exitcodes = {0};
  int stopsignal = 15;  // SIGTERM
  int stopwaitsecs = 10;
  bool stopasgroup = false;
  bool killasgroup = false;
  std::optional<values::UserId> user;  // absent: do not change user
  std::string user_text;               // as written (for getAllConfigInfo uid)
  bool redirect_stderr = false;
  LogConfig stdout_log;
  LogConfig stderr_log;
  std::vector<std::pair<std::string, std::string>> environment;  // program's own environment=
  std::optional<std::string> directory;
  std::optional<mode_t> umask;
  std::optional<std::string> serverurl;  // absent = AUTO
  // Extension (docs/ARCHITECTURE.md#process-trees): when the master exits, signal then
  // kill what is left of its process group before reporting it stopped / restarting it.
  bool reap_group = true;
  // Extensions (zero-downtime issue), all off by default:
  // ready: "" = Supervisor's startsecs; "notify" = RUNNING on READY=1 at $NOTIFY_SOCKET;
  // "tcp://HOST:PORT" / "http://HOST:PORT/PATH" = RUNNING when the probe succeeds.
  std::string ready;
  int ready_timeout = 60;     // seconds a not-yet-ready instance may take (then BACKOFF)
  int liveness_interval = 0;  // seconds between probes while RUNNING; 0 = off
  int liveness_failures = 3;  // probe failures in a row that restart the instance
  // [program:x] socket: "tcp://HOST:PORT" or "unix:///path" bound by supervisord once and
  // passed to every start as fd 3 (LISTEN_FDS=1, LISTEN_PID); "" = none.
  std::string listen_socket;
  // follow_upgrade: "" = off; "gunicorn" = when the master exits while RUNNING, the master
  // it started in its place (USR2), re-parented to us in its process group, becomes the
  // process (zero_downtime/upgrade.h) instead of the exit counting.
  std::string follow_upgrade;
  // Extension (start-order dependencies), off when empty: the processes this one waits
  // for, as written ("db", "cache:*", "web:web_01"); checked at load (config/depends.h).
  // Left out of operator== on purpose: an update that changes only these applies them
  // without restarting the process.
  std::vector<std::string> depends_on;
  // With depends_on: stop this process when a dependency leaves RUNNING and start it
  // again once every dependency is RUNNING (systemd's BindsTo=). Also left out of ==.
  bool depends_on_bind = false;
  // Extension (cgroups): limits written to the instance's cgroup where the controller is
  // delegated; -1 / "" = not set. cpu_max is cpu.max's text ("QUOTA PERIOD" or "max").
  int64_t memory_max = -1;
  int64_t memory_high = -1;
  int64_t pids_max = -1;
  std::string cpu_max;
  Origin origin;  // the [program:x] header

  // eventlistener only
  std::vector<std::string> events;
  int buffer_size = 10;
  std::string result_handler = kDefaultResultHandler;
  // fcgi-program only
  std::string socket;
  int socket_backlog = 0;  // 0 = SOMAXCONN
  std::optional<values::UserGroup> socket_owner;
  mode_t socket_mode = 0700;

  // Field-wise equality of everything that configures the process. `origin` is left out
  // on purpose: moving a section to another line is not a change. Defined in model.cc
  // (the values:: types carry no operator== of their own).
  bool operator==(const ProcessConfig&) const;
};

// Text of the Autorestart values as Supervisor spells them in config ("true", ...).
const char* autorestart_name(Autorestart value);

// What the loader keeps of a [program:x] section to fan it out again (loader_context.h).
struct ProgramTemplate;

struct GroupConfig {
  std::string name;
  int priority = 999;
  ProgramKind kind = ProgramKind::Program;  // EventListener for [eventlistener:x] pools
  std::vector<std::shared_ptr<const ProcessConfig>> processes;  // in (priority, name) order
  Origin origin;
  // Extension (runtime scaling): set when the group is made of one [program:x] section, so
  // config::rescale can make it again with another count from the text that was loaded.
  // Shared and read only; not compared (it is where the processes came from, not what they
  // are).
  std::shared_ptr<const ProgramTemplate> program_template;
  bool operator==(const GroupConfig& other) const;  // deep: compares process configs
};

struct UnixServerConfig {
  std::string section;  // "unix_http_server" or "unix_http_server:b"
  std::string file;     // absolute, normalised
  mode_t chmod = 0700;
  std::optional<values::UserGroup> chown;
  std::string username;
  std::string password;  // plain or "{SHA}hex"
};

struct InetServerConfig {
  std::string section;
  std::string host;  // "" = all interfaces
  int port = 0;
  std::string username;
  std::string password;
  // Extension: false = GET /metrics answers without the username and password (the other
  // paths still ask for them), for a Prometheus that scrapes without credentials.
  bool metrics_auth = true;
};

struct SupervisordConfig {
  std::string logfile = "supervisord.log";  // absolute after load; "syslog" kept as is
  int64_t logfile_maxbytes = 50 * 1024 * 1024;
  int logfile_backups = 10;
  int loglevel = 20;                        // CRIT 50 ERRO 40 WARN 30 INFO 20 DEBG 10 TRAC 5 BLAT 3
  std::string pidfile = "supervisord.pid";  // absolute after load
  mode_t umask = 022;
  bool nodaemon = false;
  bool silent = false;
  int64_t minfds = 1024;
  int64_t minprocs = 200;
  bool nocleanup = false;
  std::string childlogdir;  // $TMPDIR or /tmp by default
  std::optional<values::UserId> user;
  std::optional<std::string> directory;
  bool strip_ansi = false;
  std::vector<std::pair<std::string, std::string>> environment;
  std::string identifier = "supervisor";
  // extension (state issue): "" = default location next to the pidfile, "none" = off
  std::string statefile;
  bool remember_state = false;
  // extension: largest HTTP request body the control plane reads (413 beyond)
  int64_t http_request_maxbytes = 64 * 1024 * 1024;
  // extension: each instance in its own cgroup v2 where cgroups are writable
  bool cgroups = true;
};

// The environment a process is configured with: [supervisord] environment, then the
// program's own environment= over it (program keys win, order kept) — what Supervisor
// stores as the process config's environment and compares on reload.
std::vector<std::pair<std::string, std::string>> effective_environment(
    const SupervisordConfig& supervisord, const ProcessConfig& process);

struct Config {
  std::string path;                   // the main config file (absolute)
  std::vector<std::string> included;  // files read through [include], in order
  std::vector<std::string> warnings;  // parse-time warnings, logged at startup
  SupervisordConfig supervisord;
  std::vector<UnixServerConfig> unix_servers;
  std::vector<InetServerConfig> inet_servers;
  std::vector<std::shared_ptr<const GroupConfig>> groups;  // sorted by (priority, name)
  std::map<std::string, std::map<std::string, std::string>> rpcinterfaces;  // accepted, unused
  // Values the loader computed from the machine, kept so --check-config can show them.
  std::string host_node_name;
  int cpu_count = 1;  // extension: %(cpu_count)d

  const GroupConfig* find_group(const std::string& name) const;
};

// What a config costs the daemon while every process runs: file descriptors (pipes, log
// files while a run writes them, NOTIFY_SOCKET and socket= sockets, plus the daemon's own)
// and processes. Used to raise RLIMIT_NOFILE / RLIMIT_NPROC toward their hard limits and
// shown by --check-config.
struct ResourceEstimate {
  int64_t processes = 0;  // configured processes (masters)
  int64_t fds_idle = 0;   // every process running, none writing output
  int64_t fds_busy = 0;   // every process running and writing to its log files
};
ResourceEstimate estimate_resources(const Config& config);

}  // namespace config
