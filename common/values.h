// values.h — Supervisor's value types (boolean, byte size, octal, signal, ...): text -> value, with
// Supervisor's error texts. Pure functions except the user/group lookups (getpwnam)
// and the filesystem checks of existing_directory / logfile_name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace values {

// Python's int(text, base) for base 8 or 10, limited to int64: surrounding whitespace,
// one sign, '_' only between digits (and after a 0o prefix). Overflow: a valid literal
// outside int64 (Python would still parse it). integer() and octal() are built on it.
enum class IntStatus { Ok, Invalid, Overflow };
IntStatus python_int(std::string_view text, int base, int64_t& out);

Result<bool> boolean(std::string_view v);       // true/yes/on/1, false/no/off/0
Result<int64_t> integer(std::string_view v);    // Python int(): strip, sign, '_' between digits
Result<int64_t> byte_size(std::string_view v);  // digits[KB|MB|GB], x1024^n, case-insensitive
Result<mode_t> octal(std::string_view v);       // int(v, 8): "022", "0o22", "0700"
Result<int> signal_number(std::string_view v);  // "TERM", "sigterm", "15"
std::string signal_name(int sig);               // 15 -> "SIGTERM"; unknown -> "signal 99"
Result<std::vector<int>> exit_codes(std::string_view v);  // "0,2" ; "" -> {}
// Process/group/program name: stripped; no ' ', ':' or '/'.
Result<std::string> process_or_group_name(std::string_view v);

// *_logfile values.
struct LogfileName {
  enum class Kind { Auto, None, Syslog, Path };
  Kind kind = Kind::Auto;
  std::string path;  // Kind::Path: ~ expanded; its directory exists
};
Result<LogfileName> logfile_name(std::string_view v);
Result<std::string> existing_directory(std::string_view v);  // ~ expanded

struct UserId {
  uid_t uid = 0;
  gid_t gid = 0;     // primary group
  std::string name;  // user name ("" if the uid has no passwd entry: then lookup fails)
};
Result<UserId> user(std::string_view v);  // name or numeric uid that exists
// gid of a "user" without ":group": chown(2)'s "leave the group as it is".
inline constexpr gid_t kNoGroup = static_cast<gid_t>(-1);
struct UserGroup {
  uid_t uid = 0;
  gid_t gid = 0;  // kNoGroup when only a user was given
};
Result<UserGroup> user_group(std::string_view v);  // "user" or "user:group"

// environment= : KEY=VAL pairs separated by any single token (normally ','), shlex
// legacy-mode tokenisation with word characters A-Za-z0-9_/.+-():, quotes stripped.
// Keys keep their case. Order kept; a repeated key: later wins in place.
Result<std::vector<std::pair<std::string, std::string>>> environment(std::string_view v);

// Python shlex.split(v) (POSIX mode, comments off): for command=.
Result<std::vector<std::string>> shlex_split(std::string_view v);

// ~ and ~user expansion as os.path.expanduser; normalise as os.path.normpath/abspath.
std::string expand_user(std::string_view path);
std::string normalize_path(std::string_view path);  // os.path.normpath
std::string absolute_path(std::string_view path);   // os.path.abspath (against cwd)

}  // namespace values
