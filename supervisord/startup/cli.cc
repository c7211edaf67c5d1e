// startup/cli.cc — see cli.h.
#include "supervisord/startup/cli.h"

#include <cstring>

namespace startup {
namespace {

struct Flag {
  char short_name;  // 0: long only
  const char* long_name;
  const char* option;  // [supervisord] option it overrides; null: handled here
  bool takes_value;
};

// One row per flag; usage text below follows the same order.
constexpr Flag kFlags[] = {
    {'c', "configuration", nullptr, true},
    {'n', "nodaemon", "nodaemon", false},
    {'s', "silent", "silent", false},
    {'h', "help", nullptr, false},
    {'?', nullptr, nullptr, false},
    {'v', "version", nullptr, false},
    {'u', "user", "user", true},
    {'m', "umask", "umask", true},
    {'d', "directory", "directory", true},
    {'l', "logfile", "logfile", true},
    {'y', "logfile_maxbytes", "logfile_maxbytes", true},
    {'z', "logfile_backups", "logfile_backups", true},
    {'e', "loglevel", "loglevel", true},
    {'j', "pidfile", "pidfile", true},
    {'i', "identifier", "identifier", true},
    {'q', "childlogdir", "childlogdir", true},
    {'k', "nocleanup", "nocleanup", false},
    {'a', "minfds", "minfds", true},
    {'t', "strip_ansi", "strip_ansi", false},
    {0, "minprocs", "minprocs", true},
    {0, "profile_options", nullptr, true},
    {0, "check-config", nullptr, false},
    {0, "json", nullptr, false},
    {0, "sample-config", nullptr, false},
    {0, "handover-fd", nullptr, true},
    {0, "handover-version", nullptr, true},
};

// A descriptor number or record version: a decimal number, 0 to 2^31-1.
Status number(const std::string& flag, const std::string& value, int& out) {
  if (value.empty() || value.size() > 10 || value.find_first_not_of("0123456789") != value.npos ||
      std::stoll(value) > 0x7fffffff)
    return Status::fail("option --" + flag + " needs a number, not '" + value + "'");
  out = static_cast<int>(std::stoll(value));
  return Status::success();
}

Status apply(CliOptions& out, const Flag& f, const std::string& value) {
  if (f.option) {
    // Supervisor names the short flag in value errors when there is one.
    std::string flag =
        f.short_name ? std::string("-") + f.short_name : std::string("--") + f.long_name;
    out.overrides[f.option] = CliOverride{flag, f.takes_value ? value : "true"};
    return Status::success();
  }
  std::string_view name = f.long_name ? f.long_name : "";
  if (f.short_name == 'c')
    out.config_path = value;
  else if (f.short_name == 'h' || f.short_name == '?')
    out.help = true;
  else if (f.short_name == 'v')
    out.version = true;
  else if (name == "check-config")
    out.check_config = true;
  else if (name == "json")
    out.json = true;
  else if (name == "sample-config")
    out.sample_config = true;
  else if (name == "handover-fd")
    return number(f.long_name, value, out.handover_fd);
  else if (name == "handover-version")
    return number(f.long_name, value, out.handover_version);
  // --profile_options is accepted and ignored: there is no Python profiler to run.
  return Status::success();
}

}  // namespace

Result<CliOptions> parse_cli(const std::vector<std::string>& args) {
  CliOptions out;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      // getopt accepts any unambiguous prefix of a long option.
      const Flag* match = nullptr;
      int matches = 0;
      for (const Flag& f : kFlags) {
        if (!f.long_name) continue;
        if (name == f.long_name) {
          match = &f;
          matches = 1;
          break;
        }
        if (std::strncmp(f.long_name, name.c_str(), name.size()) == 0) {
          match = &f;
          ++matches;
        }
      }
      if (!match || name.empty())
        return Result<CliOptions>::fail("option --" + name + " not recognized");
      if (matches > 1) return Result<CliOptions>::fail("option --" + name + " not a unique prefix");
      if (match->takes_value && !has_value) {
        if (i + 1 >= args.size())
          return Result<CliOptions>::fail("option --" + name + " requires argument");
        value = args[++i];
      } else if (!match->takes_value && has_value) {
        return Result<CliOptions>::fail("option --" + name + " must not have an argument");
      }
      if (Status st = apply(out, *match, value); !st) return Result<CliOptions>::fail(st.error());
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      for (size_t j = 1; j < a.size(); ++j) {
        const Flag* match = nullptr;
        for (const Flag& f : kFlags)
          if (f.short_name && f.short_name == a[j]) match = &f;
        if (!match)
          return Result<CliOptions>::fail(std::string("option -") + a[j] + " not recognized");
        if (match->takes_value) {
          std::string value;
          if (j + 1 < a.size())
            value = a.substr(j + 1);
          else if (i + 1 < args.size())
            value = args[++i];
          else
            return Result<CliOptions>::fail(std::string("option -") + a[j] + " requires argument");
          (void)apply(out, *match, value);
          break;
        }
        (void)apply(out, *match, "");
      }
      continue;
    }
    // getopt stops at the first positional argument.
    positional.insert(positional.end(), args.begin() + i, args.end());
    break;
  }
  if (!positional.empty()) {
    std::string list = "[";
    for (size_t i = 0; i < positional.size(); ++i) {
      if (i) list += ", ";
      list += "'" + positional[i] + "'";
    }
    return Result<CliOptions>::fail("positional arguments are not supported: " + list + "]");
  }
  return out;
}

std::string cli_error_text(const std::string& argv0, const std::string& message) {
  return "Error: " + message + "\nFor help, use " + argv0 + " -h\n";
}

std::string cli_usage(const std::string& argv0) {
  return "supervisord -- run a set of applications as daemons.\n\n"
         "Usage: " +
         argv0 +
         " [options]\n\n"
         "Options:\n"
         "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
         "-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)\n"
         "-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)\n"
         "-h/--help -- print this usage message and exit\n"
         "-v/--version -- print supervisord version number and exit\n"
         "-u/--user USER -- run supervisord as this user (or numeric uid)\n"
         "-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)\n"
         "-d/--directory DIRECTORY -- directory to chdir to when daemonized\n"
         "-l/--logfile FILENAME -- use FILENAME as logfile path\n"
         "-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile\n"
         "-z/--logfile_backups NUM -- number of backups to keep when max bytes reached\n"
         "-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)\n"
         "-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME\n"
         "-i/--identifier STR -- identifier used for this instance of supervisord\n"
         "-q/--childlogdir DIRECTORY -- the log directory for child process logs\n"
         "-k/--nocleanup --  prevent the process from performing cleanup (removal of\n"
         "                   old automatic child log files) at startup.\n"
         "-a/--minfds NUM -- the minimum number of file descriptors for start success\n"
         "-t/--strip_ansi -- strip ansi escape codes from process output\n"
         "--minprocs NUM  -- the minimum number of processes available for start success\n"
         "--profile_options OPTIONS -- accepted for compatibility and ignored\n"
         "\n"
         "Extensions:\n"
         "--check-config -- parse and validate the config, print every process that\n"
         "                  would run (fully expanded), exit 0; on error exit 2\n"
         "--json -- with --check-config: print JSON for tools\n"
         "--handover-version N -- with --check-config: exit 3 unless this build reads\n"
         "                        version N of the re-exec hand-over record\n"
         "--handover-fd FD -- internal (supervisor.reexec): adopt the processes the\n"
         "                    record in FD names instead of starting them\n";
}

}  // namespace startup
