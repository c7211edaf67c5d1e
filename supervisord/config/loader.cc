// loader.cc — reads the files and walks the sections in Supervisor's order (include,
// [supervisord], rpcinterface, groups, programs, eventlisteners, fcgi-programs, servers),
// converting each option through its schema row. Program sections live in programs.cc.
#include "supervisord/config/loader.h"

#include <glob.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>

#include "common/pystr.h"
#include "common/text_io.h"
#include "supervisord/config/loader_context.h"
#include "supervisord/config/schema.h"

extern char** environ;

namespace config {
namespace {

using namespace std::string_literals;
using schema::Row;

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// os.path.join(a, b): an absolute b replaces a; an empty a adds nothing.
std::string path_join(const std::string& a, const std::string& b) {
  if (!b.empty() && b[0] == '/') return b;
  if (a.empty()) return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

std::string dirname(const std::string& p) {
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string absolute_from(const std::string& cwd, const std::string& p) {
  return values::normalize_path(path_join(cwd, values::expand_user(p)));
}

// tempfile.gettempdir(): $TMPDIR, $TEMP, $TMP if a directory, else /tmp.
std::string temp_dir(const std::vector<std::pair<std::string, std::string>>& env,
                     const std::string& cwd) {
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    for (const auto& [k, v] : env) {
      if (k == name && !v.empty() && is_dir(absolute_from(cwd, v))) return absolute_from(cwd, v);
    }
  }
  for (const char* dir : {"/tmp", "/var/tmp", "/usr/tmp"}) {
    if (is_dir(dir)) return dir;
  }
  return cwd;
}

// Reads a whole config file; Supervisor's texts for a missing or unreadable one.
Result<std::string> read_file(const std::string& path, const std::string& shown) {
  if (!exists(path)) return Result<std::string>::fail("could not find config file " + shown);
  if (is_dir(path)) return Result<std::string>::fail("could not read config file " + shown);
  auto text = textio::read_file(path);
  if (!text) return Result<std::string>::fail("could not read config file " + shown);
  return std::move(*text);
}

// A number outside its row's bounds, in the words of Supervisor's RangeCheckedConversion
// ("5 is below lower bound (1024)"); "" when in range or not a number.
std::string out_of_bounds(const schema::Row& row, const schema::Value& value) {
  const auto* n = std::get_if<int64_t>(&value);
  if (!n) return {};
  if (*n < row.min)
    return std::to_string(*n) + " is below lower bound (" + std::to_string(row.min) + ")";
  if (*n > row.max)
    return std::to_string(*n) + " is above upper bound (" + std::to_string(row.max) + ")";
  return {};
}

}  // namespace

Result<std::string> find_config_file(const std::string& argv0) {
  std::string bin = dirname(dirname(argv0));
  const std::vector<std::string> paths = {path_join(path_join(bin, "etc"), "supervisord.conf"),
                                          path_join(bin, "supervisord.conf"),
                                          "supervisord.conf",
                                          "etc/supervisord.conf",
                                          "/etc/supervisord.conf",
                                          "/etc/supervisor/supervisord.conf"};
  for (const auto& p : paths) {
    if (exists(p)) return p;
  }
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "" : ", ") + p;
  return Result<std::string>::fail("No config file found at default paths (" + list +
                                   "); use the -c option to specify a config file at a "
                                   "different path");
}

namespace {

class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) {}

  Result<Config> run() {
    if (auto s = setup(); !s) return Error{s.error()};
    if (auto s = read_main_and_includes(); !s) return Error{s.error()};
    if (!ctx_.doc.find("supervisord")) {
      return Error{ctx_.main_shown + ":1: .ini file does not include supervisord section"};
    }
    if (auto s = supervisord_section(); !s) return Error{s.error()};
    if (auto s = rpcinterfaces(); !s) return Error{s.error()};
    if (auto s = load_groups(ctx_); !s) return Error{s.error()};
    if (auto s = servers(); !s) return Error{s.error()};
    warn_unknown();
    ctx_.config.host_node_name = ctx_.host;
    ctx_.config.cpu_count = ctx_.cpus;
    return std::move(ctx_.config);
  }

 private:
  Status setup() {
    if (options_.cwd) {
      ctx_.cwd = *options_.cwd;
    } else {
      char buf[4096];
      ctx_.cwd = ::getcwd(buf, sizeof buf) ? buf : "/";
    }
    if (options_.environment) {
      ctx_.os_env = *options_.environment;
    } else {
      for (char** e = environ; e && *e; ++e) {
        std::string item(*e);
        auto eq = item.find('=');
        if (eq != std::string::npos)
          ctx_.os_env.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      }
    }
    for (const auto& [k, v] : ctx_.os_env) ctx_.env.set("ENV_" + k, v);
    if (options_.host_name) {
      ctx_.host = *options_.host_name;
    } else {
      struct utsname u {};
      ctx_.host = ::uname(&u) == 0 ? u.nodename : "";
    }
    if (options_.cpu_count) {
      ctx_.cpus = *options_.cpu_count;
    } else {
      long n = ::sysconf(_SC_NPROCESSORS_ONLN);
      ctx_.cpus = n > 0 ? static_cast<int>(n) : 1;
    }
    std::string path = options_.config_path;
    if (path.empty()) {
      auto found = find_config_file(options_.argv0);
      if (!found) return Status::fail(found.error());
      path = *found;
    }
    ctx_.main_shown = path;
    ctx_.main_abs = absolute_from(ctx_.cwd, path);
    ctx_.here = dirname(ctx_.main_abs);
    ctx_.config.path = ctx_.main_abs;
    return Status::success();
  }

  // Included files are shown relative the way the main file was given (conf.d/app.conf),
  // so messages point where the user looks; they are read by absolute path.
  std::string shown_path(const std::string& abs) const {
    const std::string prefix = ctx_.here + "/";
    if (abs.compare(0, prefix.size(), prefix) != 0) return abs;
    std::string rest = abs.substr(prefix.size());
    if (!ctx_.main_shown.empty() && ctx_.main_shown[0] == '/') return abs;
    return path_join(dirname(ctx_.main_shown), rest);
  }

  Status parse(const std::string& abs, const std::string& shown) {
    auto text = read_file(abs, shown);
    if (!text) return Status::fail(text.error());
    return ctx_.doc.parse(*text, shown);
  }

  Status read_main_and_includes() {
    if (auto s = parse(ctx_.main_abs, ctx_.main_shown); !s) return s;
    const ini::Section* include = ctx_.doc.find("include");
    if (!include) return Status::success();
    ctx_.has_include = true;
    const ini::Entry* files = ctx_.doc.get(*include, "files");
    if (!files) {
      return Status::fail(ctx_.at_section(*include, "files",
                                          ".ini file has [include] section, but no files setting"));
    }
    expand::Scope scope = ctx_.env;
    scope.set("here", ctx_.here);
    scope.set("host_node_name", ctx_.host);
    auto text = ctx_.option_text(*include, "files", nullptr);
    auto expanded = ctx_.expand(*include, "files", *text, scope, "include.files");
    if (!expanded) return Status::fail(expanded.error());
    for (const auto& pattern : textio::words(*expanded)) {
      std::string full = path_join(ctx_.here, pattern);
      glob_t g{};
      std::vector<std::string> matches;
      if (::glob(full.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
      }
      ::globfree(&g);
      if (matches.empty()) {
        ctx_.config.warnings.push_back("No file matches via include \"" + full + "\"");
        continue;
      }
      std::sort(matches.begin(), matches.end());
      for (const auto& m : matches) {
        std::string abs = absolute_from(ctx_.cwd, m);
        // Python's ConfigParser.read() skips what it cannot open; so do we, but say so.
        int probe = ::open(abs.c_str(), O_RDONLY | O_CLOEXEC);
        if (probe >= 0) ::close(probe);
        if (probe < 0 || is_dir(abs)) {
          ctx_.config.warnings.push_back("Included file \"" + abs +
                                         "\" could not be read; skipped");
          continue;
        }
        ctx_.config.included.push_back(abs);
        if (auto s = parse(abs, shown_path(abs)); !s) return s;
      }
    }
    return Status::success();
  }

  Status supervisord_section() {
    const ini::Section& sec = *ctx_.doc.find("supervisord");
    auto& sup = ctx_.config.supervisord;
    schema::Target target;
    target.supervisord = &sup;
    expand::Scope scope = ctx_.env;
    scope.set("here", ctx_.here);
    expand::Scope second = ctx_.env;  // 4.2.5 expands environment= a second time
    second.set("here", ctx_.here);
    second.set("host_node_name", ctx_.host);
    std::string tmp = temp_dir(ctx_.os_env, ctx_.cwd);
    for (const Row& row : schema::rows()) {
      if (!(row.sections & schema::kSupervisord)) continue;
      const char* fallback = row.key == "childlogdir" ? tmp.c_str() : row.default_text;
      auto text = ctx_.option_text(sec, row.key, fallback);
      if (!text) continue;
      auto value = ctx_.expand(sec, row.key, *text, scope, "supervisord."s + std::string(row.key));
      if (!value) return Status::fail(value.error());
      std::string final_text = *value;
      if (row.names == schema::Names::HereEnvTwice) {
        auto again = ctx_.expand_again(sec, row.key, *text, final_text, second, row.key);
        if (!again) return Status::fail(again.error());
        final_text = *again;
      }
      auto converted = schema::convert(row.type, final_text);
      if (!converted) return Status::fail(ctx_.at_text(sec, row.key, *text, 0, converted.error()));
      if (std::string bad = out_of_bounds(row, *converted); !bad.empty())
        return Status::fail(ctx_.at_text(sec, row.key, *text, 0, bad));
      row.land(target, *converted, final_text);
    }
    for (const auto& [key, ov] : options_.overrides) {
      const Row* row = schema::find(schema::kSupervisord, key);
      std::string flag = !ov.flag.empty()           ? ov.flag
                         : row && !row->cli.empty() ? std::string(row->cli)
                                                    : "--" + key;
      if (!row || !row->land) return Status::fail("option " + flag + " not recognized");
      auto converted = schema::convert(row->type, ov.value);
      std::string bad = converted ? out_of_bounds(*row, *converted) : converted.error();
      if (!bad.empty()) {
        return Status::fail("invalid value for " + flag + " " + pystr::repr(ov.value) + ": " + bad);
      }
      row->land(target, *converted, ov.value);
    }
    // Relative logfile/pidfile are made absolute against the cwd, not the config's directory.
    if (sup.logfile != "syslog") sup.logfile = absolute_from(ctx_.cwd, sup.logfile);
    sup.pidfile = absolute_from(ctx_.cwd, sup.pidfile);
    // Later sections see [supervisord] environment= as ENV_* names, as in Supervisor.
    for (const auto& [k, v] : sup.environment) ctx_.env.set("ENV_" + k, v);
    return Status::success();
  }

  Status rpcinterfaces() {
    const std::string key = "supervisor.rpcinterface_factory";
    for (const auto& sec : ctx_.doc.sections()) {
      if (schema::section_kind(sec.name) != schema::kRpcInterface) continue;
      std::string name = sec.name.substr(sec.name.find(':') + 1);
      auto factory = ctx_.option_text(sec, key, nullptr);
      if (!factory) {
        return Status::fail(
            ctx_.at_section(sec, key, "section [" + sec.name + "] does not specify a " + key));
      }
      auto& kwargs = ctx_.config.rpcinterfaces[name];
      for (const ini::Entry* e : ctx_.doc.items(sec)) {
        auto text = ctx_.option_text(sec, e->key, nullptr);
        auto value = ctx_.expand(sec, e->key, *text, ctx_.env, sec.name + "." + e->key);
        if (!value) return Status::fail(value.error());
        kwargs[e->key] = *value;
      }
      if (kwargs[key] != "supervisor.rpcinterface:make_main_rpcinterface") {
        ctx_.config.warnings.push_back(ctx_.at_text(sec, key, *factory, 0,
                                                    "Python plugin " + kwargs[key] +
                                                        " is not available; only the built-in "
                                                        "supervisor.* interface is served"));
      }
    }
    return Status::success();
  }

  Status auth(const ini::Section& sec, std::string& username, std::string& password) {
    auto user = ctx_.option_text(sec, "username", nullptr);
    auto pass = ctx_.option_text(sec, "password", nullptr);
    if (user.has_value() != pass.has_value()) {
      return Status::fail(ctx_.at_section(
          sec, user ? "password" : "username",
          "Section [" + sec.name +
              "] contains incomplete authentication: If a username or a "
              "password is specified, both the username and password must be specified"));
    }
    if (!user) return Status::success();
    auto u = ctx_.expand(sec, "username", *user, ctx_.env, sec.name + ".username");
    if (!u) return Status::fail(u.error());
    auto p = ctx_.expand(sec, "password", *pass, ctx_.env, sec.name + ".password");
    if (!p) return Status::fail(p.error());
    username = *u;
    password = *p;
    return Status::success();
  }

  Status servers() {
    for (const auto& sec : ctx_.doc.sections()) {
      if (schema::section_kind(sec.name) != schema::kInetHttpServer) continue;
      InetServerConfig server;
      server.section = sec.name;
      if (auto s = auth(sec, server.username, server.password); !s) return s;
      auto port = ctx_.option_text(sec, "port", nullptr);
      if (!port) {
        return Status::fail(
            ctx_.at_section(sec, "port", "section [" + sec.name + "] has no port value"));
      }
      auto text = ctx_.expand(sec, "port", *port, ctx_.env, sec.name + ".port");
      if (!text) return Status::fail(text.error());
      auto address = schema::inet_address(*text);
      if (!address) return Status::fail(ctx_.at_text(sec, "port", *port, 0, address.error()));
      server.host = address->first;
      server.port = address->second;
      if (auto metrics_auth = ctx_.option_text(sec, "metrics_auth", nullptr)) {
        auto text =
            ctx_.expand(sec, "metrics_auth", *metrics_auth, ctx_.env, sec.name + ".metrics_auth");
        if (!text) return Status::fail(text.error());
        auto on = values::boolean(*text);
        if (!on)
          return Status::fail(ctx_.at_text(sec, "metrics_auth", *metrics_auth, 0, on.error()));
        server.metrics_auth = *on;
      }
      ctx_.config.inet_servers.push_back(std::move(server));
    }
    for (const auto& sec : ctx_.doc.sections()) {
      if (schema::section_kind(sec.name) != schema::kUnixHttpServer) continue;
      UnixServerConfig server;
      server.section = sec.name;
      expand::Scope scope = ctx_.env;
      scope.set("here", ctx_.here);
      auto file = ctx_.option_text(sec, "file", nullptr);
      if (!file) {
        return Status::fail(
            ctx_.at_section(sec, "file", "section [" + sec.name + "] has no file value"));
      }
      auto path = ctx_.expand(sec, "file", *file, scope, sec.name + ".file");
      if (!path) return Status::fail(path.error());
      std::string stripped = *path;
      stripped.erase(0, stripped.find_first_not_of(" \t\n\r\f\v"));
      stripped.erase(stripped.find_last_not_of(" \t\n\r\f\v") + 1);
      server.file = absolute_from(ctx_.cwd, stripped);
      if (auto s = auth(sec, server.username, server.password); !s) return s;
      if (auto chown = ctx_.option_text(sec, "chown", nullptr)) {
        auto text = ctx_.expand(sec, "chown", *chown, ctx_.env, sec.name + ".chown");
        if (!text) return Status::fail(text.error());
        auto owner = values::user_group(*text);
        if (!owner) {
          return Status::fail(
              ctx_.at_text(sec, "chown", *chown, 0, "Invalid sockchown value " + *text));
        }
        server.chown = *owner;
      }
      if (auto chmod = ctx_.option_text(sec, "chmod", nullptr)) {
        auto text = ctx_.expand(sec, "chmod", *chmod, ctx_.env, sec.name + ".chmod");
        if (!text) return Status::fail(text.error());
        auto mode = values::octal(*text);
        if (!mode) {
          return Status::fail(
              ctx_.at_text(sec, "chmod", *chmod, 0, "Invalid chmod value " + *text));
        }
        server.chmod = *mode;
      }
      ctx_.config.unix_servers.push_back(std::move(server));
    }
    return Status::success();
  }

  // Supervisor ignores unknown options and sections silently; we keep going too but say so,
  // because a misspelt option (autorestrat=) otherwise fails without a trace.
  void warn_unknown() {
    for (const auto& sec : ctx_.doc.sections()) {
      unsigned kind = schema::section_kind(sec.name);
      if (kind == 0) {
        if (sec.name.rfind("ctlplugin:", 0) == 0) continue;
        ctx_.config.warnings.push_back(ctx_.at_section(sec, "", "unknown section ignored"));
        continue;
      }
      if (kind == schema::kRpcInterface) continue;
      for (const auto& e : sec.entries) {
        if (schema::find(kind, e.key)) continue;
        ctx_.config.warnings.push_back(ini::render_error(
            ini::locate(e, 0), "[" + sec.name + "] " + e.key + ": unknown option ignored"));
      }
    }
  }

  const LoadOptions& options_;
  LoadContext ctx_;
};

}  // namespace

Result<Config> load(const LoadOptions& options) {
  Loader loader(options);
  return loader.run();
}

}  // namespace config
