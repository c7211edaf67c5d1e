// options.h — supervisorctl's command line and [supervisorctl] config section (see
// http://supervisord.org/running.html), with Python's getopt and ClientOptions semantics:
// same option letters and long-option prefixes, same "Error: ... / For help, use
// <argv0> -h" texts, command line beats config beats defaults.
// Owns: argv parsing, config search, serverurl/history_file expansion.
// Must not depend on sockets, HTTP, XML-RPC or the command catalog.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ctl {

struct Options {
  std::string progname;                   // argv[0], used in help and usage texts
  std::optional<std::string> configfile;  // explicit -c, or the file found by search
  std::string serverurl = "http://localhost:9001";
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string prompt = "supervisor";
  std::optional<std::string> history_file;
  bool interactive = false;       // true when no command was given, or -i
  std::vector<std::string> args;  // the command and its arguments
};

// What the command line asks for before any config is read.
struct CommandLine {
  std::optional<std::string> configfile;
  std::optional<std::string> serverurl;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> history_file;
  bool interactive = false;
  bool help = false;  // -h/-?/--help met before any error
  std::vector<std::string> args;
};

// Python getopt.getopt(args, "h?c:is:u:p:r:", [...]) followed by ClientOptions'
// per-option processing, in order. The error is the usage message without the
// "Error: " prefix, e.g. "option -x not recognized".
Result<CommandLine> parse_command_line(const std::vector<std::string>& args);

// Python's datatypes.url: a scheme and a netloc or path.
bool is_url(std::string_view value);

// os.path.normpath(os.path.abspath(os.path.expanduser(path))).
std::string normalize_path(std::string_view path);

// The default config search list, Supervisor's order, for an executable named argv0.
std::vector<std::string> config_search_paths(std::string_view argv0);

// Everything: parse argv, find and read the config, fill defaults. The error is the
// usage message ("could not find config file x", ".ini file does not include
// supervisorctl section", ...). `help` is set in the result when -h was given.
struct Realized {
  Options options;
  bool help = false;
};
Result<Realized> realize(std::string_view argv0, const std::vector<std::string>& args);

// The -h text (Python's module docstring with %s replaced by argv0), trailing "\n".
std::string usage_text(std::string_view progname);
// "Error: <msg>\nFor help, use <argv0> -h\n" (written to stderr, exit 2).
std::string usage_error_text(std::string_view progname, std::string_view message);

}  // namespace ctl
