// model.cc — the few behaviours of the config model types: equality, lookup, the merged
// environment. No parsing here (that is loader.cc).
#include "supervisord/config/model.h"

#include <tuple>

namespace config {
namespace {

bool same_log(const LogConfig& a, const LogConfig& b) {
  return a.file.kind == b.file.kind && a.file.path == b.file.path && a.maxbytes == b.maxbytes &&
         a.backups == b.backups && a.capture_maxbytes == b.capture_maxbytes &&
         a.events_enabled == b.events_enabled && a.syslog == b.syslog;
}

bool same_user(const std::optional<values::UserId>& a, const std::optional<values::UserId>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->uid == b->uid && a->gid == b->gid && a->name == b->name);
}

bool same_owner(const std::optional<values::UserGroup>& a,
                const std::optional<values::UserGroup>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->uid == b->uid && a->gid == b->gid);
}

}  // namespace

bool ProcessConfig::operator==(const ProcessConfig& o) const {
  auto plain = [](const ProcessConfig& p) {
    return std::tie(p.name, p.group, p.program, p.kind, p.process_num, p.numprocs, p.command,
                    p.priority, p.autostart, p.autorestart, p.startsecs, p.startretries,
                    p.exitcodes, p.stopsignal, p.stopwaitsecs, p.stopasgroup, p.killasgroup,
                    p.user_text, p.redirect_stderr, p.environment, p.directory, p.umask,
                    p.serverurl, p.reap_group, p.events, p.buffer_size, p.result_handler, p.socket,
                    p.socket_backlog, p.socket_mode, p.ready, p.ready_timeout, p.liveness_interval,
                    p.liveness_failures, p.listen_socket, p.follow_upgrade, p.memory_max,
                    p.memory_high, p.pids_max, p.cpu_max);
  };
  return plain(*this) == plain(o) && same_user(user, o.user) &&
         same_log(stdout_log, o.stdout_log) && same_log(stderr_log, o.stderr_log) &&
         same_owner(socket_owner, o.socket_owner);
}

bool GroupConfig::operator==(const GroupConfig& o) const {
  if (name != o.name || priority != o.priority || kind != o.kind) return false;
  if (processes.size() != o.processes.size()) return false;
  for (size_t i = 0; i < processes.size(); ++i) {
    if (!(*processes[i] == *o.processes[i])) return false;
  }
  return true;
}

const char* autorestart_name(Autorestart value) {
  switch (value) {
    case Autorestart::False:
      return "false";
    case Autorestart::True:
      return "true";
    case Autorestart::Unexpected:
      return "unexpected";
  }
  return "unexpected";
}

std::vector<std::pair<std::string, std::string>> effective_environment(
    const SupervisordConfig& supervisord, const ProcessConfig& process) {
  auto env = supervisord.environment;
  for (const auto& [key, value] : process.environment) {
    bool replaced = false;
    for (auto& item : env) {
      if (item.first == key) {
        item.second = value;
        replaced = true;
        break;
      }
    }
    if (!replaced) env.emplace_back(key, value);
  }
  return env;
}

const GroupConfig* Config::find_group(const std::string& name) const {
  for (const auto& group : groups) {
    if (group->name == name) return group.get();
  }
  return nullptr;
}

ResourceEstimate estimate_resources(const Config& config) {
  // The daemon's own: stdio, its log, the state file (database, WAL, shared memory), the
  // spawn slots, the control plane's reserve, libuv's internals, listeners and a few
  // clients at once.
  constexpr int64_t kDaemonOwn = 48;
  ResourceEstimate e;
  e.fds_idle =
      kDaemonOwn + static_cast<int64_t>(config.unix_servers.size() + config.inet_servers.size());
  int64_t files = 0;
  for (const auto& g : config.groups) {
    for (const auto& pp : g->processes) {
      const ProcessConfig& p = *pp;
      ++e.processes;
      bool listener = p.kind == ProgramKind::EventListener;
      e.fds_idle += (listener || !p.stdout_log.goes_nowhere()) ? 1 : 0;
      e.fds_idle += (!p.redirect_stderr && !p.stderr_log.goes_nowhere()) ? 1 : 0;
      e.fds_idle += listener ? 1 : 0;  // its stdin is written at once
      e.fds_idle += p.ready == "notify" ? 1 : 0;
      e.fds_idle += p.listen_socket.empty() ? 0 : 1;
      using Kind = values::LogfileName::Kind;
      for (const LogConfig* log : {&p.stdout_log, &p.stderr_log}) {
        if (log == &p.stderr_log && p.redirect_stderr) continue;
        files += (log->file.kind == Kind::Auto || log->file.kind == Kind::Path) ? 1 : 0;
      }
    }
  }
  e.fds_busy = e.fds_idle + files;
  return e;
}

}  // namespace config
