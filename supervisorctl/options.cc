// options.cc — see options.h.
#include "supervisorctl/options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <variant>

#include "common/ctl_section.h"
#include "common/expand.h"
#include "common/ini.h"
#include "common/pystr.h"

namespace ctl {
namespace {

constexpr std::string_view kShortOpts = "h?c:is:u:p:r:";
constexpr std::string_view kLongOpts[] = {"help",         "configuration=", "interactive",
                                          "serverurl=",   "username=",      "password=",
                                          "history_file="};

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string dirname(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return "";
  std::string_view head = path.substr(0, slash);
  // Python keeps the root's slashes ("/x" -> "/").
  while (!head.empty() && head.back() == '/') head.remove_suffix(1);
  if (head.empty()) return std::string(path.substr(0, slash + 1));
  return std::string(head);
}

std::string join(std::string_view a, std::string_view b) {
  if (!b.empty() && b[0] == '/') return std::string(b);
  if (a.empty() || a.back() == '/') return std::string(a) + std::string(b);
  return std::string(a) + "/" + std::string(b);
}

// One processed option: the key as getopt reports it ("-s", "--serverurl") and its value.
struct Opt {
  std::string key;
  std::string value;
};

// getopt.getopt, stopping at the first non-option argument as Python's does.
Result<std::vector<Opt>> getopt(std::vector<std::string>& args) {
  std::vector<Opt> opts;
  while (!args.empty() && args[0].size() > 1 && args[0][0] == '-') {
    if (args[0] == "--") {
      args.erase(args.begin());
      break;
    }
    std::string word = args[0];
    args.erase(args.begin());
    if (word.rfind("--", 0) == 0) {
      std::string opt = word.substr(2);
      std::optional<std::string> optarg;
      if (size_t eq = opt.find('='); eq != std::string::npos) {
        optarg = opt.substr(eq + 1);
        opt = opt.substr(0, eq);
      }
      std::vector<std::string_view> possible;
      for (std::string_view lo : kLongOpts) {
        if (lo.substr(0, opt.size()) == opt) possible.push_back(lo);
      }
      if (possible.empty()) return Error{"option --" + opt + " not recognized"};
      bool has_arg = false;
      bool exact = false;
      for (std::string_view p : possible) {
        if (p == opt) {
          exact = true;
          has_arg = false;
          break;
        }
        if (p == opt + "=") {
          exact = true;
          has_arg = true;
          break;
        }
      }
      if (!exact) {
        if (possible.size() > 1) return Error{"option --" + opt + " not a unique prefix"};
        std::string_view match = possible[0];
        has_arg = match.back() == '=';
        if (has_arg) match.remove_suffix(1);
        opt = std::string(match);
      }
      if (has_arg) {
        if (!optarg) {
          if (args.empty()) return Error{"option --" + opt + " requires argument"};
          optarg = args[0];
          args.erase(args.begin());
        }
      } else if (optarg) {
        return Error{"option --" + opt + " must not have an argument"};
      }
      opts.push_back({"--" + opt, optarg.value_or("")});
      continue;
    }
    std::string rest = word.substr(1);
    while (!rest.empty()) {
      char c = rest[0];
      rest.erase(0, 1);
      size_t at = kShortOpts.find(c);
      if (c == ':' || at == std::string_view::npos) {
        return Error{std::string("option -") + c + " not recognized"};
      }
      bool has_arg = at + 1 < kShortOpts.size() && kShortOpts[at + 1] == ':';
      std::string optarg;
      if (has_arg) {
        if (rest.empty()) {
          if (args.empty()) return Error{std::string("option -") + c + " requires argument"};
          rest = args[0];
          args.erase(args.begin());
        }
        optarg = rest;
        rest.clear();
      }
      opts.push_back({std::string("-") + c, optarg});
    }
  }
  return opts;
}

expand::Scope env_scope() {
  expand::Scope scope;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    scope.set("ENV_" + std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return scope;
}

// ClientOptions.read_config: fills `out` from the [supervisorctl] section (priority 0).
Status read_config(const std::string& path, Options& out) {
  std::string here = dirname(normalize_path(path));
  if (!exists(path)) return Status::fail("could not find config file " + path);
  ini::Document doc;
  if (Status st = doc.parse_file(path); !st) {
    if (::access(path.c_str(), R_OK) != 0)
      return Status::fail("could not read config file " + path);
    return st;
  }
  const ini::Section* section = doc.find(ctl_section::kName);
  if (section == nullptr) return Status::fail(".ini file does not include supervisorctl section");

  auto values = ctl_section::read(doc, *section, env_scope(), here);
  if (!values) return Status::fail(values.error());
  // serverurl and prompt always have a value (a default); the others stay unset if absent.
  out.serverurl = *values->serverurl;
  if (out.serverurl.rfind("unix://", 0) == 0) {
    out.serverurl = "unix://" + normalize_path(out.serverurl.substr(7));
  }
  out.prompt = *values->prompt;
  if (values->username) out.username = values->username;
  if (values->password) out.password = values->password;
  if (values->history_file && !values->history_file->empty())
    out.history_file = normalize_path(*values->history_file);
  return Status::success();
}

}  // namespace

bool is_url(std::string_view value) {
  // urllib.parse.urlsplit: a scheme is letters/digits/+-. before ':' starting with a letter.
  std::string_view rest = value;
  bool scheme = false;
  size_t colon = value.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      ((value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z'))) {
    scheme = true;
    for (char c : value.substr(0, colon)) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '+' || c == '-' || c == '.';
      if (!ok) {
        scheme = false;
        break;
      }
    }
    if (scheme) rest = value.substr(colon + 1);
  }
  if (!scheme) return false;
  // netloc or path: anything before '?' / '#' once "//" is taken as the netloc marker.
  std::string_view body = rest.substr(0, rest.find_first_of("?#"));
  if (body.substr(0, 2) == "//") body.remove_prefix(2);
  return !body.empty();
}

std::string normalize_path(std::string_view path) {
  std::string p(path);
  if (!p.empty() && p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) p = std::string(home) + p.substr(1);
  }
  if (p.empty() || p[0] != '/') {
    char buf[4096];
    if (::getcwd(buf, sizeof buf) != nullptr) p = join(buf, p);
  }
  // posixpath.normpath
  int initial = 0;
  if (!p.empty() && p[0] == '/')
    initial = (p.size() > 1 && p[1] == '/' && (p.size() < 3 || p[2] != '/')) ? 2 : 1;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string comp = p.substr(i, j - i);
    if (comp.empty() || comp == ".") {
    } else if (comp != ".." || (initial == 0 && parts.empty()) ||
               (!parts.empty() && parts.back() == "..")) {
      parts.push_back(comp);
    } else if (!parts.empty()) {
      parts.pop_back();
    }
    i = j + 1;
  }
  std::string out(initial, '/');
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::vector<std::string> config_search_paths(std::string_view argv0) {
  std::string here = dirname(dirname(argv0));
  return {join(here, "etc/supervisord.conf"),
          join(here, "supervisord.conf"),
          "supervisord.conf",
          "etc/supervisord.conf",
          "/etc/supervisord.conf",
          "/etc/supervisor/supervisord.conf"};
}

Result<CommandLine> parse_command_line(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  auto opts = getopt(args);
  if (!opts) return Error{opts.error()};
  CommandLine cl;
  bool interactive_set = false;
  for (const Opt& o : *opts) {
    const std::string& k = o.key;
    auto set = [&](std::optional<std::string>& field, std::string value) -> Status {
      if (field) return Status::fail("conflicting command line option " + pystr::repr(k));
      field = std::move(value);
      return Status::success();
    };
    Status st;
    if (k == "-h" || k == "-?" || k == "--help") {
      cl.help = true;
      break;  // Python prints help and exits right here
    } else if (k == "-c" || k == "--configuration") {
      st = set(cl.configfile, o.value);
    } else if (k == "-i" || k == "--interactive") {
      if (interactive_set) st = Status::fail("conflicting command line option " + pystr::repr(k));
      interactive_set = cl.interactive = true;
    } else if (k == "-s" || k == "--serverurl") {
      if (!is_url(o.value)) {
        return Error{"invalid value for " + k + " " + pystr::repr(o.value) + ": value " +
                     pystr::repr(o.value) + " is not a URL"};
      }
      st = set(cl.serverurl, o.value);
    } else if (k == "-u" || k == "--username") {
      st = set(cl.username, o.value);
    } else if (k == "-p" || k == "--password") {
      st = set(cl.password, o.value);
    } else if (k == "-r" || k == "--history_file") {
      st = set(cl.history_file, o.value);
    }
    if (!st) return Error{st.error()};
  }
  cl.args = std::move(args);
  return cl;
}

Result<Realized> realize(std::string_view argv0, const std::vector<std::string>& args) {
  auto cl = parse_command_line(args);
  if (!cl) return Error{cl.error()};
  Realized out;
  out.options.progname = std::string(argv0);
  if (cl->help) {
    out.help = true;
    return out;
  }
  Options& o = out.options;
  o.configfile = cl->configfile;
  if (!o.configfile) {
    for (const std::string& p : config_search_paths(argv0)) {
      if (exists(p)) {
        o.configfile = p;
        break;
      }
    }
  }
  if (o.configfile) {
    if (Status st = read_config(*o.configfile, o); !st) return Error{st.error()};
  }
  if (cl->serverurl) o.serverurl = *cl->serverurl;
  if (cl->username) o.username = cl->username;
  if (cl->password) o.password = cl->password;
  if (cl->history_file) o.history_file = cl->history_file;
  o.args = cl->args;
  o.interactive = cl->interactive || o.args.empty();
  return out;
}

std::string usage_text(std::string_view progname) {
  return "supervisorctl -- control applications run by supervisord from the cmd line.\n"
         "\n"
         "Usage: " +
         std::string(progname) +
         " [options] [action [arguments]]\n"
         "\n"
         "Options:\n"
         "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
         "-h/--help -- print usage message and exit\n"
         "-i/--interactive -- start an interactive shell after executing commands\n"
         "-s/--serverurl URL -- URL on which supervisord server is listening\n"
         "     (default \"http://localhost:9001\").\n"
         "-u/--username USERNAME -- username to use for authentication with server\n"
         "-p/--password PASSWORD -- password to use for authentication with server\n"
         "-r/--history-file -- keep a readline history (if readline is available)\n"
         "\n"
         "action [arguments] -- see below\n"
         "\n"
         "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
         "specified on the command line, a \"shell\" interpreting actions typed\n"
         "interactively is started.  Use the action \"help\" to find out about available\n"
         "actions.\n"
         "\n";
}

std::string usage_error_text(std::string_view progname, std::string_view message) {
  return "Error: " + std::string(message) + "\nFor help, use " + std::string(progname) + " -h\n";
}

}  // namespace ctl
