// schema.h — every option of every section Supervisor reads, declared once as a row:
// section kinds, key, type, default text, bounds, expansion names, doc line, and how the
// converted value lands in the model. The loader, --check-config, the sample config and the
// man page read this list. Owns the text -> typed value conversions that are not plain
// common/values.h calls. Must not depend on ini.h or expand.h (no parsing of documents here).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/values.h"
#include "supervisord/config/model.h"

namespace config::schema {

// Section kinds as bits, so one row can serve program, eventlistener and fcgi-program.
enum SectionKind : unsigned {
  kSupervisord = 1u << 0,
  kUnixHttpServer = 1u << 1,
  kInetHttpServer = 1u << 2,
  kSupervisorctl = 1u << 3,
  kProgram = 1u << 4,
  kEventListener = 1u << 5,
  kFcgiProgram = 1u << 6,
  kGroup = 1u << 7,
  kInclude = 1u << 8,
  kRpcInterface = 1u << 9,
};
constexpr unsigned kAnyProgram = kProgram | kEventListener | kFcgiProgram;

// Kind of a section name ("program:x" -> kProgram); 0 for a name Supervisor ignores.
unsigned section_kind(std::string_view section_name);
std::string_view section_kind_name(unsigned kind);  // "program", "unix_http_server", ...

enum class Type {
  Text,         // kept as written (after expansion)
  Boolean,      // true/yes/on/1, false/no/off/0
  Integer,      // Python int()
  ByteSize,     // digits[KB|MB|GB]
  Octal,        // int(v, 8)
  Signal,       // name or number
  ExitCodes,    // "0,2"
  Logfile,      // AUTO / NONE / OFF / syslog / path with an existing directory
  DirPath,      // path whose directory exists (supervisord logfile, pidfile)
  Directory,    // existing directory
  User,         // name or uid that exists
  UserGroup,    // user[:group]
  Environment,  // KEY=VAL,...
  Name,         // process/group name (no ' ', ':' or '/')
  Autorestart,  // true / false / unexpected
  LogLevel,     // critical error warn info debug trace blather
  StringList,   // comma list, items stripped
  InetAddress,  // host:port, *:port, port
};
std::string_view type_name(Type type);

// Which %(name)s names an option's value is expanded with (Supervisor's, per option).
enum class Names {
  None,             // not expanded (or expanded by hand in the loader, see the doc line)
  Env,              // ENV_*
  HereEnv,          // here, ENV_*
  HereEnvTwice,     // [supervisord] environment in 4.2.5: here+ENV_*, then + host_node_name
  IncludeFiles,     // here, host_node_name, ENV_*
  ProgramOnce,      // group A: here, program_name, group_name, host_node_name, ENV_*
  PerProcess,       // group B: group A + process_num, numprocs, ENV_* of environment=
  PerProcessTwice,  // *_logfile: group B, expanded twice
  ProcessEnv,       // program environment=: group A + process_num, numprocs
  FcgiSocket,       // program_name, here, ENV_*
};

// A converted value. Monostate = "unset" (an optional option without a default).
using EnvList = std::vector<std::pair<std::string, std::string>>;
using Value =
    std::variant<std::monostate, bool, int64_t, std::string, std::vector<int>, values::LogfileName,
                 values::UserId, values::UserGroup, EnvList, std::vector<std::string>, Autorestart>;

// Where a row's value lands; the loader points the member for the section kind at hand.
struct Target {
  SupervisordConfig* supervisord = nullptr;
  ProcessConfig* process = nullptr;
  UnixServerConfig* unix_server = nullptr;
  InetServerConfig* inet_server = nullptr;
  GroupConfig* group = nullptr;
};

struct Row {
  unsigned sections;  // SectionKind bits
  std::string_view key;
  Type type;
  const char* default_text;  // nullptr: no default (unset, or required: see `required`)
  Names names;
  std::string_view doc;
  // Stores the converted value (and, where the model wants it, the text as written).
  // nullptr for rows read only by supervisorctl or handled wholly by the loader.
  void (*land)(Target&, const Value&, std::string_view text);
  bool required = false;
  bool extension = false;   // not in Supervisor 4.2.5
  int64_t min = INT64_MIN;  // inclusive bounds for Integer rows (checked by the loader)
  int64_t max = INT64_MAX;
  std::string_view cli = {};  // supervisord command line flag ("-l"), for [supervisord]
};

std::span<const Row> rows();
// The row for `key` in a section of `kind` (a single SectionKind bit); null if unknown.
const Row* find(unsigned kind, std::string_view key);

// Converts expanded text to the row's type with Supervisor's error text (no prefix).
Result<Value> convert(Type type, std::string_view text);

// Conversions values.h does not have (texts as Supervisor's datatypes):
// cpu_max= (extension) as cpu.max wants it: "QUOTA PERIOD" (microseconds, quota >= 1000,
// period 1000..1000000), "QUOTA" (period 100000), "N%" of one CPU, "max".
Result<std::string> cpu_max(std::string_view v);
Result<int> logging_level(std::string_view v);         // "bad logging level name 'x'"
Result<Autorestart> auto_restart(std::string_view v);  // "invalid 'autorestart' value 'x'"
std::vector<std::string> list_of_strings(std::string_view v);
Result<std::pair<std::string, int>> inet_address(std::string_view v);

// Event type names an [eventlistener:x] events= line may use (EventTypes of 4.2.5).
std::span<const std::string_view> event_type_names();

}  // namespace config::schema
