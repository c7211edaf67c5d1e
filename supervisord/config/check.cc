// check.cc — text and JSON renderings of a loaded Config for --check-config.
#include "supervisord/config/check.h"

#include <sys/resource.h>

#include <cstdio>

#include "common/text_io.h"
#include "supervisord/config/schema.h"

namespace config {
namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_bool(bool b) {
  return b ? "true" : "false";
}

// This process's RLIMIT_NOFILE, -1 for unlimited: what a daemon started now would have
// (before minfds= and the estimate raise the soft limit).
struct NofileLimit {
  int64_t soft = -1;
  int64_t hard = -1;
};
NofileLimit nofile_limit() {
  struct rlimit rl {};
  NofileLimit n;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return n;
  if (rl.rlim_cur != RLIM_INFINITY) n.soft = static_cast<int64_t>(rl.rlim_cur);
  if (rl.rlim_max != RLIM_INFINITY) n.hard = static_cast<int64_t>(rl.rlim_max);
  return n;
}

std::string log_text(const LogConfig& log) {
  switch (log.file.kind) {
    case values::LogfileName::Kind::Auto:
      return "AUTO";
    case values::LogfileName::Kind::None:
      return "NONE";
    case values::LogfileName::Kind::Syslog:
      return "syslog";
    case values::LogfileName::Kind::Path:
      return log.file.path;
  }
  return "";
}

const char* kind_text(ProgramKind kind) {
  switch (kind) {
    case ProgramKind::Program:
      return "program";
    case ProgramKind::EventListener:
      return "eventlistener";
    case ProgramKind::FcgiProgram:
      return "fcgi-program";
  }
  return "program";
}

std::string octal_text(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%03o", static_cast<unsigned>(mode));
  return buf;
}

// Where an AUTO log will go: the name is random, so show the pattern.
std::string auto_pattern(const Config& config, const ProcessConfig& p, const char* channel) {
  return config.supervisord.childlogdir + "/" + p.name + "-" + channel + "---" +
         config.supervisord.identifier + "-XXXXXXXX.log";
}

std::string json_log(const LogConfig& log, const char* prefix) {
  std::string p = std::string("\"") + prefix;
  textio::Out o;
  o << p << "_logfile\": " << json_string(log_text(log)) << ", " << p
    << "_logfile_maxbytes\": " << log.maxbytes << ", " << p << "_logfile_backups\": " << log.backups
    << ", " << p << "_capture_maxbytes\": " << log.capture_maxbytes << ", " << p
    << "_events_enabled\": " << json_bool(log.events_enabled) << ", " << p
    << "_syslog\": " << json_bool(log.syslog);
  return o.str();
}

std::string json_process(const Config& config, const ProcessConfig& p) {
  textio::Out o;
  o << "{\"name\": " << json_string(p.name) << ", \"group\": " << json_string(p.group)
    << ", \"program\": " << json_string(p.program)
    << ", \"kind\": " << json_string(kind_text(p.kind)) << ", \"process_num\": " << p.process_num
    << ", \"numprocs\": " << p.numprocs << ", \"command\": " << json_string(p.command)
    << ", \"directory\": " << (p.directory ? json_string(*p.directory) : "null")
    << ", \"user\": " << (p.user ? json_string(p.user_text) : "null")
    << ", \"uid\": " << (p.user ? std::to_string(p.user->uid) : "null")
    << ", \"priority\": " << p.priority << ", \"autostart\": " << json_bool(p.autostart)
    << ", \"autorestart\": " << json_string(autorestart_name(p.autorestart))
    << ", \"startsecs\": " << p.startsecs << ", \"startretries\": " << p.startretries
    << ", \"exitcodes\": [";
  for (size_t i = 0; i < p.exitcodes.size(); ++i) o << (i ? ", " : "") << p.exitcodes[i];
  o << "], \"stopsignal\": " << p.stopsignal
    << ", \"stopsignal_name\": " << json_string(values::signal_name(p.stopsignal))
    << ", \"stopwaitsecs\": " << p.stopwaitsecs << ", \"stopasgroup\": " << json_bool(p.stopasgroup)
    << ", \"killasgroup\": " << json_bool(p.killasgroup)
    << ", \"redirect_stderr\": " << json_bool(p.redirect_stderr)
    << ", \"umask\": " << (p.umask ? std::to_string(*p.umask) : "null")
    << ", \"serverurl\": " << (p.serverurl ? json_string(*p.serverurl) : "null") << ", "
    << json_log(p.stdout_log, "stdout") << ", " << json_log(p.stderr_log, "stderr")
    << ", \"environment\": {";
  auto env = effective_environment(config.supervisord, p);
  for (size_t i = 0; i < env.size(); ++i) {
    o << (i ? ", " : "") << json_string(env[i].first) << ": " << json_string(env[i].second);
  }
  o << "}, \"reap_group\": " << json_bool(p.reap_group);
  if (p.kind == ProgramKind::EventListener) {
    o << ", \"events\": [";
    for (size_t i = 0; i < p.events.size(); ++i) o << (i ? ", " : "") << json_string(p.events[i]);
    o << "], \"buffer_size\": " << p.buffer_size
      << ", \"result_handler\": " << json_string(p.result_handler);
  }
  if (p.kind == ProgramKind::FcgiProgram) {
    o << ", \"socket\": " << json_string(p.socket) << ", \"socket_backlog\": " << p.socket_backlog
      << ", \"socket_mode\": " << p.socket_mode;
  }
  o << ", \"origin\": " << json_string(p.origin.file + ":" + std::to_string(p.origin.line)) << "}";
  return o.str();
}

}  // namespace

std::string render_json(const Config& config) {
  const auto& s = config.supervisord;
  textio::Out o;
  const ResourceEstimate e = estimate_resources(config);
  const NofileLimit lim = nofile_limit();
  o << "{\"ok\": true, \"config\": " << json_string(config.path)
    << ", \"resources\": {\"processes\": " << e.processes << ", \"fds_idle\": " << e.fds_idle
    << ", \"fds_busy\": " << e.fds_busy << ", \"nofile_soft\": " << lim.soft
    << ", \"nofile_hard\": " << lim.hard << "}, \"included\": [";
  for (size_t i = 0; i < config.included.size(); ++i)
    o << (i ? ", " : "") << json_string(config.included[i]);
  o << "], \"warnings\": [";
  for (size_t i = 0; i < config.warnings.size(); ++i)
    o << (i ? ", " : "") << json_string(config.warnings[i]);
  o << "],\n \"supervisord\": {\"logfile\": " << json_string(s.logfile)
    << ", \"logfile_maxbytes\": " << s.logfile_maxbytes
    << ", \"logfile_backups\": " << s.logfile_backups << ", \"loglevel\": " << s.loglevel
    << ", \"pidfile\": " << json_string(s.pidfile) << ", \"umask\": " << s.umask
    << ", \"nodaemon\": " << json_bool(s.nodaemon) << ", \"silent\": " << json_bool(s.silent)
    << ", \"minfds\": " << s.minfds << ", \"minprocs\": " << s.minprocs
    << ", \"nocleanup\": " << json_bool(s.nocleanup)
    << ", \"childlogdir\": " << json_string(s.childlogdir)
    << ", \"user\": " << (s.user ? json_string(s.user->name) : "null")
    << ", \"directory\": " << (s.directory ? json_string(*s.directory) : "null")
    << ", \"strip_ansi\": " << json_bool(s.strip_ansi)
    << ", \"identifier\": " << json_string(s.identifier)
    << ", \"statefile\": " << json_string(s.statefile)
    << ", \"remember_state\": " << json_bool(s.remember_state)
    << ", \"http_request_maxbytes\": " << s.http_request_maxbytes << "},\n \"servers\": [";
  bool first = true;
  for (const auto& u : config.unix_servers) {
    o << (first ? "" : ", ") << "{\"section\": " << json_string(u.section)
      << ", \"file\": " << json_string(u.file) << ", \"chmod\": " << u.chmod
      << ", \"auth\": " << json_bool(!u.username.empty() || !u.password.empty()) << "}";
    first = false;
  }
  for (const auto& i : config.inet_servers) {
    o << (first ? "" : ", ") << "{\"section\": " << json_string(i.section)
      << ", \"host\": " << json_string(i.host) << ", \"port\": " << i.port
      << ", \"auth\": " << json_bool(!i.username.empty() || !i.password.empty()) << "}";
    first = false;
  }
  o << "],\n \"groups\": [";
  for (size_t g = 0; g < config.groups.size(); ++g) {
    const auto& group = *config.groups[g];
    o << (g ? ",\n  " : "\n  ") << "{\"name\": " << json_string(group.name)
      << ", \"priority\": " << group.priority
      << ", \"kind\": " << json_string(kind_text(group.kind)) << ", \"processes\": [";
    for (size_t i = 0; i < group.processes.size(); ++i) {
      o << (i ? ",\n    " : "\n    ") << json_process(config, *group.processes[i]);
    }
    o << "]}";
  }
  o << "]}\n";
  return o.str();
}

std::string render_text(const Config& config) {
  textio::Out o;
  size_t count = 0;
  for (const auto& g : config.groups) count += g->processes.size();
  o << "config " << config.path << " is valid: " << config.groups.size() << " groups, " << count
    << " processes\n";
  for (const auto& f : config.included) o << "  included " << f << "\n";
  const ResourceEstimate e = estimate_resources(config);
  const NofileLimit lim = nofile_limit();
  o << "resources: " << e.processes << " processes need about " << e.fds_idle
    << " file descriptors running, " << e.fds_busy << " while every one writes its logs"
    << " (RLIMIT_NOFILE here: soft " << lim.soft << ", hard " << lim.hard << ")\n";
  if (lim.hard >= 0 && lim.hard < e.fds_busy)
    o << "warning: the hard RLIMIT_NOFILE " << lim.hard << " is below " << e.fds_busy
      << ": some processes may fail to spawn (raise LimitNOFILE= or ulimit -Hn, or minfds= as "
         "root)\n";
  for (const auto& w : config.warnings) o << "warning: " << w << "\n";
  for (const auto& u : config.unix_servers)
    o << "server [" << u.section << "] unix://" << u.file << "\n";
  for (const auto& i : config.inet_servers) {
    o << "server [" << i.section << "] http://" << (i.host.empty() ? "*" : i.host) << ":" << i.port
      << "\n";
  }
  for (const auto& group : config.groups) {
    o << "\ngroup " << group->name << " (" << kind_text(group->kind) << ", priority "
      << group->priority << ", " << group->processes.size() << " processes)\n";
    for (const auto& pp : group->processes) {
      const auto& p = *pp;
      o << "  " << (p.name == group->name ? p.name : group->name + ":" + p.name) << "  priority "
        << p.priority << "  autostart " << json_bool(p.autostart) << "  autorestart "
        << autorestart_name(p.autorestart) << "  startsecs " << p.startsecs << "  stopsignal "
        << values::signal_name(p.stopsignal) << "\n";
      o << "    command    " << p.command << "\n";
      o << "    directory  " << (p.directory ? *p.directory : "(supervisord's)") << "\n";
      o << "    user       " << (p.user ? p.user_text : "(supervisord's)") << "\n";
      if (p.umask) o << "    umask      " << octal_text(*p.umask) << "\n";
      if (!p.depends_on.empty()) {
        o << "    depends_on";
        for (const auto& item : p.depends_on)
          if (!item.empty()) o << " " << item;
        o << (p.depends_on_bind ? "  (bound)\n" : "\n");
      }
      for (auto [log, channel] :
           {std::pair{&p.stdout_log, "stdout"}, std::pair{&p.stderr_log, "stderr"}}) {
        o << "    " << channel << "     ";
        if (log->file.kind == values::LogfileName::Kind::Auto) {
          o << "AUTO " << auto_pattern(config, p, channel);
        } else if (channel == std::string("stderr") && p.redirect_stderr) {
          o << "(redirected to stdout)";
        } else {
          o << log_text(*log);
        }
        if (log->syslog) o << " +syslog";
        o << "\n";
      }
      auto env = effective_environment(config.supervisord, p);
      if (!env.empty()) {
        o << "    environment";
        for (const auto& [k, v] : env) o << " " << k << "=" << v;
        o << "\n";
      }
      if (p.kind == ProgramKind::EventListener) {
        o << "    events    ";
        for (const auto& e : p.events) o << " " << e;
        o << "  (buffer_size " << p.buffer_size << ")\n";
      }
      if (p.kind == ProgramKind::FcgiProgram) o << "    socket     " << p.socket << "\n";
    }
  }
  return o.str();
}

int run_check_config(const LoadOptions& options, bool json, std::string& out, std::string& err,
                     const std::function<std::string(const Config&)>& containment) {
  auto config = load(options);
  if (!config) {
    err += "Error: " + config.error() + "\n";
    if (json) out += "{\"ok\": false, \"error\": " + json_string(config.error()) + "}\n";
    return 2;
  }
  std::string text = json ? render_json(*config) : render_text(*config);
  if (containment) {
    std::string mode = containment(*config);
    size_t end = text.rfind('}');
    if (!json)
      text += "containment: " + mode + "\n";
    else if (end != std::string::npos)
      text.insert(end, ", \"containment\": " + json_string(mode));
  }
  out += text;
  return 0;
}

}  // namespace config
