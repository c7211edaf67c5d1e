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
                    p.serverurl, p.reap_group, p.events, p.buffer_size, p.result_handler,
                    p.socket, p.socket_backlog, p.socket_mode, p.ready, p.ready_timeout,
                    p.liveness_interval, p.liveness_failures, p.listen_socket);
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
    case Autorestart::False: return "false";
    case Autorestart::True: return "true";
    case Autorestart::Unexpected: return "unexpected";
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

}  // namespace config
