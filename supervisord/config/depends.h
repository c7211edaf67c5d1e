// depends.h — the start-order dependency graph of a config (the depends_on extension):
// what a depends_on item names, and the load-time check that refuses unknown names, a
// process depending on itself, and cycles (spelt out: "a -> b -> a"). Pure: groups in,
// answers out; the loader turns a problem into a file:line message, the facade resolves
// items against its running groups with the same rules.
// Depends on the config model and common/namespec only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisord/config/model.h"

namespace config::depends {

using Groups = std::vector<std::shared_ptr<const GroupConfig>>;

// The processes one item names: "G:*" or "G:" every process of group G, "G:P" process P
// of G, a bare "N" process N of group N when there is one, else every process of group N
// (a numprocs program or a [group:x]). Empty: it names nothing.
std::vector<const ProcessConfig*> resolve(const Groups& groups, std::string_view item);

// The printed name of a process: "name", or "group:name" when they differ.
std::string display_name(const ProcessConfig& process);

// The first problem of the graph, in config order: the process whose depends_on is
// wrong and the message (no file or line: the caller knows the section).
struct Problem {
  const ProcessConfig* process = nullptr;
  std::string item;  // the offending item ("" for a cycle)
  std::string message;
};
std::optional<Problem> check(const Groups& groups);

// True when some process of `groups` has a depends_on.
bool any(const Groups& groups);

}  // namespace config::depends
