// sample.cc — the sample config, one line per schema row. What is ours here is only what a
// row does not say: which sections the sample writes, their headers and intros, and example
// values for options whose default would not make a useful (or loadable) sample.
#include "supervisord/config/sample.h"

#include <set>
#include <string_view>

#include "supervisord/config/schema.h"

namespace config {
namespace {

using schema::Row;

struct Section {
  unsigned kind;
  std::string_view header;
  bool active;  // written uncommented in the default sample
  std::string_view intro;
};

constexpr Section kSections[] = {
    {schema::kUnixHttpServer, "unix_http_server", true,
     "The control socket. supervisorctl and XML-RPC clients talk to supervisord here."},
    {schema::kInetHttpServer, "inet_http_server", false,
     "The same control API over TCP. Without username and password, anyone who can\n"
     "reach the port controls every process: bind to 127.0.0.1 or set both."},
    {schema::kSupervisord, "supervisord", true, "The daemon itself. This section is required."},
    {schema::kRpcInterface, "rpcinterface:supervisor", true,
     "Kept for compatibility: supervisorctl and Python tools expect this section. The\n"
     "supervisor.* API is built in, the factory name is accepted and not loaded."},
    {schema::kSupervisorctl, "supervisorctl", true,
     "Read by supervisorctl only: where the daemon is and how to log in."},
    {schema::kProgram, "program:theprogramname", false,
     "One program: numprocs processes started from one command. The section name is\n"
     "the program's (and, unless a [group:x] lists it, its group's) name."},
    {schema::kEventListener, "eventlistener:theeventlistenername", false,
     "A pool of event listener processes. Takes the [program:x] options (above) plus\n"
     "events, buffer_size and result_handler; redirect_stderr must stay false."},
    {schema::kFcgiProgram, "fcgi-program:thefcgiprogramname", false,
     "A FastCGI program: supervisord binds the socket and hands it to every process as\n"
     "fd 0. Takes the [program:x] options (above) plus the socket options."},
    {schema::kGroup, "group:thegroupname", false,
     "Puts programs into one group (group:* names them all in supervisorctl)."},
    {schema::kInclude, "include", false,
     "More files to read, as if they were part of this one (only from the main file)."},
};

struct Example {
  unsigned kind;
  std::string_view key;
  std::string_view value;
  bool active;  // uncommented in the default sample (its section must be active)
};

// Values shown instead of the default (or where there is none). Paths stay under /tmp so
// the sample runs anywhere; users and groups are ones every Debian system has.
constexpr Example kExamples[] = {
    {schema::kUnixHttpServer, "file", "/tmp/supervisor.sock", true},
    {schema::kUnixHttpServer, "chown", "root:root", false},
    {schema::kUnixHttpServer, "username", "user", false},
    {schema::kUnixHttpServer, "password", "123", false},
    {schema::kInetHttpServer, "port", "127.0.0.1:9001", false},
    {schema::kInetHttpServer, "username", "user", false},
    {schema::kInetHttpServer, "password", "123", false},
    {schema::kSupervisord, "logfile", "/tmp/supervisord.log", true},
    {schema::kSupervisord, "pidfile", "/tmp/supervisord.pid", true},
    {schema::kSupervisord, "childlogdir", "/tmp", false},
    {schema::kSupervisord, "user", "root", false},
    {schema::kSupervisord, "directory", "/tmp", false},
    {schema::kSupervisord, "environment", "KEY1=\"value1\",KEY2=\"value2\"", false},
    {schema::kSupervisorctl, "serverurl", "unix:///tmp/supervisor.sock", true},
    {schema::kSupervisorctl, "username", "user", false},
    {schema::kSupervisorctl, "password", "123", false},
    {schema::kSupervisorctl, "history_file", "~/.sc_history", false},
    {schema::kAnyProgram, "command", "/bin/cat", false},
    {schema::kAnyProgram, "killasgroup", "false", false},
    {schema::kAnyProgram, "user", "nobody", false},
    {schema::kAnyProgram, "environment", "A=\"1\",B=\"2\"", false},
    {schema::kAnyProgram, "directory", "/tmp", false},
    {schema::kAnyProgram, "umask", "022", false},
    {schema::kAnyProgram, "memory_max", "512MB", false},
    {schema::kAnyProgram, "memory_high", "400MB", false},
    {schema::kAnyProgram, "cpu_max", "50000 100000", false},
    {schema::kAnyProgram, "pids_max", "100", false},
    {schema::kEventListener, "events", "PROCESS_STATE,TICK_60", false},
    {schema::kFcgiProgram, "socket", "unix:///tmp/%(program_name)s.sock", false},
    {schema::kFcgiProgram, "socket_backlog", "1024", false},
    {schema::kFcgiProgram, "socket_owner", "nobody:nogroup", false},
    {schema::kFcgiProgram, "socket_mode", "0700", false},
    {schema::kGroup, "programs", "theprogramname", false},
    {schema::kInclude, "files", "conf.d/*.conf", false},
    {schema::kRpcInterface, "supervisor.rpcinterface_factory",
     "supervisor.rpcinterface:make_main_rpcinterface", true},
};

const Example* find_example(unsigned kind, std::string_view key) {
  for (const auto& e : kExamples) {
    if ((e.kind & kind) != 0 && e.key == key) return &e;
  }
  return nullptr;
}

constexpr size_t kCommentColumn = 34;
constexpr size_t kWidth = 96;

// "; " + text, wrapped at word boundaries; continuation lines start at column 0 with ';'
// (a full-line comment to every INI reader) and are padded to the comment column.
void append_comment(std::string& out, std::string line, std::string_view text) {
  if (line.size() < kCommentColumn)
    line.resize(kCommentColumn, ' ');
  else
    line += ' ';
  line += "; ";
  size_t start = line.size();
  std::string pad = ";" + std::string(kCommentColumn + 1, ' ');
  while (!text.empty()) {
    auto space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (line.size() > start && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line = pad;
      start = line.size();
    } else if (line.size() > start) {
      line += ' ';
    }
    line += word;
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  out += line + "\n";
}

void append_intro(std::string& out, std::string_view intro) {
  while (!intro.empty()) {
    auto nl = intro.find('\n');
    out += "; ";
    out += intro.substr(0, nl);
    out += "\n";
    intro = nl == std::string_view::npos ? std::string_view{} : intro.substr(nl + 1);
  }
}

void append_section(std::string& out, const Section& s, const SampleOptions& options,
                    std::set<const Row*>& documented) {
  bool section_active = options.activate_all || s.active;
  out += "\n";
  append_intro(out, s.intro);
  out += section_active ? "[" : ";[";
  out += s.header;
  out += "]\n";
  for (const Row& row : schema::rows()) {
    if ((row.sections & s.kind) == 0) continue;
    const Example* ex = find_example(s.kind, row.key);
    std::string_view value = ex ? ex->value : (row.default_text ? row.default_text : "");
    bool active = options.activate_all || (section_active && (row.required || (ex && ex->active)));
    std::string line = active ? "" : ";";
    line += row.key;
    line += "=";
    line += value;
    // Shared rows ([program:x] options in listener and fcgi sections) are explained once.
    if (!documented.insert(&row).second) {
      out += line + "\n";
      continue;
    }
    std::string note(row.doc);
    if (row.extension && note.rfind("extension", 0) != 0) note = "extension: " + note;
    if (row.required) {
      note += " (required)";
    } else if (row.default_text && value != row.default_text) {
      std::string_view d = row.default_text;
      note += " (default: ";
      note += d.empty() ? "empty" : d;
      note += ")";
    } else if (!row.default_text && !ex) {
      note += " (no default)";
    }
    append_comment(out, line, note);
  }
}

}  // namespace

std::string sample_config(const SampleOptions& options) {
  std::string out =
      "; Sample supervisord configuration for supervisor-cpp, printed by\n"
      "; `supervisord --sample-config` and `echo_supervisord_conf` from the same option\n"
      "; table the loader uses. Python Supervisor 4.2 reads this file too.\n"
      ";\n"
      "; Format: INI. Comments start with ';' or '#' (inline: after a space). A line\n"
      "; written ';key=value' is commented out; the value shown is the default unless the\n"
      "; comment names another one. Values may use %(here)s (this file's directory),\n"
      "; %(ENV_NAME)s and, in program sections, %(program_name)s, %(process_num)02d and\n"
      "; more (supervisord.conf(5)); write a literal percent sign as %%.\n"
      "; Options marked 'extension:' are ours; Python Supervisor ignores them.\n"
      ";\n"
      "; Check a config without starting anything: supervisord -c FILE --check-config\n";
  std::set<const Row*> documented;
  for (const Section& s : kSections) append_section(out, s, options, documented);
  return out;
}

}  // namespace config
