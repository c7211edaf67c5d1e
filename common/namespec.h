// namespec.h — the process names supervisorctl and the XML-RPC API take, as Supervisor's:
// "group:process", a bare "x" meaning "x:x", "group:*" and "group:" meaning the whole group,
// and "all" among supervisorctl's arguments meaning every process; plus the "namespec" form
// names are printed in. Pure text: knows nothing of which groups or processes exist.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace namespec {

struct NameSpec {
  std::string group;
  std::optional<std::string> process;  // nullopt: the whole group

  bool whole_group() const { return !process.has_value(); }
  bool operator==(const NameSpec&) const = default;
};

// Splits at the first ':' only ("a:b:c" is group "a", process "b:c"); nothing is stripped or
// validated, so "" is group "" process "" and matches nothing, as in Supervisor.
NameSpec parse(std::string_view name);

// The printed name: the process name alone when it equals the group name, else
// "group:process". parse(make(g, p)) gives back {g, p} whenever g holds no ':'.
std::string make(std::string_view group, std::string_view process);
// The same text appended to `out` (status lines build it where it goes).
void append(std::string& out, std::string_view group, std::string_view process);

// supervisorctl's start/stop/restart/signal/clear/status/pid: "all" anywhere in the argument
// list means every process, and the other names are ignored. Case-sensitive ("ALL" is a name).
bool mentions_all(const std::vector<std::string>& names);

}  // namespace namespec
