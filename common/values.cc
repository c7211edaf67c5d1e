// values.cc — Supervisor's value types with its exact error texts. Numbers
// follow Python's int() (that is what datatypes.py calls), names and paths
// follow the pwd/grp calls Supervisor makes. The tokenisers (environment,
// shlex_split) live in values_shlex.cc, the path helpers in values_path.cc.
#include "common/values.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <optional>

#include "common/pyspace.h"
#include "common/pystr.h"

namespace values {
namespace {

bool is_digit(char c, int base) {
  return c >= '0' && c < static_cast<char>('0' + base);
}

}  // namespace

IntStatus python_int(std::string_view text, int base, int64_t& out) {
  std::string_view s = pyspace::strip(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  bool underscore_ok = false;  // an '_' may follow a digit, or the 0o prefix
  if (base == 8 && s.size() >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    s.remove_prefix(2);
    underscore_ok = true;
  }
  if (s.empty()) return IntStatus::Invalid;
  uint64_t magnitude = 0;
  bool overflow = false;
  bool last_was_digit = false;
  for (char c : s) {
    if (c == '_') {
      if (!underscore_ok) return IntStatus::Invalid;
      underscore_ok = false;
      last_was_digit = false;
      continue;
    }
    if (!is_digit(c, base)) return IntStatus::Invalid;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      magnitude = magnitude * static_cast<uint64_t>(base) + digit;
    }
    underscore_ok = true;
    last_was_digit = true;
  }
  if (!last_was_digit) return IntStatus::Invalid;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || magnitude > limit) return IntStatus::Overflow;
  out = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
  return IntStatus::Ok;
}

namespace {

std::string int_error(std::string_view text) {
  // CPython formats the literal with %.200R: its repr cut to 200 code points.
  const std::string quoted = pystr::repr(text);
  return "invalid literal for int() with base 10: " +
         std::string(pystr::first_code_points(quoted, 200));
}

Result<int64_t> decimal(std::string_view text) {
  int64_t value = 0;
  switch (python_int(text, 10, value)) {
    case IntStatus::Ok:
      return value;
    case IntStatus::Overflow:
      return Result<int64_t>::fail("integer out of range: " + pystr::repr(text));
    case IntStatus::Invalid:
      break;
  }
  return Result<int64_t>::fail(int_error(text));
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

struct SignalName {
  std::string_view name;
  int number;
  bool canonical;  // the name signal_name() prints for this number
};

// Every SIG* attribute of Python's signal module on Linux, so the same texts are
// accepted. SIG_DFL/SIG_IGN/SIG_BLOCK/... are there too: Supervisor accepts them.
const std::array<SignalName, 41>& signal_table() {
  static const std::array<SignalName, 41> kTable = {{
      {"SIGHUP", SIGHUP, true},
      {"SIGINT", SIGINT, true},
      {"SIGQUIT", SIGQUIT, true},
      {"SIGILL", SIGILL, true},
      {"SIGTRAP", SIGTRAP, true},
      {"SIGABRT", SIGABRT, true},
      {"SIGIOT", SIGIOT, false},
      {"SIGBUS", SIGBUS, true},
      {"SIGFPE", SIGFPE, true},
      {"SIGKILL", SIGKILL, true},
      {"SIGUSR1", SIGUSR1, true},
      {"SIGSEGV", SIGSEGV, true},
      {"SIGUSR2", SIGUSR2, true},
      {"SIGPIPE", SIGPIPE, true},
      {"SIGALRM", SIGALRM, true},
      {"SIGTERM", SIGTERM, true},
      {"SIGSTKFLT", SIGSTKFLT, true},
      {"SIGCHLD", SIGCHLD, true},
      {"SIGCLD", SIGCHLD, false},
      {"SIGCONT", SIGCONT, true},
      {"SIGSTOP", SIGSTOP, true},
      {"SIGTSTP", SIGTSTP, true},
      {"SIGTTIN", SIGTTIN, true},
      {"SIGTTOU", SIGTTOU, true},
      {"SIGURG", SIGURG, true},
      {"SIGXCPU", SIGXCPU, true},
      {"SIGXFSZ", SIGXFSZ, true},
      {"SIGVTALRM", SIGVTALRM, true},
      {"SIGPROF", SIGPROF, true},
      {"SIGWINCH", SIGWINCH, true},
      {"SIGPOLL", SIGPOLL, true},
      {"SIGIO", SIGIO, false},
      {"SIGPWR", SIGPWR, true},
      {"SIGSYS", SIGSYS, true},
      {"SIGRTMIN", SIGRTMIN, true},
      {"SIGRTMAX", SIGRTMAX, true},
      {"SIG_DFL", 0, false},
      {"SIG_IGN", 1, false},
      {"SIG_BLOCK", SIG_BLOCK, false},
      {"SIG_UNBLOCK", SIG_UNBLOCK, false},
      {"SIG_SETMASK", SIG_SETMASK, false},
  }};
  return kTable;
}

bool is_known_signal_number(int64_t number) {
  for (const SignalName& entry : signal_table()) {
    if (entry.number == number) return true;
  }
  return false;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// os.path.dirname.
std::string dirname(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string head(slash == std::string_view::npos ? std::string_view()
                                                   : path.substr(0, slash + 1));
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos) {
    while (!head.empty() && head.back() == '/') head.pop_back();
  }
  return head;
}

// The getpw*_r / getgr*_r calls want a caller buffer that may need to grow.
template <class Record, class Lookup>
bool lookup_record(Record& record, std::string& buffer, Lookup lookup) {
  buffer.assign(4096, '\0');
  for (;;) {
    Record* found = nullptr;
    const int rc = lookup(&record, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (size_t{1} << 24)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    return rc == 0 && found != nullptr;
  }
}

std::optional<UserId> user_from(const passwd& record) {
  return UserId{record.pw_uid, record.pw_gid, record.pw_name ? record.pw_name : ""};
}

std::optional<UserId> user_by_name(const std::string& name) {
  passwd record{};
  std::string buffer;
  if (!lookup_record(record, buffer, [&](passwd* r, char* b, size_t n, passwd** out) {
        return ::getpwnam_r(name.c_str(), r, b, n, out);
      })) {
    return std::nullopt;
  }
  return user_from(record);
}

std::optional<UserId> user_by_id(int64_t id) {
  if (id < 0 || id > std::numeric_limits<uid_t>::max()) return std::nullopt;
  passwd record{};
  std::string buffer;
  if (!lookup_record(record, buffer, [&](passwd* r, char* b, size_t n, passwd** out) {
        return ::getpwuid_r(static_cast<uid_t>(id), r, b, n, out);
      })) {
    return std::nullopt;
  }
  return user_from(record);
}

std::optional<gid_t> group_by_name(const std::string& name) {
  group record{};
  std::string buffer;
  if (!lookup_record(record, buffer, [&](group* r, char* b, size_t n, group** out) {
        return ::getgrnam_r(name.c_str(), r, b, n, out);
      })) {
    return std::nullopt;
  }
  return record.gr_gid;
}

std::optional<gid_t> group_by_id(int64_t id) {
  if (id < 0 || id > std::numeric_limits<gid_t>::max()) return std::nullopt;
  group record{};
  std::string buffer;
  if (!lookup_record(record, buffer, [&](group* r, char* b, size_t n, group** out) {
        return ::getgrgid_r(static_cast<gid_t>(id), r, b, n, out);
      })) {
    return std::nullopt;
  }
  return record.gr_gid;
}

// Supervisor's name_to_uid: text that int() accepts must be an existing uid,
// anything else an existing user name (looked up unstripped, as pwd does).
Result<UserId> name_to_user(std::string_view text) {
  int64_t id = 0;
  const IntStatus status = python_int(text, 10, id);
  if (status != IntStatus::Invalid) {
    std::optional<UserId> found;
    if (status == IntStatus::Ok) found = user_by_id(id);
    if (!found) return Result<UserId>::fail("Invalid user id " + std::string(text));
    return *found;
  }
  const std::string name(text);
  std::optional<UserId> found;
  if (name.find('\0') == std::string::npos) found = user_by_name(name);
  if (!found) return Result<UserId>::fail("Invalid user name " + name);
  return *found;
}

// Supervisor's name_to_gid, same shape as name_to_user.
std::optional<gid_t> name_to_gid(std::string_view text) {
  int64_t id = 0;
  const IntStatus status = python_int(text, 10, id);
  if (status == IntStatus::Ok) return group_by_id(id);
  if (status == IntStatus::Overflow) return std::nullopt;
  const std::string name(text);
  if (name.find('\0') != std::string::npos) return std::nullopt;
  return group_by_name(name);
}

}  // namespace

Result<bool> boolean(std::string_view v) {
  const std::string lowered = lower_ascii(v);
  if (lowered == "yes" || lowered == "true" || lowered == "on" || lowered == "1") return true;
  if (lowered == "no" || lowered == "false" || lowered == "off" || lowered == "0") return false;
  return Result<bool>::fail("not a valid boolean value: " + pystr::repr(v));
}

Result<int64_t> integer(std::string_view v) {
  return decimal(v);
}

Result<int64_t> byte_size(std::string_view v) {
  // Supervisor lower-cases first and then calls int() on what precedes a
  // two-letter suffix, so the error quotes that lowered remainder ('XKB' -> 'x').
  const std::string lowered = lower_ascii(v);
  struct Suffix {
    std::string_view text;
    int64_t factor;
  };
  static constexpr Suffix kSuffixes[] = {
      {"kb", int64_t{1} << 10}, {"mb", int64_t{1} << 20}, {"gb", int64_t{1} << 30}};
  std::string_view number = lowered;
  int64_t factor = 1;
  for (const Suffix& suffix : kSuffixes) {
    if (number.size() >= 2 && number.substr(number.size() - 2) == suffix.text) {
      number.remove_suffix(2);
      factor = suffix.factor;
      break;
    }
  }
  Result<int64_t> parsed = decimal(number);
  if (!parsed) return parsed;
  int64_t product = 0;
  if (__builtin_mul_overflow(*parsed, factor, &product)) {
    return Result<int64_t>::fail("integer out of range: " + pystr::repr(v));
  }
  return product;
}

Result<mode_t> octal(std::string_view v) {
  int64_t value = 0;
  // Python would accept a negative value and fail later (umask); a mode cannot be.
  if (python_int(v, 8, value) != IntStatus::Ok || value < 0 ||
      value > std::numeric_limits<mode_t>::max()) {
    return Result<mode_t>::fail(std::string(v) + " can not be converted to an octal type");
  }
  return static_cast<mode_t>(value);
}

Result<int> signal_number(std::string_view v) {
  int64_t number = 0;
  const IntStatus status = python_int(v, 10, number);
  if (status != IntStatus::Invalid) {
    if (status == IntStatus::Ok && is_known_signal_number(number)) return static_cast<int>(number);
    return Result<int>::fail("value " + pystr::repr(v) + " is not a valid signal number");
  }
  std::string name = upper_ascii(pyspace::strip(v));
  if (name.rfind("SIG", 0) != 0) name.insert(0, "SIG");
  for (const SignalName& entry : signal_table()) {
    if (entry.name == name) return entry.number;
  }
  return Result<int>::fail("value " + pystr::repr(v) + " is not a valid signal name");
}

std::string signal_name(int sig) {
  for (const SignalName& entry : signal_table()) {
    if (entry.canonical && entry.number == sig) return std::string(entry.name);
  }
  return "signal " + std::to_string(sig);
}

Result<std::vector<int>> exit_codes(std::string_view v) {
  std::vector<int> codes;
  if (v.empty()) return codes;
  size_t start = 0;
  for (;;) {
    const size_t comma = v.find(',', start);
    const std::string_view item =
        v.substr(start, comma == std::string_view::npos ? v.npos : comma - start);
    int64_t code = 0;
    if (python_int(item, 10, code) != IntStatus::Ok || code < 0 || code > 255) {
      return Result<std::vector<int>>::fail("not a valid list of exit codes: " + pystr::repr(v));
    }
    codes.push_back(static_cast<int>(code));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return codes;
}

Result<std::string> process_or_group_name(std::string_view v) {
  const std::string_view name = pyspace::strip(v);
  // The characters are tried in this order, so "a/b c" blames the space.
  for (char c : {' ', ':', '/'}) {
    if (name.find(c) != std::string_view::npos) {
      return Result<std::string>::fail(
          "Invalid name: " + pystr::repr(v) +
          " because of character: " + pystr::repr(std::string_view(&c, 1)));
    }
  }
  return std::string(name);
}

Result<LogfileName> logfile_name(std::string_view v) {
  const std::string lowered = lower_ascii(v);
  if (lowered == "none" || lowered == "off") return LogfileName{LogfileName::Kind::None, {}};
  if (lowered == "auto") return LogfileName{LogfileName::Kind::Auto, {}};
  if (lowered == "syslog") return LogfileName{LogfileName::Kind::Syslog, {}};
  std::string path = expand_user(v);
  const std::string directory = dirname(path);
  // A bare file name has no directory to check (relative to the cwd at open time).
  if (!directory.empty() && !is_directory(directory)) {
    return Result<LogfileName>::fail("The directory named as part of the path " + std::string(v) +
                                     " does not exist");
  }
  return LogfileName{LogfileName::Kind::Path, std::move(path)};
}

Result<std::string> existing_directory(std::string_view v) {
  std::string path = expand_user(v);
  if (!is_directory(path)) {
    return Result<std::string>::fail(std::string(v) + " is not an existing directory");
  }
  return path;
}

Result<UserId> user(std::string_view v) {
  return name_to_user(v);
}

Result<UserGroup> user_group(std::string_view v) {
  const size_t colon = v.find(':');
  const std::string_view user_part = v.substr(0, colon);
  auto fail = [&] {
    return Result<UserGroup>::fail("Invalid user:group definition " + std::string(v));
  };
  Result<UserId> found = name_to_user(user_part);
  if (!found) return fail();
  UserGroup out{found->uid, kNoGroup};
  if (colon != std::string_view::npos) {
    const std::optional<gid_t> gid = name_to_gid(v.substr(colon + 1));
    if (!gid) return fail();
    out.gid = *gid;
  }
  return out;
}

}  // namespace values
