// values_path.cc — os.path.expanduser / normpath / abspath, which Supervisor
// applies to directory=, *_logfile= and friends. Pure string work except the
// passwd lookup for "~" and the cwd for absolute_path.
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/values.h"

namespace values {
namespace {

// A passwd home directory, or nullopt. Uses the _r variant: the daemon may
// resolve paths while other threads look users up.
std::optional<std::string> home_of(const char* name, uid_t uid) {
  std::string buffer(4096, '\0');
  for (;;) {
    passwd record{};
    passwd* found = nullptr;
    const int rc = name != nullptr
                       ? ::getpwnam_r(name, &record, buffer.data(), buffer.size(), &found)
                       : ::getpwuid_r(uid, &record, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (size_t{1} << 24)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr || record.pw_dir == nullptr) return std::nullopt;
    return std::string(record.pw_dir);
  }
}

}  // namespace

std::string expand_user(std::string_view path) {
  if (path.empty() || path[0] != '~') return std::string(path);
  size_t end = path.find('/', 1);
  if (end == std::string_view::npos) end = path.size();
  std::optional<std::string> home;
  if (end == 1) {
    // $HOME wins over the passwd entry, as in Python.
    if (const char* env = std::getenv("HOME")) {
      home = env;
    } else {
      home = home_of(nullptr, ::getuid());
    }
  } else {
    const std::string name(path.substr(1, end - 1));
    if (name.find('\0') == std::string::npos) home = home_of(name.c_str(), 0);
  }
  if (!home) return std::string(path);  // unknown user: left as written
  while (!home->empty() && home->back() == '/') home->pop_back();
  std::string out = *home + std::string(path.substr(end));
  return out.empty() ? "/" : out;
}

std::string normalize_path(std::string_view path) {
  if (path.empty()) return ".";
  // POSIX lets exactly two leading slashes mean something else; Python keeps them.
  size_t leading = 0;
  if (path[0] == '/')
    leading = (path.size() >= 2 && path[1] == '/' && (path.size() == 2 || path[2] != '/')) ? 2 : 1;
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (leading == 0 && (parts.empty() || parts.back() == "..")) {
      parts.push_back(part);  // a relative path keeps the ".." it cannot resolve
    } else if (!parts.empty()) {
      parts.pop_back();
    }
  }
  std::string out(leading, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out.append(parts[i]);
  }
  return out.empty() ? "." : out;
}

std::string absolute_path(std::string_view path) {
  if (!path.empty() && path[0] == '/') return normalize_path(path);
  std::string cwd;
  std::vector<char> buffer(4096);
  for (;;) {
    if (::getcwd(buffer.data(), buffer.size()) != nullptr) {
      cwd = buffer.data();
      break;
    }
    if (errno != ERANGE || buffer.size() > (size_t{1} << 20)) break;
    buffer.resize(buffer.size() * 2);
  }
  if (cwd.empty()) return normalize_path(path);
  if (path.empty()) return normalize_path(cwd);
  return normalize_path(cwd + "/" + std::string(path));
}

}  // namespace values
